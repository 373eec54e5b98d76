"""Model files in the S3 backend: under their own prefix, uploaded and downloaded through the API against a
local S3 (moto_server), when one is installed."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from brightkitchen.platform.app import create_app
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.modelhub.files import ModelBucketConfig, build_model_store
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.storage.base import InvalidKey
from brightkitchen.platform.storage.s3 import S3Store
from tests import factories as f
from tests import support as s
from tests.platform import modelhub_support as m
from tests.support.s3 import local_s3


def test_bucket_keys(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, evidence_backend="s3", s3_bucket="bk", s3_model_prefix="mdl/")
    store = build_model_store(settings)
    assert isinstance(store, S3Store) and isinstance(store.config, ModelBucketConfig)
    sha = "a" * 64
    assert store.config.object_key(f"{sha}.onnx") == f"mdl/{sha}.onnx"
    for bad in ("../evidence/1/2024/01/01/x.jpg", "1/2024/01/01/" + "0" * 32 + ".jpg", f"{sha}.onnx/../x"):
        with pytest.raises(InvalidKey):
            store.config.object_key(bad)


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    yield from local_s3()


def test_upload_and_device_download_through_s3(
    s3_endpoint: str, migrated_url: str, tmp_path: Path, session: Session
) -> None:
    settings = s.make_settings(migrated_url, tmp_path, evidence_backend="s3", s3_bucket="bk-models",
                               s3_endpoint_url=s3_endpoint, s3_region="us-east-1", s3_access_key_id="test",
                               s3_secret_access_key="test")  # fmt: skip
    store = build_model_store(settings)
    assert isinstance(store, S3Store)
    store.client.create_bucket(Bucket="bk-models")
    w = f.world(session)
    admin = f.bearer(session, "admin")
    ctx = PlatformContext.build(settings)
    try:
        with TestClient(create_app(ctx=ctx)) as client:
            v1 = m.uploaded(client, admin)
            listed = store.client.list_objects_v2(Bucket="bk-models")["Contents"]
            assert [o["Key"] for o in listed] == [f"models/{v1['sha256']}.onnx"]
            assert not settings.model_dir.exists()  # nothing on the local disk
            assert m.assign(client, admin, v1["id"], site_id=w.site_a1.id).status_code == 200
            got = client.get(f"/api/v1/device/models/{v1['sha256']}", headers=s.device_headers(w.device_keys["A1"]))
            assert got.status_code == 200 and hashlib.sha256(got.content).hexdigest() == v1["sha256"]
            admin_copy = client.get(f"/api/v1/models/{v1['id']}/file", headers=admin)
            assert admin_copy.content == got.content
            assert 'filename="hats-v1.onnx"' in admin_copy.headers["content-disposition"]
    finally:
        ctx.engine.dispose()
