"""Cut a camera's own stream into self-contained MPEG-TS segments, remuxing packets without decoding them.

One thread per camera URL reads packets with PyAV (no decoder runs) and starts a new segment at the first key
frame once ``target_s`` has passed, so a camera with a 2 s key-frame interval gets 2 s segments. Each segment
is muxed into its own MPEG-TS container (with SPS/PPS before its key frame), so it plays on its own; the
timestamps run on across segments of one connection. Wall-clock start times are the stream's own timestamps
plus one offset per connection, so network jitter does not make them wobble.
"""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal

import av

from brightkitchen.edge.clock import Clock, to_datetime
from brightkitchen.edge.sources.base import Backoff, SourceOptions, redact_url
from brightkitchen.edge.sources.pyav import is_file_url, open_options
from brightkitchen.protocol.video import MAX_SEGMENT_BYTES, MAX_SEGMENT_S, TARGET_SEGMENT_S, SegmentMeta

log = logging.getLogger(__name__)

# Timestamps in seconds are floats (and cameras' clocks jitter a little): a key frame this much early still counts.
_CUT_SLACK_S = 0.02
# Cut even without a key frame before a segment outgrows the wire limit (a camera with a very long GOP).
_FORCE_CUT_S = MAX_SEGMENT_S * 0.9
# A jump in the stream's timestamps larger than this (or backwards) starts a new timeline.
_JUMP_S = 5.0
# Re-anchor the wall clock when the stream's time and the box's clock disagree by more than this.
_DRIFT_S = 30.0

SegmenterStatus = Literal["starting", "online", "offline", "no_video_stream"]


@dataclass(frozen=True)
class Segment:
    """One MPEG-TS segment: its bytes, what the wire says about it, and the camera's codec (``h264``, ``hevc``)."""

    data: bytes
    meta: SegmentMeta
    codec: str

    @property
    def end(self) -> float:
        """Wall-clock end, epoch seconds."""
        return self.meta.start.timestamp() + self.meta.duration_s


@dataclass(frozen=True)
class SegmenterHealth:
    status: SegmenterStatus
    codec: str | None = None
    error: str | None = None
    connects: int = 0
    segments: int = 0
    last_segment_at: float | None = None  # wall clock when the last segment was cut


SegmentSink = Callable[[Segment], None]


class _Cutter:
    """Packets of one connection in, segments out."""

    def __init__(self, stream: Any, codec: str, clock: Clock, target_s: float, emit: SegmentSink) -> None:
        self._stream, self._codec, self._clock = stream, codec, clock
        self._tb = float(stream.time_base) if stream.time_base else 1.0 / 90000
        self._target_s, self._emit = target_s, emit
        # Wall clock = stream seconds + offset. The offset is the smallest (arrival - stream time) seen until the
        # first segment is cut: the first packets come out of the probe's buffer late, later ones arrive live.
        # Then it stays fixed, so network jitter never moves a start time.
        self._offset: float | None = None
        self._refining = True
        self._out: Any = None
        self._ostream: Any = None
        self._buf = io.BytesIO()
        self._first = 0.0  # stream seconds of the open segment's first packet
        self._last = 0.0  # stream seconds of the newest packet
        self._end = 0.0  # stream seconds where the newest packet ends
        self._discontinuity = True  # the first segment after an (re)open

    def add(self, packet: Any) -> None:
        ts = packet.pts if packet.pts is not None else packet.dts
        if ts is None or packet.size == 0:
            return
        t = ts * self._tb
        if self._out is not None and (t < self._last - _JUMP_S or t > self._end + _JUMP_S):
            self._close(self._end)  # the camera's clock jumped: a new timeline, flagged as such
            self._offset, self._discontinuity = None, True
        now = self._clock.now()
        if self._offset is not None and abs(t + self._offset - now) > _DRIFT_S:
            self._offset, self._discontinuity = None, True  # the camera's clock and ours parted: anchor again
        if self._offset is None or (self._refining and now - t < self._offset):
            if self._offset is None:
                self._refining = True
            self._offset = now - t
        if self._out is None:
            if not packet.is_keyframe:
                return  # a segment must start on a key frame to play on its own
            self._open(t)
        else:
            age = t - self._first
            too_big = age >= _FORCE_CUT_S or self._size() > MAX_SEGMENT_BYTES
            if (packet.is_keyframe and age >= self._target_s - _CUT_SLACK_S) or too_big:
                self._close(t)
                self._open(t)
        duration = packet.duration * self._tb if packet.duration else 0.0
        self._last = max(self._last, t)
        self._end = max(self._end, t + duration, t)
        packet.stream = self._ostream
        try:
            self._out.mux(packet)
        except (av.FFmpegError, ValueError) as exc:  # a packet the muxer refuses (timestamps): skip it
            log.debug("skipping a packet: %s", exc)

    def finish(self) -> None:
        """The connection ended: cut what is held (its end is the last packet's end)."""
        if self._out is not None:
            self._close(self._end)

    def _wall(self, t: float) -> float:
        assert self._offset is not None
        return t + self._offset

    def _size(self) -> int:
        return self._buf.tell()

    def _open(self, t: float) -> None:
        self._buf = io.BytesIO()
        self._out = av.open(self._buf, "w", format="mpegts")
        self._ostream = self._out.add_stream_from_template(self._stream)
        self._first = self._last = self._end = t

    def _close(self, end: float) -> None:
        out, self._out = self._out, None
        try:
            out.close()
        except (av.FFmpegError, ValueError) as exc:
            log.warning("could not finish a segment: %s", exc)
            return
        duration = end - self._first
        if duration <= 0:
            duration = max(self._end - self._first, 0.04)  # a single frame: still worth keeping
        duration = round(min(max(duration, 0.001), MAX_SEGMENT_S), 3)
        meta = SegmentMeta(
            start=to_datetime(self._wall(self._first)), duration_s=duration, discontinuity=self._discontinuity
        )
        self._discontinuity = False
        self._refining = False
        self._emit(Segment(self._buf.getvalue(), meta, self._codec))


