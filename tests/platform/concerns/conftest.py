from __future__ import annotations

from pathlib import Path

import pytest

from brightkitchen.platform.settings import Settings
from tests.support import make_settings


@pytest.fixture
def settings(migrated_url: str, tmp_path: Path) -> Settings:
    return make_settings(migrated_url, tmp_path)
