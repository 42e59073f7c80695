"""Rate limits: 20 submissions/min per key, 150 requests/min per key over the API."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache

from extractions.models import Extraction
from tests.extractions.helpers import pdf_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def window_start():
    """One second into the next minute, so that a test runs inside one counting window
    (forward in time, so that JWTs issued by the fixtures are not from the future)."""
    return (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)).replace(second=1, microsecond=0)


@pytest.fixture
def limits_on(settings):
    settings.PP_RATE_LIMIT_ENABLED = True
    settings.PP_RATE_LIMIT_SUBMISSIONS_PER_MINUTE = 20
    settings.PP_RATE_LIMIT_REQUESTS_PER_MINUTE = 150
    cache.clear()
    yield settings
    cache.clear()


def submit(client, parser):
    return client.post(
        "/v1/extractions",
        {"parser_id": parser.public_id, "files": [pdf_upload()]},
        format="multipart",
    )


def test_21st_submission_in_a_minute_is_429_with_retry_after(
    limits_on, window_start, client_a, client_b, parser_a, parser_b, org_a
):
    with time_machine.travel(window_start, tick=False):
        statuses = [submit(client_a, parser_a).status_code for _ in range(20)]
        assert statuses == [202] * 20
        limited = submit(client_a, parser_a)
        assert limited.status_code == 429
        error = limited.json()["error"]
        assert error["code"] == "RATE_LIMITED"
        assert "20" in error["message"]
        # 20 requests in the second after :00 slide out of the last 60 s uniformly (as the
        # window estimates them): one more fits 62 s later (20 x 57/60 + 1 = 20).
        assert int(limited["Retry-After"]) == 62
        assert Extraction.objects.for_org(org_a.organization).count() == 20
        # Another key is not affected; reads of the limited key still work.
        assert submit(client_b, parser_b).status_code == 202
        assert client_a.get("/v1/extractions").status_code == 200
    # A new calendar minute does not reset the count: no burst of 2x the limit at a boundary.
    with time_machine.travel(window_start + dt.timedelta(seconds=61), tick=False):
        assert submit(client_a, parser_a).status_code == 429
    with time_machine.travel(window_start + dt.timedelta(seconds=62), tick=False):
        assert submit(client_a, parser_a).status_code == 202


def test_refused_requests_do_not_use_up_the_allowance(limits_on, window_start, client_a):
    limits_on.PP_RATE_LIMIT_REQUESTS_PER_MINUTE = 4
    with time_machine.travel(window_start, tick=False):
        statuses = [client_a.get("/v1/extractions").status_code for _ in range(10)]
        assert statuses == [200] * 4 + [429] * 6
    # Had the 6 refusals counted, the estimate would stay over the limit for most of a minute.
    with time_machine.travel(window_start + dt.timedelta(seconds=59 + 16), tick=False):
        assert client_a.get("/v1/extractions").status_code == 200


def test_sliding_window_weights_the_previous_minute(limits_on, window_start, client_a):
    limits_on.PP_RATE_LIMIT_REQUESTS_PER_MINUTE = 10
    with time_machine.travel(window_start + dt.timedelta(seconds=58), tick=False):
        assert [client_a.get("/v1/extractions").status_code for _ in range(10)] == [200] * 10
    # 30 s into the next minute half of the previous one still counts: 5 + 5 fit, not 10.
    with time_machine.travel(window_start + dt.timedelta(seconds=89), tick=False):
        statuses = [client_a.get("/v1/extractions").status_code for _ in range(6)]
        assert statuses == [200] * 5 + [429]


def test_the_whole_api_is_limited_per_key(limits_on, window_start, client_a, client_b):
    limits_on.PP_RATE_LIMIT_REQUESTS_PER_MINUTE = 5
    with time_machine.travel(window_start + dt.timedelta(seconds=30), tick=False):
        assert [client_a.get("/v1/extractions").status_code for _ in range(5)] == [200] * 5
        limited = client_a.get("/v1/extractions")
        assert limited.status_code == 429
        assert limited.json()["error"]["code"] == "RATE_LIMITED"
        # The window ends at :00, and 12 s later 5 x 48/60 + 1 = 5 fit again.
        assert int(limited["Retry-After"]) == 41
        assert client_b.get("/v1/extractions").status_code == 200


def test_jwt_users_are_limited_per_user(
    limits_on, window_start, owner_client, member_client, parser_a
):
    limits_on.PP_RATE_LIMIT_SUBMISSIONS_PER_MINUTE = 2
    with time_machine.travel(window_start, tick=False):
        assert [submit(owner_client, parser_a).status_code for _ in range(3)] == [202, 202, 429]
        assert submit(member_client, parser_a).status_code == 202


def test_limits_can_be_switched_off(settings, client_a, parser_a):
    settings.PP_RATE_LIMIT_ENABLED = False
    settings.PP_RATE_LIMIT_SUBMISSIONS_PER_MINUTE = 1
    assert [submit(client_a, parser_a).status_code for _ in range(3)] == [202] * 3


def test_only_accepted_submissions_count_toward_the_submission_limit(
    limits_on, window_start, client_a, parser_a, org_a
):
    """Rejected submissions (400, 404, 402...) used up the 20 a minute: a client fixing its
    request was locked out. Only accepted ones count; a replay is not a new submission."""
    limits_on.PP_RATE_LIMIT_SUBMISSIONS_PER_MINUTE = 3
    with time_machine.travel(window_start, tick=False):
        rejected = [
            client_a.post("/v1/extractions", {"parser_id": parser_a.public_id}, format="multipart"),
            client_a.post(
                "/v1/extractions",
                {"parser_id": "prs_missing", "files": [pdf_upload()]},
                format="multipart",
            ),
            *[
                client_a.post("/v1/extractions", {"files": [pdf_upload()]}, format="multipart")
                for _ in range(4)
            ],
        ]
        assert [r.status_code for r in rejected] == [400, 404, 400, 400, 400, 400]

        first = client_a.post(
            "/v1/extractions",
            {"parser_id": parser_a.public_id, "files": [pdf_upload()]},
            format="multipart",
            HTTP_IDEMPOTENCY_KEY="batch-1",
        )
        replay = client_a.post(
            "/v1/extractions",
            {"parser_id": parser_a.public_id, "files": [pdf_upload()]},
            format="multipart",
            HTTP_IDEMPOTENCY_KEY="batch-1",
        )
        assert (first.status_code, replay.status_code) == (202, 202)
        assert replay["Idempotent-Replayed"] == "true"
        statuses = [submit(client_a, parser_a).status_code for _ in range(3)]
        assert statuses == [202, 202, 429]
        assert Extraction.objects.for_org(org_a.organization).count() == 3
