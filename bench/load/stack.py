"""The system under load: PostgreSQL database, Redis, gunicorn (2 workers) and two Celery
workers, started as separate processes in production settings (DEBUG off)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from config.celery import worker_command

ROOT = Path(__file__).resolve().parents[2]


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


@dataclass
class Stack:
    config: StackConfig
    logs: Path
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.config.port}"

    @property
    def env(self) -> dict[str, str]:
        c = self.config
        return {
            **os.environ,
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{c.database}",
            "CELERY_BROKER_URL": f"redis://127.0.0.1:6379/{c.redis_db}",
            "CACHE_URL": f"redis://127.0.0.1:6379/{c.redis_db + 1}",
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
        }

    def prepare(self) -> None:
        """A fresh database (migrated) and empty Redis databases."""
        import psycopg
        import redis

        c = self.config
        with psycopg.connect(
            "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True
        ) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (c.database,),
            )
            conn.execute(f'DROP DATABASE IF EXISTS "{c.database}"')
            conn.execute(f'CREATE DATABASE "{c.database}"')
        for db in (c.redis_db, c.redis_db + 1):
            redis.Redis(host="127.0.0.1", port=6379, db=db).flushdb()
        self.logs.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--verbosity", "0"],
            cwd=ROOT,
            env=self.env,
            check=True,
        )

    def _spawn(self, name: str, argv: list[str]) -> None:
        with open(self.logs / f"{name}.log", "wb") as log:
            self.processes.append(
                subprocess.Popen(
                    argv,
                    cwd=ROOT,
                    env=self.env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )

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
            # INFO: the worker prints "ready" (and one line per task, to the log)
            self._spawn(f"celery-{n}", worker_command(name=f"load{n}", concurrency=1))
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
        for n in range(1, self.config.celery_workers + 1):
            log = self.logs / f"celery-{n}.log"
            while "ready" not in log.read_text(errors="replace") and time.monotonic() < deadline:
                time.sleep(0.2)

    def stop(self) -> None:
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        self.processes.clear()
