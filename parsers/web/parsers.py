"""Dashboard pages of parsers: the list, the schema designer, suggestions, "try it" and the
version history. Every change goes through parsers.services, every check through
parsers.schema.validate_schema — the same code as the API."""

from __future__ import annotations

import difflib
import json
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.web_tenancy import org_view
from config import json_input
from config.errors import APIError, NotFoundError
from extractions.flags import review_threshold
from extractions.services.resolve import tier_multiplier
from parsers import selectors, services, templates_catalog
from parsers.forms import ParserForm
from parsers.models import Parser, ParserVersion
from parsers.schema import count_fields, validate_schema
from parsers.suggest import suggest_schema_from_file
from parsers.web.preview import PREVIEW_MAX_PAGES, preview_extraction

EMPTY_SCHEMA: dict[str, Any] = {"type": "object", "properties": {}, "required": []}


def _parser_or_404(request: HttpRequest, parser_id: str) -> Parser:
    return selectors.get_parser(organization=request.tenant.organization, parser_id=parser_id)


def _actor(request: HttpRequest) -> dict[str, Any]:
    return {"user": request.user, "reason": None}


def _json_error(exc: APIError) -> JsonResponse:
    return JsonResponse(
        {"error": {"code": exc.code, "message": exc.message, "details": exc.details}},
        status=exc.status_code,
    )


def _body_json(request: HttpRequest) -> Any:
    try:
        return json_input.loads(request.body or b"null")
    except ValueError:
        raise APIError("INVALID_PAYLOAD", "The request body is not JSON.") from None


# --- List ------------------------------------------------------------------------------------


