"""Evidence storage: one interface (base.py), one file per backend."""

from __future__ import annotations

from brightkitchen.platform.settings import Settings
from brightkitchen.platform.storage.base import EvidenceStore
from brightkitchen.platform.storage.local import LocalStore, LocalStoreConfig
from brightkitchen.platform.storage.s3 import S3Store, S3StoreConfig


def build_store(settings: Settings) -> EvidenceStore:
    if settings.evidence_backend == "s3":
        return S3Store(
            S3StoreConfig(
                bucket=settings.s3_bucket,
                prefix=settings.s3_prefix,
                endpoint_url=settings.s3_endpoint_url,
                region=settings.s3_region,
                access_key_id=settings.s3_access_key_id,
                secret_access_key=settings.s3_secret_access_key,
            )
        )
    return LocalStore(LocalStoreConfig(root=settings.evidence_dir))
