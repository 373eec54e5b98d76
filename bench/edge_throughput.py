"""Edge throughput: how many cameras this machine sustains at 1 fps through the whole edge pipeline.

N simulated cameras are 720p H.264 files (made from the real photos in ../shared/datasets, upscaled),
looped at real speed through the real decode path (PyAV, one thread per camera), then the real detector
stack (models from ../shared/models), tracking, rules, evidence (JPEG + H.264 clip), the SQLite outbox
and the uploader, which posts to a local stub platform. Each N runs in its own process so peak memory
(getrusage) is that run's alone.

    python bench/edge_throughput.py                       # N = 1, 4, 8, 12; 30 s each
    python bench/edge_throughput.py --cameras 2,6 --seconds 20 --keyframes-only
    python bench/edge_throughput.py --no-video            # the same without recording and live: the baseline
    python bench/edge_throughput.py --models DIR          # another models folder, e.g. one `brightkitchen models
                                                          # install` filled (with the project's fire/smoke model)

By default every camera is also recorded (remux to disk) and the first 4 are watched live (segments uploaded
to the stub platform), as on a busy site.

Printed per N: analysis frames sampled and dropped, whether 1 fps was sustained with < 5 % dropped,
p95 latency frame -> rules decided and frame -> event stored (the latter includes the 5 s post-roll by
design), peak RSS, pure inference CPU ms per analysed frame (the floor) and the whole process's CPU
ms per analysed frame (decode at 25 fps, conversion, tracking, evidence...), and their ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from fractions import Fraction
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import av
import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
DATASET = REPO / ".." / "shared" / "datasets" / "mask-wearing-train" / "images"
MODELS = REPO / ".." / "shared" / "models"


def make_720p(out: Path, seconds: int = 20, fps: int = 25) -> Path:
    """A 720p H.264 clip of dataset photos, 2 s each, key frame every second (GOP 25 at 25 fps)."""
    photos = sorted(DATASET.glob("*.jpg"))[: seconds // 2]
    with av.open(str(out), "w") as c:
        s = c.add_stream("libx264", rate=fps)
        s.width, s.height, s.pix_fmt = 1280, 720, "yuv420p"
        s.options = {"preset": "veryfast", "g": str(fps), "sc_threshold": "0", "crf": "23"}
        s.codec_context.time_base = Fraction(1, fps)
        pts = 0
        for photo in photos:
            frame = np.full((720, 1280, 3), 90, np.uint8)
            frame[:, 280:1000] = cv2.resize(cv2.imread(str(photo)), (720, 720), interpolation=cv2.INTER_CUBIC)
            for i in range(2 * fps):
                noisy = frame.copy()
                noisy[600:640, 40 + 8 * i : 80 + 8 * i] = 255  # something moves, as in a kitchen
                vf = av.VideoFrame.from_ndarray(noisy, format="bgr24")
                vf.pts, pts = pts, pts + 1
                c.mux(s.encode(vf))
        c.mux(s.encode(None))
    return out


class _Platform(BaseHTTPRequestHandler):
    """Stub of the device API: accepts every event, heartbeat and video segment; its video demand asks for the
    first ``live`` cameras live (``cam00``..)."""

    live = 0
    segments = 0
    lock = threading.Lock()

    def do_GET(self) -> None:
        if "/device/video/demand" not in self.path:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        keys = [f"cam{i:02d}" for i in range(self.live)]
        body = json.dumps({"version": f"bench-{self.live}", "live": keys, "playback": []}).encode()
        if f"after=bench-{self.live}" in self.path:
            time.sleep(5)  # nothing changes: the long-poll waits (shortened)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_PUT(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with _Platform.lock:
            _Platform.segments += 1
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = b'{"alert_id": "x", "duplicate": false}'
        self.send_response(201 if self.path.endswith("/events") else 204)
        self.send_header("Content-Length", str(len(body) if self.path.endswith("/events") else 0))
        self.end_headers()
        if self.path.endswith("/events"):
            self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def one_run(
    n: int,
    seconds: float,
    warmup: float,
    video: Path,
    keyframes_only: bool,
    workers: int,
    live: int,
    record: bool,
    models: Path = MODELS,
) -> dict[str, object]:
    from brightkitchen.edge.agent import Agent
    from brightkitchen.edge.config import EdgeConfig
    from brightkitchen.edge.detect.stack import stack_factory

    _Platform.live = min(live, n) if record else 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Platform)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    data = Path(tempfile.mkdtemp(prefix="bk-bench-"))
    rules = [
        {"code": "no_mask", "persist_s": 2, "cooldown_s": 20, "min_score": 0.3},
        {"code": "phone_use", "persist_s": 2, "cooldown_s": 20},
        {"code": "intrusion", "persist_s": 2, "cooldown_s": 20, "min_score": 0.3},
    ]
    cfg = EdgeConfig.model_validate(
        {
            "site_code": "BENCH",
            "working_hours": {"start": "00:00", "end": "00:00"},  # never working: intrusion fires
            "data_dir": str(data),
            "models_dir": os.path.relpath(models),
            "heartbeat_interval_s": 30,
            "analysis_workers": workers,
            "platform": {"url": f"http://127.0.0.1:{server.server_address[1]}", "device_key": "bench"},
            "source": {"loop": True, "realtime": True, "keyframes_only": keyframes_only},
            "video": {"enabled": record},
            "cameras": [{"key": f"cam{i:02d}", "name": f"cam{i}", "url": str(video), "rules": rules} for i in range(n)],
        }
    )
    agent = Agent(cfg, stack_factory(cfg))
    agent.start()
    time.sleep(warmup)
    cams = list(agent.cameras.values())
    base = [(c.source.health().frames_sampled, c.queue.dropped, c.stats.processed, c.stats.detect_cpu_s) for c in cams]
    cpu0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.monotonic()
    for c in cams:
        c.stats.decision_latency.clear()
    agent.events.latency.clear()
    segments0 = _Platform.segments
    time.sleep(seconds)
    live_segments = _Platform.segments - segments0
    cpu1, elapsed = resource.getrusage(resource.RUSAGE_SELF), time.monotonic() - t0
    now = [(c.source.health().frames_sampled, c.queue.dropped, c.stats.processed, c.stats.detect_cpu_s) for c in cams]
    decision = [x for c in cams for x in c.stats.decision_latency]
    events = list(agent.events.latency)
    agent.stop()
    server.shutdown()
    shutil.rmtree(data, ignore_errors=True)
    sampled = sum(b[0] - a[0] for a, b in zip(base, now, strict=True))
    dropped = sum(b[1] - a[1] for a, b in zip(base, now, strict=True))
    processed = sum(b[2] - a[2] for a, b in zip(base, now, strict=True))
    infer_cpu = sum(b[3] - a[3] for a, b in zip(base, now, strict=True))
    proc_cpu = (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime)
    rate = sampled / elapsed / n
    drop_share = dropped / sampled if sampled else 1.0
    return {
        "cameras": n,
        "analysis_fps_per_camera": round(rate, 3),
        "sampled": sampled,
        "dropped": dropped,
        "drop_pct": round(100 * drop_share, 2),
        "sustained": rate >= 0.95 and drop_share < 0.05,
        "p95_decision_s": round(float(np.percentile(decision, 95)), 3) if decision else None,
        "p95_event_s": round(float(np.percentile(events, 95)), 3) if events else None,
        "events": len(events),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "inference_cpu_ms_per_frame": round(1000 * infer_cpu / processed, 1) if processed else None,
        "pipeline_cpu_ms_per_frame": round(1000 * proc_cpu / processed, 1) if processed else None,
        "overhead_ratio": round(proc_cpu / infer_cpu, 2) if infer_cpu else None,
        "cpu_cores_busy": round(proc_cpu / elapsed, 2),
        "model": agent._model_versions(),
        "recorded": n if record else 0,
        "live_segments_per_s": round(live_segments / elapsed, 2),
        "load_avg_1m": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cameras", default="1,4,8,12", help="comma-separated camera counts")
    ap.add_argument("--seconds", type=float, default=30.0, help="measured seconds per count")
    ap.add_argument("--warmup", type=float, default=8.0)
    ap.add_argument("--keyframes-only", action="store_true")
    ap.add_argument("--workers", type=int, default=0, help="analysis threads (0: one per core)")
    ap.add_argument("--live", type=int, default=4, help="cameras watched live at once (each is also recorded)")
    ap.add_argument("--no-video", action="store_true", help="no recording and no live: the baseline")
    ap.add_argument("--models", type=Path, default=MODELS, help="models folder (default ../shared/models)")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--video", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        r = one_run(args.one, args.seconds, args.warmup, args.video, args.keyframes_only, args.workers, args.live,
                    not args.no_video, args.models.resolve())  # fmt: skip
        print(json.dumps(r))
        return
    if not (args.models / "yunet").is_dir():
        sys.exit(f"the model pack is not in {args.models}: the real detector stack cannot run")
    workdir = Path(tempfile.mkdtemp(prefix="bk-bench-video-"))
    video = make_720p(workdir / "cam720p.mp4")
    print(f"machine: {os.cpu_count()} cores; video 1280x720 H.264 25 fps, looped in real time; analysis 1 fps;"
          f" decode {'key frames only' if args.keyframes_only else 'all frames'}")  # fmt: skip
    print(f"models: {args.models} ({', '.join(sorted(p.name for p in args.models.iterdir() if p.is_dir()))})")
    print(f"load average before: {os.getloadavg()[0]:.2f} (other work on the machine skews every figure below)")
    print("video: " + ("off (baseline)" if args.no_video else f"every camera recorded, {args.live} watched live"))
    header = "cams  fps/cam  dropped  sustained  p95 decide  p95 event  events  peak RSS  infer ms  pipeline ms  ratio"
    header += "  cores  load  live seg/s"
    print(header)
    best = 0
    for n in [int(x) for x in args.cameras.split(",")]:
        cmd = [
            sys.executable,
            __file__,
            "--one",
            str(n),
            "--seconds",
            str(args.seconds),
            "--warmup",
            str(args.warmup),
            "--video",
            str(video),
            "--workers",
            str(args.workers),
            "--models",
            str(args.models.resolve()),
        ]
        cmd += ["--keyframes-only"] if args.keyframes_only else []
        cmd += ["--live", str(args.live)] + (["--no-video"] if args.no_video else [])
        out = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, timeout=args.seconds + 120)
        if out.returncode != 0:
            print(f"{n}: failed\n{out.stderr[-2000:]}")
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        best = n if r["sustained"] else best
        print(f"{n:>4}  {r['analysis_fps_per_camera']:>7}  {r['drop_pct']:>6}%  {r['sustained']!s:>9}  "
              f"{r['p95_decision_s']!s:>9}s  {r['p95_event_s']!s:>8}s  {r['events']:>6}  {r['peak_rss_mb']:>6}MB  "
              f"{r['inference_cpu_ms_per_frame']!s:>8}  {r['pipeline_cpu_ms_per_frame']!s:>11}  "
              f"{r['overhead_ratio']!s:>5}  {r['cpu_cores_busy']!s:>5}  {r['load_avg_1m']!s:>4}  "
              f"{r['live_segments_per_s']!s:>10}")  # fmt: skip
    shutil.rmtree(workdir, ignore_errors=True)
    print(f"streams sustained at 1 fps with < 5 % of sampled frames dropped: {best} (largest count tried that held)")


if __name__ == "__main__":
    main()
