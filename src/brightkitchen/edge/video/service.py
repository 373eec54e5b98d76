"""``VideoService``: continuous recording, live view and playback for the agent, behind one small facade.

Threads: one recorder per recorded camera (a ``Segmenter``: reads the camera, writes the store, feeds live; or,
with ``shared_sources``, a ``FedSegmenter`` fed by the agent's analysis source through ``feed``, so each camera
is read over one connection),
live-only segmenters while a camera with a ``live_url`` is watched, one control thread (the demand long-poll)
and one uploader thread (live segments first, playback in between, retention and quota every few seconds).
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx

from brightkitchen.edge.clock import Clock, SystemClock
from brightkitchen.edge.video.config import VideoCamera, VideoOptions
from brightkitchen.edge.video.control import ControlChannel
from brightkitchen.edge.video.live import Live, LiveItem
from brightkitchen.edge.video.playback import Playback
from brightkitchen.edge.video.recording import RecordingStore
from brightkitchen.edge.video.segmenter import FedSegmenter, Segment, Segmenter
from brightkitchen.edge.video.uplink import VideoUplink
from brightkitchen.protocol.video import MAX_SEGMENT_S, LiveError, RecordingHealth, VideoDemand

log = logging.getLogger(__name__)

# A connected camera that has not given a segment for this long is reported as an error (a segment is at most
# MAX_SEGMENT_S long).
_STALLED_S = 3 * MAX_SEGMENT_S


class VideoService:
    def __init__(
        self,
        data_dir: Path,
        cameras: Sequence[VideoCamera],
        http: VideoUplink | None,
        quota_bytes: int,
        other_used_bytes: Callable[[], int],
        clock: Clock | None = None,
        options: VideoOptions | None = None,
        shared_sources: bool = False,
    ) -> None:
        self.options = options or VideoOptions()
        self.shared_sources = shared_sources  # recorders are fed packets (``feed``) instead of reading cameras
        self.clock: Clock = clock or SystemClock()
        self.uplink = http
        self.quota_bytes = quota_bytes
        self._other_used_bytes = other_used_bytes
        self.store = RecordingStore(data_dir / "recordings")
        self._lock = threading.Lock()
        self._cameras: dict[str, VideoCamera] = {c.key: c for c in cameras}
        self._recorders: dict[str, tuple[VideoCamera, Segmenter | FedSegmenter]] = {}  # the camera as it was started
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._started = False
        self.live = Live(self.clock, self._live_source, self._new_segmenter, self.options.live_queue, self._wake.set)
        self.playback = Playback(self.store, self._known_cameras, self.clock)
        self.control: ControlChannel | None = None
        if http is not None:
            self.control = ControlChannel(
                http, self.apply_demand, self.options.control_wait_s, backoff_max_s=self.options.control_backoff_max_s
            )
        self._uploader = threading.Thread(target=self._upload_loop, name="video-uploader", daemon=True)

    # -- lifecycle ----------------------------------------------------------------------------------------

    def start(self) -> None:
        if not self.options.enabled:
            return
        self._started = True
        self._sync_recorders()
        self._uploader.start()
        if self.control is not None:
            self.control.start()

    def stop(self, timeout: float = 3.0) -> None:
        """Stops every thread; returns within about ``timeout`` even when a camera read is stuck."""
        self._stop.set()
        self._wake.set()
        with self._lock:
            recorders = [r for _, r in self._recorders.values()]
            self._recorders.clear()
        for r in recorders:
            r.stop()
        if self.control is not None:
            self.control.stop()
        live_segmenters = self.live.stop()
        # Everything was told to stop at once; now wait for all of it within one deadline. A thread stuck in a
        # camera read (until its read timeout) is a daemon and writes nothing once stopped.
        deadline = time.monotonic() + timeout  # real time: threads take real time to end
        waits: list[Callable[[float], None]] = [r.join for r in (*recorders, *live_segmenters)]
        if self._uploader.is_alive():
            waits.append(self._uploader.join)
        if self.control is not None:
            waits.append(self.control.join)
        for wait in waits:
            wait(max(0.0, deadline - time.monotonic()))
        self.store.close()
        if self.uplink is not None:
            self.uplink.close()

    def update_cameras(self, cameras: Sequence[VideoCamera]) -> None:
        """The configuration changed: restart the recorders whose camera changed, stop removed ones."""
        with self._lock:
            self._cameras = {c.key: c for c in cameras}
        if self._started and not self._stop.is_set():
            self._sync_recorders()
            self.live.refresh()

    def apply_demand(self, demand: VideoDemand) -> None:
        """What the platform wants now (the control channel calls this; tests and tools may too)."""
        known = self._known_cameras()
        self.live.set_wanted({k for k in demand.live if k in known})
        self.playback.submit(demand.playback)
        self._wake.set()

    # -- health -------------------------------------------------------------------------------------------

    def health(self, camera_key: str) -> RecordingHealth:
        """The camera's ``recording`` entry for the heartbeat."""
        with self._lock:
            cam = self._cameras.get(camera_key)
            started = self._recorders.get(camera_key)
        rec = started[1] if started else None
        held = self.store.range(camera_key)
        common = {
            "recorded_from": held.recorded_from if held else None,
            "recorded_until": held.recorded_until if held else None,
            "days_kept": round(held.days, 3) if held else 0.0,
            "bytes": self.store.bytes_used(camera_key),
        }
        if not self.options.enabled or cam is None or not cam.record:
            return RecordingHealth(status="disabled", live_error=self._live_error(camera_key, rec), **common)
        if rec is None:
            return RecordingHealth(status="stopped", live_error=self._live_error(camera_key, rec), **common)
        h = rec.health()
        write_error = self.store.last_error.get(camera_key)
        since = self.clock.now() - h.last_segment_at if h.last_segment_at is not None else 0.0
        stalled = h.status == "online" and since > _STALLED_S  # connected, but nothing cut for a while
        status = "recording" if h.status in ("online", "starting") and not stalled and write_error is None else "error"
        error = write_error or (h.error if h.status in ("offline", "no_video_stream") else None)
        if stalled and error is None:
            error = f"no video from the camera for {since:.0f} s"
        return RecordingHealth.model_validate(
            {
                "status": status,
                "video_codec": h.codec,
                "live_error": self._live_error(camera_key, rec),
                "error": error[:500] if error else None,
                **common,
            }
        )

    def recordings_bytes(self) -> int:
        """Bytes of recordings on disk (for the heartbeat's ``disk_used_bytes``, with the outbox's)."""
        return self.store.bytes_used()

    def feed(self, camera_key: str, stream: Any, packet: Any, connection: int) -> None:
        """A packet from the camera's analysis source (``StreamSource``'s packet tap), in shared mode."""
        with self._lock:
            started = self._recorders.get(camera_key)
        if started is not None and isinstance(started[1], FedSegmenter) and not self._stop.is_set():
            started[1].feed(stream, packet, connection)

    def _live_error(self, key: str, rec: Segmenter | FedSegmenter | None) -> LiveError | None:
        err = self.live.error(key)
        if err is not None or key not in self.live.wanted():
            return err
        source = self.live.own_segmenter(key) or rec
        if source is None:
            return "camera_offline"
        status = source.health().status
        if status == "no_video_stream":
            return "no_video_stream"
        return "camera_offline" if status == "offline" else None

    # -- recorders ----------------------------------------------------------------------------------------

    def _known_cameras(self) -> set[str]:
        with self._lock:
            return set(self._cameras)

    def _live_source(self, key: str) -> str | None:
        with self._lock:
            cam = self._cameras.get(key)
        if cam is None:
            return None
        if cam.live_url:
            return cam.live_url
        return None if cam.record else cam.url  # no recorder to share: read the camera for live alone

    def _new_segmenter(self, key: str, url: str, sink: Callable[[Segment], None]) -> Segmenter:
        with self._lock:
            cam = self._cameras.get(key)
        source = cam.source if cam is not None else None
        return Segmenter(key, url, sink, self.clock, source, self.options.segment_target_s)

    def _sync_recorders(self) -> None:
        with self._lock:
            wanted = {k: c for k, c in self._cameras.items() if c.record}
            stale = [
                r
                for k, (cam, r) in list(self._recorders.items())
                if k not in wanted or (cam.url, cam.source) != (wanted[k].url, wanted[k].source)
            ]
            self._recorders = {k: v for k, v in self._recorders.items() if v[1] not in stale}
            new = [c for k, c in wanted.items() if k not in self._recorders]
        for old in stale:
            old.stop()
        for c in new:
            sink = functools.partial(self._recorded, c.key)
            recorder: Segmenter | FedSegmenter
            if self.shared_sources:
                recorder = FedSegmenter(c.key, sink, self.clock, self.options.segment_target_s)
            else:
                recorder = self._new_segmenter(c.key, c.url, sink)
            with self._lock:
                self._recorders[c.key] = (c, recorder)
            recorder.start()

    def _recorded(self, key: str, segment: Segment) -> None:
        with self._lock:
            current = self._recorders.get(key)
        if self._stop.is_set() or current is None or current[1].stopped:
            return  # a recorder stopped while its last read was in flight
        self.store.write(key, segment)
        self.live.offer(key, segment)

    # -- uploader -----------------------------------------------------------------------------------------

    def _upload_loop(self) -> None:
        next_maintenance = 0.0
        while not self._stop.is_set():
            self._wake.clear()  # before looking, so a segment queued meanwhile wakes the wait below
            if self.clock.monotonic() >= next_maintenance:
                self._maintain()
                next_maintenance = self.clock.monotonic() + self.options.maintenance_interval_s
            item = self.live.next_item()
            if item is not None:
                self._send_live(item)
                continue
            if self.uplink is not None and self.playback.step(self.uplink):
                continue
            self._wake.wait(0.5)

    def _send_live(self, item: LiveItem) -> None:
        if self.uplink is None:
            return
        meta, data = item.segment.meta, item.segment.data
        try:
            resp = self.uplink.put_live(item.camera_key, item.seq, meta, data)
            error = None if resp.is_success else f"HTTP {resp.status_code}"
        except (httpx.HTTPError, OSError) as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        if error is not None:
            log.info("live %s: upload failed: %s", item.camera_key, error)
        self.live.uploaded(item.camera_key, error)

    def _maintain(self) -> None:
        """Retention per camera, then the shared disk quota; a failure here is logged and tried again later."""
        try:
            now = self.clock.now()
            with self._lock:
                days = {k: c.retention_days for k, c in self._cameras.items()}
            for key in self.store.cameras():
                self.store.enforce_retention(key, days.get(key, self.options.retention_days), now)
            self.store.enforce_quota(self.quota_bytes, self._other_used_bytes())
        except Exception:
            log.exception("video retention and quota")
