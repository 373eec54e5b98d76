from __future__ import annotations

from pathlib import Path

import pytest

from brightkitchen.platform.settings import Settings
from tests.support import make_settings


@pytest.fixture
def settings(migrated_url: str, tmp_path: Path) -> Settings:
    # No daily bulletins here: these tests count alert notifications, and a region channel taking every
    # event would also get the bulletin that the real clock makes due.
    # The receivers here are real HTTP servers on 127.0.0.1: allow-listed, as an intranet receiver would be.
    return make_settings(
        migrated_url, tmp_path, bulletin_region_kinds=[], notify_allow_http=True, notify_allow_networks=["127.0.0.0/8"]
    )
