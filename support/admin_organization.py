"""Support on an organization's admin page: its ledger, recent extractions and support
activity; "grant/adjust credits" with a reason; "view as customer" (read-only).

Wired into ``accounts.admin.OrganizationAdmin``. POSTs need ``support.act`` (403 otherwise)
and go through ``support.services`` (the billing ledger, the audit log).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from accounts.models import Organization
from billing.models import CreditLedgerEntry
from config.errors import APIError
from extractions.models import Extraction
from support import services, view_as
from support.models import SupportAction

RECENT = 15


class CreditsForm(forms.Form):
    KINDS = (("grant", "Grant (adds credits)"), ("adjust", "Adjust (adds or removes)"))
    kind = forms.ChoiceField(choices=KINDS, initial="grant")
    credits = forms.IntegerField(
        min_value=-10_000_000,
        max_value=10_000_000,
        help_text="A grant is positive; an adjustment may be negative (never below zero).",
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        credits = data.get("credits")
        if credits is not None:
            if credits == 0:
                self.add_error("credits", "It must change the balance.")
            elif data.get("kind") == "grant" and credits < 0:
                self.add_error("credits", "A grant is positive: use an adjustment to remove.")
        return data


class ViewAsForm(forms.Form):
    reason = forms.CharField(
        max_length=2000, help_text="Why you look at the customer's dashboard (they see it)."
    )


def _table(headers: tuple[str, ...], rows: list[tuple[Any, ...]], empty: str) -> str:
    if not rows:
        return empty
    head = format_html_join("", "<th>{}</th>", ((h,) for h in headers))
    body = format_html_join(
        "",
        "<tr>{}</tr>",
        ((format_html_join("", "<td>{}</td>", ((cell,) for cell in row)),) for row in rows),
    )
    return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", head, body)


def ledger_recent(model_admin: admin.ModelAdmin, obj: Organization) -> str:
    if obj.pk is None:
        return "—"
    entries = CreditLedgerEntry.objects.filter(organization=obj).select_related("staff_user")
    rows = [
        (
            e.created_at.strftime("%Y-%m-%d %H:%M"),
            e.get_kind_display(),
            f"{e.delta:+d}",
            e.balance_after,
            e.staff_user.email if e.staff_user else "—",
            e.reason or "—",
        )
        for e in entries.order_by("-created_at", "-id")[:RECENT]
    ]
    url = reverse("admin:billing_creditledgerentry_changelist") + f"?q={obj.public_id}"
    return format_html(
        '{}<p><a href="{}">All ledger entries</a></p>',
        _table(("When", "Kind", "Delta", "Balance", "Staff", "Reason"), rows, "No entry."),
        url,
    )


def extractions_recent(model_admin: admin.ModelAdmin, obj: Organization) -> str:
    if obj.pk is None:
        return "—"
    extractions = Extraction.objects.filter(organization=obj).select_related("parser")
    rows = [
        (
            format_html(
                '<a href="{}">{}</a>',
                reverse("admin:extractions_extraction_change", args=[e.pk]),
                e.public_id,
            ),
            e.created_at.strftime("%Y-%m-%d %H:%M"),
            e.parser.name if e.parser else "—",
            e.status,
            e.file_count,
            e.credits_used,
        )
        for e in extractions.order_by("-created_at", "-id")[:RECENT]
    ]
    url = reverse("admin:extractions_document_changelist") + f"?org={obj.public_id}"
    return format_html(
        '{}<p><a href="{}">All documents</a></p>',
        _table(("Extraction", "When", "Parser", "Status", "Files", "Credits"), rows, "None yet."),
        url,
    )


def support_recent(model_admin: admin.ModelAdmin, obj: Organization) -> str:
    if obj.pk is None:
        return "—"
    actions = SupportAction.objects.filter(organization=obj).order_by("-created_at", "-id")
    rows = [
        (
            a.created_at.strftime("%Y-%m-%d %H:%M"),
            a.staff_email,
            a.get_kind_display(),
            a.target or "—",
            a.reason or "—",
        )
        for a in actions[:RECENT]
    ]
    return _table(("When", "Who", "What", "On", "Why"), rows, "None.")


def page_context(request: HttpRequest) -> dict[str, Any]:
    return {
        "can_act": services.can_act(request.user),
        # Two forms on one page: their own element ids (both have a "reason").
        "credits_form": CreditsForm(auto_id="credits_%s"),
        "view_as_form": ViewAsForm(auto_id="view_as_%s"),
    }


def _organization(model_admin: admin.ModelAdmin, request: HttpRequest, object_id: int) -> Any:
    organization = Organization.objects.filter(pk=object_id).first()
    if organization is None:
        raise Http404("No such organization.")
    if request.method != "POST" or not services.can_act(request.user):
        raise PermissionDenied("Only support staff can do this.")
    return organization


def _back(organization: Organization) -> HttpResponseRedirect:
    return HttpResponseRedirect(
        reverse("admin:accounts_organization_change", args=[organization.pk])
    )


def _form_errors(request: HttpRequest, form: forms.Form) -> None:
    for field, errors in form.errors.items():
        label = "" if field == "__all__" else f"{field}: "
        messages.error(request, f"Nothing done: {label}{'; '.join(errors)}")


def credits_view(
    model_admin: admin.ModelAdmin, request: HttpRequest, object_id: int
) -> HttpResponse:
    organization = _organization(model_admin, request, object_id)
    form = CreditsForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(organization)
    try:
        result = services.change_credits(
            organization=organization,
            staff_user=request.user,
            delta=form.cleaned_data["credits"],
            reason=form.cleaned_data["reason"],
            grant=form.cleaned_data["kind"] == "grant",
        )
    except APIError as exc:
        messages.error(request, f"Nothing done: {exc.message}")
    else:
        entry = result.entry
        messages.success(
            request,
            f"{entry.delta:+d} credits written to the ledger; balance {entry.balance_after}.",
        )
    return _back(organization)


def view_as_view(
    model_admin: admin.ModelAdmin, request: HttpRequest, object_id: int
) -> HttpResponse:
    organization = _organization(model_admin, request, object_id)
    form = ViewAsForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(organization)
    services.start_view_as(
        request=request,
        organization=organization,
        staff_user=request.user,
        reason=form.cleaned_data["reason"],
    )
    return HttpResponseRedirect("/")


def stop_view_as_view(model_admin: admin.ModelAdmin, request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        raise PermissionDenied
    viewed = view_as.viewed_organization(request)
    view_as.stop(request)
    if viewed is not None:
        return _back(viewed)
    return HttpResponseRedirect(reverse("admin:index"))
