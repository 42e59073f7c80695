"""Issue #19 item 7: while the database cannot be reached, requests answer 503
``SERVICE_UNAVAILABLE`` with ``Retry-After`` (they were 500 ``INTERNAL_ERROR``), and
``/healthz`` says which dependency is down. Once it is back, the same requests succeed.

The outage is real for the driver: the connection is closed and pointed at a port where no
server listens (PostgreSQL) or a file that cannot be opened (SQLite), so every query of the
request fails as it does during a restart. (The real restart is in test_database_restart.py
and bench/chaos.py.)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from tests.conftest import PASSWORD
from tests.dashboard.conftest import web_client_for
from tests.extractions.helpers import pdf_upload
from tests.reliability.services import free_port

pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def database_unreachable() -> Iterator[None]:
    saved = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "postgresql":
        connection.settings_dict["HOST"] = "127.0.0.1"
        connection.settings_dict["PORT"] = str(free_port())  # nobody listens there
    else:
        connection.settings_dict["NAME"] = "/nonexistent-directory/db.sqlite3"
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


@pytest.fixture
def database_down() -> Iterator[None]:
    with database_unreachable():
        yield


def _assert_503(response) -> None:
    assert response.status_code == 503, response.content[:300]
    assert response["Retry-After"] == "5"
    error = response.json()["error"]
    assert error["code"] == "SERVICE_UNAVAILABLE"
    assert "Retry in 5 seconds" in error["message"]


def test_api_answers_503_with_retry_after_then_recovers(org_a, parser_a):
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=org_a.api_key_secret)

    def submit():
        return client.post(
            "/v1/extractions",
            {"parser_id": parser_a.public_id, "files": [pdf_upload()]},
            format="multipart",
        )

    def sign_in():
        return APIClient().post(
            "/v1/auth/token", {"email": org_a.owner.email, "password": PASSWORD}, format="json"
        )

    with database_unreachable():
        _assert_503(submit())
        _assert_503(client.get("/v1/extractions"))
        _assert_503(sign_in())  # unauthenticated, before any credential is checked

    # The database is back: the very next requests work (no broken connection kept).
    assert submit().status_code == 202
    assert client.get("/v1/extractions").json()["data"]
    assert sign_in().status_code == 200


def test_dashboard_answers_503_page_with_retry_after(org_a):
    web = web_client_for(org_a.owner, org_a.organization)
    web.raise_request_exception = False
    with database_unreachable():
        response = web.get("/extractions/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert b"Temporarily unavailable" in response.content


def test_healthz_names_the_dependency_that_is_down(database_down):
    response = Client().get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["down"] == ["database"]
    assert body["checks"]["database"].startswith("error: OperationalError")
    assert body["checks"]["broker"] == "ok"
