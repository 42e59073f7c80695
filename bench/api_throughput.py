"""API throughput: gunicorn + two Celery workers on PostgreSQL + Redis, 500 one-page documents.

    .venv/bin/python bench/api_throughput.py                      # 500 documents
    .venv/bin/python bench/api_throughput.py --documents 100 --engine-sample 50

What it does:
1. (re)creates the database ``--database`` (default pp_bench_api) on the local PostgreSQL,
   migrates it, and makes an organization, an API key and an invoice parser;
2. measures the engine alone, in this process, on ``--engine-sample`` of the same files
   (pages/s, seconds per page);
3. starts gunicorn (2 workers) and two Celery workers (concurrency 1 each) in production
   settings (rate limits raised), Redis db ``--redis-db`` as broker and ``--redis-db + 10`` as
   cache (both flushed first);
4. submits ``--documents`` one-page documents through ``POST /v1/extractions`` (one file per
   request, from ``--clients`` concurrent clients, while the workers already run), recording
   each request's latency;
5. waits until every document is completed, then reports submission latency p50/p95,
   documents/s end to end, the ratio to the engine's own pages/s, and the per-document work
   the workers did beyond the engine (claim, storage, recording) as a share of engine time.

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
        "line_items": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "description": {"type": "string"},
                    "quantity": {"type": "number"},
                    "unit_price": {"type": "number"},
                    "amount": {"type": "number"},
                },
            },
        },
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--documents", type=int, default=500)
    ap.add_argument("--engine-sample", type=int, default=100)
    ap.add_argument("--database", default="pp_bench_api")
    ap.add_argument("--redis-db", type=int, default=3)
    ap.add_argument("--port", type=int, default=8765)
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
        "--source",
        choices=["corpus", "receipts", "generated"],
        default="corpus",
        help="corpus: the one-page invoices of ../shared/corpus/dev/zugferd, cycled (real "
        "layouts, text layer); receipts: the SROIE receipt photos of the corpus, cycled (OCR); "
        "generated: tiny fpdf2 invoices",
    )
    args = ap.parse_args()

    database_url = f"postgres://postgres@127.0.0.1:5432/{args.database}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": f"redis://127.0.0.1:6379/{args.redis_db}",
        "CACHE_URL": f"redis://127.0.0.1:6379/{args.redis_db + 10}",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_SECRET_KEY": "bench-" + "x" * 50,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "PP_RATE_LIMIT_SUBMISSIONS_PER_MINUTE": "1000000",
        "PP_RATE_LIMIT_REQUESTS_PER_MINUTE": "1000000",
        "PP_VAR_DIR": str(ROOT / "var" / "bench"),
        "PP_MEDIA_ROOT": str(ROOT / "var" / "bench" / "media"),
        "PP_LOG_LEVEL": "WARNING",
    }
    os.environ.update({k: v for k, v in env.items() if k != "PATH"})

    load_at_start = [round(x, 2) for x in os.getloadavg()]
    recreate_database(args.database)
    flush_redis(args.redis_db)
    flush_redis(args.redis_db + 10)

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from accounts.services import create_api_key, create_organization, get_or_create_user
    from extractions.engine import ExtractionOptions, extract
    from extractions.models import Document
    from parsers.services import create_parser
    from tests.extractions.docs import INVOICE_SCHEMA, invoice_pdf

    owner, _ = get_or_create_user(email="bench@example.com", password="x" * 12)
    org = create_organization(name="Bench", owner=owner, opening_credits=args.documents + 10)
    secret = create_api_key(organization=org, name="bench", created_by=owner).secret
    corpus = sorted((ROOT.parent / "shared" / "corpus" / "dev" / "zugferd").glob("*.pdf"))
    from extractions.engine import inspect_document

    one_page = [p.read_bytes() for p in corpus if inspect_document(str(p)).page_count == 1]
    receipts = sorted((ROOT.parent / "shared" / "corpus" / "dev" / "sroie").glob("*.jpg"))
    if args.source == "corpus" and one_page:
        files = [one_page[i % len(one_page)] for i in range(args.documents)]
        schema = BENCH_SCHEMA
    elif args.source == "receipts" and receipts:
        scans = [p.read_bytes() for p in receipts]
        files = [scans[i % len(scans)] for i in range(args.documents)]
        schema = RECEIPT_SCHEMA
    else:
        args.source = "generated"
        files = [
            invoice_pdf(number=f"INV-{i:05d}", total=f"{100 + i}.50") for i in range(args.documents)
        ]
        schema = INVOICE_SCHEMA
    parser = create_parser(organization=org, name="Invoices", schema=schema)

    # -- the engine alone, one process, same files and options as the workers use
    extract(files[0], schema, ExtractionOptions(include_images=True))  # warm-up
    sample = files[: args.engine_sample]
    started = time.perf_counter()
    for data in sample:
        extract(data, schema, ExtractionOptions(include_images=True))
    engine_seconds_per_page = (time.perf_counter() - started) / len(sample)
    engine_pages_per_s = 1 / engine_seconds_per_page

    # -- server and workers
    logs = ROOT / "var" / "bench"
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

    def start_workers() -> None:
        for n in (1, 2):
            procs.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "celery",
                        "-A",
                        "config",
                        "worker",
                        "--concurrency=1",
                        "--loglevel=WARNING",
                        "-n",
                        f"bench{n}@%h",
                        "--without-gossip",
                        "--without-mingle",
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=open(logs / f"worker{n}.log", "wb"),  # noqa: SIM115
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )

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

        # -- submissions, one file per request, while the workers run
        latencies: list[float] = []
        errors: list[str] = []
        first_submit = time.perf_counter()

        def submit_share(share: list[tuple[int, bytes]]) -> None:
            client = requests.Session()
            client.headers["X-API-Key"] = secret
            for i, data in share:
                t0 = time.perf_counter()
                response = client.post(
                    f"{base}/v1/extractions",
                    data={"parser_id": parser.public_id},
                    files={"files": (f"document-{i}", data)},
                    timeout=60,
                )
                latencies.append(time.perf_counter() - t0)
                if response.status_code != 202:
                    errors.append(response.text[:200])

        numbered = list(enumerate(files))
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
        "source": args.source,
        "mode": args.mode,
        "clients": args.clients,
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
