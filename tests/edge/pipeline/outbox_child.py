"""Child process for the kill -9 test: store N events (idempotently), then upload until none is pending.

Run as ``python -m tests.edge.pipeline.outbox_child DATA_DIR PLATFORM_URL N``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from brightkitchen.edge.clock import SystemClock
from brightkitchen.edge.platform_client import PlatformClient
from brightkitchen.edge.uploader import Uploader, UploaderOptions
from tests.edge.pipeline.outbox_helpers import add_event, open_outbox
from tests.edge.pipeline.receiver import KEY


def main(data: Path, url: str, n: int) -> int:
    outbox = open_outbox(data)
    outbox.sweep_orphans()
    for i in range(n):
        add_event(outbox, f"killtest-{i:04d}")
    client = PlatformClient(url, KEY, timeout_s=10)
    uploader = Uploader(outbox, client, UploaderOptions(backoff_initial_s=0.05, backoff_max_s=0.5), SystemClock())
    while outbox.counts().pending:
        pause = uploader.step()
        if pause:
            time.sleep(min(pause, 0.5))
    print("done", outbox.counts(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])))
