"""Shared fixtures: a real database (SQLite file, or PostgreSQL when BRIGHTKITCHEN_TEST_DATABASE_URL is set),
migrated once per run by Alembic and emptied between tests, and an app bound to it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from brightkitchen.platform import migrate
from brightkitchen.platform.app import create_app
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.db import Base
from brightkitchen.platform.settings import Settings
from tests.support.pg import throwaway_database

# Heartbeats written before the answer, as the suite's tests read them back at once; the gathered write
# (heartbeat_flush_s > 0) has its own tests (tests/platform/test_heartbeat_*.py). Servers the tests start inherit it.
os.environ.setdefault("BRIGHTKITCHEN_HEARTBEAT_FLUSH_S", "0")

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = (REPO_ROOT / ".." / "shared").resolve()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    pg = os.environ.get("BRIGHTKITCHEN_TEST_DATABASE_URL")
    if pg:
        with throwaway_database(pg, "bk_test") as url:  # dropped after the run
            yield url
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def is_postgres(database_url: str) -> bool:
    return database_url.startswith("postgresql")


@pytest.fixture(scope="session")
def migrated_url(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    settings = Settings(database_url=database_url, data_dir=tmp_path_factory.mktemp("migrate"))
    migrate.upgrade(settings)
    return database_url


@pytest.fixture
def settings(migrated_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=migrated_url, data_dir=tmp_path / "data", secret_key="test-secret")


@pytest.fixture
def ctx(settings: Settings) -> Iterator[PlatformContext]:
    context = PlatformContext.build(settings)
    yield context
    _empty_all_tables(context)
    context.engine.dispose()


def _empty_all_tables(context: PlatformContext) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with context.engine.begin() as conn:
        if context.engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            # Self-referencing tables (regions) make delete order matter; switch the checks off meanwhile.
            conn.exec_driver_sql("PRAGMA defer_foreign_keys=ON")
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))


@pytest.fixture
def session(ctx: PlatformContext) -> Iterator[Session]:
    with ctx.sessions() as s:
        yield s


@pytest.fixture
def client(ctx: PlatformContext) -> Iterator[TestClient]:
    with TestClient(create_app(ctx=ctx)) as c:
        yield c


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    return SHARED


@pytest.fixture(scope="session")
def models_dir() -> Path:
    path = SHARED / "models"
    if not path.is_dir():
        pytest.skip("the model pack ../shared/models is not present")
    return path
