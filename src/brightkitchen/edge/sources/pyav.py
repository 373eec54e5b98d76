"""RTSP, HTTP and file streams decoded with PyAV, one thread per camera, reconnecting forever.

A camera that is offline, drops or stalls only ever affects its own thread: it is retried with capped
exponential backoff, and its state is kept for the heartbeat. Stalls end through PyAV's read timeout
(an interrupt callback) as well as the protocol's own socket timeout.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import av
import numpy as np
import numpy.typing as npt

from brightkitchen.edge.clock import Clock
from brightkitchen.edge.frames import Frame
from brightkitchen.edge.sources.base import Backoff, Sampler, SourceHealth, SourceOptions, redact_url
from brightkitchen.protocol import CameraStatus

log = logging.getLogger(__name__)

FrameSink = Callable[[Frame], None]


def is_file_url(url: str) -> bool:
    return "://" not in url or url.startswith("file:")


def open_options(url: str, opts: SourceOptions) -> dict[str, str]:
    """FFmpeg options per protocol; timeouts are in microseconds there."""
    if url.startswith(("rtsp://", "rtsps://")):
        return {"rtsp_transport": opts.rtsp_transport, "timeout": str(int(opts.read_timeout_s * 1e6))}
    if url.startswith(("http://", "https://")):
        return {"rw_timeout": str(int(opts.read_timeout_s * 1e6))}
    return {}


def _scaled(width: int, height: int, max_width: int) -> tuple[int, int]:
    if width <= max_width:
        return width, height
    return max_width, max(2, round(height * max_width / width / 2) * 2)


@dataclass
class _Meter:
    """Decoded frames per second over windows of a couple of seconds."""

    window_start: float = 0.0
    count: int = 0
    fps: float = 0.0

    def tick(self, mono: float) -> None:
        if self.count == 0:
            self.window_start = mono
        self.count += 1
        span = mono - self.window_start
        if span >= 2.0:
            self.fps = (self.count - 1) / span
            self.window_start, self.count = mono, 1

    def reset(self) -> None:
        self.count, self.fps = 0, 0.0


# Every demuxed packet, after it was decoded, with the stream and the connection number it came on: how the
# recorder shares this camera's one connection instead of opening its own (``edge/video``).
PacketTap = Callable[[Any, Any, int], None]


class StreamSource:
    """Decodes one camera. ``on_analysis`` gets full frames at the analysis rate, ``on_evidence`` small ones,
    ``on_packet`` every packet as it came from the camera (for recording without a second connection)."""

    def __init__(
        self,
        key: str,
        url: str,
        opts: SourceOptions,
        clock: Clock,
        on_analysis: FrameSink,
        on_evidence: FrameSink | None = None,
        evidence_fps: float = 4.0,
        evidence_max_width: int = 640,
        on_packet: PacketTap | None = None,
    ) -> None:
        self.key, self.url, self.opts, self.clock = key, url, opts, clock
        self._on_analysis, self._on_evidence = on_analysis, on_evidence
        self._on_packet = on_packet
        self._evidence_fps, self._evidence_max_width = evidence_fps, evidence_max_width
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._health = SourceHealth(status=CameraStatus.starting)
        self._meter = _Meter()
        self._seq = 0
        self._thread = threading.Thread(target=self._run, name=f"source-{key}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def health(self) -> SourceHealth:
        with self._lock:
            h = replace(self._health, fps=self._meter.fps if self._health.status == CameraStatus.online else 0.0)
        stale = h.last_frame_at is not None and self.clock.now() - h.last_frame_at > self.opts.read_timeout_s
        if h.status == CameraStatus.online and stale:
            h = replace(h, status=CameraStatus.no_frames, fps=0.0)
        return h

    def _set(self, **changes: Any) -> None:
        with self._lock:
            self._health = replace(self._health, **changes)

    def _run(self) -> None:
        backoff = Backoff(self.opts.backoff_initial_s, self.opts.backoff_max_s)
        file_source = is_file_url(self.url)
        while not self._stop.is_set():
            before = self._health
            try:
                self._stream_once(file_source)
                if self._stop.is_set():
                    break
                if file_source and not self.opts.loop:
                    self._set(status=CameraStatus.offline, error="end of file")
                    return
                if file_source and self._health.frames_decoded > before.frames_decoded:
                    continue  # looping a file: start again at once
                error = "stream ended" if not file_source else "no frames in file"
            except (av.FFmpegError, OSError, ValueError) as exc:
                error = redact_url(f"{type(exc).__name__}: {exc}")[:500]
            after = self._health
            got_frames = after.frames_decoded > before.frames_decoded
            if got_frames:
                backoff.reset()
            # Connected but nothing decoded is a different fault (wrong stream, dead encoder) from no connection.
            opened = after.connects > before.connects
            self._set(status=CameraStatus.no_frames if opened and not got_frames else CameraStatus.offline, error=error)
            delay = backoff.next_delay()
            log.warning("camera %s: %s; retrying in %.1fs", self.key, error, delay)
            self._stop.wait(delay)

    def _stream_once(self, file_source: bool) -> None:
        url = self.url.removeprefix("file:") if file_source else self.url
        container = av.open(
            url,
            options=open_options(self.url, self.opts),
            timeout=(self.opts.open_timeout_s, self.opts.read_timeout_s),
        )
        try:
            stream = container.streams.video[0]
            ctx = stream.codec_context
            ctx.thread_count = self.opts.decoder_threads
            if self.opts.keyframes_only:
                ctx.skip_frame = "NONKEY"
            with self._lock:
                self._meter.reset()  # a new connection: the rate before the gap says nothing now
                self._health = replace(
                    self._health, status=CameraStatus.no_frames, connects=self._health.connects + 1, error=None
                )
            self._decode(container, stream, pace=file_source and self.opts.realtime)
        finally:
            container.close()

    def _decode(self, container: Any, stream: Any, pace: bool) -> None:
        analysis, evidence = Sampler(self.opts.analysis_fps), Sampler(self._evidence_fps)
        anchor: tuple[float, float] | None = None  # (monotonic, stream time) for real-time pacing of files
        for packet in container.demux(stream):
            if self._stop.is_set():
                return
            try:
                frames = packet.decode()
            except av.InvalidDataError:
                continue  # a damaged packet; the decoder recovers at the next key frame
            for frame in frames:
                mono = self.clock.monotonic()
                st = frame.time if frame.time is not None else mono
                if pace:
                    if anchor is None or abs((mono - anchor[0]) - (st - anchor[1])) > 2.0:
                        anchor = (mono, st)  # first frame, a loop, or we fell behind: re-anchor, no burst
                    wait = anchor[0] + (st - anchor[1]) - mono
                    if wait > 0 and self._stop.wait(wait):
                        return
                    mono = self.clock.monotonic()
                self._frame_decoded(frame, st, mono, analysis, evidence)
            if self._on_packet is not None:
                self._tap(stream, packet)

    def _tap(self, stream: Any, packet: Any) -> None:
        # After decoding: the recorder re-homes the packet into its own muxer.
        assert self._on_packet is not None
        try:
            self._on_packet(stream, packet, self._health.connects)
        except Exception:  # the recorder's fault must never stop analysis
            log.exception("camera %s: the packet tap failed", self.key)

    def _frame_decoded(self, frame: Any, st: float, mono: float, analysis: Sampler, evidence: Sampler) -> None:
        now = self.clock.now()
        with self._lock:
            self._meter.tick(mono)
            self._health = replace(
                self._health,
                status=CameraStatus.online,
                error=None,
                last_frame_at=now,
                frames_decoded=self._health.frames_decoded + 1,
            )
        if analysis.due(st):
            self._seq += 1
            w, h = _scaled(frame.width, frame.height, self.opts.analysis_max_width)
            self._emit(self._on_analysis, frame.to_ndarray(width=w, height=h, format="bgr24"), now, mono)
            self._set(frames_sampled=self._health.frames_sampled + 1)
        if self._on_evidence is not None and evidence.due(st):
            w, h = _scaled(frame.width, frame.height, self._evidence_max_width)
            self._emit(self._on_evidence, frame.to_ndarray(width=w, height=h, format="bgr24"), now, mono)

    def _emit(self, sink: FrameSink, image: npt.NDArray[np.uint8], now: float, mono: float) -> None:
        sink(Frame(camera_key=self.key, image=image, t=now, mono=mono, seq=self._seq))


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    codec: str = ""
    width: int = 0
    height: int = 0
    stream_fps: float = 0.0
    first_frame_s: float = 0.0
    error: str | None = None


def probe(url: str, opts: SourceOptions, timeout_s: float, clock: Clock) -> ProbeResult:
    """Open a stream and decode one frame within ``timeout_s``: what `edge check` shows per camera."""
    start = clock.monotonic()
    short = opts.model_copy(update={"read_timeout_s": timeout_s, "open_timeout_s": timeout_s})
    try:
        path = url.removeprefix("file:") if is_file_url(url) else url
        with av.open(path, options=open_options(url, short), timeout=(timeout_s, timeout_s)) as container:
            stream = container.streams.video[0]
            for frame in container.decode(stream):
                rate = float(stream.average_rate) if stream.average_rate else 0.0
                return ProbeResult(
                    True, stream.codec_context.name, frame.width, frame.height, rate, clock.monotonic() - start
                )
            return ProbeResult(False, error="no video frame decoded")
    except (av.FFmpegError, OSError, ValueError, IndexError) as exc:
        return ProbeResult(False, error=redact_url(f"{type(exc).__name__}: {exc}")[:300])
