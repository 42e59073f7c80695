"""Uploads are streamed to disk and storage, and the size limit is enforced while the body
arrives, measured on a real gunicorn worker (its peak RSS, read from /proc).

The server runs with PP_MAX_FILE_BYTES lowered to 8 MB and at most 10 files per submission:
- an accepted 7 MB file costs the worker far less than 7 MB of memory;
- a 60 MB file is refused with 413 DOCUMENT_TOO_LARGE in the envelope after about 8 MB have
  arrived: the client is still sending when the answer comes;
- a Content-Length over 10 × 8 MB is refused before a byte of the body is read.
"""

from __future__ import annotations

import json
import os
import random
import select
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from extractions.models import Document
from tests import worker as worker_helpers
from tests.reliability.mutants import pdf_from_objects
from tests.reliability.services import free_port, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

MAX_FILE = 8 * 1024 * 1024
MAX_FILES = 10  # a body may declare up to MAX_FILES × MAX_FILE
MB = 1024 * 1024


@dataclass
class Server:
    port: int
    process: subprocess.Popen
    log_path: Path

    def worker_pid(self) -> int:
        children = worker_helpers._children(self.process.pid)
        assert len(children) == 1, children
        return children[0]


@pytest.fixture
def server(tmp_path, worker_queue) -> Iterator[Server]:
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PP_TESTING": "1",
        "DATABASE_URL": worker_helpers.test_database_url(),
        "PP_MEDIA_ROOT": str(tmp_path / "media"),
        "PP_MAX_FILE_BYTES": str(MAX_FILE),
        "PP_MAX_FILES_PER_SUBMISSION": str(MAX_FILES),
        "CELERY_TASK_DEFAULT_QUEUE": worker_queue,  # purged at teardown, no worker reads it
    }
    log_path = tmp_path / "gunicorn.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "--workers=1",
                f"--bind=127.0.0.1:{port}",
                "--timeout=120",
            ],
            cwd=worker_helpers.REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    srv = Server(port, process, log_path)

    def healthy() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(b"GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                return b" 200 " in sock.recv(64)
        except OSError:
            return False

    try:
        wait_for(healthy, timeout=60, what="gunicorn to answer /healthz")
        yield srv
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def _reset_peak(pid: int) -> int:
    with open(f"/proc/{pid}/clear_refs", "w") as fh:
        fh.write("5")
    return _status_kb(pid, "VmRSS")


def _status_kb(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(field)


@dataclass
class Sent:
    status: int
    body: dict
    bytes_sent: int


def post_multipart(
    port: int,
    *,
    api_key: str,
    fields: dict[str, str],
    filename: str,
    size: int,
    head: bytes = b"",
    declared: int | None = None,
) -> Sent:
    """POST /v1/extractions with one file of ``size`` bytes (``head`` then filler), written
    in 256 KB chunks; stops sending as soon as the server has answered."""
    boundary = uuid.uuid4().hex
    preamble = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    )
    preamble += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{filename}"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    epilogue = f"\r\n--{boundary}--\r\n".encode()
    length = declared if declared is not None else len(preamble) + size + len(epilogue)
    sock = socket.create_connection(("127.0.0.1", port), timeout=60)
    sock.sendall(
        (
            "POST /v1/extractions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"X-API-Key: {api_key}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n"
            f"Content-Length: {length}\r\nConnection: close\r\n\r\n"
        ).encode()
    )
    sent = 0

    def answered() -> bool:
        return bool(select.select([sock], [], [], 0)[0])

    def send(data: bytes) -> bool:
        nonlocal sent
        for i in range(0, len(data), 256 * 1024):
            if answered():
                return False
            try:
                sock.sendall(data[i : i + 256 * 1024])
            except (BrokenPipeError, ConnectionResetError):
                return False
            sent += len(data[i : i + 256 * 1024])
        return True

    filler = random.Random(1).randbytes(MB)
    if send(preamble) and send(head):
        remaining = size - len(head)
        while remaining > 0:
            if not send(filler[: min(MB, remaining)]):
                break
            remaining -= min(MB, remaining)
        else:
            send(epilogue)
    response = b""
    sock.settimeout(60)
    while chunk := _recv(sock):
        response += chunk
    sock.close()
    head_part, _, body = response.partition(b"\r\n\r\n")
    status = int(head_part.split(b" ", 2)[1])
    return Sent(status, json.loads(body) if body else {}, sent)


def _recv(sock: socket.socket) -> bytes:
    try:
        return sock.recv(65536)
    except ConnectionResetError:
        return b""


def _padded_pdf(size: int) -> bytes:
    """A valid one-page PDF of about ``size`` bytes (an unused stream of noise pads it)."""
    noise = random.Random(2).randbytes(size - 1024)
    return pdf_from_objects(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
            b"<< /Length %d >>\nstream\n" % len(noise) + noise + b"\nendstream",
        ]
    )


def test_an_accepted_upload_is_streamed_not_held_in_memory(server, org_a, parser_a):
    data = _padded_pdf(7 * MB)
    pid = server.worker_pid()
    baseline = _reset_peak(pid)
    sent = post_multipart(
        server.port,
        api_key=org_a.api_key_secret,
        fields={"parser_id": parser_a.public_id},
        filename="big.pdf",
        size=len(data),
        head=data,
    )
    assert sent.status == 202, sent.body
    growth_mb = (_status_kb(pid, "VmHWM") - baseline) / 1024
    assert growth_mb < 5, f"a 7 MB upload grew the web worker {growth_mb:.1f} MB"
    document = Document.objects.get(
        public_id=sent.body["extraction"]["documents"][0]["document_id"]
    )
    assert document.size == len(data)


def test_an_oversized_file_is_refused_while_it_arrives(server, org_a, parser_a):
    pid = server.worker_pid()
    baseline = _reset_peak(pid)
    started = time.monotonic()
    sent = post_multipart(
        server.port,
        api_key=org_a.api_key_secret,
        fields={"parser_id": parser_a.public_id},
        filename="huge.pdf",
        size=60 * MB,  # under the declared-length ceiling (10 files × 8 MB): read, then refused
        head=b"%PDF-1.7\n",
    )
    assert sent.status == 413, sent.body
    assert sent.body["error"]["code"] == "DOCUMENT_TOO_LARGE"
    assert sent.body["error"]["details"]["filename"] == "huge.pdf"
    # 8 MB read, plus what the loopback socket buffers took before the answer came back.
    assert sent.bytes_sent < 30 * MB, f"{sent.bytes_sent / MB:.0f} MB were sent first"
    growth_mb = (_status_kb(pid, "VmHWM") - baseline) / 1024
    assert growth_mb < 5, f"refusing grew the web worker {growth_mb:.1f} MB"
    assert time.monotonic() - started < 30
    assert not Document.objects.exists()


def test_a_declared_length_over_the_limit_is_refused_before_the_body(server, org_a):
    """Only the headers are sent: the answer comes without waiting for any of the body."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    sock.sendall(
        (
            "POST /v1/extractions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"X-API-Key: {org_a.api_key_secret}\r\n"
            "Content-Type: multipart/form-data; boundary=xyz\r\n"
            f"Content-Length: {MAX_FILES * MAX_FILE + 10 * MB}\r\nConnection: close\r\n\r\n"
        ).encode()
    )
    response = b""
    while chunk := _recv(sock):  # a 10 s timeout if the server waited for the body
        response += chunk
    sock.close()
    head, _, body = response.partition(b"\r\n\r\n")
    assert head.split(b" ", 2)[1] == b"413", response[:300]
    assert json.loads(body)["error"]["code"] == "DOCUMENT_TOO_LARGE"
