"""Live video: how fast a viewer gets a picture, how fresh it is, and what recording and live cost the edge.

One run against a real RTSP camera (ffmpeg encoding a 25 fps H.264 test pattern, key frame every second,
published through the test RTSP relay), the real platform (uvicorn, SQLite) and the real edge video service
in a child process:

The pattern carries sensor-like noise (``--grain``) so that its bitrate and decoding cost are a camera's, not
a flat test card's.

1. **decode**: a child runs the agent's analysis source on the camera (every frame decoded, 1 fps converted for
   the detectors): the baseline.
2. **decode + record (shared)**: the same, its packets also feeding the recorder, as the agent does (one
   connection per camera): the difference to 1. is what recording costs.
2b. **record (own connection)**: a child records the camera alone (the video service reading the camera itself,
   as when it runs without the analysis agent).
3. **record + live**: a child records and serves live through the control channel; this process asks for the
   camera like a browser (``POST /cameras/{id}/live``), times the first segment's arrival in the playlist, then
   reads the playlist every 0.5 s as a player does and takes the age of its newest segment
   (now - its #EXT-X-PROGRAM-DATE-TIME, start of the segment: what the player can show at best).

    python bench/live_video.py                       # 640x360 and 1280x720, 20 s per phase
    python bench/live_video.py --sizes 1280x720 --seconds 30

CPU is the child's own (getrusage) over the phase, as a share of one core; the ratios are against decoding in
the same run. Aims (issue): first segment <= 3 s, newest segment age p50 <= 2 s / p95 <= 4 s, remux < 5 % of
decoding.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def child(mode: str, url: str, seconds: float, data: Path, platform: str | None, key: str | None,
          camera_key: str) -> None:  # fmt: skip
    """Runs one phase and prints {"cpu_s", "wall_s"} as JSON on its last line."""
    from brightkitchen.edge.clock import SystemClock
    from brightkitchen.edge.sources import SourceOptions, StreamSource
    from brightkitchen.edge.video import VideoCamera, VideoService, VideoUplink

    if mode in ("decode", "decode_record"):
        # The agent's own analysis source (all frames decoded, 1 fps converted for the detectors); with
        # ``decode_record`` its packets also feed the recorder, as in the agent (one connection per camera).
        shared = None
        if mode == "decode_record":
            shared = VideoService(data, [VideoCamera(camera_key, url)], None, 0, lambda: 0, shared_sources=True)
            shared.start()
        tap = (lambda st, pk, conn: shared.feed(camera_key, st, pk, conn)) if shared else None
        source = StreamSource(camera_key, url, SourceOptions(), SystemClock(), lambda _f: None, on_packet=tap)
        cpu0, started = _cpu(), time.monotonic()
        source.start()
        print("started", flush=True)
        time.sleep(seconds)
        source.stop()
        source.join(5)
        if shared:
            shared.stop()
        print(json.dumps({"cpu_s": _cpu() - cpu0, "wall_s": time.monotonic() - started}))
        return
    uplink = VideoUplink(platform, key or "") if mode == "record_live" and platform else None
    service = VideoService(data, [VideoCamera(camera_key, url)], uplink, 0, lambda: 0)
    cpu0 = _cpu()
    started = time.monotonic()
    service.start()
    print("started", flush=True)
    time.sleep(seconds)
    service.stop()
    print(json.dumps({"cpu_s": _cpu() - cpu0, "wall_s": time.monotonic() - started}))


def run_child(mode: str, url: str, seconds: float, data: Path, platform: str = "", key: str = "",
              on_started: threading.Event | None = None, camera_key: str = "cam") -> dict[str, float]:  # fmt: skip
    cmd = [sys.executable, __file__, "--child", mode, "--url", url, "--seconds", str(seconds), "--data", str(data)]
    cmd += ["--camera-key", camera_key]
    if platform:
        cmd += ["--platform", platform, "--key", key]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    last = ""
    for line in proc.stdout:
        if line.strip() == "started" and on_started is not None:
            on_started.set()
        last = line
    proc.wait()
    if proc.returncode != 0:
        raise RuntimeError(f"child {mode} failed ({proc.returncode})")
    return dict(json.loads(last))


def newest_segment(playlist: str) -> datetime | None:
    times = [line.split(":", 1)[1] for line in playlist.splitlines() if line.startswith("#EXT-X-PROGRAM-DATE-TIME:")]
    return datetime.fromisoformat(times[-1].replace("Z", "+00:00")) if times else None


def measure_size(size: str, seconds: float, grain: int) -> dict[str, float]:
    import httpx
    from tests import factories as f
    from tests.edge.video.conftest import PatternCamera
    from tests.support import make_settings, running_server

    from brightkitchen.platform import migrate
    from brightkitchen.platform.app import create_app
    from brightkitchen.platform.context import PlatformContext

    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = Path(tmp_s)
        cam = PatternCamera(size=size, grain=grain)
        cam.start()
        try:
            settings = make_settings(f"sqlite:///{tmp / 'db.sqlite3'}", tmp)
            migrate.upgrade(settings)
            ctx = PlatformContext.build(settings)
            with ctx.sessions() as session:
                w = f.world(session)
                site_code = w.site_a1.code
                camera_id, camera_key = w.cameras[site_code].id, w.cameras[site_code].key
                device_key = w.device_keys[site_code]
            time.sleep(2)  # let the publisher settle
            decode = run_child("decode", cam.url, seconds, tmp / "d")
            decode_record = run_child("decode_record", cam.url, seconds, tmp / "dr")
            record = run_child("record", cam.url, seconds, tmp / "r")
            with running_server(create_app(ctx=ctx)) as base, httpx.Client(base_url=base, timeout=30) as http:
                # The edge names the camera by the platform's camera key.
                started = threading.Event()
                result: dict[str, dict[str, float]] = {}
                edge = threading.Thread(
                    target=lambda: result.update(
                        live=run_child(
                            "record_live", cam.url, seconds, tmp / "l", base, device_key, started, camera_key
                        )
                    )
                )
                edge.start()
                started.wait(30)
                time.sleep(1.5)  # the control channel is connected and recording runs, as on a real edge
                token = f.login(http, "sa_a1")
                t0 = time.monotonic()
                resp = http.post(f"/api/v1/cameras/{camera_id}/live", headers=token)
                resp.raise_for_status()
                playlist_url = resp.json()["playlist_url"]
                first_s = float("nan")
                ages: list[float] = []
                end = t0 + seconds - 3
                while time.monotonic() < end:
                    text = http.get(playlist_url).text
                    newest = newest_segment(text)
                    if newest is not None:
                        if first_s != first_s:  # nan: the first segment just arrived
                            first_s = time.monotonic() - t0
                        ages.append(time.time() - newest.timestamp())
                    time.sleep(0.2 if first_s != first_s else 0.5)
                edge.join()
            live = result["live"]
        finally:
            cam.stop()
    pct = lambda r: 100.0 * r["cpu_s"] / r["wall_s"]  # noqa: E731
    ages.sort()
    return {
        "decode_cpu_pct": pct(decode),
        "shared_record_cpu_pct": max(pct(decode_record) - pct(decode), 0.0),
        "record_cpu_pct": pct(record),
        "record_live_cpu_pct": pct(live),
        "first_segment_s": first_s,
        "age_p50_s": statistics.median(ages) if ages else float("nan"),
        "age_p95_s": ages[int(0.95 * (len(ages) - 1))] if ages else float("nan"),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="640x360,1280x720")
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--grain", type=int, default=8, help="sensor-like noise (0: the flat test pattern)")
    ap.add_argument("--child")
    ap.add_argument("--url")
    ap.add_argument("--data", type=Path)
    ap.add_argument("--platform")
    ap.add_argument("--key")
    ap.add_argument("--camera-key", default="cam")
    args = ap.parse_args()
    if args.child:
        child(args.child, args.url, args.seconds, args.data, args.platform, args.key, args.camera_key)
        return
    if shutil.which("ffmpeg") is None:
        sys.exit("ffmpeg is needed for the RTSP camera")
    print(f"{'size':>10} {'decode %':>9} {'shared rec %':>12} {'s.rec/dec':>9} {'own rec %':>9} {'o.rec/dec':>9} "
          f"{'live %':>7} {'live/dec':>9} {'first s':>8} {'age p50':>8} {'age p95':>8}")  # fmt: skip
    for size in args.sizes.split(","):
        r = measure_size(size, args.seconds, args.grain)
        live_only = max(r["record_live_cpu_pct"] - r["record_cpu_pct"], 0.0)
        print(
            f"{size:>10} {r['decode_cpu_pct']:9.1f} {r['shared_record_cpu_pct']:12.2f} "
            f"{r['shared_record_cpu_pct'] / r['decode_cpu_pct']:9.3f} {r['record_cpu_pct']:9.2f} "
            f"{r['record_cpu_pct'] / r['decode_cpu_pct']:9.3f} {live_only:7.2f} "
            f"{live_only / r['decode_cpu_pct']:9.3f} {r['first_segment_s']:8.2f} {r['age_p50_s']:8.2f} "
            f"{r['age_p95_s']:8.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
