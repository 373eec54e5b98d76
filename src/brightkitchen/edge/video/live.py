"""Live view: while somebody watches a camera, its newest segments go up as they are cut.

A camera with a ``live_url`` (a lighter sub-stream) gets its own segmenter on that URL, started when the
camera is wanted and stopped when it no longer is. Otherwise the recorder's own segments are offered here:
one camera connection feeds recording and live, and nothing is decoded. Only segments cut after the camera
became wanted are sent (no backlog), through a bounded queue that drops the oldest when the uplink is slow,
so a slow link never holds up recording.

HEVC is recorded but not sent live: browsers do not play it reliably in HLS and transcoding would cost about
a core per stream; the camera reports ``h265_unsupported`` until it gets an H.264 ``live_url``.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from brightkitchen.edge.clock import Clock
from brightkitchen.edge.video.segmenter import Segment, Segmenter
from brightkitchen.protocol.video import LiveError

log = logging.getLogger(__name__)

HEVC_CODECS = frozenset({"hevc", "h265"})


@dataclass(frozen=True)
class LiveItem:
    camera_key: str
    seq: int
    segment: Segment


# key -> the URL of a stream of its own to read for live (live_url, or the camera when it does not record);
# None: reuse the recorder's segments.
LiveSourceFor = Callable[[str], str | None]
SegmenterFactory = Callable[[str, str, Callable[[Segment], None]], Segmenter]


class Live:
    def __init__(self, clock: Clock, source_for: LiveSourceFor, segmenter: SegmenterFactory, queue_size: int = 8,
                 wake: Callable[[], None] | None = None) -> None:  # fmt: skip
        self._clock, self._source_for, self._segmenter = clock, source_for, segmenter
        self._wake = wake or (lambda: None)
        self._lock = threading.Lock()
        self._queue: deque[LiveItem] = deque()
        self._queue_size = queue_size
        self._wanted: set[str] = set()
        self._own: dict[str, tuple[str, Segmenter]] = {}  # key -> (url, segmenter) of live-only streams
        self._seq: dict[str, int] = {}
        self._codec: dict[str, str] = {}  # codec of each camera's live source, as last seen
        self._upload_error: dict[str, str] = {}
        self.dropped: dict[str, int] = {}
        self.sent: dict[str, int] = {}

    # -- what is wanted -----------------------------------------------------------------------------------

    def set_wanted(self, keys: set[str]) -> None:
        """The cameras somebody watches now; starts and stops live-only streams to match."""
        with self._lock:
            gone = self._wanted - keys
            for key in keys - self._wanted:
                # A new session: sequence numbers run on from the wall clock so they keep rising across restarts.
                self._seq[key] = max(self._seq.get(key, 0), int(self._clock.now()))
                self._upload_error.pop(key, None)
            self._wanted = set(keys)
            self._queue = deque(i for i in self._queue if i.camera_key not in gone)
        self.refresh()

    def wanted(self) -> set[str]:
        with self._lock:
            return set(self._wanted)

    def refresh(self) -> None:
        """Match live-only streams to what is wanted and to each camera's current URLs (after a config change)."""
        with self._lock:
            wanted = set(self._wanted)
            current = dict(self._own)
        for key in set(current) | wanted:
            url = self._source_for(key) if key in wanted else None
            have = current.get(key)
            if have is not None and have[0] != url:
                have[1].stop()
                with self._lock:
                    self._own.pop(key, None)
                    self._codec.pop(key, None)
                have = None
            if have is None and url is not None:
                seg = self._segmenter(key, url, functools.partial(self._offer_own, key))
                with self._lock:
                    self._own[key] = (url, seg)
                seg.start()

    def own_segmenter(self, key: str) -> Segmenter | None:
        with self._lock:
            have = self._own.get(key)
        return None if have is None else have[1]

    def stop(self) -> list[Segmenter]:
        """Stops sending and tells live-only streams to stop; returns them for the caller to join."""
        with self._lock:
            own = [s for _, s in self._own.values()]
            self._own.clear()
            self._wanted.clear()
            self._queue.clear()
        for s in own:
            s.stop()
        return own

    # -- segments in ----------------------------------------------------------------------------------------

    def offer(self, key: str, segment: Segment) -> None:
        """A segment the recorder cut: queued when the camera is wanted and has no live stream of its own."""
        with self._lock:
            if key in self._own:
                return
        self._enqueue(key, segment)

    def _offer_own(self, key: str, segment: Segment) -> None:
        self._enqueue(key, segment)

    def _enqueue(self, key: str, segment: Segment) -> None:
        with self._lock:
            self._codec[key] = segment.codec
            if key not in self._wanted or segment.codec in HEVC_CODECS:
                return
            seq = self._seq[key] = self._seq.get(key, 0) + 1
            self._queue.append(LiveItem(key, seq, segment))
            while len(self._queue) > self._queue_size:
                old = self._queue.popleft()  # the uplink is behind: the oldest is worth least to a viewer
                self.dropped[old.camera_key] = self.dropped.get(old.camera_key, 0) + 1
        self._wake()

    # -- segments out -------------------------------------------------------------------------------------

    def next_item(self) -> LiveItem | None:
        with self._lock:
            return self._queue.popleft() if self._queue else None

    def pending(self) -> int:
        with self._lock:
            return len(self._queue)

    def uploaded(self, key: str, error: str | None) -> None:
        with self._lock:
            if error is None:
                self._upload_error.pop(key, None)
                self.sent[key] = self.sent.get(key, 0) + 1
            else:
                self._upload_error[key] = error

    # -- health ---------------------------------------------------------------------------------------------

    def codec(self, key: str) -> str | None:
        with self._lock:
            return self._codec.get(key)

    def error(self, key: str) -> LiveError | None:
        """What stands in the way of watching ``key`` live, as far as the uplink side knows."""
        with self._lock:
            if self._codec.get(key) in HEVC_CODECS:
                return "h265_unsupported"
            if key in self._wanted and key in self._upload_error:
                return "upload_failed"
            return None

    def upload_error(self, key: str) -> str | None:
        with self._lock:
            return self._upload_error.get(key)
