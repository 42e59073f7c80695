"""Peak memory of the web process while it receives a big ``POST /v1/files`` upload.

    .venv/bin/python bench/upload_memory.py              # a 100 MB file
    .venv/bin/python bench/upload_memory.py --mb 140

Starts gunicorn (one sync worker) on a throwaway SQLite database and media folder under a
temporary directory, creates an organization and an API key, then streams a generated PDF
padded to ``--mb`` MB to ``POST /v1/files`` from a file on disk (the client never holds it
either). Reports the worker's peak RSS (VmHWM) before and after, and the upload time.
The upload is spooled to disk chunk by chunk, so the peak should grow by a few MB, not by
the file size.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BOUNDARY = "ppbenchboundary7d1f"


class MultipartBody:
    """A multipart/form-data body read from a file on disk, with a known length."""

    def __init__(self, path: Path, filename: str) -> None:
        self.head = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{filename}"\r\nContent-Type: application/pdf\r\n\r\n'
        ).encode()
        self.tail = f"\r\n--{BOUNDARY}--\r\n".encode()
        self.file = path.open("rb")
        self.size = path.stat().st_size
        self.parts = [io.BytesIO(self.head), self.file, io.BytesIO(self.tail)]

    def __len__(self) -> int:
        return len(self.head) + self.size + len(self.tail)

    def read(self, n: int = -1) -> bytes:
        out = b""
        while self.parts and (n < 0 or len(out) < n):
            chunk = self.parts[0].read(-1 if n < 0 else n - len(out))
            if not chunk:
                self.parts.pop(0)
                continue
            out += chunk
        return out


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    import requests

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=int, default=100)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="pp-upload-bench-") as tmp:
        env = {
            **os.environ,
            "PP_VAR_DIR": tmp,
            "DATABASE_URL": f"sqlite:///{tmp}/db.sqlite3",
            "DJANGO_DEBUG": "1",
            "PP_RATE_LIMIT_ENABLED": "0",
            "PP_MAX_FILE_BYTES": str((args.mb + 10) * 1024 * 1024),
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
        env.pop("CELERY_BROKER_URL", None)
        subprocess.run([PYTHON, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
        setup = (
            "from accounts.services import create_api_key, create_organization, "
            "get_or_create_user\n"
            "u, _ = get_or_create_user(email='bench@example.com', password='x' * 12)\n"
            "o = create_organization(name='Bench', owner=u)\n"
            "print(create_api_key(organization=o, name='b', created_by=u).secret)\n"
        )
        secret = (
            subprocess.run(
                [PYTHON, "manage.py", "shell", "-c", setup],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )

        sys.path.insert(0, str(ROOT))
        from docgen import blank_pdf

        big = Path(tmp) / "big.pdf"
        with big.open("wb") as out:
            out.write(blank_pdf(2))
            out.write(b"\n%")  # a comment line: still a valid 2-page PDF for pdfium
            block = b"0" * (1024 * 1024)
            for _ in range(args.mb):
                out.write(block)

        port = free_port()
        server = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--workers",
                "1",
                "--bind",
                f"127.0.0.1:{port}",
                "--timeout",
                "300",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        try:
            for _ in range(120):
                try:
                    requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10)
                    break
                except requests.RequestException:
                    time.sleep(0.5)
            worker = int(
                subprocess.run(
                    ["pgrep", "-P", str(server.pid)], capture_output=True, text=True
                ).stdout.split()[0]
            )
            before = peak_rss_mb(worker)
            body = MultipartBody(big, "big.pdf")
            started = time.perf_counter()
            response = requests.post(
                f"http://127.0.0.1:{port}/v1/files",
                data=body,
                headers={
                    "X-API-Key": secret,
                    "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
                },
                timeout=300,
            )
            seconds = time.perf_counter() - started
            after = peak_rss_mb(worker)
        finally:
            server.terminate()
            server.wait(timeout=30)
    result = {
        "upload_mb": round(big.stat().st_size / 1024 / 1024, 1) if big.exists() else args.mb,
        "status": response.status_code,
        "error": response.json().get("error") if response.status_code >= 400 else None,
        "page_count": response.json().get("page_count"),
        "seconds": round(seconds, 2),
        "worker_peak_rss_mb_before": round(before, 1),
        "worker_peak_rss_mb_after": round(after, 1),
    }
    print(json.dumps(result, indent=2))
    out = ROOT / "bench" / "results" / "upload_memory.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
