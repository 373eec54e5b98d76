"""A PostgreSQL database of a benchmark run's own, dropped afterwards: shared by the benches in this folder
(run as ``python bench/<name>.py``, so this module is importable beside them)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PG_URL = os.environ.get("BRIGHTKITCHEN_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@contextmanager
def throwaway_pg(server_url: str = PG_URL) -> Iterator[str]:
    """Yields the URL of a new database ``bk_bench_<random>`` on ``server_url``'s server; drops it at the end."""
    name = f"bk_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(server_url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
