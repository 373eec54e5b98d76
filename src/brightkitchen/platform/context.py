"""What one running platform holds: its settings, engine and session factory, built by factories."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from brightkitchen.platform.alerts import region_rollups
from brightkitchen.platform.alerts.policy_cache import PolicyCache, attach
from brightkitchen.platform.alerts.rollups import TIMEZONE_INFO
from brightkitchen.platform.db import create_db_engine, create_session_factory
from brightkitchen.platform.settings import Settings


@dataclass(frozen=True)
class PlatformContext:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]

    @classmethod
    def build(cls, settings: Settings) -> PlatformContext:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_db_engine(
            settings.resolved_database_url(), pool_size=settings.database_pool_size,
            max_overflow=settings.database_max_overflow,
        )  # fmt: skip
        sessions = create_session_factory(engine)
        sessions.configure(info={TIMEZONE_INFO: settings.timezone})  # the alert rollups' local days
        attach(sessions, PolicyCache())
        region_rollups.attach(sessions)  # a site's move or deletion moves its district counts
        return cls(settings=settings, engine=engine, sessions=sessions)
