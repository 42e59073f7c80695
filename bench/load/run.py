"""Load harness: gunicorn (2 workers) + 2 Celery workers on PostgreSQL + Redis, driven from
this process for a fixed time, then checked.

    .venv/bin/python bench/load/run.py --duration 60

1. recreates the database ``--database`` (default pp_rel_load), flushes Redis dbs
   ``--redis-db`` (broker) and ``--redis-db + 1`` (cache), migrates, and makes ``--orgs``
   organizations with an API key and an invoice parser each, plus one for the burst client;
2. starts the stack in production settings (DEBUG off); the per-key submission limit stays at
   its production value (20/min), the per-key request limit is raised so that polling
   measures the server rather than the limiter;
3. for ``--duration`` seconds: per organization one submitter (a one-page PDF every
   ``--submit-interval`` s) and ``--pollers`` pollers (GET /v1/extractions/{id} with the
   cursor, back to back); plus one burst client whose extra submissions get the intended 429s;
4. waits until every submitted document has finished, then checks: each one completed, each
   extraction charged exactly once (one ledger charge of its pages, no refund), nothing
   created for a 429, cached balance == sum of ledger entries for every organization;
5. prints requests/s, p50/p95/p99 latency per kind, errors (non-2xx other than the burst
   client's 429s, which must be 0), documents end to end, and writes bench/results/load.json.

Exit status 1 if any error or check failed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.load.driver import Driver, Tenant, percentile, summarize  # noqa: E402
from bench.load.stack import Stack, StackConfig  # noqa: E402

OPENING_CREDITS = 100_000


def seed(orgs: int) -> tuple[list[Tenant], Tenant]:
    from accounts.services import create_api_key, create_organization, get_or_create_user
    from docgen import SIMPLE_INVOICE_SCHEMA
    from parsers.services import create_parser

    tenants = []
    for n in range(orgs + 1):
        owner, _ = get_or_create_user(email=f"load{n}@example.com", password="x" * 16)
        org = create_organization(name=f"Load {n}", owner=owner, opening_credits=OPENING_CREDITS)
        key = create_api_key(organization=org, name="load", created_by=owner).secret
        parser = create_parser(organization=org, name="Invoices", schema=SIMPLE_INVOICE_SCHEMA)
        tenants.append(
            Tenant(api_key=key, parser_id=parser.public_id, organization_id=org.public_id)
        )
    return tenants[:-1], tenants[-1]


def wait_until_finished(extraction_ids: list[str], timeout: float) -> float:
    from extractions.models import TERMINAL_DOCUMENT_STATUSES, Document

    started = time.monotonic()
    while time.monotonic() - started < timeout:
        pending = (
            Document.objects.filter(extraction__public_id__in=extraction_ids)
            .exclude(status__in=TERMINAL_DOCUMENT_STATUSES)
            .count()
        )
        if not pending:
            break
        time.sleep(0.5)
    return time.monotonic() - started


def check(tenants: list[Tenant]) -> tuple[list[str], dict[str, float]]:
    """Every document completed, charged once; the ledger invariant per organization."""
    from django.db.models import Sum

    from accounts.models import Organization
    from billing.models import CreditAccount, CreditLedgerEntry
    from extractions.models import Document, Extraction

    problems: list[str] = []
    e2e: list[float] = []
    for tenant in tenants:
        org = Organization.objects.get(public_id=tenant.organization_id)
        ids = list(tenant.submitted)
        if Extraction.objects.filter(organization=org).count() != len(ids):
            problems.append(
                f"{org}: {Extraction.objects.filter(organization=org).count()} "
                f"extractions stored, {len(ids)} accepted"
            )
        documents = list(Document.objects.filter(organization=org).select_related("extraction"))
        for document in documents:
            if document.status != "completed":
                problems.append(f"{document.public_id}: {document.status} {document.error_code}")
            else:
                e2e.append((document.finished_at - document.created_at).total_seconds())
        charges = {}
        for entry in CreditLedgerEntry.objects.filter(organization=org).exclude(kind="grant"):
            if entry.kind != "charge":
                problems.append(f"{org}: unexpected {entry.kind} {entry.delta} ({entry.reason})")
                continue
            charges.setdefault(entry.extraction.public_id, []).append(entry.delta)
        for extraction_id, pages in tenant.submitted.items():
            if charges.get(extraction_id) != [-pages]:
                problems.append(
                    f"{extraction_id}: charges {charges.get(extraction_id)}, {pages} pages"
                )
        balance = CreditAccount.objects.get(organization=org).balance
        total = CreditLedgerEntry.objects.filter(organization=org).aggregate(s=Sum("delta"))["s"]
        expected = OPENING_CREDITS - sum(tenant.submitted.values())
        if not balance == total == expected:
            problems.append(f"{org}: balance {balance}, ledger sum {total}, expected {expected}")
    latency = {
        "documents": len(e2e),
        "p50_s": round(percentile(e2e, 0.5), 2),
        "p95_s": round(percentile(e2e, 0.95), 2),
        "max_s": round(max(e2e, default=0), 2),
    }
    return problems, latency


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--duration", type=float, default=60)
    ap.add_argument("--orgs", type=int, default=3)
    ap.add_argument("--pollers", type=int, default=2, help="pollers per organization")
    ap.add_argument("--submit-interval", type=float, default=3.5, help="seconds, per submitter")
    ap.add_argument("--database", default="pp_rel_load")
    ap.add_argument("--redis-db", type=int, default=8)
    ap.add_argument("--port", type=int, default=8777)
    ap.add_argument("--drain-timeout", type=float, default=300)
    args = ap.parse_args()

    stack = Stack(
        StackConfig(database=args.database, redis_db=args.redis_db, port=args.port),
        logs=ROOT / "var" / "load" / "logs",
    )
    os.environ.update(stack.env)
    stack.prepare()

    import django

    django.setup()
    from docgen import simple_invoice_pdf

    tenants, burst_tenant = seed(args.orgs)
    documents = [simple_invoice_pdf(f"INV-{n:04d}", total=f"{100 + n}.25") for n in range(20)]
    load_before = [round(x, 2) for x in os.getloadavg()]
    stack.start()
    try:
        driver = Driver(stack.base_url, documents)
        seconds = driver.run(
            tenants=tenants,
            burst_tenant=burst_tenant,
            pollers_per_tenant=args.pollers,
            submit_interval=args.submit_interval,
            duration=args.duration,
        )
        load_during = [round(x, 2) for x in os.getloadavg()]
        all_tenants = [*tenants, burst_tenant]
        submitted = [e for t in all_tenants for e in t.submitted]
        drain = wait_until_finished(submitted, args.drain_timeout)
        problems, document_latency = check(all_tenants)
    finally:
        stack.stop()

    requests_summary = summarize(driver.samples, seconds)
    result = {
        "command": "python bench/load/run.py " + " ".join(sys.argv[1:]),
        "duration_s": round(seconds, 1),
        "clients": {
            "organizations": args.orgs,
            "pollers": args.orgs * args.pollers,
            "submitters": args.orgs,
            "burst": 1,
        },
        "requests": requests_summary,
        "errors": len(driver.errors),
        "error_samples": driver.errors[:10],
        "extractions_accepted": len(submitted),
        "documents_end_to_end": document_latency,
        "drain_after_load_s": round(drain, 1),
        "checks_failed": problems[:20],
        "machine": {"cores": os.cpu_count(), "load_before": load_before, "load_end": load_during},
    }
    print(json.dumps(result, indent=2))
    out = ROOT / "bench" / "results" / "load.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    ok = not driver.errors and not problems and requests_summary["all"]["errors"] == 0
    print("OK" if ok else "FAILED", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
