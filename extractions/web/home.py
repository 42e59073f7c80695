"""The overview page: balance, activity and a getting-started checklist."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from accounts.selectors import api_keys_of
from accounts.web_tenancy import org_view
from extractions.web import queries


def _url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


@org_view
def home(request: HttpRequest) -> HttpResponse:
    organization = request.tenant.organization
    counts = queries.overview_counts(organization=organization)
    checklist = [
        {
            "title": "Design a parser",
            "hint": "Name the fields you want from your documents, or let a sample suggest them.",
            "done": counts["configured_parsers"] > 0,
            "url": _url("web:parser-new"),
            "action": "New parser",
        },
        {
            "title": "Extract your first document",
            "hint": "Drop PDFs, scans or photos on the Extract page.",
            "done": counts["documents_total"] > 0,
            "url": _url("web:extract"),
            "action": "Extract",
        },
        {
            "title": "Review a result",
            "hint": "Check values against the page, correct them; every edit is tracked.",
            "done": counts["reviewed_total"] > 0,
            "url": _url("web:extractions"),
            "action": "Open results",
        },
    ]
    if request.tenant.can_manage:
        checklist.append(
            {
                "title": "Create an API key",
                "hint": "Send documents from your own code with the REST API.",
                "done": api_keys_of(organization=organization).exists(),
                "url": _url("web:api-keys"),
                "action": "API keys",
            }
        )
    done = sum(1 for item in checklist if item["done"])
    return render(
        request,
        "home.html",
        {
            **counts,
            "recent": queries.recent_extractions(organization=organization),
            "checklist": checklist,
            "checklist_done_count": done,
            "checklist_done": done == len(checklist),
            "free_credits": settings.PP_SIGNUP_FREE_CREDITS,  # the verify banner's promise
        },
    )
