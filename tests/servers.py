"""Private Redis and PostgreSQL servers on free ports of 127.0.0.1, for fault tests and the
benchmarks (bench/load/stack.py, bench/chaos.py): stopping, restarting or killing them never
touches the machine's shared servers that colleagues' tests use.

Plain Python (no pytest, no Django). ``ServerUnavailable`` when the binaries are missing.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


class ServerUnavailable(RuntimeError):
    """The server's binaries are not installed on this machine."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(predicate: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise RuntimeError(f"Timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.05)


def _answers(port: int, probe: bytes | None = None, expect: bytes = b"") -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            if probe is None:
                return True
            sock.sendall(probe)
            return sock.recv(16).startswith(expect)
    except OSError:
        return False


class RedisServer:
    """A redis-server without persistence: ``stop`` is an outage (SIGKILL), ``start`` again
    on the same port comes back empty."""

    def __init__(self, log_dir: Path, port: int | None = None) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise ServerUnavailable("redis-server is not installed.")
        self.binary = binary
        self.port = port or free_port()
        self.log_path = log_dir / f"redis-{self.port}.log"
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> RedisServer:
        argv = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        argv += ["--appendonly", "no", "--daemonize", "no"]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        _wait(self.ping, 15, f"redis-server on {self.port}")
        return self

    def ping(self) -> bool:
        return _answers(self.port, b"PING\r\n", b"+PONG")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.kill()  # no persistence: an outage, not a shutdown
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        self.process = None
        _wait(lambda: not self.ping(), 10, "redis to stop")


def _postgres_bin() -> Path:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if not versions:
        found = shutil.which("pg_ctl")
        if found is None:
            raise ServerUnavailable("PostgreSQL's server binaries (pg_ctl, initdb) are missing.")
        return Path(found).parent
    return versions[-1].parent


class PostgresServer:
    """A PostgreSQL cluster of its own (initdb in a new folder under /tmp, trust
    authentication for ``postgres`` on 127.0.0.1:``port``), restartable in PostgreSQL's fast
    or immediate mode. As root, the server runs as the ``postgres`` system user (initdb
    refuses root), which is why its folder is not under the caller's (private) ones."""

    def __init__(self, port: int | None = None, *, base: Path | None = None) -> None:
        self.bin = _postgres_bin()
        self.port = port or free_port()
        self.base = base or Path(tempfile.mkdtemp(prefix=f"pp-pg-{self.port}-"))
        self.data_dir = self.base / "data"
        self.log_path = self.base / "postgres.log"
        if os.geteuid() == 0:
            shutil.chown(self.base, "postgres", "postgres")

    @classmethod
    def attach(cls, base: Path, port: int) -> PostgresServer:
        """A server started earlier (by another process) in ``base`` on ``port``."""
        return cls(port, base=Path(base))

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(self.bin / argv[0]), *argv[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=check, capture_output=True, timeout=120)

    def _pg_ctl(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess:
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k /tmp -c fsync=off"
        return self._run(
            "pg_ctl", *argv, "-D", str(self.data_dir), "-l", str(self.log_path), "-w",
            "-o", options, check=check,
        )  # fmt: skip

    def start(self) -> PostgresServer:
        if not (self.data_dir / "PG_VERSION").exists():
            self._run("initdb", "-D", str(self.data_dir), "-U", "postgres", "--auth=trust")
        self._pg_ctl("start")
        _wait(self.accepting, 60, f"PostgreSQL on {self.port}")
        return self

    def accepting(self) -> bool:
        return (
            self._run("pg_isready", "-h", "127.0.0.1", "-p", str(self.port), check=False).returncode
            == 0
        )

    def stop(self, mode: str = "fast") -> None:
        """``fast``: clients are disconnected, the server shuts down cleanly; ``immediate``:
        it quits without a shutdown checkpoint (crash recovery at the next start)."""
        self._pg_ctl("stop", "-m", mode, check=False)

    def restart(self, mode: str = "fast", down_seconds: float = 0.0) -> None:
        self.stop(mode)
        time.sleep(down_seconds)
        self._pg_ctl("start")
        _wait(self.accepting, 60, f"PostgreSQL on {self.port} after a restart")

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.base, ignore_errors=True)
