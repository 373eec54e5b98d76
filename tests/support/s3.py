"""A local S3 (moto_server) for the tests that store evidence or model files in a bucket."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.support import free_port


def local_s3() -> Iterator[str]:
    """The endpoint URL of a moto_server started for the caller and stopped after; skips without moto_server.
    Use as the body of a (module-scoped) fixture: ``yield from local_s3()``."""
    exe = shutil.which("moto_server")
    if exe is None:
        pytest.skip("moto_server (a local S3) is not installed; the S3 round trip is not run")
    port = free_port()
    proc = subprocess.Popen([exe, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(url, timeout=0.5)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)
