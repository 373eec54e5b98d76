"""Live video: a viewer's request becomes demand for the edge, the edge's segments are stored once and listed
in a signed live playlist (camera wall-clock time on every segment), and demand lapses when nobody watches."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brightkitchen.platform.app import create_app
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.video import links
from brightkitchen.platform.video.models import LiveSegment
from brightkitchen.protocol.video import VideoDemand
from tests import factories as f
from tests.platform.video.conftest import T0, demand, playlist_uris, put_live, tags, ts_segments
from tests.support import make_settings, stored_files


def watch(client: TestClient, camera_id: int, headers: dict[str, str]) -> dict[str, object]:
    resp = client.post(f"/api/v1/cameras/{camera_id}/live", headers=headers)
    assert resp.status_code == 200, resp.text
    body: dict[str, object] = resp.json()
    return body


def test_segments_show_up_in_a_signed_playlist_with_camera_time(
    client: TestClient, session: Session, settings: Settings
) -> None:
    w = f.world(session)
    cam = w.cameras["A1"]
    grant = watch(client, cam.id, f.bearer(session, "ss_a1"))
    assert grant["camera_id"] == cam.id and grant["site_id"] == w.site_a1.id and grant["status"] == "starting"
    url = str(grant["playlist_url"])
    assert {"exp", "sig"} <= set(parse_qs(urlsplit(url).query))

    empty = client.get(url)  # no bearer header: the link itself is the permission
    assert empty.status_code == 200
    assert empty.headers["content-type"].startswith("application/vnd.apple.mpegurl")
    assert empty.text.startswith("#EXTM3U") and playlist_uris(empty.text) == []
    assert "#EXT-X-ENDLIST" not in empty.text and "#EXT-X-PLAYLIST-TYPE" not in empty.text  # live

    segs = ts_segments()
    key = w.device_keys["A1"]
    assert put_live(client, key, "cam-a1", 1000, segs[0], discontinuity=True).status_code == 204
    first = client.get(url).text
    assert len(playlist_uris(first)) == 1  # the first segment after the demand is listed at once
    assert put_live(client, key, "cam-a1", 1001, segs[1]).status_code == 204
    assert put_live(client, key, "cam-a1", 1003, segs[2]).status_code == 204  # 1002 was lost on the way
    assert put_live(client, key, "cam-a1", 1003, segs[2]).status_code == 204  # a retry is stored once

    text = client.get(url).text
    uris = playlist_uris(text)
    assert len(uris) == 3
    pdt = tags(text, "#EXT-X-PROGRAM-DATE-TIME:")
    assert pdt == [f"#EXT-X-PROGRAM-DATE-TIME:{(T0 + timedelta(seconds=s)).isoformat(timespec='milliseconds')}"
                   for s in (1000, 1001, 1003)]  # fmt: skip
    assert tags(text, "#EXT-X-MEDIA-SEQUENCE:") == ["#EXT-X-MEDIA-SEQUENCE:1"]
    assert text.count("#EXT-X-DISCONTINUITY\n") == 1
    assert text.index("#EXT-X-DISCONTINUITY\n") < text.index(pdt[0])
    assert tags(text, "#EXTINF:") == ["#EXTINF:1.000,"] * 3
    for uri, data in zip(uris, [segs[0], segs[1], segs[2]], strict=True):
        assert {"exp", "sig"} <= set(parse_qs(urlsplit(uri).query))
        got = client.get(uri)
        assert got.status_code == 200 and got.content == data
        assert got.headers["content-type"] == "video/mp2t"
    assert session.scalar(select(func.count()).select_from(LiveSegment)) == 3
    assert len([p for p in stored_files(settings.video_dir) if p.suffix == ".ts"]) == 3


def test_expired_or_tampered_links_are_refused(client: TestClient, session: Session, settings: Settings) -> None:
    w = f.world(session)
    cam = w.cameras["A1"]
    url = str(watch(client, cam.id, f.bearer(session, "sa_a1"))["playlist_url"])
    assert put_live(client, w.device_keys["A1"], "cam-a1", 1, ts_segments()[0]).status_code == 204
    segment = playlist_uris(client.get(url).text)[0]

    past = int(time.time()) - 5
    expired = links.signed(settings.secret_key, links.live_playlist_resource(cam.id), past)
    other_cam = url.replace(f"/live/{cam.id}/", f"/live/{w.cameras['B1'].id}/")
    sig = parse_qs(urlsplit(url).query)["sig"][0]
    bad_sig = url.replace(sig, ("0" if sig[0] != "0" else "1") + sig[1:])
    longer = url.replace("exp=", "exp=9")  # a later expiry under the old signature
    for bad in (expired, other_cam, bad_sig, longer, url.split("?")[0]):
        resp = client.get(bad)
        assert resp.status_code in (403, 422), bad
        if resp.status_code == 403:
            assert resp.headers["content-type"].startswith("application/problem+json")
    assert client.get(expired).status_code == 403 and client.get(bad_sig).status_code == 403
    assert client.get(other_cam).status_code == 403 and client.get(longer).status_code == 403
    assert client.get(segment).status_code == 200
    assert client.get(segment.replace("sig=", "sig=f")).status_code == 403
    seg_expired = links.signed(settings.secret_key, links.live_segment_resource(cam.id, 1), past)
    assert client.get(seg_expired).status_code == 403


def test_two_viewers_one_stream_and_demand_versions(client: TestClient, session: Session) -> None:
    w = f.world(session)
    key = w.device_keys["A1"]
    idle = VideoDemand.model_validate(demand(client, key).json())
    assert idle.live == [] and idle.playback == []

    first = watch(client, w.cameras["A1"].id, f.bearer(session, "ss_a1"))
    second = watch(client, w.cameras["A1"].id, f.bearer(session, "reg_a"))
    assert first["playlist_url"] and second["playlist_url"]
    now = VideoDemand.model_validate(demand(client, key).json())
    assert now.live == ["cam-a1"]  # one stream, however many watch
    assert now.version != idle.version
    # Another site's device is not asked for anything.
    assert VideoDemand.model_validate(demand(client, w.device_keys["B1"]).json()).live == []

    # Segments are uploaded once and served to both viewers from the platform.
    edge_seq = 2**31 + 7  # the edge numbers from the wall clock's unix seconds: past 32 bits one day
    assert put_live(client, key, "cam-a1", edge_seq, ts_segments()[0], T0).status_code == 204
    a = playlist_uris(client.get(str(first["playlist_url"])).text)
    b = playlist_uris(client.get(str(second["playlist_url"])).text)
    assert len(a) == len(b) == 1
    assert client.get(a[0]).content == client.get(b[0]).content == ts_segments()[0]


def test_long_poll_answers_within_a_second_of_a_viewer(client: TestClient, session: Session) -> None:
    w = f.world(session)
    key = w.device_keys["A1"]
    version = demand(client, key).json()["version"]
    got: dict[str, object] = {}

    def poll() -> None:
        resp = demand(client, key, after=version, wait_s=20)
        got["at"], got["resp"] = time.monotonic(), resp

    poller = threading.Thread(target=poll)
    poller.start()
    time.sleep(0.5)  # the poll is waiting now
    assert "resp" not in got
    watch(client, w.cameras["A1"].id, f.bearer(session, "sa_a1"))
    posted = time.monotonic()
    poller.join(5)
    assert not poller.is_alive()
    resp = got["resp"]
    assert resp.status_code == 200  # type: ignore[attr-defined]
    changed = VideoDemand.model_validate(resp.json())  # type: ignore[attr-defined]
    assert changed.live == ["cam-a1"] and changed.version != version
    assert float(got["at"]) - posted < 1.0  # type: ignore[arg-type]


def test_long_poll_sees_a_viewer_of_another_worker_process(ctx: PlatformContext, session: Session) -> None:
    """Two apps on one database stand for two worker processes: no in-process wake-up crosses between them,
    the poll notices the change in the database."""
    w = f.world(session)
    key = w.device_keys["A1"]
    with TestClient(create_app(ctx=ctx)) as device_side, TestClient(create_app(ctx=ctx)) as viewer_side:
        version = demand(device_side, key).json()["version"]
        got: dict[str, object] = {}

        def poll() -> None:
            got["resp"] = demand(device_side, key, after=version, wait_s=20)
            got["at"] = time.monotonic()

        poller = threading.Thread(target=poll)
        poller.start()
        time.sleep(0.3)
        grant = watch(viewer_side, w.cameras["A1"].id, f.bearer(session, "sa_a1"))
        posted = time.monotonic()
        poller.join(5)
        assert float(got["at"]) - posted < 1.5  # type: ignore[arg-type]
        assert got["resp"].json()["live"] == ["cam-a1"]  # type: ignore[attr-defined]
        # A segment uploaded through one worker is served by the other.
        assert put_live(device_side, key, "cam-a1", 1, ts_segments()[1]).status_code == 204
        uris = playlist_uris(viewer_side.get(str(grant["playlist_url"])).text)
        assert viewer_side.get(uris[0]).content == ts_segments()[1]


def test_demand_lapses_when_nobody_fetches_the_playlist(ctx: PlatformContext, session: Session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    quick = PlatformContext.build(make_settings(ctx.settings.database_url or "", tmp_path, video_idle_s=1.0))
    w = f.world(session)
    key = w.device_keys["A1"]
    with TestClient(create_app(ctx=quick)) as client:
        url = str(watch(client, w.cameras["A1"].id, f.bearer(session, "ss_a1"))["playlist_url"])
        watched = demand(client, key).json()
        assert watched["live"] == ["cam-a1"]
        time.sleep(0.6)
        assert client.get(url).status_code == 200  # the player keeps fetching: still watched
        time.sleep(0.6)
        assert demand(client, key).json()["live"] == ["cam-a1"]
        began = time.monotonic()
        lapsed = demand(client, key, after=watched["version"], wait_s=5).json()  # nobody fetches any more
        assert lapsed["live"] == [] and lapsed["version"] != watched["version"]
        assert time.monotonic() - began < 2.5
        # Coming back to the page starts the stream again.
        assert client.get(url).status_code == 200
        assert demand(client, key).json()["live"] == ["cam-a1"]
    quick.engine.dispose()


def test_stream_limit_per_site(client: TestClient, session: Session) -> None:
    w = f.world(session)
    extra = [f.camera(session, w.site_a1, f"cam-a1-{n}") for n in (2, 3)]
    w.site_a1.video_stream_limit = 2
    session.commit()
    headers = f.bearer(session, "sa_a1")
    watch(client, w.cameras["A1"].id, headers)
    watch(client, extra[0].id, headers)
    refused = client.post(f"/api/v1/cameras/{extra[1].id}/live", headers=headers)
    assert refused.status_code == 429
    body = refused.json()
    assert body["code"] == "stream_limit" and "2" in body["detail"] and "上限" in body["detail"]
    # Joining a camera that streams already costs nothing.
    watch(client, w.cameras["A1"].id, f.bearer(session, "reg_a"))
    start = T0.isoformat()
    playback = client.post(f"/api/v1/cameras/{extra[1].id}/playback", headers=headers,
                           json={"start": start, "end": (T0 + timedelta(minutes=1)).isoformat()})  # fmt: skip
    assert playback.status_code == 429 and playback.json()["code"] == "stream_limit"
    # Another site has its own budget.
    watch(client, w.cameras["A2"].id, f.bearer(session, "sa_a2"))
    assert demand(client, w.device_keys["A1"]).json()["live"] == sorted(["cam-a1", "cam-a1-2"])


def test_live_segments_on_disk_are_trimmed(ctx: PlatformContext, session: Session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    small = PlatformContext.build(make_settings(ctx.settings.database_url or "", tmp_path, video_live_keep_segments=4))
    w = f.world(session)
    with TestClient(create_app(ctx=small)) as client:
        url = str(watch(client, w.cameras["A1"].id, f.bearer(session, "ss_a1"))["playlist_url"])
        for seq in range(10):
            assert put_live(client, w.device_keys["A1"], "cam-a1", seq, ts_segments()[seq % 3]).status_code == 204
        files = [p for p in stored_files(small.settings.video_dir) if p.suffix == ".ts"]
        assert sorted(int(p.stem) for p in files) == [7, 8, 9, 10]
        text = client.get(url).text
        assert tags(text, "#EXT-X-MEDIA-SEQUENCE:") == ["#EXT-X-MEDIA-SEQUENCE:7"]
        assert all(client.get(u).status_code == 200 for u in playlist_uris(text))
    small.engine.dispose()
