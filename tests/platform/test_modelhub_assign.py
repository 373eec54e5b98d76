"""Assignments: a region's assignment reaches its sites' devices (configuration, ETag, download by sha256),
a canary site overrides its region, promotion switches the region, and every refusal has its code."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.platform.modelhub.models import ModelAssignment, ModelAudit
from brightkitchen.platform.settings import Settings
from brightkitchen.protocol.v1 import DeviceConfig
from tests import factories as f
from tests import support as s
from tests.platform import modelhub_support as m


@pytest.fixture
def settings(migrated_url: str, tmp_path: Path) -> Settings:
    return s.make_settings(migrated_url, tmp_path)


@pytest.fixture
def w(session: Session) -> f.World:
    return f.world(session)


def config(client: TestClient, w: f.World, site: str) -> tuple[dict[str, Any], str]:
    resp = client.get("/api/v1/device/config", headers=s.device_headers(w.device_keys[site]))
    assert resp.status_code == 200, resp.text
    DeviceConfig.model_validate(resp.json())  # what the edge parses
    return resp.json(), resp.headers["etag"]


def download(client: TestClient, w: f.World, site: str, sha256: str) -> Any:
    return client.get(f"/api/v1/device/models/{sha256}", headers=s.device_headers(w.device_keys[site]))


def test_region_assignment_reaches_the_devices_below(client: TestClient, session: Session, w: f.World) -> None:
    admin = f.bearer(session, "admin")
    v1 = m.uploaded(client, admin)
    before, etag_before = config(client, w, "A1")
    assert before["models"] == []
    resp = m.assign(client, admin, v1["id"], region_id=w.district_a.id, label_thresholds={"no_chef_hat": 0.55})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert set(body) == {
        "id", "model_id", "model_name", "model_version", "scope", "region_id", "region_name", "site_id", "site_name",
        "canary", "label_thresholds", "assigned_by", "assigned_at",
    }  # fmt: skip
    assert (body["model_id"], body["model_name"], body["model_version"], body["scope"]) == (
        v1["id"], "hats", "v1", "region"
    )  # fmt: skip
    assert (body["region_id"], body["region_name"], body["site_id"], body["site_name"]) == (
        w.district_a.id, "东城分局", None, None
    )  # fmt: skip
    assert body["canary"] is False and body["label_thresholds"] == {"no_chef_hat": 0.55}
    assert body["assigned_by"] == w.users["admin"].id

    after, etag_after = config(client, w, "A1")
    assert etag_after != etag_before  # the device sees the change on its next poll
    assert after["models"] == [
        {"name": "hats", "version": "v1", "sha256": v1["sha256"], "size": v1["size"], "card": v1["card"],
         "label_thresholds": {"no_chef_hat": 0.55}}
    ]  # fmt: skip
    unchanged = client.get(
        "/api/v1/device/config", headers={**s.device_headers(w.device_keys["A1"]), "If-None-Match": etag_after}
    )
    assert unchanged.status_code == 304
    assert config(client, w, "A2")[0]["models"][0]["version"] == "v1"  # the whole subtree
    assert config(client, w, "B1")[0]["models"] == []  # another district: nothing

    got = download(client, w, "A1", v1["sha256"])
    assert got.status_code == 200 and got.headers["content-type"] == "application/octet-stream"
    assert hashlib.sha256(got.content).hexdigest() == v1["sha256"] and len(got.content) == v1["size"]
    assert download(client, w, "B1", v1["sha256"]).json()["code"] == "not_found"  # another site's model
    assert download(client, w, "A1", "0" * 64).status_code == 404  # nothing with that hash
    assert download(client, w, "A1", "../../etc/passwd").status_code == 404
    # A version that exists but is not assigned to the site is not served either.
    v2 = m.uploaded(client, admin, "v2", seed=2)
    assert download(client, w, "A1", v2["sha256"]).status_code == 404
    # Only devices use the device endpoint.
    assert client.get(f"/api/v1/device/models/{v1['sha256']}", headers=admin).status_code == 403
    assert client.get(f"/api/v1/device/models/{v1['sha256']}").status_code == 401


def test_assigning_another_version_replaces_the_targets_assignment(
    client: TestClient, session: Session, w: f.World
) -> None:
    admin = f.bearer(session, "admin")
    v1, v2 = m.uploaded(client, admin, "v1", seed=1), m.uploaded(client, admin, "v2", seed=2)
    first = m.assign(client, admin, v1["id"], region_id=w.city.id).json()
    _, etag_v1 = config(client, w, "B1")
    second = m.assign(client, admin, v2["id"], region_id=w.city.id).json()
    assert second["id"] == first["id"] and second["model_version"] == "v2"
    assert len(session.scalars(select(ModelAssignment)).all()) == 1
    doc, etag_v2 = config(client, w, "B1")
    assert etag_v2 != etag_v1 and [x["version"] for x in doc["models"]] == ["v2"]
    assert download(client, w, "B1", v1["sha256"]).status_code == 404  # the old file is no longer the site's
    assert download(client, w, "B1", v2["sha256"]).status_code == 200
    # Another model name is a second assignment next to it.
    fire = m.upload(client, admin, model=m.onnx_model(seed=7), card_bytes=m.card(name="fire", version="1")).json()
    m.assign(client, admin, fire["id"], region_id=w.city.id)
    assert [x["name"] for x in config(client, w, "B1")[0]["models"]] == ["fire", "hats"]
    detail = session.scalars(select(ModelAudit).where(ModelAudit.action == "assign")).all()
    assert [a.model_version for a in detail] == ["v1", "v2", "1"]
    assert detail[1].detail["replaced_version"] == "v1"


def test_canary_site_overrides_its_region_then_promote(client: TestClient, session: Session, w: f.World) -> None:
    admin = f.bearer(session, "admin")
    v1, v2 = m.uploaded(client, admin, "v1", seed=1), m.uploaded(client, admin, "v2", seed=2)
    m.assign(client, admin, v1["id"], region_id=w.city.id, label_thresholds={"smoke": 0.6})
    canary = m.assign(client, admin, v2["id"], site_id=w.site_a1.id, canary=True)
    assert canary.status_code == 200, canary.text
    assert (canary.json()["scope"], canary.json()["canary"], canary.json()["site_name"]) == ("site", True, "学校 A1")
    assert [x["version"] for x in config(client, w, "A1")[0]["models"]] == ["v2"]  # the site's own wins
    assert [x["version"] for x in config(client, w, "A2")[0]["models"]] == ["v1"]  # nearest region's
    assert download(client, w, "A1", v2["sha256"]).status_code == 200
    assert download(client, w, "A2", v2["sha256"]).status_code == 404
    # A nearer region beats a farther one.
    m.assign(client, admin, v2["id"], region_id=w.street_b.id)
    assert [x["version"] for x in config(client, w, "B1")[0]["models"]] == ["v2"]
    m.assign(client, admin, v1["id"], region_id=w.street_b.id)

    # Promote v2 to district A: the region switches, the canary site assignment (now the same) goes.
    resp = client.post(f"/api/v1/models/{v2['id']}/promote", headers=admin, json={"region_id": w.district_a.id})
    assert resp.status_code == 200, resp.text
    assert (resp.json()["scope"], resp.json()["region_id"], resp.json()["model_version"]) == (
        "region", w.district_a.id, "v2"
    )  # fmt: skip
    rows = session.scalars(select(ModelAssignment).where(ModelAssignment.site_id.is_not(None))).all()
    assert rows == []
    for site in ("A1", "A2"):
        assert [x["version"] for x in config(client, w, site)[0]["models"]] == ["v2"]
    assert [x["version"] for x in config(client, w, "B1")[0]["models"]] == ["v1"]  # outside the region
    assert session.scalars(select(ModelAudit.action).order_by(ModelAudit.id.desc())).first() == "promote"


def test_promote_keeps_tuned_canaries_and_region_thresholds(client: TestClient, session: Session, w: f.World) -> None:
    admin = f.bearer(session, "admin")
    v1, v2 = m.uploaded(client, admin, "v1", seed=1), m.uploaded(client, admin, "v2", seed=2)
    m.assign(client, admin, v1["id"], region_id=w.district_a.id, label_thresholds={"smoke": 0.7})
    m.assign(client, admin, v2["id"], site_id=w.site_a1.id, canary=True)
    tuned = m.assign(client, admin, v2["id"], site_id=w.site_a2.id, canary=True, label_thresholds={"smoke": 0.5})
    resp = client.post(f"/api/v1/models/{v2['id']}/promote", headers=admin, json={"region_id": w.district_a.id})
    assert resp.json()["label_thresholds"] == {"smoke": 0.7}  # the region's tuning carries over
    left = session.scalars(select(ModelAssignment).where(ModelAssignment.site_id.is_not(None))).all()
    assert [(a.id, a.canary, a.label_thresholds) for a in left] == [(tuned.json()["id"], False, {"smoke": 0.5})]
    a2 = config(client, w, "A2")[0]["models"]
    assert (a2[0]["version"], a2[0]["label_thresholds"]) == ("v2", {"smoke": 0.5})
    assert config(client, w, "A1")[0]["models"][0]["label_thresholds"] == {"smoke": 0.7}


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"scope": "region", "label_thresholds": {"hard_hat": 0.5}}, 422, "unknown_label"),
        ({"scope": "region", "label_thresholds": {"smoke": 1.5}}, 422, None),
        ({"scope": "region", "label_thresholds": {"smoke": -0.1}}, 422, None),
        ({"scope": "region", "canary": True}, 422, "invalid"),
        ({"scope": "site"}, 422, "invalid"),  # a site assignment without a site
        ({"scope": "region", "region_id": 999999}, 404, "not_found"),
        ({"scope": "site", "site_id": 999999, "region_id": None}, 404, "not_found"),
        ({"scope": "planet"}, 422, None),
        ({"scope": "region", "model_id": 999999}, 404, "not_found"),
    ],
)
def test_bad_assignments_are_refused(
    client: TestClient, session: Session, w: f.World, body: dict[str, Any], status: int, code: str | None
) -> None:
    admin = f.bearer(session, "admin")
    v1 = m.uploaded(client, admin)
    target: dict[str, Any] = {"region_id": w.district_a.id} if body["scope"] == "region" else {}
    resp = client.put("/api/v1/model-assignments", headers=admin, json={"model_id": v1["id"], **target, **body})
    assert resp.status_code == status, resp.text
    if code:
        assert resp.json()["code"] == code
    assert session.scalars(select(ModelAssignment)).all() == []


def test_a_region_and_a_site_together_are_refused(client: TestClient, session: Session, w: f.World) -> None:
    admin = f.bearer(session, "admin")
    v1 = m.uploaded(client, admin)
    both = {"model_id": v1["id"], "region_id": w.district_a.id, "site_id": w.site_a1.id}
    for scope in ("region", "site"):
        resp = client.put("/api/v1/model-assignments", headers=admin, json={**both, "scope": scope})
        assert resp.status_code == 422 and resp.json()["code"] == "invalid"


def test_regulators_read_their_tree_and_write_nothing(client: TestClient, session: Session, w: f.World) -> None:
    admin = f.bearer(session, "admin")
    v1 = m.uploaded(client, admin)
    in_a = m.assign(client, admin, v1["id"], region_id=w.district_a.id).json()
    at_b1 = m.assign(client, admin, v1["id"], site_id=w.site_b1.id, canary=True).json()
    seen = {
        who: {a["id"] for a in client.get("/api/v1/model-assignments", headers=f.bearer(session, who)).json()}
        for who in ("admin", "reg_city", "reg_a", "reg_b")
    }
    assert seen == {
        "admin": {in_a["id"], at_b1["id"]},
        "reg_city": {in_a["id"], at_b1["id"]},
        "reg_a": {in_a["id"]},
        "reg_b": {at_b1["id"]},  # another region's regulator does not see district A's assignment
    }
    filtered = client.get("/api/v1/model-assignments", params={"model_id": 999}, headers=admin).json()
    assert filtered == []
    reg_a = f.bearer(session, "reg_a")
    assert m.assign(client, reg_a, v1["id"], region_id=w.district_a.id).status_code == 403
    assert client.delete(f"/api/v1/model-assignments/{in_a['id']}", headers=reg_a).status_code == 403
    promote = client.post(f"/api/v1/models/{v1['id']}/promote", headers=reg_a, json={"region_id": w.district_a.id})
    assert promote.status_code == 403
    for who in ("sa_a1", "ss_a1"):
        headers = f.bearer(session, who)
        assert client.get("/api/v1/model-assignments", headers=headers).status_code == 403
        assert m.assign(client, headers, v1["id"], site_id=w.site_a1.id).status_code == 403


def test_delete_assignment(client: TestClient, session: Session, w: f.World) -> None:
    admin = f.bearer(session, "admin")
    v1 = m.uploaded(client, admin)
    row = m.assign(client, admin, v1["id"], region_id=w.district_a.id).json()
    _, etag = config(client, w, "A1")
    assert client.delete(f"/api/v1/model-assignments/{row['id']}", headers=admin).status_code == 204
    doc, etag_after = config(client, w, "A1")
    assert doc["models"] == [] and etag_after != etag
    assert download(client, w, "A1", v1["sha256"]).status_code == 404
    again = client.delete(f"/api/v1/model-assignments/{row['id']}", headers=admin)
    assert again.status_code == 404 and again.json()["code"] == "not_found"
    assert session.scalars(select(ModelAudit.action).order_by(ModelAudit.id.desc())).first() == "unassign"


def test_at_most_32_model_names_are_assigned(client: TestClient, session: Session, w: f.World) -> None:
    """A device configuration carries at most 32 models: a 33rd name is refused before any site gets it."""
    admin = f.bearer(session, "admin")
    for i in range(33):
        v = m.upload(client, admin, model=m.onnx_model(seed=i), card_bytes=m.card(name=f"m{i}", version="1")).json()
        resp = m.assign(client, admin, v["id"], region_id=w.city.id)
        if i < 32:
            assert resp.status_code == 200, resp.text
        else:
            assert resp.status_code == 422 and resp.json()["code"] == "too_many_models"
    doc, _ = config(client, w, "A1")
    assert len(doc["models"]) == 32
    assert DeviceConfig.model_fields["models"].metadata[0].max_length == 32  # the limit the refusal guards
