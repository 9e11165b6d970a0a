"""Where file bytes live: a folder outside the web root, or S3-compatible object storage."""

import os
from pathlib import Path
from urllib.parse import urlsplit


class LocalStorage:
    """Files in a folder (by default the instance folder's `files/`), two levels deep."""

    def __init__(self, root: Path):
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / key[2:4] / key

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".part")
        temporary.write_bytes(data)
        os.replace(temporary, path)  # never a half-written file under its key

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


class S3Storage:
    """Files in a bucket under a prefix (boto3; FILES_S3_ENDPOINT for other S3 services)."""

    def __init__(self, bucket: str, prefix: str, endpoint: str | None):
        import boto3  # only installed with the s3 extra

        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.client = boto3.client("s3", endpoint_url=endpoint or None)

    def _name(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._name(key), Body=data)

    def get(self, key: str) -> bytes:
        answer = self.client.get_object(Bucket=self.bucket, Key=self._name(key))
        return answer["Body"].read()

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))


def storage_for(url: str, instance_path: str, endpoint: str | None = None):
    """Return the storage FILES_URL names: a folder path (default), or s3://bucket/prefix."""
    if url.startswith("s3://"):
        parts = urlsplit(url)
        return S3Storage(parts.netloc, parts.path, endpoint)
    return LocalStorage(Path(url) if url else Path(instance_path) / "files")
