"""Issue #19 item 1: a schema ``pattern`` runs in bounded time wherever it runs.

``^(a+)+$`` on 28 characters held a web worker 12.7 s in ``re.search`` (review), doubling with
each character. Patterns now run on RE2 (``extractions.engine.values.patterns``): the same pattern on
a 5,000-character value answers at once. Each check runs under a SIGALRM deadline, so on a
backtracking engine the test fails in seconds instead of hanging (CPython's regex engine
checks for signals while it backtracks).
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from docgen import SIMPLE_INVOICE_SCHEMA
from extractions.engine.parsing.fill import coerce
from extractions.engine.values import patterns
from extractions.models import Document, DocumentEdit
from parsers.services import create_parser
from tests.extractions.helpers import run, submit
from tests.media import _media_in_tmp  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

EVIL = "^(a+)+$"
HOSTILE_VALUE = "a" * 5000 + "!"
DEADLINE_SECONDS = 3.0


class TookTooLong(Exception):
    pass


@contextmanager
def deadline(seconds: float = DEADLINE_SECONDS) -> Iterator[None]:
    def expire(*_: object) -> None:
        raise TookTooLong(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _schema(pattern: str) -> dict:
    properties = dict(SIMPLE_INVOICE_SCHEMA["properties"])
    properties["invoice_number"] = {"type": "string", "pattern": pattern}
    return {"type": "object", "properties": properties}


@pytest.mark.parametrize(
    "pattern",
    [
        r"(\w+)\1",  # back-reference
        r"INV(?=-)",  # look-ahead
        r"(?<!X)INV",  # look-behind
        r"a++",  # possessive
        r"(?>a|ab)c",  # atomic group
        r"INV\Z",  # Python's end-of-text (RE2 writes \z)
        "(" * 10 + "a",  # not a regular expression at all
        "x" * (patterns.MAX_PATTERN_LENGTH + 1),
        "(a{1000}){1000}",  # too big for RE2's memory budget
    ],
)
def test_a_pattern_re2_cannot_run_is_refused_at_save_naming_the_field(member_client, pattern):
    response = member_client.post(
        "/v1/parsers", {"name": "Evil", "schema": _schema(pattern)}, format="json"
    )
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "INVALID_SCHEMA"
    (problem,) = error["details"]["errors"]
    assert problem["path"] == "properties.invoice_number.pattern"
    assert '"pattern" is not usable' in problem["message"]


def test_validate_endpoint_reports_the_same(member_client):
    response = member_client.post(
        "/v1/schemas/validate", {"schema": _schema(r"(?=a)b")}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is False
    assert body["errors"][0]["path"] == "properties.invoice_number.pattern"
    assert "look-ahead" in body["errors"][0]["message"]


def test_review_matches_a_catastrophic_pattern_in_bounded_time(member_client, client_a, org_a):
    parser = create_parser(organization=org_a.organization, name="Evil", schema=_schema(EVIL))
    ext = submit(client_a, parser)
    document_id = ext["documents"][0]["document_id"]
    assert run(document_id) == "completed"
    url = f"/v1/extractions/{ext['extraction_id']}/documents/{document_id}/review"

    started = time.monotonic()
    with deadline():
        refused = member_client.patch(
            url, {"output": {"invoice_number": HOSTILE_VALUE}}, format="json"
        )
        accepted = member_client.patch(
            url, {"output": {"invoice_number": "a" * 5000}}, format="json"
        )
    assert time.monotonic() - started < 1.0
    assert refused.status_code == 400, refused.content
    assert refused.json()["error"]["details"]["errors"] == [
        {"path": "invoice_number", "message": f"Must match {EVIL}."}
    ]
    assert accepted.status_code == 200, accepted.content
    assert DocumentEdit.objects.filter(path="invoice_number").count() == 1


def test_review_caps_the_length_of_a_value_with_a_pattern(member_client, client_a, org_a):
    parser = create_parser(organization=org_a.organization, name="Codes", schema=_schema("^a+$"))
    ext = submit(client_a, parser)
    document_id = ext["documents"][0]["document_id"]
    run(document_id)
    url = f"/v1/extractions/{ext['extraction_id']}/documents/{document_id}/review"
    too_long = "a" * (patterns.MAX_MATCHED_LENGTH + 1)
    response = member_client.patch(url, {"output": {"invoice_number": too_long}}, format="json")
    assert response.status_code == 400
    message = response.json()["error"]["details"]["errors"][0]["message"]
    assert f"At most {patterns.MAX_MATCHED_LENGTH} characters" in message
    assert Document.objects.get(public_id=document_id).reviewed is False


def test_the_engine_applies_a_catastrophic_pattern_in_bounded_time():
    node = {"type": "string", "pattern": EVIL}
    with deadline():
        assert coerce(HOSTILE_VALUE, node, "text") is None
        assert coerce("a" * 5000, node, "text") == "a" * 5000


def test_a_stored_pattern_re2_cannot_run_is_no_constraint_in_the_engine():
    """A schema saved before patterns were checked keeps working (as an invalid pattern
    did): the value is kept rather than matched by a backtracking engine."""
    assert patterns.search(r"(\w)\1", "aa") is None
    assert coerce("INV-7", {"type": "string", "pattern": r"(\w)\1"}, "text") == "INV-7"
