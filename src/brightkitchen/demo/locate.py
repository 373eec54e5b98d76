"""Where the demo looks for the folder beside the project that may hold sample photographs and the model pack.

A clone of the repository alone has no such folder; everything that reads from it must cope with that.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

SHARED_ENV = "BRIGHTKITCHEN_SHARED_DIR"


def shared_roots(env: Mapping[str, str] | None = None) -> list[Path]:
    """``$BRIGHTKITCHEN_SHARED_DIR`` alone when set (an empty folder hides ../shared), else ../shared beside
    the working directory and beside the repository."""
    env = os.environ if env is None else env
    if env.get(SHARED_ENV):
        return [Path(env[SHARED_ENV]).expanduser()]
    repo_root = Path(__file__).resolve().parents[3]
    return [Path.cwd() / ".." / "shared", repo_root / ".." / "shared"]
