"""All platform settings in one pydantic-settings class, read from ``BRIGHTKITCHEN_*`` variables."""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Literal

from pydantic import Field, IPvAnyNetwork
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
    # A worker runs up to 40 requests at once in threads; a connection opened past the pool is closed again
    # after one request, and opening one costs PostgreSQL more than the request's own statements.
    database_pool_size: int = Field(
        default=40, ge=1, le=1000, description="PostgreSQL: connections each process keeps open (workers × this "
        "must stay under the server's max_connections, or put PgBouncer in front)",
    )  # fmt: skip
    database_max_overflow: int = Field(
        default=0, ge=0, le=1000, description="PostgreSQL: connections opened past the pool in a burst, closed after"
    )
    secret_key: str = Field(
        default="",
        description="Key for signed evidence links and webhook signatures; required: the platform does not start "
        "without it (the demo makes its own in its data folder)",
    )
    api_docs: bool = Field(default=False, description="Serve the interactive API docs page at /api/v1/docs")
    access_token_ttl_s: int = Field(default=8 * 3600, gt=0, description="Lifetime of a person's access token")
    login_max_failures: int = Field(
        default=5, gt=0, description="Sign-in attempts at one account from one address before it is throttled"
    )
    login_lockout_s: int = Field(default=300, gt=0, description="How long a throttled login stays refused")
    login_max_failures_per_address: int = Field(
        default=20, gt=0, description="Sign-in attempts one client address may make (over all accounts) per lockout"
    )
    max_json_bytes: int = Field(default=1024 * 1024, gt=0, description="Largest accepted JSON (non-upload) body")
    max_upload_bytes: int = Field(default=20 * 1024 * 1024, gt=0, description="Largest accepted upload body")
    timezone: str = Field(default="Asia/Shanghai", description="Local time zone of the district")
    cors_origins: list[str] = Field(default_factory=list, description="Browser origins allowed to call the API")
    compression: bool = Field(
        default=True,
        description="gzip API answers over 1 KB and send the web app's precompressed files; "
        "turn off when a proxy in front (nginx) compresses",
    )

    # Evidence storage (alerts, rectification photos).
    evidence_backend: Literal["local", "s3"] = Field(
        default="local", description="Where evidence files go: a local folder (data_dir/evidence) or an S3 bucket"
    )
    evidence_url_ttl_s: int = Field(default=600, gt=0, description="Lifetime of a signed evidence link")
    list_thumbnails: bool = Field(
        default=True,
        description="Lists show small JPEG thumbnails made once on the platform; off: lists load the full pictures",
    )
    alert_list_exact_total: int = Field(
        default=10_000,
        ge=1,
        description="The alert list counts its total exactly up to this many; past it the total is an estimate",
    )
    s3_bucket: str = Field(default="", description="S3 bucket for evidence (evidence_backend=s3)")
    s3_prefix: str = Field(default="evidence/", description="Key prefix inside the bucket")
    s3_endpoint_url: str | None = Field(default=None, description="S3-compatible endpoint (MinIO, OSS); None = AWS")
    s3_region: str | None = Field(default=None, description="S3 region name")
    s3_access_key_id: str | None = Field(default=None, description="S3 access key; None = boto3's own chain")
    s3_secret_access_key: str | None = Field(default=None, description="S3 secret key")
    s3_model_prefix: str = Field(
        default="models/", description="Key prefix of uploaded model files in the bucket (evidence_backend=s3)"
    )

    # Model registry (docs/model-registry.md).
    model_max_bytes: int = Field(
        default=50 * 1024 * 1024, gt=0, description="Largest model file (.onnx) an admin may upload to the registry"
    )

    # Devices.
    heartbeat_interval_s: float = Field(default=30.0, gt=0, description="How often devices send a heartbeat")
    offline_after_missed: int = Field(default=3, gt=0, description="Missed heartbeats before a device is offline")
    device_rate_per_s: float = Field(default=20.0, gt=0, description="Sustained requests per second per device")
    device_rate_burst: int = Field(default=100, gt=0, description="Requests a device may burst above its rate")
    redis_url: str = Field(
        default="",
        description="Redis (redis://host:6379/0) holding the device rate limits, one bucket per device shared by all "
        "processes and hosts; empty = each process limits on its own. Unreachable Redis: per-process limits meanwhile",
    )
    redis_prefix: str = Field(
        default="brightkitchen:", description="Prefix of this platform's Redis keys (several platforms, one Redis)"
    )
    device_auth_cache_s: float = Field(
        default=300.0, ge=0, description="Seconds a worker trusts a device key it has checked: a revoked or replaced "
        "key stops working within this time (in practice within seconds: each worker sweeps for revoked and replaced "
        "keys every 5 s); each worker also loads every valid key in one query at its first request and every half "
        "of this time; 0 = ask the database each time"
    )  # fmt: skip
    heartbeat_flush_s: float = Field(
        default=1.0, ge=0, description="Seconds a worker gathers heartbeats before writing them in one transaction "
        "(the latest per device); 0 = write each heartbeat before answering"
    )  # fmt: skip

    # Alert deadlines (defaults when no deadline_policies row matches).
    rectify_hours_default: float = Field(default=24.0, gt=0, description="Hours a school has to rectify")
    escalate_hours_default: float = Field(default=48.0, gt=0, description="Hours before escalation to the regulator")

    # Episodes: detections of one camera and code make one alert (defaults when no episode_policies row matches).
    episode_gap_s: float = Field(
        default=600.0, gt=0, le=7 * 86400, description="A sighting this long after the last one starts a new alert"
    )
    episode_min_duration_s: float = Field(
        default=0.0, ge=0, le=86400, description="An episode shorter than this raises no alert (still recorded)"
    )
    episode_max_clips: int = Field(default=10, ge=1, le=100, description="Clips kept per alert: the episode's first")

    # Time-based work (push, escalation, offline detection, notification delivery).
    jobs_enabled: bool = Field(default=True, description="Run the background jobs loop in this process")
    jobs_interval_s: float = Field(default=10.0, gt=0, description="Seconds between two runs of the jobs loop")

    # Notifications.
    public_base_url: str = Field(default="", description="Platform address used in links inside notifications")
    notify_timeout_s: float = Field(
        default=10.0, gt=0, description="Total deadline of one notification send (connect to last byte)"
    )
    notify_workers: int = Field(default=4, gt=0, description="Notification sends in flight at once, off the jobs loop")
    notify_allow_http: bool = Field(default=False, description="Also accept plain http:// receiver URLs")
    notify_allow_hosts: list[str] = Field(
        default_factory=list, description="Receiver host names allowed to resolve to private/loopback addresses"
    )
    notify_allow_networks: list[IPvAnyNetwork] = Field(
        default_factory=list, description="Private networks (CIDR) receivers may be in, e.g. an intranet 10.2.0.0/16"
    )
    notify_school_admin_outbound: bool = Field(
        default=False, description="Let school admins create webhook/WeCom/DingTalk channels (e-mail is always allowed)"
    )
    notify_max_attempts: int = Field(default=8, gt=0, description="Attempts before a notification is failed")
    notify_backoff_s: float = Field(default=30.0, gt=0, description="First retry delay; doubles on each attempt")
    notify_backoff_max_s: float = Field(default=3600.0, gt=0, description="Longest retry delay")
    smtp_host: str = Field(default="", description="SMTP server for e-mail notifications")
    smtp_port: int = Field(default=25, gt=0, description="SMTP port")
    smtp_starttls: bool = Field(default=False, description="Upgrade the SMTP connection with STARTTLS")
    smtp_username: str | None = Field(default=None, description="SMTP login; None = no AUTH")
    smtp_password: str | None = Field(default=None, description="SMTP password")
    smtp_from: str = Field(default="brightkitchen@localhost", description="Sender address of notification e-mail")

    # Roll-out: acceptance checklist, daily bulletin, reports (docs/rollout.md).
    rollout_required_area_kinds: list[str] = Field(
        default_factory=lambda: ["storage", "prep", "cooking", "washing"],
        description="Kitchen area kinds that must each have at least one camera before a site is accepted",
    )
    rollout_online_window_s: int = Field(
        default=300, gt=0, description="A camera or the platform connection counts as up if seen within this"
    )
    rollout_edge_silent_after_h: float = Field(
        default=24.0, gt=0, description="Hours without a heartbeat after which the edge server item fails"
    )
    rollout_test_alert_timeout_s: int = Field(
        default=900, gt=0, description="How long a 'send test alert' request waits for the edge's test event"
    )
    rollout_refresh_interval_s: int = Field(
        default=300, gt=0, description="How often the jobs loop re-evaluates every site's checklist status"
    )
    bulletin_time: time = Field(default=time(8, 0), description="Local time (settings.timezone) of the daily bulletin")
    bulletin_region_kinds: list[str] = Field(
        default_factory=lambda: ["city", "district"], description="Region kinds that get a daily bulletin each"
    )
    bulletin_stuck_limit: int = Field(default=10, gt=0, description="Sites listed as stuck longest in a bulletin")
    bulletin_worst_limit: int = Field(default=5, gt=0, description="Lowest-scoring sites listed in a bulletin")
    ranking_min_online_share: float = Field(
        default=0.8, gt=0, le=1, description="Share of a period's hours a site must be watched to be ranked"
    )
    report_font_path: Path | None = Field(
        default=None,
        description="TrueType CJK font (.ttf/.ttc with glyf outlines) embedded in PDF reports; "
        "None = the built-in CID font STSong-Light (not embedded; the viewer supplies the glyphs)",
    )

    # Live video, playback and the video wall (docs: protocol/video.py).
    video_idle_s: float = Field(
        default=15.0, gt=0, description="A camera nobody fetched the live playlist of for this long is not watched"
    )
    video_stream_limit: int = Field(
        default=4, gt=0, description="Cameras a site streams at once (live or playback); per-site override"
    )
    video_url_ttl_s: int = Field(default=1800, gt=0, description="Lifetime of a signed playlist link")
    video_live_keep_segments: int = Field(default=30, gt=0, description="Live segments kept on disk per camera")
    video_playback_timeout_s: int = Field(
        default=900, gt=0, description="A playback request the edge has not finished by then is failed"
    )
    video_playback_keep_s: int = Field(
        default=3600, gt=0, description="How long the segments of a finished playback stay on disk"
    )

    # Sensors over MQTT (docs/sensors.md).
    mqtt_url: str | None = Field(
        default=None,
        description="MQTT broker for sensor readings (mqtt://host:1883 or mqtts://host:8883); when set, `serve` "
        "subscribes too (a shared subscription: each reading goes to one worker)",
    )
    mqtt_username: str | None = Field(default=None, description="MQTT login of the platform; None = anonymous")
    mqtt_password: str | None = Field(default=None, description="MQTT password of the platform")
    mqtt_tls_ca: Path | None = Field(default=None, description="CA certificate file that signed the broker's TLS cert")
    mqtt_share_group: str = Field(
        default="brightkitchen", description="Shared-subscription group; every platform process joins the same one"
    )
    sensor_retention_days: int = Field(default=90, gt=0, description="Raw sensor readings are deleted after this")
    detection_retention_days: int = Field(
        default=180,
        ge=0,
        description="Raw detections (every event received) are deleted after this many days, except those an "
        "alert's kept evidence came with and those of alerts still open; alerts, evidence and audit are kept. "
        "0 keeps them forever",
    )

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'brightkitchen.sqlite3'}"

    @property
    def evidence_dir(self) -> Path:
        return self.data_dir / "evidence"

    @property
    def video_dir(self) -> Path:
        return self.data_dir / "video"

    @property
    def model_dir(self) -> Path:
        return self.data_dir / "models"
