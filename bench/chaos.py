"""Chaos: a production-mode stack on its own PostgreSQL and Redis, a mixed load, and faults.

    .venv/bin/python bench/chaos.py            # ~5 minutes, 127.0.0.1 only

1. starts the stack the way bench/load/stack.py starts every benchmark's stack, in the
   production layout: gunicorn (2 workers), two document workers, a housekeeping worker, beat,
   on a private PostgreSQL and redis-server on free ports (``own_servers``: nothing shared
   with the machine's servers is touched), DEBUG off, default recovery settings;
2. runs a mixed load for ``--duration`` seconds, one organization per client: one- to
   three-page text invoices, scanned receipts (OCR), five-file batches, hostile files (a PDF
   whose form draws itself: ``document_malformed``; a truncated PDF: 400 at submission),
   pollers, and a /healthz prober. Submissions carry an Idempotency-Key and are retried with
   it (after Retry-After) until accepted, as a careful client does;
3. during the load: SIGKILLs a whole document worker (a replacement starts 3 s later), stops
   the broker (Redis, also the cache) for 15 s, restarts PostgreSQL in fast mode then in
   immediate mode (3 s down each), SIGKILLs a pool process of the other worker;
4. drains (at most ``--drain`` seconds), stops everything, and reports: extractions and
   documents submitted, completed, failed by code, stuck (must be 0), double charges (must be
   0), ledger == balance for every organization, engine runs repeated for a reason other than
   a killed process (must be 0), time to recover from each fault (targets: a killed worker's
   documents running again within 60 s; a PostgreSQL restart's documents finished within 60 s
   of its return), 5xx answers inside and outside the outage windows (none outside).

Results: printed, and written to bench/results/chaos.json. Exit status 1 if a check failed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import signal
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load.driver import Tenant, percentile  # noqa: E402
from bench.load.stack import Stack, StackConfig  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "dev"
OUTAGE_GRACE_SECONDS = 5.0  # a 5xx this soon after the database returned still counts as inside
RECOVERY_TARGET_SECONDS = 60.0


@dataclass
class Answer:
    at: float
    kind: str
    status: int  # 0: no answer (connection refused, timeout)


@dataclass
class Fault:
    name: str
    started: float
    ended: float = 0.0  # the service is back (database/broker up, replacement started)
    outage: bool = False  # 5xx are expected between started and ended (+ grace)
    caught: list[str] = field(default_factory=list)  # documents it caught
    recovered_s: float | None = None  # from the fault until they all run again / are done
    note: str = ""


class Load:
    """The clients: each a thread with an organization of its own."""

    def __init__(self, base_url: str, tenants: list[Tenant], files: dict[str, list[bytes]]):
        self.base_url = base_url
        self.tenants = tenants
        self.files = files
        self.t0 = time.monotonic()
        self.answers: list[Answer] = []
        self.accepted: dict[str, tuple[Tenant, int]] = {}  # extraction id -> tenant, credits
        self.refused: Counter[str] = Counter()
        self.gave_up = 0
        self.health: list[tuple[float, int, list[str]]] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []

    def now(self) -> float:
        return time.monotonic() - self.t0

    def _call(self, session: requests.Session, kind: str, method: str, url: str, **kw):
        try:
            response = session.request(method, self.base_url + url, timeout=30, **kw)
        except requests.RequestException:
            response = None
        with self.lock:
            status = response.status_code if response is not None else 0
            self.answers.append(Answer(self.now(), kind, status))
        return response

    def _submit(self, tenant: Tenant, kind: str, files: list[tuple[str, bytes, str]]) -> None:
        """One logical submission, retried with its Idempotency-Key until it is answered."""
        session = requests.Session()
        session.headers.update({"X-API-Key": tenant.api_key, "Idempotency-Key": str(uuid.uuid4())})
        give_up = time.monotonic() + 90
        while time.monotonic() < give_up:
            response = self._call(
                session,
                kind,
                "POST",
                "/v1/extractions",
                data={"parser_id": tenant.parser_id},
                files=[("files", f) for f in files],
            )
            if response is not None and response.status_code == 202:
                body = response.json()["extraction"]
                with self.lock:
                    self.accepted[body["extraction_id"]] = (tenant, body["credits_used"])
                tenant.add(body["extraction_id"], body["page_count"])
                return
            if (
                response is not None
                and 400 <= response.status_code < 500
                and response.status_code != 429
            ):
                with self.lock:
                    self.refused[response.json()["error"]["code"]] += 1
                return
            retry_after = response.headers.get("Retry-After") if response is not None else None
            time.sleep(min(float(retry_after or 1), 5))
        with self.lock:
            self.gave_up += 1

    def _every(self, seconds: float, action: Callable[[random.Random], None], seed: int) -> None:
        rng = random.Random(seed)
        self.stop.wait(rng.uniform(0, seconds))
        while not self.stop.is_set():
            started = time.monotonic()
            action(rng)
            self.stop.wait(max(0.0, seconds - (time.monotonic() - started)))

    def text(self, rng: random.Random) -> None:
        data = rng.choice(self.files["text"])
        self._submit(self.tenants[0], "submit", [("invoice.pdf", data, "application/pdf")])

    def scans(self, rng: random.Random) -> None:
        name, data, media_type = rng.choice(self.files["scan"])
        self._submit(self.tenants[1], "submit", [(name, data, media_type)])

    def batches(self, rng: random.Random) -> None:
        picked = rng.sample(self.files["text"], 5)
        files = [(f"part-{i}.pdf", d, "application/pdf") for i, d in enumerate(picked)]
        self._submit(self.tenants[2], "submit", files)

    def hostile(self, rng: random.Random) -> None:
        name, data = rng.choice(self.files["hostile"])
        self._submit(self.tenants[3], "submit", [(name, data, "application/pdf")])

    def poll(self, rng: random.Random) -> None:
        tenant = rng.choice(self.tenants)
        extraction_id = tenant.pick(rng)
        if extraction_id is not None:
            session = requests.Session()
            session.headers["X-API-Key"] = tenant.api_key
            self._call(session, "poll", "GET", f"/v1/extractions/{extraction_id}")

    def probe(self, rng: random.Random) -> None:
        try:
            response = requests.get(self.base_url + "/healthz", timeout=10)
            self.health.append((self.now(), response.status_code, response.json().get("down", [])))
        except (requests.RequestException, ValueError):
            self.health.append((self.now(), 0, ["web"]))

    def start(self) -> None:
        plan = [
            (2.0, self.text),
            (4.0, self.scans),
            (15.0, self.batches),
            (12.0, self.hostile),
            (0.25, self.poll),
            (0.25, self.poll),
            (1.0, self.probe),
        ]
        for n, (seconds, action) in enumerate(plan):
            thread = threading.Thread(target=self._every, args=(seconds, action, n), daemon=True)
            self.threads.append(thread)
            thread.start()

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=120)


# --------------------------------------------------------------------------- the database view


def _documents(**filters) -> dict[str, str]:
    """{public id: worker token} of matching documents, or {} while the database is away."""
    from django.db import DatabaseError, close_old_connections

    from extractions.models import Document

    try:
        return dict(Document.objects.filter(**filters).values_list("public_id", "worker"))
    except DatabaseError:
        close_old_connections()
        return {}


def _held_after(predicate: Callable[[], bool], start: float, timeout: float) -> float | None:
    """Seconds from ``start`` (monotonic) until ``predicate()`` held (polled every 0.25 s),
    None if it did not within ``timeout``."""
    from django.db import DatabaseError, close_old_connections

    while time.monotonic() - start < timeout:
        try:
            if predicate():
                return round(time.monotonic() - start, 1)
        except DatabaseError:
            close_old_connections()
        time.sleep(0.25)
    return None


def _moved_on(running: dict[str, str]) -> bool:
    """Every document is done, or running under another claim than it had (``running``)."""
    from extractions.models import TERMINAL_DOCUMENT_STATUSES, Document

    rows = Document.objects.filter(public_id__in=list(running)).values_list(
        "public_id", "status", "worker"
    )
    return all(
        status in TERMINAL_DOCUMENT_STATUSES
        or (status == "processing" and worker != running[public_id])
        for public_id, status, worker in rows
    )


def _all_finished(document_ids: list[str]) -> bool:
    from extractions.models import TERMINAL_DOCUMENT_STATUSES, Document

    return not (
        Document.objects.filter(public_id__in=document_ids)
        .exclude(status__in=TERMINAL_DOCUMENT_STATUSES)
        .exists()
    )


def _running_or_finished(document_ids: list[str]) -> bool:
    from extractions.models import Document

    return not Document.objects.filter(public_id__in=document_ids, status="queued").exists()


# --------------------------------------------------------------------------- the faults

BOUND = RECOVERY_TARGET_SECONDS * 3  # every wait for a recovery gives up after this


def _busy(prefix: str = "", timeout: float = 30.0) -> None:
    """Wait (at most ``timeout``) until a document runs on a worker named ``prefix``: a fault
    that catches no document proves nothing."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not _documents(
        status="processing", worker__startswith=prefix
    ):
        time.sleep(0.1)


