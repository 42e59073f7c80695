"""Submission time and query count of a big staged batch (``POST /v1/extractions`` + file_ids).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pp_bench .venv/bin/python bench/batch_submit.py
    .venv/bin/python bench/batch_submit.py --files 10000 --repeat 3

Creates a throwaway test database (``test_<name>``, migrated, dropped at the end), one
organization with credits, ``--files`` staged file rows (checked, 1 page each) and a parser,
then submits them as one batch through the API in-process and reports the wall time and the
number of SQL queries of the request. Publishing the first documents to the broker is left
out (a no-op here): it is 8 messages whatever the batch size. Results also go to
bench/results/batch_submit.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("PP_TESTING", "1")
os.environ.setdefault("PP_RATE_LIMIT_ENABLED", "0")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402


def run(files: int, repeat: int) -> dict:
    from rest_framework.test import APIClient

    from accounts.services import create_api_key, create_organization, get_or_create_user
    from billing.services import grant_credits
    from extractions.files.services import staged_expiry
    from extractions.models import StoredFile
    from extractions.services import dispatch
    from parsers.services import create_parser

    dispatch.publish = lambda document_ids: None  # measured: the request, not the broker

    owner, _ = get_or_create_user(email="bench@example.com", password="x" * 12)
    org = create_organization(name="Bench", owner=owner)
    grant_credits(organization=org, credits=files * repeat + 10, reason="bench")
    secret = create_api_key(organization=org, name="bench", created_by=owner).secret
    parser = create_parser(
        organization=org,
        name="Invoices",
        schema={"type": "object", "properties": {"total": {"type": ["number", "null"]}}},
    )
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=secret)

    timings, queries = [], []
    for round_ in range(repeat):
        rows = StoredFile.objects.bulk_create(
            [
                StoredFile(
                    organization=org,
                    kind=StoredFile.Kind.STAGED,
                    storage_key=f"bench/{round_}/{i}.pdf",
                    filename=f"{i}.pdf",
                    size=1000,
                    media_type="application/pdf",
                    page_count=1,
                    expires_at=staged_expiry(),
                )
                for i in range(files)
            ],
            batch_size=2000,
        )
        ids = [row.public_id for row in rows]
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.post(
                "/v1/extractions", {"parser_id": parser.public_id, "file_ids": ids}, format="json"
            )
            timings.append(time.perf_counter() - started)
        assert response.status_code == 202, response.json()
        queries.append(len(captured.captured_queries))
    return {
        "files": files,
        "database": connection.vendor,
        "seconds": [round(t, 3) for t in timings],
        "best_seconds": round(min(timings), 3),
        "queries": queries,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        result = run(args.files, args.repeat)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    print(
        f"{result['files']} staged files, one batch on {result['database']}: "
        f"best {result['best_seconds']} s (runs {result['seconds']}), "
        f"queries per request {result['queries']}"
    )
    out = ROOT / "bench" / "results" / "batch_submit.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
