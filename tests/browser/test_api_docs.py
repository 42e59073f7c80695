"""The API documentation renders in a real browser under the site's CSP and without the
internet: Swagger UI at /v1/docs lists every operation of the OpenAPI document, loaded from
our own static files (drf-spectacular-sidecar), its start-up script included."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import csp_violations


@pytest.mark.django_db
def test_swagger_ui_lists_every_operation(page, live_server) -> None:
    outside: list[str] = []

    def only_the_test_server(route) -> None:
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_test_server)
    page.goto("/v1/docs")
    document = page.request.get("/v1/schema?format=json").json()
    methods = {"get", "post", "put", "patch", "delete"}
    count = sum(1 for ops in document["paths"].values() for m in ops if m in methods)

    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible()
    expect(operations).to_have_count(count)
    # An operation opens with its responses.
    submit = page.locator(".opblock-post").filter(
        has=page.locator(".opblock-summary-path[data-path='/v1/extractions']")
    )
    submit.locator(".opblock-summary").click()
    expect(submit.locator(".responses-table").first).to_contain_text("202")
    assert not csp_violations(page), csp_violations(page)
    assert not outside, outside
    assert not page.js_errors, page.js_errors
