"""Small template helpers of the dashboard (formatting only, no business rules)."""

from __future__ import annotations

import json
from typing import Any

from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_active(context: template.Context, *prefixes: str) -> str:
    """``active`` when the current URL name is one of ``names`` (``foo*``: starts with foo)."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    name = (match.url_name or "") if match else ""
    hit = any(name == p or (p.endswith("*") and name.startswith(p[:-1])) for p in prefixes)
    return "active" if hit else ""


@register.filter
def pretty_json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False)


@register.filter
def percent(value: Any, digits: Any = 0) -> str:
    """0.125 -> "13%" (``|percent:1`` -> "12.5%": error rates and small shares)."""
    try:
        return f"{float(value) * 100:.{int(digits)}f}%"
    except (TypeError, ValueError):
        return "–"


@register.filter
def status_badge(value: Any) -> str:
    text = str(value or "").replace("_", " ")
    return format_html('<span class="badge badge-{}">{}</span>', value or "none", text or "–")


@register.filter
def money(cents: Any, currency: str = "usd") -> str:
    try:
        amount = int(cents) / 100
    except (TypeError, ValueError):
        return "–"
    symbol = {"usd": "$", "eur": "€", "gbp": "£"}.get(str(currency).lower())
    return f"{symbol}{amount:,.2f}" if symbol else f"{amount:,.2f} {str(currency).upper()}"


@register.filter
def signed(value: Any) -> str:
    try:
        return f"{int(value):+,d}"
    except (TypeError, ValueError):
        return str(value)


@register.filter
def short_value(value: Any) -> str:
    """An edit's before/after value, readable in one line."""
    if value is None:
        return "(empty)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else str(value)
    return text if len(text) <= 80 else text[:77] + "…"


@register.filter
def box_style(bbox: Any) -> str:
    """CSS placing a normalised (0..1) ``[x0, y0, x1, y1]`` box over its page image."""
    try:
        x0, y0, x1, y1 = (min(max(float(v), 0.0), 1.0) for v in bbox)
    except (TypeError, ValueError):
        return "display:none"
    return (
        f"left:{x0 * 100:.3f}%;top:{y0 * 100:.3f}%;"
        f"width:{max(x1 - x0, 0.002) * 100:.3f}%;height:{max(y1 - y0, 0.002) * 100:.3f}%"
    )
