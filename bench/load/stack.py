"""The system under load: PostgreSQL database, Redis, gunicorn (2 workers) and Celery workers,
started as separate processes in production settings (DEBUG off).

The one way to start a production-mode stack for a benchmark (bench/load/run.py,
bench/chaos.py). By default it uses the machine's PostgreSQL and Redis (a database and two
Redis dbs of its own); ``own_servers`` starts a private PostgreSQL and redis-server on free
ports instead (tests/servers.py), which a benchmark may then stop and restart. With
``housekeeping_workers`` and ``beat`` it is the production layout: document workers,
housekeeping workers on their own queue, one scheduler. Every process has a name, so it can be
killed (``kill``) and started again (``respawn``)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from config.celery import beat_command, worker_command

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.servers import PostgresServer, RedisServer  # noqa: E402


@dataclass
class StackConfig:
    database: str = "pp_rel_load"
    redis_db: int = 8  # broker; the cache is redis_db + 1
    port: int = 8777
    web_workers: int = 2
    celery_workers: int = 2
    submissions_per_minute: int = 20  # production default: exercised by the burst client
    requests_per_minute: int = 1_000_000  # raised so pollers measure the server
    log_level: str = "WARNING"
    own_servers: bool = False  # a private PostgreSQL and Redis on free ports
    housekeeping_workers: int = 0  # processes of one worker on the housekeeping queue
    beat: bool = False
    extra_env: dict[str, str] = field(default_factory=dict)


@dataclass
class Stack:
    config: StackConfig
    logs: Path
    processes: list[subprocess.Popen] = field(default_factory=list)
    named: dict[str, subprocess.Popen] = field(default_factory=dict)
    argv: dict[str, list[str]] = field(default_factory=dict)
    log_offsets: dict[str, int] = field(default_factory=dict)
    postgres: PostgresServer | None = None
    redis: RedisServer | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.config.port}"

    def _redis_url(self, db: int) -> str:
        if self.redis is not None:
            return self.redis.url(db)
        return f"redis://127.0.0.1:6379/{db}"

    @property
    def database_url(self) -> str:
        if self.postgres is not None:
            return self.postgres.url(self.config.database)
        return f"postgres://postgres@127.0.0.1:5432/{self.config.database}"

    @property
    def env(self) -> dict[str, str]:
        c = self.config
        return {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "CELERY_BROKER_URL": self._redis_url(c.redis_db),
            "CACHE_URL": self._redis_url(c.redis_db + 1),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_SECRET_KEY": "load-" + "k" * 50,
            "DJANGO_DEBUG": "0",
            # Plain HTTP on 127.0.0.1: no HTTPS redirect, cookies without the Secure flag.
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_SECURE_COOKIES": "0",
            "PP_RATE_LIMIT_ENABLED": "1",
            "PP_RATE_LIMIT_SUBMISSIONS_PER_MINUTE": str(c.submissions_per_minute),
            "PP_RATE_LIMIT_REQUESTS_PER_MINUTE": str(c.requests_per_minute),
            "PP_VAR_DIR": str(ROOT / "var" / "load"),
            "PP_MEDIA_ROOT": str(ROOT / "var" / "load" / "media"),
            "PP_LOG_LEVEL": c.log_level,
            **c.extra_env,
        }

    def prepare(self) -> None:
        """A fresh database (migrated) and empty Redis databases (on private servers, started
        here, with ``own_servers``)."""
        import psycopg
        import redis

        c = self.config
        self.logs.mkdir(parents=True, exist_ok=True)
        for old in self.logs.glob("*.log"):  # appended to while running (respawns)
            old.unlink()
        if c.own_servers:
            self.postgres = PostgresServer().start()
            self.redis = RedisServer(self.logs).start()
        admin = self.database_url.rsplit("/", 1)[0].replace("postgres://", "postgresql://")
        with psycopg.connect(f"{admin}/postgres", autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (c.database,),
            )
            conn.execute(f'DROP DATABASE IF EXISTS "{c.database}"')
            conn.execute(f'CREATE DATABASE "{c.database}"')
        redis_port = self.redis.port if self.redis is not None else 6379
        for db in (c.redis_db, c.redis_db + 1):
            redis.Redis(host="127.0.0.1", port=redis_port, db=db).flushdb()
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--verbosity", "0"],
            cwd=ROOT,
            env=self.env,
            check=True,
        )

    def _spawn(self, name: str, argv: list[str]) -> None:
        path = self.logs / f"{name}.log"
        self.log_offsets[name] = path.stat().st_size if path.exists() else 0
        with open(path, "ab") as log:
            process = subprocess.Popen(
                argv,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes.append(process)
        self.named[name] = process
        self.argv[name] = argv

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Signal a process with everything it started (a Celery worker and its pool)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.named[name].pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.named[name].wait(timeout=10)

    def respawn(self, name: str) -> None:
        """Start a killed process again, as it was started (a replacement machine)."""
        self._spawn(name, self.argv[name])

    def start(self) -> None:
        c = self.config
        self._spawn(
            "gunicorn",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                f"--workers={c.web_workers}",
                f"--bind=127.0.0.1:{c.port}",
                "--log-level=warning",
                "--timeout=60",
            ],
        )
        for n in range(1, c.celery_workers + 1):
            self._spawn(
                f"celery-{n}", worker_command(name=f"load{n}", concurrency=1, queue="celery")
            )
        if c.housekeeping_workers:
            self._spawn(
                "housekeeping",
                worker_command(
                    name="housekeeping", concurrency=c.housekeeping_workers, queue="housekeeping"
                ),
            )
        if c.beat:
            self._spawn("beat", beat_command(schedule=str(self.logs / "celerybeat-schedule")))
        self._wait_ready()

    def _wait_ready(self, timeout: float = 120) -> None:
        import requests

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{self.base_url}/healthz", timeout=1).status_code == 200:
                    break
            time.sleep(0.2)
        else:
            raise RuntimeError(f"gunicorn did not start; see {self.logs / 'gunicorn.log'}")
        workers = [f"celery-{n}" for n in range(1, self.config.celery_workers + 1)]
        if self.config.housekeeping_workers:
            workers.append("housekeeping")
        for name in workers:
            self.wait_worker_ready(name, deadline)

    def wait_worker_ready(self, name: str, deadline: float | None = None) -> None:
        deadline = deadline or time.monotonic() + 120
        # The log is appended to across respawns: the last start must have said "ready".
        with open(self.logs / f"{name}.log", "rb") as log:
            while time.monotonic() < deadline:
                log.seek(self.log_offsets.get(name, 0))
                if b"ready" in log.read():
                    return
                time.sleep(0.2)

    def stop(self) -> None:
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
        self.processes.clear()
        if self.redis is not None:
            self.redis.stop()
        if self.postgres is not None:
            self.postgres.destroy()