@org_view
def parser_list(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()
    parsers = list(
        selectors.list_parsers(organization=request.tenant.organization, search=search)[:200]
    )
    for parser in parsers:
        schema = parser.current_version.schema if parser.current_version else None
        parser.field_count = count_fields(schema) if schema else 0
    return render(request, "parsers/list.html", {"parsers": parsers, "q": search})


# --- Designer ----------------------------------------------------------------------------------


def _designer_context(
    request: HttpRequest,
    *,
    parser: Parser | None,
    form: ParserForm,
    schema: Any,
    errors: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    return {
        "parser": parser,
        "form": form,
        "designer_state": {
            "schema": schema if schema is not None else EMPTY_SCHEMA,
            "errors": errors or [],
            "validate_url": reverse("web:schema-validate"),
            "suggest_url": reverse("web:schema-suggest"),
            "try_url": reverse("web:schema-try"),
            "preview_max_pages": PREVIEW_MAX_PAGES,
            "tier_multiplier": tier_multiplier(parser) if parser else 1,
            "parser_id": parser.public_id if parser else None,
        },
        "versions": (list(selectors.list_parser_versions(parser=parser)[:5]) if parser else []),
    }


def _initial(parser: Parser) -> dict[str, Any]:
    schema = parser.current_version.schema if parser.current_version else EMPTY_SCHEMA
    return {
        "name": parser.name,
        "description": parser.description,
        "extraction_target": parser.extraction_target,
        "default_pages": parser.default_pages,
        "instructions": parser.instructions,
        "review_confidence_threshold": parser.review_confidence_threshold,
        "auto_accept": parser.auto_accept,
        "auto_accept_sample_percent": round(parser.auto_accept_sample_share * 100, 2),
        "schema": json.dumps(schema, indent=2, ensure_ascii=False),
    }


def _new_parser_initial(template_id: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """A new parser's form: empty, or a template's name, description, target and schema
    (404 for an unknown template)."""
    if not template_id:
        return {"schema": json.dumps(EMPTY_SCHEMA, indent=2)}, None
    template = templates_catalog.get_template(template_id)
    schema = templates_catalog.template_schema(template_id)
    initial = {
        "name": template.name,
        "description": template.description,
        "extraction_target": template.extraction_target,
        "schema": json.dumps(schema, indent=2, ensure_ascii=False),
    }
    return initial, schema


def _save(request: HttpRequest, form: ParserForm, parser: Parser | None) -> Parser:
    data = form.cleaned_data
    settings_fields = {
        "name": data["name"],
        "description": data["description"],
        "extraction_target": data["extraction_target"],
        "default_pages": data["default_pages"],
        "instructions": data["instructions"],
        "review_confidence_threshold": data["review_confidence_threshold"],
        "auto_accept": data["auto_accept"],
    }
    if data["auto_accept_sample_percent"] is not None:  # empty: as it was (new: the default)
        settings_fields["auto_accept_sample_share"] = data["auto_accept_sample_percent"] / 100
    schema = data["schema"]
    if parser is None:
        return services.create_parser(
            organization=request.tenant.organization,
            schema=schema,
            **settings_fields,
            **_actor(request),
        )
    if schema is None:
        # An empty designer never unpublishes: versions are immutable and keep running.
        return services.update_parser(parser=parser, **settings_fields, **_actor(request))
    return services.update_parser(
        parser=parser, schema=schema, **settings_fields, **_actor(request)
    )


def _designer(request: HttpRequest, parser: Parser | None) -> HttpResponse:
    if parser is not None and parser.archived_at is not None:
        messages.warning(request, "This parser is archived: it can be read but not changed.")
    if request.method != "POST":
        if parser is None:
            initial, schema = _new_parser_initial(request.GET.get("template", ""))
        else:
            initial = _initial(parser)
            schema = parser.current_version.schema if parser.current_version else None
        context = _designer_context(
            request, parser=parser, form=ParserForm(initial=initial), schema=schema
        )
        if parser is None:
            context["parser_templates"] = templates_catalog.list_templates()
            context["template_id"] = request.GET.get("template", "")
        return render(request, "parsers/designer.html", context)

    form = ParserForm(request.POST)
    raw = request.POST.get("schema", "")
    try:
        posted_schema = json_input.loads(raw) if raw.strip() else None
    except ValueError:
        posted_schema = None
    if form.is_valid():
        before = parser.current_version_id if parser else None
        try:
            saved = _save(request, form, parser)
        except APIError as exc:
            errors = exc.details.get("errors") if exc.code == "INVALID_SCHEMA" else None
            fields = exc.details.get("fields") or {}
            for name, problems in fields.items():
                if name in form.fields:
                    form.add_error(name, problems[0])
            if not errors and not fields:
                form.add_error(None, exc.message)
            elif errors:
                form.add_error(None, "The schema has problems: they are shown at the fields.")
            return render(
                request,
                "parsers/designer.html",
                _designer_context(
                    request, parser=parser, form=form, schema=posted_schema, errors=errors
                ),
                status=400,
            )
        if saved.current_version_id and saved.current_version_id != before:
            messages.success(
                request,
                f"Saved {saved.name}: schema version {saved.current_version.number} is now live.",
            )
        else:
            messages.success(request, f"Saved {saved.name}.")
        return redirect("web:parser-detail", parser_id=saved.public_id)
    return render(
        request,
        "parsers/designer.html",
        _designer_context(request, parser=parser, form=form, schema=posted_schema),
        status=400,
    )


@org_view
def parser_new(request: HttpRequest) -> HttpResponse:
    return _designer(request, None)


@org_view
def parser_detail(request: HttpRequest, parser_id: str) -> HttpResponse:
    return _designer(request, _parser_or_404(request, parser_id))


@require_POST
@org_view
def parser_delete(request: HttpRequest, parser_id: str) -> HttpResponse:
    parser = _parser_or_404(request, parser_id)
    outcome = services.delete_parser(parser=parser, **_actor(request))
    if outcome == "archived":
        messages.success(
            request, f"Archived {parser.name}: extractions that used it keep their results."
        )
    else:
        messages.success(request, f"Deleted {parser.name}.")
    return redirect("web:parsers")


# --- Designer helpers (JSON endpoints for designer.js) ------------------------------------


@require_POST
@org_view
def schema_validate(request: HttpRequest) -> JsonResponse:
    try:
        payload = _body_json(request)
    except APIError as exc:
        return _json_error(exc)
    schema = payload.get("schema") if isinstance(payload, dict) else None
    errors = [e.as_dict() for e in validate_schema(schema)]
    return JsonResponse({"valid": not errors, "errors": errors})


@require_POST
@org_view
def schema_suggest(request: HttpRequest) -> JsonResponse:
    upload = request.FILES.get("file")
    if upload is None:
        return _json_error(APIError("INVALID_PAYLOAD", "Choose a sample document first."))
    try:
        suggestion = suggest_schema_from_file(
            organization=request.tenant.organization, file=upload, filename=upload.name
        )
    except APIError as exc:
        return _json_error(exc)
    return JsonResponse(
        {
            "schema": suggestion.schema,
            "credits_used": suggestion.credits_used,
            "page_count": suggestion.page_count,
            "errors": [e.as_dict() for e in suggestion.errors],
        }
    )


@require_POST
@org_view
def schema_try(request: HttpRequest) -> HttpResponse:
    """Returns an HTML fragment: the sample's pages with boxes, and the values found."""
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise APIError("INVALID_PAYLOAD", "Choose a sample document first.")
        try:
            schema = json_input.loads(request.POST.get("schema", ""))
        except ValueError:
            raise APIError("INVALID_SCHEMA", "The JSON Schema is not valid JSON.") from None
        multiplier = 1
        parser = None
        parser_id = request.POST.get("parser_id", "")
        if parser_id:
            parser = _parser_or_404(request, parser_id)
            multiplier = tier_multiplier(parser)
        preview = preview_extraction(
            organization=request.tenant.organization,
            file=upload,
            filename=upload.name,
            schema=schema,
            target=request.POST.get("extraction_target", "per_doc"),
            multiplier=multiplier,
        )
    except NotFoundError:
        raise
    except APIError as exc:
        return render(
            request,
            "errors/problem_fragment.html",
            {"code": exc.code, "message": exc.message, "details": exc.details},
            status=exc.status_code,
        )
    # The saved parser's own review threshold (the form's unsaved one is not known here).
    threshold = review_threshold(parser=parser, organization=request.tenant.organization)
    boxes = [
        {
            "path": f["path"],
            "page": f["citation"]["page"],
            "bbox": f["citation"]["bbox"],
            "low": (f["confidence"] or 0) < threshold,
        }
        for f in preview.values
        if f["citation"]
    ]
    return render(
        request,
        "parsers/try_result.html",
        {"preview": preview, "boxes": boxes, "threshold": threshold},
    )


# --- Versions ----------------------------------------------------------------------------------


def _flatten(schema: Any, prefix: str = "") -> dict[str, str]:
    """Field path → short type description, for a field-level summary of a diff."""
    out: dict[str, str] = {}
    props = (schema or {}).get("properties") or {} if isinstance(schema, dict) else {}
    for name, spec in props.items():
        path = f"{prefix}{name}"
        if not isinstance(spec, dict):
            continue
        kind = spec.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        if kind == "object":
            out[path] = "group"
            out.update(_flatten(spec, f"{path}."))
        elif kind == "array":
            items = spec.get("items") or {}
            if isinstance(items, dict) and items.get("type") == "object":
                out[path] = "list of groups"
                out.update(_flatten(items, f"{path}[]."))
            else:
                out[path] = f"list of {items.get('type', '?') if isinstance(items, dict) else '?'}"
        elif "enum" in spec:
            out[path] = "choice: " + ", ".join(str(v) for v in spec["enum"][:6])
        elif spec.get("format") == "date":
            out[path] = "date"
        else:
            out[path] = str(kind)
        if spec.get("description"):
            out[path] += f" — {spec['description'][:60]}"
    return out


def _field_changes(old: Any, new: Any) -> list[dict[str, str]]:
    a, b = _flatten(old), _flatten(new)
    changes = [{"kind": "added", "path": p, "after": b[p]} for p in b if p not in a]
    changes += [{"kind": "removed", "path": p, "before": a[p]} for p in a if p not in b]
    changes += [
        {"kind": "changed", "path": p, "before": a[p], "after": b[p]}
        for p in b
        if p in a and a[p] != b[p]
    ]
    return changes


def _diff_lines(old: Any, new: Any, a_label: str, b_label: str) -> list[dict[str, str]]:
    old_text = json.dumps(old, indent=2, ensure_ascii=False, sort_keys=True).splitlines()
    new_text = json.dumps(new, indent=2, ensure_ascii=False, sort_keys=True).splitlines()
    lines = []
    for line in difflib.unified_diff(old_text, new_text, a_label, b_label, lineterm="", n=3):
        kind = "ctx"
        if line.startswith(("+++", "---", "@@")):
            kind = "hunk"
        elif line.startswith("+"):
            kind = "add"
        elif line.startswith("-"):
            kind = "del"
        lines.append({"kind": kind, "text": line})
    return lines


def _version_number(raw: str | None, default: int) -> int:
    try:
        return int(raw) if raw else default
    except ValueError:
        return default


@org_view
def parser_versions(request: HttpRequest, parser_id: str) -> HttpResponse:
    parser = _parser_or_404(request, parser_id)
    versions: list[ParserVersion] = list(selectors.list_parser_versions(parser=parser))
    context: dict[str, Any] = {"parser": parser, "versions": versions}
    for version in versions:
        version.field_count = count_fields(version.schema)
    if len(versions) >= 2:
        newest = versions[0].number
        b_number = _version_number(request.GET.get("b"), newest)
        a_number = _version_number(
            request.GET.get("a"), b_number - 1 if b_number > 1 else newest - 1
        )
        a = selectors.get_parser_version(parser=parser, number=a_number)
        b = selectors.get_parser_version(parser=parser, number=b_number)
        context.update(
            {
                "a": a,
                "b": b,
                "diff": _diff_lines(
                    a.schema, b.schema, f"version {a.number}", f"version {b.number}"
                ),
                "changes": _field_changes(a.schema, b.schema),
            }
        )
    elif versions:
        context["single"] = versions[0]
    return render(request, "parsers/versions.html", context)
