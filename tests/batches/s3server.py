"""A local S3-compatible server for the tests: moto in server mode, on 127.0.0.1.

The real S3 cannot be reached from here, so the tests talk to moto over HTTP exactly as the
application talks to S3 (django-storages + boto3, presigned URLs used with ``requests``).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import boto3
import pytest

BUCKET = "pp-test-bucket"
REGION = "us-east-1"
ACCESS_KEY = "testing"
SECRET_KEY = "testing"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def s3_client(endpoint: str):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )


@pytest.fixture
def s3_storage(settings, moto_endpoint):
    """Switch the default storage to django-storages' S3Storage on a fresh bucket."""
    client = s3_client(moto_endpoint)
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGE_BACKEND = "s3"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": moto_endpoint,
                "region_name": REGION,
                "access_key": ACCESS_KEY,
                "secret_key": SECRET_KEY,
                "default_acl": None,
                "file_overwrite": False,
                "querystring_auth": True,
                "signature_version": "s3v4",
                "addressing_style": "path",
            },
        },
    }
    yield client
    # Empty and drop the bucket so every test starts from nothing.
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for item in page.get("Contents", []):
            client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def object_keys(client) -> list[str]:
    listing = client.list_objects_v2(Bucket=BUCKET)
    return sorted(item["Key"] for item in listing.get("Contents", []))
