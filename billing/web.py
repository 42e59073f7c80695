"""Dashboard pages of billing: balance, credit packs (Stripe Checkout), payments, the ledger,
and usage. Top-ups go through ``billing.checkout.start_checkout`` — the API's service — and
credits only ever arrive through the Stripe webhook."""

from __future__ import annotations

import math
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.web_tenancy import org_view
from billing import selectors
from billing.checkout import start_checkout
from billing.models import Payment
from billing.stripe_gateway import OPERATOR_HINT
from config.errors import APIError
from extractions.web import queries

LEDGER_PAGE_SIZE = 25


@org_view
def billing(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant
    organization = tenant.organization
    outcome = request.GET.get("checkout")
    returning: Payment | None = None
    if outcome in ("success", "cancelled") and tenant.can_manage:
        returning = (
            selectors.payments_of(organization=organization)
            .filter(public_id=request.GET.get("payment", ""))
            .first()
        )
    ledger = Paginator(selectors.ledger_entries(organization=organization), LEDGER_PAGE_SIZE)
    return render(
        request,
        "billing/billing.html",
        {
            "summary": selectors.credit_summary(organization=organization),
            "packs": selectors.active_packs(),
            "configured": selectors.billing_configured(),
            "operator_hint": OPERATOR_HINT,
            "payments": (
                selectors.payments_of(organization=organization)[:20] if tenant.can_manage else []
            ),
            "ledger": ledger.get_page(request.GET.get("page")),
            "outcome": outcome,
            "returning": returning,
        },
    )


@require_POST
@org_view
def checkout(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant
    if not tenant.can_manage:
        raise PermissionDenied("Only owners and admins can buy credits.")
    try:
        pack = selectors.get_active_pack(pack_id=request.POST.get("pack_id", ""))
        started = start_checkout(
            organization=tenant.organization, pack=pack, created_by=request.user
        )
    except APIError as exc:
        messages.error(request, exc.message)
        return redirect("web:billing")
    # Off to Stripe's hosted page; the customer comes back to /billing/?checkout=…
    return redirect(started.checkout_url)


def _chart(days: list[queries.DayUsage]) -> dict[str, Any]:
    """Geometry of a server-rendered SVG bar chart (no chart library, no JavaScript)."""
    width, height, left, bottom, top = 720, 220, 36, 24, 10
    plot_w, plot_h = width - left - 8, height - bottom - top
    peak = max((d.pages for d in days), default=0)
    scale_max = max(4, math.ceil(peak / 4.0) * 4)  # halves stay whole numbers
    slot = plot_w / max(len(days), 1)
    bars = []
    for i, day in enumerate(days):
        h = plot_h * day.pages / scale_max
        bars.append(
            {
                "x": round(left + i * slot + slot * 0.15, 2),
                "y": round(top + plot_h - h, 2),
                "w": round(slot * 0.7, 2),
                "h": round(h, 2),
                "day": day.day,
                "pages": day.pages,
                "documents": day.documents,
                "label": i % 5 == 0 or i == len(days) - 1,
                "label_x": round(left + i * slot + slot / 2, 2),
            }
        )
    ticks = [
        {"value": int(scale_max * f), "y": round(top + plot_h - plot_h * f, 2)} for f in (0, 0.5, 1)
    ]
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": width - 8,
        "base_y": top + plot_h,
        "label_y": height - 6,
        "bars": bars,
        "ticks": ticks,
    }


@org_view
def usage(request: HttpRequest) -> HttpResponse:
    organization = request.tenant.organization
    days = queries.usage_by_day(organization=organization, days=30)
    by_parser = queries.usage_by_parser(organization=organization, days=30)
    top = max((p.pages for p in by_parser), default=0) or 1
    return render(
        request,
        "billing/usage.html",
        {
            "chart": _chart(days),
            "days": days,
            "total_pages": sum(d.pages for d in days),
            "total_documents": sum(d.documents for d in days),
            "by_parser": [
                {"usage": p, "percent": round(100 * p.pages / top, 1)} for p in by_parser
            ],
        },
    )
