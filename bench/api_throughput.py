"""API throughput: gunicorn + two Celery workers on PostgreSQL + Redis, 500 one-page documents.

    .venv/bin/python bench/api_throughput.py                      # 500 documents
    .venv/bin/python bench/api_throughput.py --documents 100 --engine-sample 50

What it does:
1. (re)creates the database ``--database`` (default pp_bench_api) on the local PostgreSQL,
   migrates it, and makes an organization, an API key and an invoice parser;
2. measures the engine alone, in this process, on ``--engine-sample`` of the same files
   (pages/s, seconds per page);
3. starts gunicorn (2 workers) and two Celery workers (``--concurrency``, 1 each) in production
   settings (rate limits raised), Redis db ``--redis-db`` as broker and ``--redis-db + 10`` as
   cache (both flushed first);
4. submits ``--documents`` one-page documents through ``POST /v1/extractions`` (one file per
   request, or ``--files-per-request`` of them, from ``--clients`` concurrent clients, while
   the workers already run), recording each request's latency;
5. waits until every document is completed, then reports submission latency p50/p95,
   documents/s end to end, the ratio to the engine's own pages/s, and the per-document work
   the workers did beyond the engine (claim, storage, recording) as a share of engine time.

Wall-clock figures on a shared machine move with whatever else runs, so the bench also reads
CPU time from /proc: of the engine alone (this process), and of the service's processes
(both Celery workers with their pool processes, the gunicorn processes, and the PostgreSQL
backends of the bench database) over the processing window (first claim → last result) and
over the whole run. "cpu" figures are per document; the CPU-based ratio is what two fully
used cores would give: (2 / service CPU-seconds per document) / (1 / engine CPU-seconds per
page). Redis and the kernel's network work are not counted (Redis is shared).

Results are printed and written to bench/results/api_throughput-<source>-<mode>.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config.celery import worker_command  # noqa: E402
from docgen import line_item_schema  # noqa: E402

BENCH_SCHEMA = {
    "type": "object",
    "properties": {
        "invoice_number": {"type": "string"},
        "invoice_date": {"type": "string", "format": "date"},
        "due_date": {"type": "string", "format": "date"},
        "seller_name": {"type": "string"},
        "buyer_name": {"type": "string"},
        "currency": {"type": "string"},
        "total_net": {"type": "number"},
        "total_tax": {"type": "number"},
        "total": {"type": "number", "description": "Grand total including tax"},
        "line_items": {"type": "array", "items": line_item_schema()},
    },
}


RECEIPT_SCHEMA = {
    "type": "object",
    "properties": {
        "company": {"type": "string", "description": "Merchant name"},
        "date": {"type": "string", "format": "date"},
        "address": {"type": "string"},
        "total": {"type": "number", "description": "Total amount paid"},
    },
}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def recreate_database(name: str) -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        c.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
        c.execute(f'DROP DATABASE IF EXISTS "{name}"')
        c.execute(f'CREATE DATABASE "{name}"')


def flush_redis(db: int) -> None:
    import redis

    redis.Redis(host="127.0.0.1", port=6379, db=db).flushdb()


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _proc_stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces: split after its closing parenthesis.
    return raw[raw.rindex(")") + 2 :].split()


def _cpu_seconds(fields: list[str]) -> float:
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS  # utime + stime


class CPUSampler(threading.Thread):
    """Every 0.1 s, the CPU seconds used so far by each group of processes: those in the
    given process groups (a service and its children) and PostgreSQL backends of one database
    (matched by their process title). A process that ends between samples keeps its last
    reading; one that starts later counts from zero."""

    def __init__(self, database: str) -> None:
        super().__init__(daemon=True)
        self.database = database
        self.groups: dict[str, set[int]] = {}
        self.samples: list[tuple[float, dict[str, float]]] = []
        self.seen: dict[tuple[str, int], float] = {}
        self.stop = threading.Event()
        self.exclude: set[int] = set()  # the bench's own database connection

    def add_group(self, name: str, pgid: int) -> None:
        self.groups.setdefault(name, set()).add(pgid)

    def _pg_backend(self, pid: int) -> bool:
        try:
            title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            return False
        return title.startswith("postgres: ") and f" {self.database} " in title

    def sample(self) -> None:
        now = time.time()
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            pid = int(entry.name)
            fields = _proc_stat(pid)
            if fields is None:
                continue
            pgid = int(fields[2])
            name = next((n for n, g in self.groups.items() if pgid in g), None)
            if name is None and pid not in self.exclude and self._pg_backend(pid):
                name = "postgres"
            if name is not None:
                self.seen[(name, pid)] = _cpu_seconds(fields)
        totals: dict[str, float] = {}
        for (name, _), cpu in self.seen.items():
            totals[name] = totals.get(name, 0.0) + cpu
        self.samples.append((now, totals))

    def run(self) -> None:
        while not self.stop.wait(0.1):
            self.sample()

    def between(self, start: float, end: float) -> dict[str, float]:
        """CPU seconds each group used between two wall-clock times (nearest samples)."""

        def at(t: float) -> dict[str, float]:
            return min(self.samples, key=lambda s: abs(s[0] - t))[1]

        first, last = at(start), at(end)
        return {name: round(last.get(name, 0.0) - first.get(name, 0.0), 3) for name in last}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--documents", type=int, default=500)
    ap.add_argument("--engine-sample", type=int, default=100)
    ap.add_argument("--database", default="pp_bench_api")
    ap.add_argument("--redis-db", type=int, default=3, help="the broker's Redis database")
    ap.add_argument(
        "--cache-redis-db", type=int, help="the cache's Redis database (default: --redis-db + 10)"
    )
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument(
        "--concurrency",
        type=int,
        default=1,
        help="pool processes per Celery worker (Celery's own default is the core count)",
    )
    ap.add_argument(
        "--var-dir",
        default="",
        help="logs and stored files (default var/bench-<database>, so that two benches on "
        "different databases do not share files)",
    )
    ap.add_argument(
        "--mode",
        choices=["concurrent", "drain"],
        default="concurrent",
        help="concurrent: workers run while documents are submitted; drain: submit everything "
        "first, then start the workers (measures the processing pipeline's own capacity)",
    )
    ap.add_argument(
        "--clients",
        type=int,
        default=1,
        help="concurrent submitting clients, one file per request (on 2 cores more clients "
        "only take CPU from the workers)",
    )
    ap.add_argument(
        "--files-per-request",
        type=int,
        default=1,
        help="files per POST /v1/extractions (the API takes 1-50); latency is per request",
    )
    ap.add_argument(
        "--source",
        choices=["corpus", "receipts", "generated"],
        default="corpus",
        help="corpus: the one-page invoices of ../shared/corpus/dev/zugferd, cycled (real "
        "layouts, text layer); receipts: the SROIE receipt photos of the corpus, cycled (OCR); "
        "generated: tiny fpdf2 invoices",
    )
    args = ap.parse_args()

    database_url = f"postgres://postgres@127.0.0.1:5432/{args.database}"
    cache_db = args.cache_redis_db if args.cache_redis_db is not None else args.redis_db + 10
    var_dir = Path(args.var_dir) if args.var_dir else ROOT / "var" / f"bench-{args.database}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": f"redis://127.0.0.1:6379/{args.redis_db}",
        "CACHE_URL": f"redis://127.0.0.1:6379/{cache_db}",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_SECRET_KEY": "bench-" + "x" * 50,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "PP_RATE_LIMIT_SUBMISSIONS_PER_MINUTE": "1000000",
        "PP_RATE_LIMIT_REQUESTS_PER_MINUTE": "1000000",
        "PP_VAR_DIR": str(var_dir),
        "PP_MEDIA_ROOT": str(var_dir / "media"),
        "PP_LOG_LEVEL": "WARNING",
    }
    os.environ.update({k: v for k, v in env.items() if k != "PATH"})

    load_at_start = [round(x, 2) for x in os.getloadavg()]
    recreate_database(args.database)
    flush_redis(args.redis_db)
    flush_redis(cache_db)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from accounts.services import create_api_key, create_organization, get_or_create_user
    from docgen import SIMPLE_INVOICE_SCHEMA, simple_invoice_pdf
    from extractions.engine import ExtractionOptions, extract
    from extractions.models import Document
    from parsers.services import create_parser

    owner, _ = get_or_create_user(email="bench@example.com", password="x" * 12)
    org = create_organization(name="Bench", owner=owner, opening_credits=args.documents + 10)
    secret = create_api_key(organization=org, name="bench", created_by=owner).secret
    corpus = sorted((ROOT.parent / "shared" / "corpus" / "dev" / "zugferd").glob("*.pdf"))
    from extractions.engine import inspect_document

    one_page_paths = [p for p in corpus if inspect_document(str(p)).page_count == 1]
    one_page = [p.read_bytes() for p in one_page_paths]
    receipts = sorted((ROOT.parent / "shared" / "corpus" / "dev" / "sroie").glob("*.jpg"))
    if args.source == "corpus" and one_page:
        files = [one_page[i % len(one_page)] for i in range(args.documents)]
        paths = [str(one_page_paths[i % len(one_page)]) for i in range(args.documents)]
        schema = BENCH_SCHEMA
    elif args.source == "receipts" and receipts:
        scans = [p.read_bytes() for p in receipts]
        files = [scans[i % len(scans)] for i in range(args.documents)]
        paths = [str(receipts[i % len(receipts)]) for i in range(args.documents)]
        schema = RECEIPT_SCHEMA
    else:
        args.source = "generated"
        files = [
            simple_invoice_pdf(number=f"INV-{i:05d}", total=f"{100 + i}.50")
            for i in range(args.documents)
        ]
        schema = SIMPLE_INVOICE_SCHEMA
        var_dir.mkdir(parents=True, exist_ok=True)
        paths = []
        for i, data in enumerate(files[: args.engine_sample]):
            path = var_dir / f"engine-sample-{i}.pdf"
            path.write_bytes(data)
            paths.append(str(path))
    parser = create_parser(organization=org, name="Invoices", schema=schema)

    # -- the engine alone, one process, same files (read from a path, as the workers do) and
    # the options the workers use for a one-page document
    def engine_options() -> ExtractionOptions:
        return ExtractionOptions(
            pages="1",
            include_images=True,
            max_bytes=settings.PP_MAX_FILE_BYTES,
            max_page_count=settings.PP_MAX_PAGES_PER_DOCUMENT,
        )

    extract(paths[0], schema, engine_options())  # warm-up
    sample = paths[: args.engine_sample]
    started, cpu_started = time.perf_counter(), time.process_time()
    for path in sample:
        extract(path, schema, engine_options())
    engine_seconds_per_page = (time.perf_counter() - started) / len(sample)
    engine_cpu_per_page = (time.process_time() - cpu_started) / len(sample)
    engine_pages_per_s = 1 / engine_seconds_per_page

    # -- server and workers
    sampler = CPUSampler(args.database)
    from django.db import connection

    with connection.cursor() as cursor:  # the bench's own polling is not the service's work
        cursor.execute("SELECT pg_backend_pid()")
        sampler.exclude.add(cursor.fetchone()[0])
    logs = var_dir
    logs.mkdir(parents=True, exist_ok=True)
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{args.port}",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=open(logs / "gunicorn.log", "wb"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    ]
    sampler.add_group("gunicorn", procs[0].pid)
    sampler.sample()
    sampler.start()

    def start_workers() -> None:
        for n in (1, 2):
            procs.append(
                subprocess.Popen(
                    worker_command(
                        name=f"bench{n}", concurrency=args.concurrency, loglevel="WARNING"
                    ),
                    cwd=ROOT,
                    env=env,
                    stdout=open(logs / f"worker{n}.log", "wb"),  # noqa: SIM115
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
            sampler.add_group("workers", procs[-1].pid)

    if args.mode == "concurrent":
        start_workers()
    import requests

    base = f"http://127.0.0.1:{args.port}"
    session = requests.Session()
    session.headers["X-API-Key"] = secret
    try:
        for _ in range(300):
            try:
                if session.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.1)
        time.sleep(3)  # workers import the engine

        # -- submissions (one file per request unless --files-per-request), while the workers run
        latencies: list[float] = []
        errors: list[str] = []
        first_submit = time.perf_counter()
        first_submit_wall = time.time()

        def submit_share(share: list[list[tuple[int, bytes]]]) -> None:
            client = requests.Session()
            client.headers["X-API-Key"] = secret
            for request_files in share:
                t0 = time.perf_counter()
                response = client.post(
                    f"{base}/v1/extractions",
                    data={"parser_id": parser.public_id},
                    files=[("files", (f"document-{i}", data)) for i, data in request_files],
                    timeout=60,
                )
                latencies.append(time.perf_counter() - t0)
                if response.status_code != 202:
                    errors.append(response.text[:200])

        per_request = args.files_per_request
        numbered = [
            list(enumerate(files))[k : k + per_request] for k in range(0, len(files), per_request)
        ]
        clients = [
            threading.Thread(target=submit_share, args=(numbered[k :: args.clients],))
            for k in range(args.clients)
        ]
        for t in clients:
            t.start()
        for t in clients:
            t.join()
        assert not errors, errors[:3]
        if args.mode == "drain":
            start_workers()
        submitted = time.perf_counter()

        deadline = time.monotonic() + 60 + args.documents * engine_seconds_per_page * 3
        while time.monotonic() < deadline:
            done = Document.objects.filter(status__in=["completed", "failed"]).count()
            if done >= args.documents:
                break
            time.sleep(0.2)
        finished = time.perf_counter()
        finished_wall = time.time()
        sampler.sample()
        counts = {
            s: Document.objects.filter(status=s).count()
            for s in ("queued", "processing", "completed", "failed")
        }
        docs = list(
            Document.objects.filter(status="completed").values(
                "steps", "started_at", "finished_at", "created_at"
            )
        )
        first_start = min(d["started_at"] for d in docs)
        last_finish = max(d["finished_at"] for d in docs)
        processing_seconds = (last_finish - first_start).total_seconds()
    finally:
        sampler.stop.set()
        for p in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)

    engine_in_worker = [sum(s["seconds"] for s in d["steps"]) for d in docs]
    task_wall = [(d["finished_at"] - d["started_at"]).total_seconds() for d in docs]
    e2e_seconds = finished - first_submit
    e2e_docs_per_s = counts["completed"] / e2e_seconds
    mean_engine = statistics.mean(engine_in_worker)
    mean_task = statistics.mean(task_wall)
    # Worker-seconds per document (2 workers busy for the whole run) vs the engine's own time.
    # Two workers busy from the first claim to the last result (in drain mode they never
    # wait for work; in concurrent mode they may, when submissions are the bottleneck).
    worker_seconds_per_doc = 2 * processing_seconds / counts["completed"]
    n = counts["completed"]
    cpu_processing = sampler.between(first_start.timestamp(), last_finish.timestamp())
    cpu_run = sampler.between(first_submit_wall, finished_wall)
    service_cpu_processing = sum(cpu_processing.values()) / n
    service_cpu_run = sum(cpu_run.values()) / n
    result = {
        "documents": args.documents,
        "completed": counts["completed"],
        "failed": counts["failed"],
        "submission_latency_ms": {
            "p50": round(percentile(latencies, 0.50) * 1000, 1),
            "p95": round(percentile(latencies, 0.95) * 1000, 1),
            "max": round(max(latencies) * 1000, 1),
        },
        "submission_seconds": round(submitted - first_submit, 2),
        "end_to_end_seconds": round(e2e_seconds, 2),
        "end_to_end_documents_per_s": round(e2e_docs_per_s, 2),
        "processing_seconds_first_claim_to_last_result": round(processing_seconds, 2),
        "processing_documents_per_s": round(counts["completed"] / processing_seconds, 2),
        "ratio_processing_to_engine_one_process": round(
            counts["completed"] / processing_seconds / engine_pages_per_s, 3
        ),
        "engine_alone_pages_per_s_one_process": round(engine_pages_per_s, 2),
        "ratio_end_to_end_to_engine_one_process": round(e2e_docs_per_s / engine_pages_per_s, 3),
        "engine_seconds_per_page_alone": round(engine_seconds_per_page, 4),
        "engine_seconds_per_document_in_worker": round(mean_engine, 4),
        "task_seconds_per_document_claim_to_result": round(mean_task, 4),
        "task_overhead_vs_engine_pct": round(100 * (mean_task - mean_engine) / mean_engine, 1),
        "worker_seconds_per_document": round(worker_seconds_per_doc, 4),
        "overall_overhead_vs_engine_alone_pct": round(
            100 * (worker_seconds_per_doc - engine_seconds_per_page) / engine_seconds_per_page, 1
        ),
        "cpu_ms_per_document_processing_window": {
            **{k: round(1000 * v / n, 1) for k, v in sorted(cpu_processing.items())},
            "total": round(1000 * service_cpu_processing, 1),
        },
        "cpu_ms_per_document_whole_run": {
            **{k: round(1000 * v / n, 1) for k, v in sorted(cpu_run.items())},
            "total": round(1000 * service_cpu_run, 1),
        },
        "engine_cpu_ms_per_page_alone": round(1000 * engine_cpu_per_page, 1),
        "worker_cpu_overhead_ms_per_document": round(
            1000 * (cpu_processing.get("workers", 0.0) / n - engine_cpu_per_page), 1
        ),
        # What two fully used cores would give (the machine is shared: wall figures move).
        "ratio_cpu_based_processing_to_engine": round(
            2 / service_cpu_processing * engine_cpu_per_page, 3
        ),
        "ratio_cpu_based_end_to_end_to_engine": round(2 / service_cpu_run * engine_cpu_per_page, 3),
        "source": args.source,
        "mode": args.mode,
        "worker_concurrency": args.concurrency,
        "clients": args.clients,
        "files_per_request": args.files_per_request,
        "machine_cores": os.cpu_count(),
        "load_average_at_start": load_at_start,
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(result, indent=2))
    out = ROOT / "bench" / "results" / f"api_throughput-{args.source}-{args.mode}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
