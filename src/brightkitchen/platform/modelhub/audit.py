"""One audit row and one log line per change to the registry: who, when, what, on which model version."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from brightkitchen.platform.authz import Principal
from brightkitchen.platform.modelhub.models import ModelAudit, ModelVersion

log = logging.getLogger(__name__)


def record(
    session: Session, principal: Principal, action: str, version: ModelVersion, now: datetime, **detail: Any
) -> None:
    session.add(
        ModelAudit(
            at=now,
            action=action,
            actor_id=principal.id,
            model_id=version.id,
            model_name=version.name,
            model_version=version.version,
            detail=detail,
        )
    )
    log.info("model registry: user %s %s %s %s %s", principal.id, action, version.name, version.version, detail)
