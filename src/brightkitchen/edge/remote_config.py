"""Configuration from the platform (``GET /api/v1/device/config`` with ETag / 304), cached on disk.

The cache lets a box that restarts while the platform is unreachable start with its last configuration.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from pydantic import ValidationError

from brightkitchen.edge.platform_client import PlatformClient
from brightkitchen.protocol import DeviceConfig

log = logging.getLogger(__name__)


class RemoteConfig:
    def __init__(self, client: PlatformClient, cache_path: Path) -> None:
        self.client, self.cache_path = client, cache_path
        self.config: DeviceConfig | None = None
        self.etag: str | None = None
        self._load_cache()

    def _load_cache(self) -> None:
        try:
            doc = json.loads(self.cache_path.read_text(encoding="utf-8"))
            self.config, self.etag = DeviceConfig.model_validate(doc["config"]), doc.get("etag")
        except FileNotFoundError:
            return
        except (OSError, ValueError, KeyError, ValidationError) as exc:
            log.warning("ignoring unreadable cached device config: %s", exc)

    def poll(self) -> DeviceConfig | None:
        """Ask the platform; the new document if it changed, else None. Raises on HTTP/network errors."""
        got = self.client.get_config(self.etag)
        if got.config is None or (self.config is not None and got.config == self.config):
            self.etag = got.etag
            return None
        self.config, self.etag = got.config, got.etag
        tmp = self.cache_path.with_name(self.cache_path.name + ".tmp")
        tmp.write_text(json.dumps({"etag": self.etag, "config": self.config.model_dump(mode="json")}), "utf-8")
        os.replace(tmp, self.cache_path)
        return self.config
