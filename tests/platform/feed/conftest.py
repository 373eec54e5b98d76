"""The feed's tests run a real uvicorn server: a stream never ends, so it cannot go through TestClient."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from brightkitchen.platform.app import create_app
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.settings import Settings
from tests import factories as f
from tests import support


@pytest.fixture
def settings(migrated_url: str, tmp_path: Path) -> Settings:
    return support.make_settings(migrated_url, tmp_path)  # no job loop: the tests make every change


@pytest.fixture
def server(ctx: PlatformContext) -> Iterator[str]:
    with support.running_server(create_app(ctx=ctx)) as base_url:
        yield base_url


@pytest.fixture
def world(session: Session) -> f.World:
    return f.world(session)
