"""Provisioning a province-sized fleet straight into the platform's database: a test-bed shortcut.

One request per site, camera and device through the admin API takes most of an hour for 27,000 sites; here the
same rows are written in a few multi-row statements through the platform's own models, with device keys made by
its own ``issue_key``. Idempotent: a second run finds the regions, sites, cameras and devices it made before and
issues their devices fresh keys (only a hash is ever stored, so keys cannot be read back)."""

from __future__ import annotations

from sqlalchemy import create_engine, insert, select, update
from sqlalchemy.orm import Session

from brightkitchen.platform.devices.models import Device
from brightkitchen.platform.devices.service import issue_key
from brightkitchen.platform.regions.models import Region, RegionKind
from brightkitchen.platform.regions.service import add_region
from brightkitchen.platform.sites.models import Camera, Site
from brightkitchen.simulate.provision import SimSite

KINDS = ("school", "kindergarten", "meal_supplier")
BATCH = 5000


def site_code(index: int) -> str:
    return f"SIM-{index + 1:03d}"


def _region(session: Session, code: str, name: str, kind: RegionKind, parent: Region | None) -> Region:
    found = session.scalar(select(Region).where(Region.code == code, Region.kind == kind))
    return found if found is not None else add_region(session, name, code, kind, parent)


def _insert(session: Session, model: type[Site] | type[Camera] | type[Device], rows: list[dict[str, object]]) -> None:
    for start in range(0, len(rows), BATCH):
        session.execute(insert(model), rows[start : start + BATCH])


def provision_bulk(database_url: str, sites: int, cameras_per_site: int, streets: int | None = None) -> list[SimSite]:
    """SIM-001… sites, each with ``cameras_per_site`` cameras and one device, under a simulated city; about one
    street per 100 sites. Returns the fleet with freshly issued device keys."""
    streets = streets or max(1, min(1000, sites // 100))
    engine = create_engine(database_url)
    try:
        with Session(engine) as session, session.begin():
            city = _region(session, "sim-city", "模拟市", RegionKind.city, None)
            district = _region(session, "sim-district", "模拟区市场监管分局", RegionKind.district, city)
            street_ids = [
                _region(session, f"sim-street-{s + 1}", f"模拟街道 {s + 1}", RegionKind.street, district).id
                for s in range(streets)
            ]
            codes = [site_code(i) for i in range(sites)]
            site_ids = _sites(session, codes, street_ids)
            camera_keys = tuple(f"cam-{c + 1}" for c in range(cameras_per_site))
            _cameras(session, site_ids, camera_keys)
            devices = _devices(session, site_ids)
        return [
            SimSite(site_ids[code], devices[site_ids[code]][0], code, devices[site_ids[code]][1], camera_keys)
            for code in codes
        ]
    finally:
        engine.dispose()


def _sites(session: Session, codes: list[str], street_ids: list[int]) -> dict[str, int]:
    def existing() -> dict[str, int]:
        found: dict[str, int] = {}
        for start in range(0, len(codes), BATCH):
            chunk = codes[start : start + BATCH]
            found.update(
                {code: sid for code, sid in session.execute(select(Site.code, Site.id).where(Site.code.in_(chunk)))}
            )
        return found

    have = existing()
    rows: list[dict[str, object]] = [
        {"code": code, "name": f"模拟单位 {i + 1:03d}", "kind": KINDS[(i + 1) % 3],
         "region_id": street_ids[i % len(street_ids)]}
        for i, code in enumerate(codes) if code not in have
    ]  # fmt: skip
    _insert(session, Site, rows)
    return existing() if rows else have


def _cameras(session: Session, site_ids: dict[str, int], keys: tuple[str, ...]) -> None:
    ids = sorted(site_ids.values())
    have: set[tuple[int, str]] = set()
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        query = select(Camera.site_id, Camera.key).where(Camera.site_id.in_(chunk))
        have.update((sid, key) for sid, key in session.execute(query))
    rows: list[dict[str, object]] = [
        {"site_id": sid, "key": key, "name": f"后厨-{n + 1}"}
        for sid in ids for n, key in enumerate(keys) if (sid, key) not in have
    ]  # fmt: skip
    _insert(session, Camera, rows)


def _devices(session: Session, site_ids: dict[str, int]) -> dict[int, tuple[int, str]]:
    """site id -> (device id, plain key): the site's first device gets a new key, a site without one gets one."""
    ids = sorted(site_ids.values())

    def first_devices() -> dict[int, int]:
        first: dict[int, int] = {}
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            for site_id, device_id in session.execute(
                select(Device.site_id, Device.id).where(Device.site_id.in_(chunk)).order_by(Device.id.desc())
            ):
                first[site_id] = device_id
        return first

    first = first_devices()
    new_keys: dict[int, str] = {}
    rows: list[dict[str, object]] = []
    for sid in ids:
        if sid not in first:
            device = Device(site_id=sid, name="sim-edge")
            new_keys[sid] = issue_key(device)
            rows.append({"site_id": sid, "name": "sim-edge", "key_hash": device.key_hash,
                         "key_issued_at": device.key_issued_at, "revoked_at": None})  # fmt: skip
    _insert(session, Device, rows)
    if rows:
        first = first_devices()
    keys: dict[int, tuple[int, str]] = {}
    reissued: list[dict[str, object]] = []
    for sid in ids:
        if sid in new_keys:
            keys[sid] = (first[sid], new_keys[sid])
            continue
        device = Device(id=first[sid], site_id=sid)
        keys[sid] = (first[sid], issue_key(device))
        reissued.append({"id": device.id, "key_hash": device.key_hash, "key_issued_at": device.key_issued_at,
                         "revoked_at": None})  # fmt: skip
    for start in range(0, len(reissued), BATCH):
        session.execute(update(Device), reissued[start : start + BATCH])  # executemany by primary key
    return keys