class NoVideoStream(ValueError):
    pass


class _Counting:
    """What both segmenters share: hand a cut segment to the sink, counting it for health."""

    key: str
    clock: Clock
    _lock: threading.Lock
    _health: SegmenterHealth
    _on_segment: SegmentSink

    def _emit(self, segment: Segment) -> None:
        with self._lock:
            self._health = replace(self._health, segments=self._health.segments + 1, last_segment_at=self.clock.now())
        try:
            self._on_segment(segment)
        except Exception:  # a sink's fault must not stop the camera's recording
            log.exception("camera %s: a segment sink failed", self.key)


class Segmenter(_Counting):
    """Reads one camera URL forever (until ``stop``), reconnecting with backoff; ``on_segment`` gets each cut."""

    def __init__(
        self,
        key: str,
        url: str,
        on_segment: SegmentSink,
        clock: Clock,
        opts: SourceOptions | None = None,
        target_s: float = TARGET_SEGMENT_S,
    ) -> None:
        self.key, self.url, self.clock = key, url, clock
        self.opts = opts or SourceOptions()
        self.target_s = target_s
        self._on_segment = on_segment
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._health = SegmenterHealth(status="starting")
        self._thread = threading.Thread(target=self._run, name=f"segmenter-{key}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float | None = None) -> None:
        if self._thread.is_alive():
            self._thread.join(timeout)

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def health(self) -> SegmenterHealth:
        with self._lock:
            return self._health

    def _set(self, **changes: Any) -> None:
        with self._lock:
            self._health = replace(self._health, **changes)

    def _run(self) -> None:
        backoff = Backoff(self.opts.backoff_initial_s, self.opts.backoff_max_s)
        while not self._stop.is_set():
            before = self.health().segments
            try:
                self._read_once()
                error = "stream ended"
            except NoVideoStream:
                self._set(status="no_video_stream", error="the stream has no video")
                error = "no video stream"
            except (av.FFmpegError, OSError, ValueError, EOFError) as exc:
                error = redact_url(f"{type(exc).__name__}: {exc}")[:500]
            if self._stop.is_set():
                break
            if self.health().segments > before:
                backoff.reset()
                if is_file_url(self.url) and self.opts.loop:
                    continue  # a looped file (demo footage): start again at once, flagged as a discontinuity
            if self.health().status != "no_video_stream":
                self._set(status="offline", error=error)
            delay = backoff.next_delay()
            log.warning("camera %s video: %s; retrying in %.1fs", self.key, error, delay)
            self._stop.wait(delay)

    def _read_once(self) -> None:
        url = self.url.removeprefix("file:")
        timeout = (self.opts.open_timeout_s, self.opts.read_timeout_s)
        container = av.open(url, options=open_options(self.url, self.opts), timeout=timeout)
        try:
            if not container.streams.video:
                raise NoVideoStream(self.url)
            stream = container.streams.video[0]
            codec = stream.codec_context.name
            with self._lock:
                self._health = replace(
                    self._health, status="online", codec=codec, error=None, connects=self._health.connects + 1
                )
            cutter = _Cutter(stream, codec, self.clock, self.target_s, self._emit)
            pace = is_file_url(self.url) and self.opts.realtime
            tb = float(stream.time_base) if stream.time_base else 1.0 / 90000
            anchor: tuple[float, float] | None = None  # (monotonic, stream seconds): a file is read at its own rate
            try:
                for packet in container.demux(stream):
                    if self._stop.is_set():
                        return
                    ts = packet.pts if packet.pts is not None else packet.dts
                    if pace and ts is not None:
                        t, mono = ts * tb, self.clock.monotonic()
                        if anchor is None:
                            anchor = (mono, t)
                        ahead = anchor[0] + (t - anchor[1]) - mono
                        if ahead > 0 and self._stop.wait(ahead):
                            return
                    cutter.add(packet)
            finally:
                if not self._stop.is_set():
                    cutter.finish()
        finally:
            container.close()


class FedSegmenter(_Counting):
    """Cuts segments from packets another reader hands over (the camera's analysis source), so a camera is read
    over one connection: recording then costs the remux alone, not a second RTSP read and depacketisation.

    ``feed`` runs on the source's thread; a new connection number (a reconnect, a looped file) or a new stream
    object starts a new timeline, flagged as a discontinuity. The stream is compared too because a camera restarted
    by a new configuration gets a new source whose connection numbers start again at 1: its packets must not reach
    a cutter whose template stream belonged to the closed container (that crashed the process in the muxer).
    Same surface as ``Segmenter`` (start, stop, join, stopped, health).
    """

    def __init__(
        self, key: str, on_segment: SegmentSink, clock: Clock, target_s: float = TARGET_SEGMENT_S, stale_s: float = 10.0
    ) -> None:
        self.key, self.clock, self.target_s, self.stale_s = key, clock, target_s, stale_s
        self._on_segment = on_segment
        self._lock = threading.Lock()
        self._stopped = False
        self._connection: int | None = None
        self._stream: Any = None  # the source stream the cutter copies; held so that its identity stays unique
        self._cutter: _Cutter | None = None
        self._last_packet_at: float | None = None
        self._cut: list[Segment] = []  # segments the cutter finished during a feed, emitted after the lock
        self._health = SegmenterHealth(status="starting")

    def start(self) -> None:
        pass  # nothing to start: packets arrive from the camera's source

    def stop(self) -> None:
        with self._lock:
            self._stopped = True

    def join(self, timeout: float | None = None) -> None:
        pass

    @property
    def stopped(self) -> bool:
        return self._stopped

    def health(self) -> SegmenterHealth:
        with self._lock:
            h, last = self._health, self._last_packet_at
        if h.status == "online" and (last is None or self.clock.now() - last > self.stale_s):
            return replace(h, status="offline", error="no packets from the camera")
        return h

    def feed(self, stream: Any, packet: Any, connection: int) -> None:
        with self._lock:
            if self._stopped:
                return
            if connection != self._connection or stream is not self._stream:
                if self._cutter is not None:
                    self._cutter.finish()
                codec = stream.codec_context.name
                self._cutter = _Cutter(stream, codec, self.clock, self.target_s, self._cut.append)
                self._connection, self._stream = connection, stream
                self._health = replace(
                    self._health, status="online", codec=codec, error=None, connects=self._health.connects + 1
                )
            assert self._cutter is not None
            self._last_packet_at = self.clock.now()
            self._cutter.add(packet)
            segments, self._cut[:] = list(self._cut), []
        for segment in segments:  # outside the lock: the sink writes to disk
            self._emit(segment)
