"""The S3 backend: its configuration and key logic always; a real round trip against a local S3
(moto_server) when one is installed on this machine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from brightkitchen.platform.db import utcnow
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.storage import build_store
from brightkitchen.platform.storage.base import InvalidKey, new_key
from brightkitchen.platform.storage.s3 import S3Store, S3StoreConfig
from tests.support.s3 import local_s3


def test_config_and_keys(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, evidence_backend="s3", s3_bucket="bk", s3_prefix="ev/",
                        s3_endpoint_url="http://127.0.0.1:9", s3_region="cn-north-1")  # fmt: skip
    store = build_store(settings)
    assert isinstance(store, S3Store)
    cfg = store.config
    assert cfg.client_kwargs() == {"endpoint_url": "http://127.0.0.1:9", "region_name": "cn-north-1"}
    key = new_key(3, "image/jpeg", utcnow())
    assert cfg.object_key(key) == f"ev/{key}"
    with pytest.raises(InvalidKey):
        cfg.object_key("../../other-bucket-object")
    assert store._client is None  # building the store did no I/O


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    yield from local_s3()


def test_round_trip_on_local_s3(s3_endpoint: str) -> None:
    config = S3StoreConfig(bucket="evidence", endpoint_url=s3_endpoint, region="us-east-1",
                           access_key_id="test", secret_access_key="test")  # fmt: skip
    store = S3Store(config)
    store.client.create_bucket(Bucket="evidence")
    key = new_key(1, "image/jpeg", utcnow())
    assert not store.exists(key)
    store.put(key, b"\xff\xd8\xffdata", "image/jpeg")
    assert store.exists(key) and store.read(key) == b"\xff\xd8\xffdata"
    url = store.presigned_url(key, 60)
    assert url is not None and httpx.get(url).content == b"\xff\xd8\xffdata"
    store.delete(key)
    assert not store.exists(key)
