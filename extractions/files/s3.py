"""What only S3-compatible storage can do: presigned uploads, HEAD, bulk deletes.

Everything goes through the ``default`` storage's own boto3 connection, so the bucket,
credentials, endpoint and key prefix (``location``) are the ones django-storages uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.storage import storages


def is_s3() -> bool:
    return settings.STORAGE_BACKEND == "s3"


def _s3_storage() -> Any:
    from storages.backends.s3 import S3Storage

    storage = storages["default"]
    if not isinstance(storage, S3Storage):
        raise RuntimeError("The default storage is not S3Storage (PP_STORAGE is not 's3').")
    return storage


def _object_key(storage: Any, name: str) -> str:
    from storages.utils import clean_name

    return storage._normalize_name(clean_name(name))


def _client(storage: Any) -> Any:
    return storage.connection.meta.client


def presigned_put_url(*, name: str, content_type: str, expires_in: int) -> str:
    """A URL the customer PUTs the bytes to; the Content-Type header is part of the signature."""
    storage = _s3_storage()
    params = {"Bucket": storage.bucket_name, "Key": _object_key(storage, name)}
    if content_type:
        params["ContentType"] = content_type
    return _client(storage).generate_presigned_url(
        "put_object", Params=params, ExpiresIn=expires_in, HttpMethod="PUT"
    )


@dataclass(frozen=True, slots=True)
class ObjectHead:
    size: int
    content_type: str


def head_object(*, name: str) -> ObjectHead | None:
    """Size and type of an object, or None when there is none under that name."""
    from botocore.exceptions import ClientError

    storage = _s3_storage()
    try:
        head = _client(storage).head_object(
            Bucket=storage.bucket_name, Key=_object_key(storage, name)
        )
    except ClientError as err:
        status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if status == 404 or err.response.get("Error", {}).get("Code") in ("404", "NoSuchKey"):
            return None
        raise
    return ObjectHead(
        size=int(head.get("ContentLength", 0)), content_type=head.get("ContentType", "")
    )


def delete_objects(*, names: list[str]) -> None:
    """Delete up to thousands of objects with one request per 1,000 keys (missing keys are fine)."""
    storage = _s3_storage()
    client = _client(storage)
    keys = [_object_key(storage, name) for name in names]
    for start in range(0, len(keys), 1000):
        chunk = keys[start : start + 1000]
        response = client.delete_objects(
            Bucket=storage.bucket_name,
            Delete={"Objects": [{"Key": key} for key in chunk], "Quiet": True},
        )
        errors = response.get("Errors") or []
        if errors:
            first = errors[0]
            raise RuntimeError(
                f"S3 refused to delete {len(errors)} object(s), e.g. {first.get('Key')}: "
                f"{first.get('Code')} {first.get('Message')}"
            )
