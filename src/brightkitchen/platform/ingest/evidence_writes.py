"""Evidence files written while an event's statements run: each on a writer thread, every one awaited before the
commit (``settle``), and all removed again if the event is not kept (``discard``)."""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime

from brightkitchen.platform.storage.base import EvidenceStore, new_key
from brightkitchen.protocol.v1 import EvidenceRef

WRITERS = 8  # files written at once per process (each mostly waits for its fsync or its upload)

_writer: ThreadPoolExecutor | None = None
_writer_lock = threading.Lock()


def writer() -> ThreadPoolExecutor:
    """The process's evidence writers (made on first use, so each worker process makes its own)."""
    global _writer
    if _writer is None:
        with _writer_lock:
            if _writer is None:
                _writer = ThreadPoolExecutor(max_workers=WRITERS, thread_name_prefix="evidence-writer")
    return _writer


@dataclass
class EvidenceWrites:
    """The files of one ingest, and files to remove once it has committed. The store's put returns once its
    file is durable, and ``settle`` waits for every put before the commit: a committed row never points at a
    file that a crash could take away."""

    store: EvidenceStore
    written: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    pending: list[Future[None]] = field(default_factory=list)

    def put(self, site_id: int, ref: EvidenceRef, data: bytes, now: datetime) -> str:
        """Starts writing the file; its key at once."""
        key = new_key(site_id, ref.content_type, now)
        self.written.append(key)
        self.pending.append(writer().submit(self.store.put, key, data, ref.content_type))
        return key

    def settle(self) -> None:
        """Waits for the files; raises the first write's error, if any."""
        for done in self.pending:
            done.result()

    def discard(self) -> None:
        """The ingest failed: remove what it wrote, once the writes have ended (or a late one would stay)."""
        wait(self.pending)
        delete_quietly(self.store, self.written)


def delete_quietly(store: EvidenceStore, keys: list[str]) -> None:
    for key in keys:
        # Best effort: the error that brought us here is the one to report.
        with contextlib.suppress(Exception):
            store.delete(key)
