"""Engine work done inside the web process, held to the web memory budget.

Workers run documents under RLIMIT_AS (PP_TASK_MEMORY_LIMIT_MB), and three endpoints that need
the engine synchronously — the page image (``GET …/pages/{n}.png``), ``POST
/v1/schemas/suggest`` and the dashboard's "try it" — run it through ``extractions.sandbox``: a
forked child with its own RLIMIT_AS (PP_WEB_ENGINE_MEMORY_LIMIT_MB) and timeout. A 300 KB PDF
whose page content inflates to 300 MB (a compression bomb; pdfium inflates it when it loads the
page) cost a web worker ~600 MB per request when the engine ran in it; these tests measure the
web process's own peak growth, which must stay under ``BUDGET_MB``.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from extractions.models import Document
from tests.reliability.mutants import flate_bomb_pdf

BUDGET_MB = 200


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(field)


def _peak_mb_of(call) -> tuple[float, object]:
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")  # restart the peak (VmHWM) from the current RSS
    before = _status_kb("VmRSS")
    result = call()
    return (_status_kb("VmHWM") - before) / 1024, result


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return flate_bomb_pdf(300)


@pytest.mark.django_db
def test_page_image_of_a_compression_bomb_stays_within_the_web_budget(
    client_a, org_a, bomb, settings, tmp_path
):
    from docgen import SIMPLE_INVOICE_SCHEMA
    from parsers.services import create_parser

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    parser = create_parser(organization=org_a.organization, name="P", schema=SIMPLE_INVOICE_SCHEMA)
    response = client_a.post(
        "/v1/extractions",
        {"parser_id": parser.public_id, "files": [SimpleUploadedFile("b.pdf", bomb)]},
        format="multipart",
    )
    assert response.status_code == 202
    body = response.json()["extraction"]
    document = Document.objects.get(public_id=body["documents"][0]["document_id"])
    url = f"/v1/extractions/{body['extraction_id']}/documents/{document.public_id}/pages/1.png"
    peak, response = _peak_mb_of(lambda: client_a.get(url + "?max_side=400"))
    assert response.status_code in (200, 413, 422)
    assert peak < BUDGET_MB, f"one page image request grew the web process {peak:.0f} MB"


@pytest.mark.django_db
def test_schema_suggestion_from_a_compression_bomb_stays_within_the_web_budget(client_a, bomb):
    peak, response = _peak_mb_of(
        lambda: client_a.post(
            "/v1/schemas/suggest",
            {"file": SimpleUploadedFile("b.pdf", bomb)},
            format="multipart",
        )
    )
    assert response.status_code in (200, 400, 413), response.content
    assert peak < BUDGET_MB, f"one suggestion grew the web process {peak:.0f} MB"
