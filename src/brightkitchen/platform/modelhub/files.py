"""Where model files live: the evidence backends (a local folder or the S3 bucket), in a place of their own
(``data_dir/models``, or the bucket's ``s3_model_prefix``) so evidence clean-up and lifecycle rules never touch
them. A file is named by its sha256; the name is made here, never taken from a caller."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request

from brightkitchen.platform.settings import Settings
from brightkitchen.platform.storage.base import EvidenceStore, InvalidKey
from brightkitchen.platform.storage.deps import app_store
from brightkitchen.platform.storage.local import LocalStore, LocalStoreConfig
from brightkitchen.platform.storage.s3 import S3Store, S3StoreConfig

_MODEL_KEY = re.compile(r"^[0-9a-f]{64}\.onnx$")
CONTENT_TYPE = "application/octet-stream"


def model_key(sha256: str) -> str:
    return check_model_key(f"{sha256}.onnx")


def check_model_key(key: str) -> str:
    if not _MODEL_KEY.match(key):
        raise InvalidKey("not a model file key")
    return key


class ModelFolder(LocalStore):
    """The local backend, with model keys instead of evidence keys."""

    def _path(self, key: str) -> Path:
        return self.root / check_model_key(key)


class ModelBucketConfig(S3StoreConfig):
    """The S3 backend, with model keys under their own prefix."""

    prefix: str = "models/"

    def object_key(self, key: str) -> str:
        return f"{self.prefix}{check_model_key(key)}"


def build_model_store(settings: Settings) -> EvidenceStore:
    if settings.evidence_backend == "s3":
        return S3Store(
            ModelBucketConfig(
                bucket=settings.s3_bucket,
                prefix=settings.s3_model_prefix,
                endpoint_url=settings.s3_endpoint_url,
                region=settings.s3_region,
                access_key_id=settings.s3_access_key_id,
                secret_access_key=settings.s3_secret_access_key,
            )
        )
    return ModelFolder(LocalStoreConfig(root=settings.model_dir))


def get_model_store(request: Request) -> EvidenceStore:
    """The running app's model store, made once on first use."""
    return app_store(request, "model_store", build_model_store)


ModelStoreDep = Annotated[EvidenceStore, Depends(get_model_store)]
