"""A real Celery worker for tests, and eager mode for the rest.

Real worker (a few tests per area): ``celery -A config worker`` started as a subprocess
against the test database (pytest-django's test database name is passed as DATABASE_URL), the
same broker (Redis in CI, the filesystem transport locally) and a queue of the test's own, so
no stray message from another test ever reaches it. Use it from a ``transactional_db`` test::

    from tests.worker import live_worker, worker_factory  # noqa: F401  (fixtures)

    def test_something(live_worker, client_a):
        ...  # submissions are published to live_worker's queue and run by it

``worker_factory(**kw)`` starts more (e.g. two workers, or one with extra environment such as
``PP_TEST_STEP_DELAY_SECONDS``); every worker started is killed at teardown.

Eager mode (most API tests): the ``eager_celery`` fixture runs tasks inline when they are
published. Publishing happens in ``transaction.on_commit``, so combine it with
``transactional_db`` (under the plain ``db`` fixture nothing is ever committed, and documents
simply stay ``queued``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.db import connection

from config.celery import beat_command, worker_command

REPO = Path(__file__).resolve().parent.parent
READY_TIMEOUT = 90.0


def test_database_url() -> str:
    """DATABASE_URL of the database the tests are using right now (the test database)."""
    s = connection.settings_dict
    if s["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{Path(s['NAME']).resolve()}"
    user = quote(s.get("USER") or "")
    password = quote(s.get("PASSWORD") or "")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = s.get("HOST") or "127.0.0.1"
    port = f":{s['PORT']}" if s.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{s['NAME']}"


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may contain spaces, so split after the last ")".
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            out.append(int(entry))
    return out


@dataclass
class WorkerProcess:
    name: str
    queue: str
    process: subprocess.Popen
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def pid(self) -> int:
        return self.process.pid

    def pool_pids(self) -> list[int]:
        """The prefork pool's child processes (where tasks run)."""
        return _children(self.pid)

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def alive(self) -> bool:
        return self.process.poll() is None

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if " ready." in self.log():
                return
            if not self.alive():
                raise RuntimeError(f"Celery worker {self.name} exited:\n{self.log()[-4000:]}")
            time.sleep(0.2)
        raise RuntimeError(f"Celery worker {self.name} not ready in {timeout}s:\n{self.log()}")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the whole worker (main process and pool) at once."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)

    def stop(self) -> None:
        # No graceful shutdown: the test is over and its queue is purged afterwards. Killing
        # the process group also takes pool children left behind by a killed parent.
        self.kill(signal.SIGKILL)


def _celery_env(queue: str, extra_env: dict[str, str] | None) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PP_TESTING": "1",
        "DATABASE_URL": test_database_url(),
        "CELERY_BROKER_URL": django_settings.CELERY_BROKER_URL,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "CELERY_HOUSEKEEPING_QUEUE": django_settings.CELERY_HOUSEKEEPING_QUEUE,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "PP_MEDIA_ROOT": str(django_settings.STORAGES["default"]["OPTIONS"]["location"])
        if "location" in django_settings.STORAGES["default"].get("OPTIONS", {})
        else str(django_settings.MEDIA_ROOT),
        "PYTHONUNBUFFERED": "1",
    }
    env.update(extra_env or {})
    return env


def _spawn(
    name: str, argv: list[str], env: dict[str, str], log_dir: Path, queue: str
) -> WorkerProcess:
    log_path = log_dir / f"celery-{name}.log"
    log = open(log_path, "wb")  # the child keeps its own descriptor
    process = subprocess.Popen(
        argv,
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()
    return WorkerProcess(name=name, queue=queue, process=process, log_path=log_path, env=env)


def start_worker(
    *,
    queue: str,
    name: str | None = None,
    concurrency: int = 1,
    extra_env: dict[str, str] | None = None,
    log_dir: Path,
    consume: str | None = None,
) -> WorkerProcess:
    """A worker whose documents go to ``queue``, consuming ``consume`` (default: ``queue``;
    e.g. the housekeeping queue for a housekeeping worker, as in production)."""
    name = name or f"w{uuid.uuid4().hex[:6]}"
    # no worker heartbeats: the tests kill workers outright
    argv = worker_command(
        name=name, concurrency=concurrency, queue=consume or queue, heartbeat=False
    )
    return _spawn(name, argv, _celery_env(queue, extra_env), log_dir, consume or queue)


def start_beat(
    *, queue: str, extra_env: dict[str, str] | None = None, log_dir: Path
) -> WorkerProcess:
    """``celery beat`` with the production schedule (the sweeper every
    PP_SWEEP_INTERVAL_SECONDS, ...), sending to the configured queues."""
    name = f"beat{uuid.uuid4().hex[:6]}"
    argv = beat_command(schedule=str(log_dir / f"{name}-schedule"))
    return _spawn(name, argv, _celery_env(queue, extra_env), log_dir, queue)


@pytest.fixture
def eager_celery(settings) -> Iterator[None]:
    """Tasks run inline when published (after commit: use with transactional_db)."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    settings.CELERY_TASK_ALWAYS_EAGER = True
    try:
        yield
    finally:
        app.conf.task_always_eager = previous


@pytest.fixture
def worker_queue(settings) -> Iterator[str]:
    """A broker queue of this test's own; tasks published by the test go there."""
    from config.celery import app

    queue = f"pp-test-{uuid.uuid4().hex[:10]}"
    previous = (app.conf.task_default_queue, app.conf.task_always_eager)
    app.conf.task_default_queue = queue
    app.conf.task_always_eager = False
    settings.CELERY_TASK_DEFAULT_QUEUE = queue
    settings.CELERY_HOUSEKEEPING_QUEUE = queue  # the test's worker does both
    settings.CELERY_TASK_ALWAYS_EAGER = False
    try:
        yield queue
    finally:
        app.conf.task_default_queue, app.conf.task_always_eager = previous
        _purge(queue)


@pytest.fixture
def worker_factory(
    transactional_db, worker_queue, tmp_path
) -> Iterator[Callable[..., WorkerProcess]]:
    started: list[WorkerProcess] = []

    def factory(
        *,
        concurrency: int = 1,
        extra_env: dict[str, str] | None = None,
        wait: bool = True,
        queue: str | None = None,
        beat: bool = False,
    ) -> WorkerProcess:
        """A worker of the test's queue (consuming ``queue`` instead: a housekeeping
        worker), or with ``beat`` the scheduler."""
        if beat:
            worker = start_beat(queue=worker_queue, extra_env=extra_env, log_dir=tmp_path)
            started.append(worker)
            return worker
        worker = start_worker(
            queue=worker_queue,
            consume=queue,
            concurrency=concurrency,
            extra_env=extra_env,
            log_dir=tmp_path,
        )
        started.append(worker)
        if wait:
            worker.wait_ready()
        return worker

    try:
        yield factory
    finally:
        for worker in started:
            worker.stop()


def _purge(queue: str) -> None:
    """Drop what is left in the test's queue (e.g. a killed worker's unacked message)."""
    from config.celery import app

    with contextlib.suppress(Exception), app.connection_for_write() as conn:
        conn.default_channel.queue_purge(queue)
        conn.default_channel.queue_delete(queue)


@pytest.fixture
def live_worker(worker_factory) -> WorkerProcess:
    """One running worker (concurrency 2) on the test's queue."""
    return worker_factory(concurrency=2)