def kill_worker(stack: Stack, load: Load) -> Fault:
    """SIGKILL a whole document worker (its unacked message waits for Redis' visibility
    timeout); a replacement starts 3 s later. Recovered: its documents run again."""
    _busy("load1@")
    fault = Fault("worker SIGKILLed (whole process group)", load.now())
    start = time.monotonic()
    running = _documents(status="processing", worker__startswith="load1@")
    fault.caught = list(running)
    stack.kill("celery-1")
    time.sleep(3)
    stack.respawn("celery-1")  # a replacement machine
    fault.ended = load.now()
    fault.recovered_s = _held_after(lambda: _moved_on(running), start, BOUND)
    fault.note = (
        f"its {len(running)} documents running again {_fmt(fault.recovered_s)} after the kill"
    )
    return fault


def kill_pool_process(stack: Stack, load: Load) -> Fault:
    """SIGKILL the pool process of the other worker (the message comes back at once)."""
    _busy("load2@")
    fault = Fault("a pool process SIGKILLed", load.now())
    start = time.monotonic()
    running = _documents(status="processing", worker__startswith="load2@")
    fault.caught = list(running)
    for pid in _pool_pids(stack.named["celery-2"].pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    fault.ended = load.now()
    fault.recovered_s = _held_after(lambda: _moved_on(running), start, BOUND)
    fault.note = (
        f"its {len(running)} documents running again {_fmt(fault.recovered_s)} after the kill"
    )
    return fault


def broker_outage(stack: Stack, load: Load, seconds: float = 15.0) -> Fault:
    """Redis (broker and cache) killed for ``seconds``: submissions still answered 202; the
    sweeper dispatches what waits once it is back. Recovered: every document accepted
    meanwhile is running or done."""
    assert stack.redis is not None
    fault = Fault(f"broker (Redis, also the cache) down {seconds:g} s", load.now())
    stack.redis.stop()
    time.sleep(seconds)
    stack.redis.start()
    fault.ended = load.now()
    start = time.monotonic()
    waiting = list(_documents(status="queued", enqueued_at__isnull=True))
    fault.caught = waiting
    fault.recovered_s = _held_after(lambda: _running_or_finished(waiting), start, BOUND)
    fault.note = (
        f"{len(waiting)} documents waiting for a broker when it returned, all running or done "
        f"{_fmt(fault.recovered_s)} later"
    )
    return fault


def database_restart(stack: Stack, load: Load, mode: str, down: float = 3.0) -> Fault:
    """PostgreSQL stopped (``mode``), ``down`` seconds later started. Recovered: every
    document running at the stop has finished (its outcome written, not computed again)."""
    from django.db import connection

    assert stack.postgres is not None
    _busy()
    fault = Fault(f"PostgreSQL restart, {mode} mode, {down:g} s down", load.now(), outage=True)
    running = _documents(status="processing")
    fault.caught = list(running)
    connection.close()
    stack.postgres.restart(mode, down_seconds=down)
    fault.ended = load.now()
    start = time.monotonic()
    fault.recovered_s = _held_after(lambda: _all_finished(fault.caught), start, BOUND)
    fault.note = (
        f"{len(running)} documents running at the stop, all finished "
        f"{_fmt(fault.recovered_s)} after it returned"
    )
    return fault


def _api_back(load: Load, fault: Fault) -> float | None:
    """Seconds after the service returned until the API's first 2xx answer."""
    answered = [a.at for a in load.answers if a.at > fault.ended and 200 <= a.status < 300]
    return round(min(answered) - fault.ended, 1) if answered else None


def _pool_pids(parent: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError), open(f"/proc/{entry}/stat") as fh:
                if int(fh.read().rsplit(")", 1)[1].split()[1]) == parent:
                    found.append(int(entry))
    return found


def _fmt(seconds: float | None) -> str:
    return "never (within the bound)" if seconds is None else f"{seconds:.1f} s"


# --------------------------------------------------------------------------- checks


def check(load: Load, stack: Stack, faults: list[Fault], opening: int) -> dict:
    from django.db.models import Sum

    from billing.models import CreditAccount, CreditLedgerEntry
    from extractions.models import TERMINAL_DOCUMENT_STATUSES, Document

    extraction_ids = list(load.accepted)
    documents = list(Document.objects.filter(extraction__public_id__in=extraction_ids))
    statuses = Counter(d.status for d in documents)
    failed = Counter(d.error_code for d in documents if d.status == "failed")
    stuck = [d.public_id for d in documents if d.status not in TERMINAL_DOCUMENT_STATUSES]

    double_charges = []
    for extraction_id, (_tenant, credits) in load.accepted.items():
        charges = list(
            CreditLedgerEntry.objects.filter(
                kind="charge", extraction__public_id=extraction_id
            ).values_list("delta", flat=True)
        )
        if len(charges) != 1 or -charges[0] != credits:
            double_charges.append((extraction_id, charges, credits))
    for document in documents:
        refunds = CreditLedgerEntry.objects.filter(kind="refund", document=document).count()
        if refunds > (1 if document.status == "failed" else 0):
            double_charges.append((document.public_id, "refunds", refunds))

    ledger = {}
    for tenant in load.tenants:
        account = CreditAccount.objects.get(organization__public_id=tenant.organization_id)
        total = CreditLedgerEntry.objects.filter(
            organization__public_id=tenant.organization_id
        ).aggregate(s=Sum("delta"))["s"]
        ledger[tenant.organization_id] = {"balance": account.balance, "ledger_sum": total}

    runs: Counter[str] = Counter()
    for log in stack.logs.glob("celery-*.log"):
        for match in re.finditer(
            r"Engine run of document (doc_\w+)", log.read_text(errors="replace")
        ):
            runs[match.group(1)] += 1
    killed = {d for f in faults if "SIGKILL" in f.name for d in f.caught}
    repeated = {d: n for d, n in runs.items() if n > 1}  # (a lost run's retry is a second run)
    unexplained = {d: n for d, n in repeated.items() if d not in killed}

    windows = [(f.started, f.ended + OUTAGE_GRACE_SECONDS) for f in faults if f.outage]
    server_errors = [a for a in load.answers if a.status >= 500 or a.status == 0]
    outside = [a for a in server_errors if not any(lo <= a.at <= hi for lo, hi in windows)]
    end_to_end = [
        (d.finished_at - d.created_at).total_seconds() for d in documents if d.finished_at
    ]
    return {
        "extractions_accepted": len(extraction_ids),
        "submissions_refused_4xx": dict(load.refused),
        "submissions_given_up": load.gave_up,
        "documents": len(documents),
        "completed": statuses.get("completed", 0),
        "failed_by_code": dict(failed),
        "stuck": len(stuck),
        "stuck_ids": stuck[:10],
        "double_charges": len(double_charges),
        "double_charge_samples": double_charges[:5],
        "ledger_equals_balance": all(v["balance"] == v["ledger_sum"] for v in ledger.values()),
        "ledger": ledger,
        "engine_runs": sum(runs.values()),
        "engine_reruns_after_a_killed_process": len(repeated) - len(unexplained),
        "engine_reruns_unexplained": len(unexplained),
        "document_end_to_end_s": {
            "p50": round(percentile(end_to_end, 0.5), 2),
            "p95": round(percentile(end_to_end, 0.95), 2),
            "max": round(max(end_to_end, default=0), 2),
        },
        "answers": len(load.answers),
        "answers_by_status": dict(sorted(Counter(a.status for a in load.answers).items())),
        "5xx_or_no_answer_inside_outages": len(server_errors) - len(outside),
        "5xx_or_no_answer_outside_outages": len(outside),
        "outside_samples": [(round(a.at, 1), a.kind, a.status) for a in outside[:10]],
        "healthz_down_seen": sorted({d for _, _, down in load.health for d in down}),
        "opening_credits": opening,
    }


def _scans() -> list[tuple[str, bytes, str]]:
    """Receipt photos (OCR, ~1 s a page), and three-page PDFs of them without a text layer."""
    import io

    from PIL import Image

    photos = [p.read_bytes() for p in sorted((CORPUS / "sroie").glob("*.jpg"))[:6]]
    out = [("receipt.jpg", data, "image/jpeg") for data in photos]
    for first in (0, 3):
        pages = [Image.open(io.BytesIO(data)).convert("RGB") for data in photos[first : first + 3]]
        buffer = io.BytesIO()
        pages[0].save(buffer, "PDF", save_all=True, append_images=pages[1:], resolution=150)
        out.append(("scans.pdf", buffer.getvalue(), "application/pdf"))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--duration", type=float, default=150, help="seconds of load")
    ap.add_argument("--drain", type=float, default=240, help="most seconds to finish after it")
    ap.add_argument("--port", type=int, default=8778)
    args = ap.parse_args()
    deadline = time.monotonic() + args.duration + args.drain + 900  # every wait below is bounded

    stack = Stack(
        StackConfig(
            database="pp_chaos",
            redis_db=0,
            port=args.port,
            own_servers=True,
            housekeeping_workers=1,
            beat=True,
            submissions_per_minute=1000,
            log_level="INFO",
        ),
        logs=ROOT / "var" / "chaos" / "logs",
    )
    try:
        stack.prepare()
        os.environ.update(stack.env)
        import django

        django.setup()
        from bench.load.run import OPENING_CREDITS, seed
        from docgen import simple_invoice_pdf
        from tests.reliability.drawing_bombs import self_drawing_form_pdf

        tenants, _ = seed(4)
        files = {
            "text": [simple_invoice_pdf(f"INV-{n:04d}", pages=1 + n % 3) for n in range(12)],
            "scan": _scans(),
            "hostile": [
                ("self-drawing.pdf", self_drawing_form_pdf()),
                ("truncated.pdf", simple_invoice_pdf("INV-9999")[:300]),
            ],
        }
        stack.start()
        load = Load(stack.base_url, tenants, files)
        load.start()
        schedule = [
            (20, lambda: kill_worker(stack, load)),
            (45, lambda: broker_outage(stack, load)),
            (80, lambda: database_restart(stack, load, "fast")),
            (110, lambda: database_restart(stack, load, "immediate")),
            (130, lambda: kill_pool_process(stack, load)),
        ]
        faults: list[Fault] = []
        for at, inject in schedule:
            time.sleep(max(0.0, at - load.now()))
            fault = inject()
            print(f"[{fault.started:6.1f} s] {fault.name}: {fault.note}", flush=True)
            faults.append(fault)
        time.sleep(max(0.0, args.duration - load.now()))
        load.finish()
        drained = _held_after(
            lambda: _all_finished(list(_documents(extraction__public_id__in=list(load.accepted)))),
            time.monotonic(),
            min(args.drain, max(0.0, deadline - time.monotonic())),
        )
        report = check(load, stack, faults, OPENING_CREDITS)
    finally:
        stack.stop()

    report["drained_after_load_s"] = drained
    report["faults"] = [
        {
            "fault": f.name,
            "at_s": round(f.started, 1),
            "service_back_at_s": round(f.ended, 1),
            "recovered_s": f.recovered_s,
            "documents_caught": len(f.caught),
            "note": f.note,
            "api_2xx_again_after_s": _api_back(load, f) if f.outage else None,
        }
        for f in faults
    ]
    report["command"] = "python bench/chaos.py " + " ".join(sys.argv[1:])
    report["machine"] = {
        "cores": os.cpu_count(),
        "load_end": [round(x, 2) for x in os.getloadavg()],
    }
    problems = []
    if report["stuck"]:
        problems.append("stuck documents")
    if report["double_charges"]:
        problems.append("double charges")
    if not report["ledger_equals_balance"]:
        problems.append("ledger != balance")
    if report["engine_reruns_unexplained"]:
        problems.append("engine re-run without a killed process")
    if report["5xx_or_no_answer_outside_outages"]:
        problems.append("5xx outside the outage windows")
    for fault in report["faults"]:
        if fault["recovered_s"] is None or fault["recovered_s"] > RECOVERY_TARGET_SECONDS:
            problems.append(f"slow recovery: {fault['fault']}")
    report["problems"] = problems
    print(json.dumps(report, indent=2, default=str))
    out = ROOT / "bench" / "results" / "chaos.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print("OK" if not problems else "FAILED: " + "; ".join(problems), file=sys.stderr)
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
