"""NUL characters in query parameters are refused before they can reach PostgreSQL."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/v1/webhooks/deliveries?extraction_id=ext%00x",
        "/v1/extractions?status=queued%00",
        "/v1/parsers?search=%00",
        "/v1/files?x%00=1",
    ],
)
def test_nul_in_query_is_a_400_envelope(client_a, url):
    response = client_a.get(url)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "INVALID_PAYLOAD"
