"""Bad input is the caller's fault: out-of-range ids, NUL, bad UTF-8, missing references, dependants and explicit
nulls are answered 4xx as problem documents, never 500."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from brightkitchen.platform.app import create_app
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.regions.models import RegionKind
from tests import factories as f

API = "/api/v1"
BIG = str(2**63)  # one past the largest 64-bit id


@pytest.fixture
def w(session: Session) -> f.World:
    return f.world(session)


@pytest.fixture
def lenient(ctx: PlatformContext) -> Iterator[TestClient]:
    with TestClient(create_app(ctx=ctx), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def admin(session: Session, w: f.World) -> dict[str, str]:
    return f.bearer(session, "admin")


def _is_4xx_problem(resp: object) -> None:
    status = resp.status_code  # type: ignore[attr-defined]
    assert 400 <= status < 500, (status, resp.text)  # type: ignore[attr-defined]
    assert resp.headers["content-type"].startswith("application/problem+json")  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "url",
    [
        f"/regions/{BIG}",
        f"/sites/{BIG}",
        f"/sites/-{BIG}",
        f"/alerts/{BIG}",
        f"/cameras/{'9' * 40}",
        f"/sites?region_id={BIG}",
        f"/alerts?site_id={BIG}",
        f"/regions?parent_id={BIG}",
        "/regions?page=99999999999999999999",
        "/sites?page=2000000000&size=500",
    ],
)
def test_integers_out_of_range_are_4xx(lenient: TestClient, admin: dict[str, str], url: str) -> None:
    _is_4xx_problem(lenient.get(API + url, headers=admin))


@pytest.mark.parametrize(
    "url",
    [
        "/public/sites/A%00B",
        "/public/sites/A%FFB",
        "/sites?q=a%00b",
        "/regions?q=%ED%A0%80",  # a lone surrogate, as UTF-8 bytes
        "/evidence/1/2024/01/01/x.jpg?exp=9999999999&sig=%C3%A9",
        "/evidence/1/2024/01/01/x.jpg?exp=1&sig=%00",
    ],
)
def test_nul_and_bad_text_in_path_or_query_are_4xx(lenient: TestClient, admin: dict[str, str], url: str) -> None:
    _is_4xx_problem(lenient.get(API + url, headers=admin))


def test_login_with_nul_is_4xx(lenient: TestClient, w: f.World) -> None:
    resp = lenient.post(f"{API}/auth/login", json={"username": "ad\u0000min", "password": "x" * 12})
    _is_4xx_problem(resp)


def test_bodies_with_missing_references_are_4xx(lenient: TestClient, admin: dict[str, str], w: f.World) -> None:
    for parent in (999_999, 2**63 - 1, 2**63):
        resp = lenient.post(
            f"{API}/regions",
            headers=admin,
            json={"name": "x", "code": f"x{parent}", "kind": "district", "parent_id": parent},
        )
        _is_4xx_problem(resp)
    site = {"code": "Z9", "name": "z", "kind": "school", "region_id": 2**64}
    _is_4xx_problem(lenient.post(f"{API}/sites", headers=admin, json=site))


def test_explicit_null_in_patch_is_422(lenient: TestClient, admin: dict[str, str], w: f.World) -> None:
    for field in ("address", "name", "contact_phone", "work_start", "public_page"):
        resp = lenient.patch(f"{API}/sites/{w.site_a1.id}", headers=admin, json={field: None})
        assert resp.status_code == 422, (field, resp.text)
    assert lenient.patch(f"{API}/regions/{w.city.id}", headers=admin, json={"name": None}).status_code == 422
    cam = w.cameras["A1"]
    assert lenient.patch(f"{API}/cameras/{cam.id}", headers=admin, json={"name": None}).status_code == 422
    # what may be empty still can be emptied
    ok = lenient.patch(f"{API}/sites/{w.site_a1.id}", headers=admin, json={"video_stream_limit": None})
    assert ok.status_code == 200, ok.text
    ok = lenient.patch(f"{API}/cameras/{cam.id}", headers=admin, json={"area_id": None})
    assert ok.status_code == 200, ok.text


def test_deleting_a_region_still_in_use_is_409(
    lenient: TestClient, admin: dict[str, str], session: Session, w: f.World
) -> None:
    empty = f.region(session, "空街道", RegionKind.street, w.district_b, code="street-empty")
    f.user(session, "reg_street", f.Role.regulator, region=empty)
    session.commit()
    resp = lenient.delete(f"{API}/regions/{empty.id}", headers=admin)
    assert resp.status_code == 409, resp.text
    assert resp.json()["code"] == "conflict"
    assert lenient.get(f"{API}/regions/{empty.id}", headers=admin).status_code == 200
    # once nothing points at it, it goes
    lone = f.region(session, "孤街道", RegionKind.street, w.district_b, code="street-lone")
    session.commit()
    assert lenient.delete(f"{API}/regions/{lone.id}", headers=admin).status_code == 204
