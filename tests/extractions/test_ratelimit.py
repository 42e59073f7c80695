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
        assert int(limited["Retry-After"]) == 59
        assert Extraction.objects.for_org(org_a.organization).count() == 20
        # Another key is not affected; reads of the limited key still work.
        assert submit(client_b, parser_b).status_code == 202
        assert client_a.get("/v1/extractions").status_code == 200
    with time_machine.travel(window_start + dt.timedelta(minutes=1), tick=False):
        assert submit(client_a, parser_a).status_code == 202


def test_the_whole_api_is_limited_per_key(limits_on, window_start, client_a, client_b):
    limits_on.PP_RATE_LIMIT_REQUESTS_PER_MINUTE = 5
    with time_machine.travel(window_start + dt.timedelta(seconds=30), tick=False):
        assert [client_a.get("/v1/extractions").status_code for _ in range(5)] == [200] * 5
        limited = client_a.get("/v1/extractions")
        assert limited.status_code == 429
        assert limited.json()["error"]["code"] == "RATE_LIMITED"
        assert int(limited["Retry-After"]) == 29  # the window ends at :00
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
