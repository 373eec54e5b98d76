"""Evidence in an S3-compatible bucket (AWS S3, MinIO, OSS) through boto3."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel

from brightkitchen.platform.storage.base import EvidenceMissing, check_key


class S3StoreConfig(BaseModel):
    bucket: str
    prefix: str = "evidence/"
    endpoint_url: str | None = None
    region: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None

    def object_key(self, key: str) -> str:
        return f"{self.prefix}{check_key(key)}"

    def client_kwargs(self) -> dict[str, Any]:
        """What boto3.client("s3", ...) is given; None values are left to boto3's own defaults."""
        kw: dict[str, Any] = {
            "endpoint_url": self.endpoint_url,
            "region_name": self.region,
            "aws_access_key_id": self.access_key_id,
            "aws_secret_access_key": self.secret_access_key,
        }
        return {k: v for k, v in kw.items() if v is not None}


class S3Store:
    def __init__(self, config: S3StoreConfig, client: Any | None = None) -> None:
        self.config = config
        self._client = client

    @property
    def client(self) -> Any:
        # Made on first use: building the store does no I/O and imports nothing heavy.
        if self._client is None:
            import boto3

            self._client = boto3.client("s3", **self.config.client_kwargs())
        return self._client

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(
            Bucket=self.config.bucket, Key=self.config.object_key(key), Body=data, ContentType=content_type
        )

    def read(self, key: str) -> bytes:
        from botocore.exceptions import ClientError

        try:
            obj = self.client.get_object(Bucket=self.config.bucket, Key=self.config.object_key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise EvidenceMissing(key) from exc
            raise
        body: bytes = obj["Body"].read()
        return body

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.config.bucket, Key=self.config.object_key(key))

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.config.bucket, Key=self.config.object_key(key))
        except ClientError:
            return False
        return True

    def local_path(self, key: str) -> Path | None:
        return None

    def presigned_url(self, key: str, ttl_s: int) -> str | None:
        url: str = self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.config.bucket, "Key": self.config.object_key(key)}, ExpiresIn=ttl_s
        )
        return url
