"""Dashboard pages of classifiers: labels with descriptions, keywords and the routed parser."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.web_tenancy import org_view
from config.errors import APIError
from parsers import selectors, services
from parsers.forms import ClassifierForm
from parsers.models import Classifier
from parsers.services import LabelSpec


def _label_rows(request: HttpRequest) -> list[dict[str, Any]]:
    """The label table as posted: parallel lists, one entry per row, blank rows dropped."""
    names = request.POST.getlist("label_name")
    descriptions = request.POST.getlist("label_description")
    keywords = request.POST.getlist("label_keywords")
    parsers = request.POST.getlist("label_parser")
    rows = []
    for i, name in enumerate(names):
        row = {
            "name": name.strip(),
            "description": (descriptions[i] if i < len(descriptions) else "").strip(),
            "keywords": (keywords[i] if i < len(keywords) else "").strip(),
            "parser_id": (parsers[i] if i < len(parsers) else "").strip(),
        }
        if any(row.values()):
            rows.append(row)
    return rows


def _specs(rows: list[dict[str, Any]]) -> list[LabelSpec]:
    return [
        LabelSpec(
            name=row["name"],
            description=row["description"],
            keywords=tuple(k.strip() for k in row["keywords"].split(",") if k.strip()),
            parser_id=row["parser_id"] or None,
        )
        for row in rows
    ]


def _rows_of(classifier: Classifier) -> list[dict[str, Any]]:
    return [
        {
            "name": label.name,
            "description": label.description,
            "keywords": ", ".join(label.keywords or []),
            "parser_id": label.parser.public_id if label.parser else "",
        }
        for label in classifier.labels.all()
    ]


@org_view
def classifier_list(request: HttpRequest) -> HttpResponse:
    classifiers = selectors.list_classifiers(organization=request.tenant.organization)[:200]
    return render(request, "parsers/classifiers.html", {"classifiers": classifiers})


def _editor(request: HttpRequest, classifier: Classifier | None) -> HttpResponse:
    organization = request.tenant.organization
    parsers = selectors.list_parsers(organization=organization)
    if request.method == "POST":
        form = ClassifierForm(request.POST)
        rows = _label_rows(request)
        row_errors: dict[int, dict[str, str]] = {}
        if form.is_valid():
            data = form.cleaned_data
            try:
                if classifier is None:
                    classifier = services.create_classifier(
                        organization=organization,
                        name=data["name"],
                        description=data["description"],
                        threshold=data["threshold"],
                        labels=_specs(rows),
                        user=request.user,
                    )
                else:
                    services.update_classifier(
                        classifier=classifier,
                        name=data["name"],
                        description=data["description"],
                        threshold=data["threshold"],
                        labels=_specs(rows),
                        user=request.user,
                    )
            except APIError as exc:
                for key, problems in (exc.details.get("fields") or {}).items():
                    if key.startswith("labels[") and "]." in key:
                        index = int(key[len("labels[") : key.index("]")])
                        row_errors.setdefault(index, {})[key.split("].", 1)[1]] = problems[0]
                    elif key in form.fields:
                        form.add_error(key, problems[0])
                    else:
                        form.add_error(None, problems[0])
                if not exc.details.get("fields"):
                    form.add_error(None, exc.message)
            else:
                messages.success(request, f"Saved classifier {classifier.name}.")
                return redirect("web:classifier-detail", classifier_id=classifier.public_id)
        status = 400
    else:
        status = 200
        if classifier is None:
            form = ClassifierForm()
            rows = []
        else:
            form = ClassifierForm(
                initial={
                    "name": classifier.name,
                    "description": classifier.description,
                    "threshold": classifier.threshold,
                }
            )
            rows = _rows_of(classifier)
        row_errors = {}
    while len(rows) < 2:
        rows.append({"name": "", "description": "", "keywords": "", "parser_id": ""})
    for i, row in enumerate(rows):
        row["errors"] = row_errors.get(i, {})
    return render(
        request,
        "parsers/classifier_editor.html",
        {"form": form, "rows": rows, "parsers": parsers, "classifier": classifier},
        status=status,
    )


@org_view
def classifier_new(request: HttpRequest) -> HttpResponse:
    return _editor(request, None)


@org_view
def classifier_detail(request: HttpRequest, classifier_id: str) -> HttpResponse:
    classifier = selectors.get_classifier(
        organization=request.tenant.organization, classifier_id=classifier_id
    )
    return _editor(request, classifier)


@require_POST
@org_view
def classifier_delete(request: HttpRequest, classifier_id: str) -> HttpResponse:
    classifier = selectors.get_classifier(
        organization=request.tenant.organization, classifier_id=classifier_id
    )
    outcome = services.delete_classifier(classifier=classifier, user=request.user)
    verb = "Archived" if outcome == "archived" else "Deleted"
    messages.success(request, f"{verb} classifier {classifier.name}.")
    return redirect("web:classifiers")
