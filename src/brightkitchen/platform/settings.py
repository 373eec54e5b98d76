"""All platform settings in one pydantic-settings class, read from ``BRIGHTKITCHEN_*`` variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    return Path.cwd() / "var"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BRIGHTKITCHEN_", env_file=None, extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir, description="Folder for the SQLite file and evidence")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default is a SQLite file in data_dir. "
        "Use postgresql+psycopg://user@host/db for production.",
    )
    secret_key: str = Field(
        default="change-me-in-production",
        description="Key for signed evidence links and webhook signatures",
    )
    access_token_ttl_s: int = Field(default=8 * 3600, gt=0, description="Lifetime of a person's access token")
    login_max_failures: int = Field(default=5, gt=0, description="Failed logins before the account is throttled")
    login_lockout_s: int = Field(default=300, gt=0, description="How long a throttled login stays refused")
    page_size_max: int = Field(default=200, gt=0)
    max_upload_bytes: int = Field(default=20 * 1024 * 1024, gt=0, description="Largest accepted upload body")
    timezone: str = Field(default="Asia/Shanghai", description="Local time zone of the district")
    cors_origins: list[str] = Field(default_factory=list)

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'brightkitchen.sqlite3'}"

    @property
    def evidence_dir(self) -> Path:
        return self.data_dir / "evidence"
