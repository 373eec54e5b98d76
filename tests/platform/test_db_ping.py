"""A pooled PostgreSQL connection is pinged before use only after it has been idle: one cut while idle is found
and replaced without the request noticing; within the idle window the connection is used as it is."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from brightkitchen.platform.db import ping_when_idle


def _cut(url: str, pid: int) -> None:
    admin = create_engine(url)
    with admin.connect() as conn:
        assert conn.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()


@pytest.fixture
def pg_url(database_url: str, is_postgres: bool) -> str:
    if not is_postgres:
        pytest.skip("a server whose connections can be cut: PostgreSQL")
    return database_url


def test_an_idle_connection_cut_by_the_server_is_replaced(pg_url: str) -> None:
    engine = create_engine(pg_url, pool_size=1, max_overflow=0)
    ping_when_idle(engine, idle_s=0.0)  # every checkout counts as idle
    with engine.connect() as conn:
        first = conn.scalar(text("SELECT pg_backend_pid()"))
    _cut(pg_url, int(first or 0))
    with engine.connect() as conn:  # pinged, found dead, replaced
        assert conn.scalar(text("SELECT pg_backend_pid()")) != first
    engine.dispose()


def test_a_connection_in_use_a_moment_ago_is_not_pinged(pg_url: str) -> None:
    engine = create_engine(pg_url, pool_size=1, max_overflow=0)
    ping_when_idle(engine, idle_s=3600.0)
    with engine.connect() as conn:
        first = conn.scalar(text("SELECT pg_backend_pid()"))
    _cut(pg_url, int(first or 0))
    with engine.connect() as conn, pytest.raises(OperationalError):
        conn.execute(text("SELECT 1"))  # no ping: the cut shows on the request itself, once
    with engine.connect() as conn:  # the pool was invalidated: a new connection
        assert conn.scalar(text("SELECT pg_backend_pid()")) != first
    engine.dispose()
