"""The public page of a site, concern reports and receipt lookups with their limits. A site that is not public
answers exactly like a missing one."""

from __future__ import annotations

import math
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts.models import OPEN_STATES, Alert, AlertState
from brightkitchen.platform.auth import throttle
from brightkitchen.platform.concerns import service as concerns
from brightkitchen.platform.concerns.models import Concern
from brightkitchen.platform.concerns.schemas import ConcernCreate
from brightkitchen.platform.problems import Problem, not_found
from brightkitchen.platform.public.schemas import MonthRecord, PublicCamera, PublicSite
from brightkitchen.platform.security import sign, token_digest
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.sites.models import Camera, KitchenArea, Site, SiteKind
from brightkitchen.platform.storage.links import signed_url
from brightkitchen.protocol.codes import ViolationCode

# Concern reports a single client address may send in one window (per address, over all sites).
CONCERN_LIMIT = 5
CONCERN_WINDOW = timedelta(minutes=10)
# Receipt lookups a single client address may make in one window: a parent checks a few times, nobody guesses codes.
LOOKUP_LIMIT = 10
LOOKUP_WINDOW = timedelta(minutes=10)
# Months of rectification record on the public page.
RECORD_MONTHS = 6


def get_public_site(session: Session, code: str) -> Site:
    site = session.scalar(select(Site).where(Site.code == code, Site.public_page.is_(True)))
    if site is None:
        raise not_found("site")
    return site


def month_starts(now: datetime, tz: ZoneInfo, count: int) -> list[datetime]:
    """The local starts of the last ``count`` months (this one included), oldest first, as aware local times."""
    local = now.astimezone(tz)
    year, month = local.year, local.month
    starts: list[datetime] = []
    for _ in range(count):
        starts.append(datetime(year, month, 1, tzinfo=tz))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(starts))


def rectification_record(session: Session, site_id: int, now: datetime, tz: ZoneInfo) -> list[MonthRecord]:
    """Violations by local month: found, rectified (closed) and still open. False positives, test events and
    camera faults (a device matter, not a kitchen one) are left out."""
    starts = month_starts(now, tz, RECORD_MONTHS)
    rows = session.execute(
        select(Alert.created_at, Alert.state).where(
            Alert.site_id == site_id,
            Alert.created_at >= starts[0].astimezone(UTC),
            Alert.test.is_(False),
            Alert.code != ViolationCode.camera_fault,
            Alert.state != AlertState.false_positive,
        )
    ).all()
    found: Counter[str] = Counter()
    rectified: Counter[str] = Counter()
    still_open: Counter[str] = Counter()
    open_states = {str(s) for s in OPEN_STATES}
    for created_at, state in rows:
        month = created_at.astimezone(tz).strftime("%Y-%m")
        found[month] += 1
        if state == AlertState.closed:
            rectified[month] += 1
        elif state in open_states:
            still_open[month] += 1
    keys = [s.strftime("%Y-%m") for s in starts]
    return [MonthRecord(month=k, alerts=found[k], rectified=rectified[k], open=still_open[k]) for k in keys]


def _public_camera(camera: Camera, area: str | None, settings: Settings, now: datetime) -> PublicCamera:
    url = (
        signed_url(settings.secret_key, camera.latest_picture_key, now, settings.evidence_url_ttl_s)
        if camera.latest_picture_key
        else None
    )
    return PublicCamera(id=camera.id, name=camera.name, area=area, status=camera.status,
                        last_seen_at=camera.last_seen_at, latest_picture_at=camera.latest_picture_at,
                        latest_picture_url=url)  # fmt: skip


def public_view(session: Session, settings: Settings, site: Site, now: datetime, tz: ZoneInfo) -> PublicSite:
    cams = session.execute(
        select(Camera, KitchenArea.name)
        .outerjoin(KitchenArea, KitchenArea.id == Camera.area_id)
        .where(Camera.site_id == site.id, Camera.public.is_(True))
        .order_by(Camera.id)
    ).all()
    cameras = [_public_camera(c, area, settings, now) for c, area in cams]
    return PublicSite(
        code=site.code,
        name=site.name,
        kind=SiteKind(site.kind),
        address=site.address,
        cameras=cameras,
        public_video_from=site.public_video_from,
        public_video_until=site.public_video_until,
        months=rectification_record(session, site.id, now, tz),
        generated_at=now,
    )


def client_hash(secret_key: str, client: str) -> str:
    """A keyed hash of the client address: rate limiting without keeping the address."""
    return sign(secret_key, f"concern-client\n{client}".encode())


def check_rate(session: Session, client: str, now: datetime) -> None:
    since = now - CONCERN_WINDOW
    count, oldest = session.execute(
        select(func.count(Concern.id), func.min(Concern.created_at)).where(
            Concern.client_hash == client, Concern.created_at > since
        )
    ).one()
    if count >= CONCERN_LIMIT:
        oldest_at = oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)
        wait = max(1, math.ceil((oldest_at + CONCERN_WINDOW - now).total_seconds()))
        raise Problem(
            429,
            "Too many requests",
            f"too many reports from this address; try again in {wait} seconds",
            headers={"Retry-After": str(wait)},
            code="rate_limited",
        )


def create_concern(
    session: Session, site: Site, body: ConcernCreate, client: str, now: datetime
) -> tuple[Concern, str]:
    """The new concern and its receipt code."""
    # Count and insert under this client's counter row lock (held until the request commits): without it, parallel
    # reports all count the same few rows and all get through.
    throttle.hit(session, token_digest(f"concern\n{client}"), now, CONCERN_WINDOW)
    check_rate(session, client, now)
    return concerns.create(session, site, name=body.name, phone=body.phone, text=body.text, client=client, now=now)


def take_lookup(engine: Engine, client: str, now: datetime) -> None:
    """Counts this lookup, committed at once so a wrong code (answered 404, rolled back) still counts; 429 past the
    limit."""
    with engine.begin() as conn:
        count = throttle.hit(conn, token_digest(f"concern-lookup\n{client}"), now, LOOKUP_WINDOW)
    if count.hits > LOOKUP_LIMIT:
        wait = count.wait_s(now, LOOKUP_WINDOW)
        raise Problem(
            429,
            "Too many requests",
            f"too many lookups from this address; try again in {wait} seconds",
            headers={"Retry-After": str(wait)},
            code="rate_limited",
        )
