"""Time and peak memory of exporting 10,000 documents (``GET /v1/extractions/{id}/export``).

    .venv/bin/python bench/export.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pp_bench .venv/bin/python bench/export.py
    .venv/bin/python bench/export.py --documents 10000 --items 3 --small 1000

Creates a throwaway test database (``test_<name>``, migrated, dropped at the end), one
organization with an invoice parser (header fields, a nested seller, line items) and two
extractions of completed documents (``--small`` and ``--documents`` of them, ``--items`` line
items each), then downloads each export format of each through the API in-process, reading
the streamed body chunk by chunk as a client would. For each: wall time, bytes, rows, SQL
queries, and the growth of the process's peak RSS during the download (VmHWM is reset before
each one through /proc/self/clear_refs; the allocator reuses freed memory, so this is noisy),
and the peak of Python's allocations during a second download under tracemalloc. Streaming
keeps both the same for the small and the big extraction. Results also go to bench/results/export.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("PP_TESTING", "1")
os.environ.setdefault("PP_RATE_LIMIT_ENABLED", "0")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

SCHEMA = {
    "type": "object",
    "properties": {
        "invoice_number": {"type": "string"},
        "invoice_date": {"type": "string", "format": "date"},
        "seller": {
            "type": "object",
            "properties": {"name": {"type": "string"}, "vat_id": {"type": "string"}},
        },
        "currency": {"type": "string"},
        "total": {"type": "number"},
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


def _status(name: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS (Linux ≥ 4.0)
        return True
    except OSError:
        return False


def _output(n: int, items: int) -> dict:
    return {
        "invoice_number": f"INV-{n:06d}",
        "invoice_date": "2026-03-14",
        "seller": {"name": f"Supplier {n % 97} GmbH", "vat_id": f"DE{100000000 + n}"},
        "currency": "EUR",
        "total": round(items * 12.5 * 1.19, 2),
        "line_items": [
            {
                "description": f"Article {n}-{i} steel bolts M8, zinc plated",
                "quantity": i + 1,
                "unit_price": 12.5,
                "amount": 12.5 * (i + 1),
            }
            for i in range(items)
        ],
    }


def _extraction(org, parser, documents: int, items: int):
    from extractions.models import Document, DocumentStatus, Extraction

    extraction = Extraction.objects.create(
        organization=org,
        parser=parser,
        parser_version=parser.current_version,
        status="completed",
        file_count=documents,
    )
    for start in range(0, documents, 2000):
        Document.objects.bulk_create(
            Document(
                organization=org,
                extraction=extraction,
                parser_version=parser.current_version,
                position=n,
                filename=f"invoice-{n:06d}.pdf",
                status=DocumentStatus.COMPLETED,
                page_count=1,
                initial_output=_output(n, items),
            )
            for n in range(start, min(start + 2000, documents))
        )
    return extraction


def _traced_peak_mb(client, path: str) -> float:
    """The peak of Python's allocations while the export is downloaded (a second download,
    under tracemalloc, which slows it down: the time is measured without it)."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        response = client.get(path)
        for _chunk in response.streaming_content:
            pass
        response.close()
        return round(tracemalloc.get_traced_memory()[1] / 1e6, 1)
    finally:
        tracemalloc.stop()


def _download(client, path: str) -> dict:
    with CaptureQueriesContext(connection) as captured:
        _reset_peak()
        before = _status("VmRSS")
        started = time.perf_counter()
        response = client.get(path)
        assert response.status_code == 200, response.status_code
        size = 0
        newlines = 0
        first_byte = None
        for chunk in response.streaming_content:
            if first_byte is None:
                first_byte = time.perf_counter() - started
            size += len(chunk)
            newlines += chunk.count(b"\n")
        seconds = time.perf_counter() - started
        response.close()
        peak = _status("VmHWM")
    return {
        "seconds": round(seconds, 2),
        "first_byte_seconds": round(first_byte or seconds, 2),
        "megabytes": round(size / 1e6, 1),
        "lines": newlines,
        "queries": len(captured.captured_queries),
        "peak_rss_growth_mb": round(peak - before, 1),
        "peak_python_allocations_mb": _traced_peak_mb(client, path),
    }


def run(documents: int, items: int, small: int) -> dict:
    from rest_framework.test import APIClient

    from accounts.services import create_api_key, create_organization, get_or_create_user
    from parsers.services import create_parser

    owner, _ = get_or_create_user(email="bench@example.com", password="x" * 12)
    org = create_organization(name="Bench", owner=owner)
    secret = create_api_key(organization=org, name="bench", created_by=owner).secret
    parser = create_parser(organization=org, name="Invoices", schema=SCHEMA)
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=secret)
    started = time.perf_counter()
    extractions = {n: _extraction(org, parser, n, items) for n in (small, documents)}
    setup_seconds = time.perf_counter() - started

    results: dict[str, dict] = {}
    client.get(f"/v1/extractions/{extractions[small].public_id}/export?format=xlsx")  # warm up
    for fmt in ("csv", "xlsx", "jsonl"):
        for n, extraction in extractions.items():
            key = f"{fmt} {n}"
            results[key] = _download(
                client, f"/v1/extractions/{extraction.public_id}/export?format={fmt}"
            )
            print(key, results[key], flush=True)
    return {
        "documents": documents,
        "small": small,
        "items_per_document": items,
        "database": connection.vendor,
        "setup_seconds": round(setup_seconds, 1),
        "rss_mb_at_end": round(_status("VmRSS"), 1),
        "results": results,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--items", type=int, default=3)
    parser.add_argument("--small", type=int, default=1_000)
    args = parser.parse_args()

    setup_test_environment()
    settings.DEBUG = False  # no query log growing with the rows
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        result = run(args.documents, args.items, args.small)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    out = ROOT / "bench" / "results" / "export.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
