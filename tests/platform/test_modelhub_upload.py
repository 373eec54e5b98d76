"""The model registry's versions: a real ONNX upload checked by onnxruntime, every refusal with its code,
reading, downloading and deleting, and who may do what."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.platform.modelhub.models import ModelAudit, ModelVersion
from brightkitchen.platform.settings import Settings
from tests import factories as f
from tests import support as s
from tests.platform import modelhub_support as m


@pytest.fixture
def settings(migrated_url: str, tmp_path: Path) -> Settings:
    return s.make_settings(migrated_url, tmp_path)


@pytest.fixture
def w(session: Session) -> f.World:
    return f.world(session)


def test_upload_answers_the_version_and_stores_the_file(
    client: TestClient, session: Session, w: f.World, settings: Settings
) -> None:
    admin = f.bearer(session, "admin")
    model = m.onnx_model(seed=1)
    sha = hashlib.sha256(model).hexdigest()
    resp = m.upload(client, admin, model=model, card_bytes=m.card(file="whatever.onnx"), notes="首个版本")
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert set(body) == {"id", "name", "version", "sha256", "size", "card", "notes", "uploaded_by",
                         "uploaded_by_name", "uploaded_at", "labels", "codes"}  # fmt: skip
    assert (body["name"], body["version"], body["sha256"], body["size"]) == ("hats", "v1", sha, len(model))
    assert body["card"]["file"] == f"{sha}.onnx"  # the card names the stored file, not the uploader's
    assert body["labels"] == m.LABELS and body["codes"] == ["no_chef_hat", "smoking"]
    assert body["uploaded_by"] == w.users["admin"].id and body["uploaded_by_name"] == "admin"
    assert body["notes"] == "首个版本"
    assert (settings.model_dir / f"{sha}.onnx").read_bytes() == model
    audit = session.scalars(select(ModelAudit)).one()
    assert (audit.action, audit.model_name, audit.model_version, audit.actor_id) == (
        "upload", "hats", "v1", w.users["admin"].id
    )  # fmt: skip
    # A JSON card works as well as YAML.
    resp = m.upload(client, admin, model=m.onnx_model(seed=2), card_bytes=m.card(version="v2", as_json=True))
    assert resp.status_code == 201, resp.text


@pytest.mark.parametrize(
    ("card_bytes", "field"),
    [
        (b"name: [unclosed", None),
        (b"- just\n- a list\n", None),
        (b"\xff\xfe not utf-8", None),
        (m.card(labels=["a", "a"]), "labels"),
        (m.card(violations={"no_chef_hat": "not_a_code"}), "violations.no_chef_hat"),
        (m.card(label_thresholds={"nobody": 0.5}), ""),
        (m.card(surprise=1), "surprise"),
        (m.card(name="has space"), "name"),
        (m.card(version="x" * 65), "version"),
        (m.card(description="nul \x00 inside"), None),
    ],
)
def test_bad_cards_are_refused(
    client: TestClient, session: Session, w: f.World, settings: Settings, card_bytes: bytes, field: str | None
) -> None:
    resp = m.upload(client, f.bearer(session, "admin"), card_bytes=card_bytes)
    assert resp.status_code == 422, resp.text
    assert resp.json()["code"] == "bad_card"
    if field is not None:
        assert field in [e["field"] for e in resp.json()["errors"]]
    assert session.scalar(select(ModelVersion.id)) is None
    assert not settings.model_dir.exists() or not any(settings.model_dir.iterdir())  # nothing left behind


def test_bad_models_are_refused(client: TestClient, session: Session, w: f.World, settings: Settings) -> None:
    admin = f.bearer(session, "admin")
    cases = {
        "not onnx": b"this is not a model at all",
        "truncated": m.onnx_model()[:200],
        "input size": m.onnx_model(size=48),  # the card says 32x32
        "classes": m.onnx_model(labels=5),  # (1, N, 10) does not fit 3 labels in layout v5
    }
    for why, data in cases.items():
        resp = m.upload(client, admin, model=data)
        assert resp.status_code == 422, (why, resp.text)
        assert resp.json()["code"] == "bad_model", why
    resp = m.upload(client, admin, model=b"")
    assert resp.status_code == 422 and resp.json()["code"] == "bad_model"
    missing_card = client.post("/api/v1/models", headers=admin, files={"file": ("m.onnx", m.onnx_model())})
    assert missing_card.status_code == 422 and missing_card.json()["code"] == "bad_card"
    assert session.scalar(select(ModelVersion.id)) is None
    assert not settings.model_dir.exists() or not any(settings.model_dir.iterdir())


def test_size_limit(migrated_url: str, tmp_path: Path, session: Session) -> None:
    from brightkitchen.platform.app import create_app
    from brightkitchen.platform.context import PlatformContext

    model = m.onnx_model()
    # The model limit, not the photo upload limit, decides: a model over max_upload_bytes is still taken.
    small = s.make_settings(migrated_url, tmp_path, model_max_bytes=len(model) - 1, max_upload_bytes=100)
    roomy = s.make_settings(migrated_url, tmp_path, model_max_bytes=len(model), max_upload_bytes=100)
    f.world(session)
    admin = f.bearer(session, "admin")
    for settings, expected in ((small, 413), (roomy, 201)):
        ctx = PlatformContext.build(settings)
        try:
            with TestClient(create_app(ctx=ctx)) as client:
                resp = m.upload(client, admin, model=model)
                assert resp.status_code == expected, resp.text
                if expected == 413:
                    assert resp.json()["code"] == "too_large"
                    assert session.scalar(select(ModelVersion.id)) is None
        finally:
            ctx.engine.dispose()
    # A body far over the model limit is cut off by the body guard before it is read.
    ctx = PlatformContext.build(small)
    try:
        with TestClient(create_app(ctx=ctx)) as client:
            resp = m.upload(client, admin, model=model + b"\0" * (2 * 1024 * 1024))
            assert resp.status_code == 413 and resp.json()["code"] == "too_large"
    finally:
        ctx.engine.dispose()


def test_duplicate_version(client: TestClient, session: Session, w: f.World) -> None:
    admin = f.bearer(session, "admin")
    m.uploaded(client, admin)
    again = m.upload(client, admin, model=m.onnx_model(seed=9))
    assert again.status_code == 409 and again.json()["code"] == "duplicate_version"
    assert len(session.scalars(select(ModelVersion)).all()) == 1


def test_list_get_download_delete(client: TestClient, session: Session, w: f.World, settings: Settings) -> None:
    admin = f.bearer(session, "admin")
    v1 = m.uploaded(client, admin, "v1", seed=1)
    v2 = m.uploaded(client, admin, "v2", seed=2)
    other = m.upload(client, admin, model=m.onnx_model(seed=3), card_bytes=m.card(name="fire", version="1"))
    assert other.status_code == 201
    listed = client.get("/api/v1/models", headers=admin).json()
    assert [v["id"] for v in listed] == [other.json()["id"], v2["id"], v1["id"]]  # newest first
    only = client.get("/api/v1/models", params={"name": "hats"}, headers=admin).json()
    assert [v["version"] for v in only] == ["v2", "v1"]
    assert client.get(f"/api/v1/models/{v1['id']}", headers=admin).json() == v1
    assert client.get("/api/v1/models/999999", headers=admin).json()["code"] == "not_found"
    got = client.get(f"/api/v1/models/{v1['id']}/file", headers=admin)
    assert got.status_code == 200 and got.content == m.onnx_model(seed=1)
    assert got.headers["content-type"] == "application/octet-stream"
    assert hashlib.sha256(got.content).hexdigest() == v1["sha256"]
    # Deleting a version removes its row and its file, and is audited.
    assert client.delete(f"/api/v1/models/{v1['id']}", headers=admin).status_code == 204
    assert client.get(f"/api/v1/models/{v1['id']}", headers=admin).status_code == 404
    assert not (settings.model_dir / f"{v1['sha256']}.onnx").exists()
    assert (settings.model_dir / f"{v2['sha256']}.onnx").exists()
    assert [a.action for a in session.scalars(select(ModelAudit).order_by(ModelAudit.id))][-1] == "delete"


def test_same_bytes_under_two_versions_share_the_file(
    client: TestClient, session: Session, w: f.World, settings: Settings
) -> None:
    admin = f.bearer(session, "admin")
    a = m.uploaded(client, admin, "v1", seed=5)
    b = m.uploaded(client, admin, "v1-again", seed=5)
    assert a["sha256"] == b["sha256"]
    assert client.delete(f"/api/v1/models/{a['id']}", headers=admin).status_code == 204
    assert (settings.model_dir / f"{b['sha256']}.onnx").exists()  # still needed by the other version
    got = client.get(f"/api/v1/models/{b['id']}/file", headers=admin)
    assert got.status_code == 200 and hashlib.sha256(got.content).hexdigest() == b["sha256"]


def test_an_assigned_version_cannot_be_deleted(client: TestClient, session: Session, w: f.World) -> None:
    admin = f.bearer(session, "admin")
    v1 = m.uploaded(client, admin)
    assignment = m.assign(client, admin, v1["id"], region_id=w.district_a.id)
    assert assignment.status_code == 200, assignment.text
    refused = client.delete(f"/api/v1/models/{v1['id']}", headers=admin)
    assert refused.status_code == 409 and refused.json()["code"] == "assigned"
    assert client.get(f"/api/v1/models/{v1['id']}", headers=admin).status_code == 200
    assert client.delete(f"/api/v1/model-assignments/{assignment.json()['id']}", headers=admin).status_code == 204
    assert client.delete(f"/api/v1/models/{v1['id']}", headers=admin).status_code == 204


@pytest.mark.parametrize("who", ["reg_a", "sa_a1", "ss_a1"])
def test_only_admins_write_or_download(client: TestClient, session: Session, w: f.World, who: str) -> None:
    v1 = m.uploaded(client, f.bearer(session, "admin"))
    headers = f.bearer(session, who)
    assert m.upload(client, headers, card_bytes=m.card(version="v9")).status_code == 403
    assert client.get(f"/api/v1/models/{v1['id']}/file", headers=headers).status_code == 403
    assert client.delete(f"/api/v1/models/{v1['id']}", headers=headers).status_code == 403
    reads = [client.get("/api/v1/models", headers=headers), client.get(f"/api/v1/models/{v1['id']}", headers=headers)]
    # Regulators read the registry; the school side does not see it at all.
    assert [r.status_code for r in reads] == ([200, 200] if who == "reg_a" else [403, 403])


def test_a_device_or_nobody_cannot_upload(client: TestClient, session: Session, w: f.World) -> None:
    assert m.upload(client, s.device_headers(w.device_keys["A1"])).status_code == 403
    assert m.upload(client, {}).status_code == 401
    assert client.get("/api/v1/models").status_code == 401


def test_card_as_stored_is_a_card_the_edge_loads(
    client: TestClient, session: Session, w: f.World, tmp_path: Path
) -> None:
    """The stored card next to the downloaded file is what the edge's detector loads and runs."""
    import numpy as np

    from brightkitchen.edge.detect.onnx_yolo import OnnxYoloDetector

    admin = f.bearer(session, "admin")
    v1 = m.uploaded(client, admin)
    (tmp_path / v1["card"]["file"]).write_bytes(client.get(f"/api/v1/models/{v1['id']}/file", headers=admin).content)
    (tmp_path / "card.yaml").write_text(yaml.safe_dump(v1["card"]))
    detector = OnnxYoloDetector.load(tmp_path / "card.yaml")
    assert (detector.name, detector.version) == ("hats", "v1")
    detector.detect(np.zeros((32, 32, 3), np.uint8))


def test_yaml_dates_and_nan_in_a_card_travel_as_json(client: TestClient, session: Session, w: f.World) -> None:
    admin = f.bearer(session, "admin")
    resp = m.upload(
        client, admin, card_bytes=b"training: {finished: 2024-05-01}\n" + m.card(metrics={"ap": float("nan")})
    )
    assert resp.status_code == 201, resp.text
    assert resp.json()["card"]["training"] == {"finished": "2024-05-01"}
    assert resp.json()["card"]["metrics"] == {"ap": None}  # JSON has no NaN
    assert m.assign(client, admin, resp.json()["id"], site_id=w.site_a1.id).status_code == 200
    doc = client.get("/api/v1/device/config", headers=s.device_headers(w.device_keys["A1"])).json()
    card = doc["models"][0]["card"]
    assert (card["training"], card["metrics"]) == ({"finished": "2024-05-01"}, {"ap": None})
