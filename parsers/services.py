"""State changes of the parsers app, shared by the API, the dashboard and the admin.

* A parser's schema lives in immutable ``ParserVersion`` rows. Publishing a different schema
  creates the next version and makes it current; other changes never create versions.
* Deleting a parser or classifier that something still points at (extractions, documents,
  classifier labels) archives it instead: it disappears from lists and can no longer be used
  for new extractions, but stays readable by id so old extractions keep working.
* ``user`` is the person acting (None for an API key); it is recorded as the audit-history
  user, and ``reason`` (e.g. "API key pp_live_ab…") as the history change reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal

from django.db import transaction
from django.db.models import Max, ProtectedError, RestrictedError
from django.utils import timezone

from accounts.models import Organization, User
from config.errors import APIError
from parsers.models import (
    DEFAULT_AUTO_ACCEPT_SAMPLE_SHARE,
    Classifier,
    ClassifierLabel,
    ExtractionTarget,
    Parser,
    ParserVersion,
    Tier,
)
from parsers.schema import ensure_valid_schema

MAX_LABELS = 100
TIER_NOT_OFFERED = (
    '"{tier}" is not offered: every parser runs in the standard tier, 1 credit per page, '
    "until the model tier is available."
)
MAX_KEYWORDS = 50
MAX_KEYWORD_LENGTH = 100


class _Unchanged(Enum):
    UNCHANGED = "unchanged"


UNCHANGED = _Unchanged.UNCHANGED
"""Default of every optional update argument: "leave this field as it is"."""

DeleteOutcome = Literal["archived", "deleted"]


@dataclass(frozen=True, slots=True)
class LabelSpec:
    """One classifier label as given by the caller; ``parser_id`` is a public id (or None)."""

    name: str
    description: str = ""
    keywords: tuple[str, ...] = ()
    parser_id: str | None = None


def _audit(instance: Any, user: User | None, reason: str | None) -> None:
    # django-simple-history reads these when it writes the historical row.
    instance._history_user = user
    if reason:
        instance._change_reason = reason[:100]


def _clean_name(name: str, what: str) -> str:
    name = (name or "").strip()
    if not name:
        raise APIError(
            "INVALID_PAYLOAD", f"A {what} needs a name.", details={"fields": {"name": ["Blank."]}}
        )
    if len(name) > 200:
        raise APIError(
            "INVALID_PAYLOAD",
            f"A {what} name is at most 200 characters.",
            details={"fields": {"name": ["Too long."]}},
        )
    return name


def validate_page_selection(spec: str) -> str:
    """Normalise a default page selection ("1,3,5-7"); 400 INVALID_PAYLOAD when malformed."""
    from django.conf import settings

    from extractions.engine import parse_page_selection

    spec = (spec or "").strip()
    if not spec:
        return ""
    try:
        parse_page_selection(spec, settings.PP_MAX_PAGES_PER_DOCUMENT)
    except ValueError as exc:
        raise APIError(
            "INVALID_PAYLOAD",
            f"default_pages: {exc}",
            details={"fields": {"default_pages": [str(exc)]}},
        ) from None
    return spec


def _check_tier(value: str) -> str:
    if value not in Tier.values:
        message = TIER_NOT_OFFERED.format(tier=value)
        raise APIError(
            "INVALID_PAYLOAD", f"tier: {message}", details={"fields": {"tier": [message]}}
        )
    return value


def _check_share(value: Any, field: str, *, nullable: bool = False) -> float | None:
    """A threshold or share between 0 and 1 (None: not set, where ``nullable``)."""
    if value is None and nullable:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        message = "Must be a number between 0 and 1" + (", or null." if nullable else ".")
        raise APIError(
            "INVALID_PAYLOAD", f"{field}: {message}", details={"fields": {field: [message]}}
        )
    return float(value)


def _check_flag(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise APIError(
            "INVALID_PAYLOAD",
            f"{field}: true or false.",
            details={"fields": {field: ["true or false."]}},
        )
    return value


def _check_choice(value: str, choices: Any, field: str) -> str:
    if value not in choices.values:
        allowed = ", ".join(choices.values)
        raise APIError(
            "INVALID_PAYLOAD",
            f"{field}: must be one of {allowed}.",
            details={"fields": {field: [f"Must be one of {allowed}."]}},
        )
    return value


# --- Parsers --------------------------------------------------------------------------------


@transaction.atomic
def create_parser(
    *,
    organization: Organization,
    name: str,
    description: str = "",
    extraction_target: str = ExtractionTarget.PER_DOC,
    default_pages: str = "",
    tier: str = Tier.STANDARD,
    instructions: str = "",
    review_confidence_threshold: float | None = None,
    auto_accept: bool = False,
    auto_accept_sample_share: float = DEFAULT_AUTO_ACCEPT_SAMPLE_SHARE,
    schema: dict[str, Any] | None = None,
    user: User | None = None,
    reason: str | None = None,
) -> Parser:
    """A new parser; with a ``schema`` it is published as version 1 (else "not configured").
    ``review_confidence_threshold`` None: the organization's. ``auto_accept``: the
    automation policy (``extractions.services.automation``), off by default."""
    if schema is not None:
        ensure_valid_schema(schema)
    parser = Parser(
        organization=organization,
        name=_clean_name(name, "parser"),
        description=description or "",
        extraction_target=_check_choice(extraction_target, ExtractionTarget, "extraction_target"),
        default_pages=validate_page_selection(default_pages),
        tier=_check_tier(tier),
        instructions=instructions or "",
        review_confidence_threshold=_check_share(
            review_confidence_threshold, "review_confidence_threshold", nullable=True
        ),
        auto_accept=_check_flag(auto_accept, "auto_accept"),
        auto_accept_sample_share=_check_share(auto_accept_sample_share, "auto_accept_sample_share"),
        created_by=user,
    )
    _audit(parser, user, reason)
    parser.save()
    if schema is not None:
        publish_version(parser=parser, schema=schema, user=user, reason=reason)
    return parser


@transaction.atomic
def publish_version(
    *,
    parser: Parser,
    schema: dict[str, Any],
    user: User | None = None,
    reason: str | None = None,
) -> ParserVersion:
    """Make ``schema`` the parser's current schema.

    A schema equal to the current one publishes nothing and returns the current version, so
    resending an unchanged parser is harmless. Otherwise the next version number is taken
    under a lock on the parser row (concurrent publishers get consecutive numbers).
    """
    ensure_valid_schema(schema)
    locked = Parser.objects.select_for_update().get(pk=parser.pk)
    if locked.archived_at is not None:
        raise _archived(locked)
    current = locked.current_version
    if current is not None and current.schema == schema:
        return current
    last = ParserVersion.objects.filter(parser=locked).aggregate(n=Max("number"))["n"] or 0
    version = ParserVersion(parser=locked, number=last + 1, schema=schema, created_by=user)
    _audit(version, user, reason)
    version.save()
    locked.current_version = version
    _audit(locked, user, reason or f"Published schema version {version.number}")
    locked.save(update_fields=["current_version", "updated_at"])
    parser.current_version = version
    parser.current_version_id = version.pk
    parser.updated_at = locked.updated_at
    return version


def _archived(parser: Parser) -> APIError:
    return APIError(
        "PARSER_ARCHIVED",
        f"Parser {parser.public_id} is archived and can no longer be changed.",
        status_code=409,
    )


@transaction.atomic
def update_parser(
    *,
    parser: Parser,
    name: str | _Unchanged = UNCHANGED,
    description: str | _Unchanged = UNCHANGED,
    extraction_target: str | _Unchanged = UNCHANGED,
    default_pages: str | _Unchanged = UNCHANGED,
    tier: str | _Unchanged = UNCHANGED,
    instructions: str | _Unchanged = UNCHANGED,
    review_confidence_threshold: float | _Unchanged | None = UNCHANGED,
    auto_accept: bool | _Unchanged = UNCHANGED,
    auto_accept_sample_share: float | _Unchanged = UNCHANGED,
    schema: dict[str, Any] | _Unchanged = UNCHANGED,
    user: User | None = None,
    reason: str | None = None,
) -> Parser:
    """Change the given fields; a changed ``schema`` publishes a new version."""
    if parser.archived_at is not None:
        raise _archived(parser)
    changed: list[str] = []
    if name is not UNCHANGED:
        parser.name = _clean_name(name, "parser")
        changed.append("name")
    if description is not UNCHANGED:
        parser.description = description or ""
        changed.append("description")
    if extraction_target is not UNCHANGED:
        parser.extraction_target = _check_choice(
            extraction_target, ExtractionTarget, "extraction_target"
        )
        changed.append("extraction_target")
    if default_pages is not UNCHANGED:
        parser.default_pages = validate_page_selection(default_pages)
        changed.append("default_pages")
    if tier is not UNCHANGED:
        parser.tier = _check_tier(tier)
        changed.append("tier")
    if instructions is not UNCHANGED:
        parser.instructions = instructions or ""
        changed.append("instructions")
    if review_confidence_threshold is not UNCHANGED:
        parser.review_confidence_threshold = _check_share(
            review_confidence_threshold, "review_confidence_threshold", nullable=True
        )
        changed.append("review_confidence_threshold")
    if auto_accept is not UNCHANGED:
        parser.auto_accept = _check_flag(auto_accept, "auto_accept")
        changed.append("auto_accept")
    if auto_accept_sample_share is not UNCHANGED:
        parser.auto_accept_sample_share = _check_share(
            auto_accept_sample_share, "auto_accept_sample_share"
        )
        changed.append("auto_accept_sample_share")
    if schema is not UNCHANGED:
        # Validate before saving anything else, so an invalid schema changes nothing.
        ensure_valid_schema(schema)
    if changed:
        _audit(parser, user, reason)
        parser.save(update_fields=[*changed, "updated_at"])
    if schema is not UNCHANGED:
        publish_version(parser=parser, schema=schema, user=user, reason=reason)
    return parser


def delete_parser(
    *, parser: Parser, user: User | None = None, reason: str | None = None
) -> DeleteOutcome:
    """Delete the parser, or archive it when extractions, documents or classifier labels
    still point at it (or at one of its versions). Idempotent on an archived parser."""
    if parser.archived_at is not None:
        return "archived"
    try:
        with transaction.atomic():
            _audit(parser, user, reason)
            parser.delete()
        return "deleted"
    except (ProtectedError, RestrictedError):
        # Referenced (PROTECT foreign keys): keep the rows those references need.
        pass
    with transaction.atomic():
        locked = Parser.objects.select_for_update().get(pk=parser.pk)
        if locked.archived_at is None:
            locked.archived_at = timezone.now()
            _audit(locked, user, reason or "Archived (still referenced)")
            locked.save(update_fields=["archived_at", "updated_at"])
        parser.archived_at = locked.archived_at
    return "archived"


# --- Classifiers ----------------------------------------------------------------------------


def _clean_labels(
    *, organization: Organization, labels: list[LabelSpec]
) -> list[tuple[LabelSpec, Parser | None]]:
    """Validate labels and resolve their parser ids inside ``organization``; 400
    INVALID_PAYLOAD with ``details.fields["labels[i].field"]`` on the first problems."""
    problems: dict[str, list[str]] = {}
    if not labels:
        problems["labels"] = ["A classifier needs at least one label."]
    if len(labels) > MAX_LABELS:
        problems["labels"] = [f"At most {MAX_LABELS} labels."]
    wanted = {spec.parser_id for spec in labels if spec.parser_id}
    parsers = {
        p.public_id: p
        for p in Parser.objects.for_org(organization).filter(
            public_id__in=wanted, archived_at__isnull=True
        )
    }
    seen: set[str] = set()
    resolved: list[tuple[LabelSpec, Parser | None]] = []
    for i, spec in enumerate(labels):
        name = (spec.name or "").strip()
        if not name:
            problems[f"labels[{i}].name"] = ["A label needs a name."]
        elif len(name) > 100:
            problems[f"labels[{i}].name"] = ["A label name is at most 100 characters."]
        elif name.casefold() in seen:
            problems[f"labels[{i}].name"] = [f"Duplicate label name {name!r}."]
        seen.add(name.casefold())
        keywords = [k.strip() for k in spec.keywords if isinstance(k, str) and k.strip()]
        if len(keywords) > MAX_KEYWORDS or any(len(k) > MAX_KEYWORD_LENGTH for k in keywords):
            problems[f"labels[{i}].keywords"] = [
                f"At most {MAX_KEYWORDS} keywords of at most {MAX_KEYWORD_LENGTH} characters."
            ]
        parser = None
        if spec.parser_id:
            parser = parsers.get(spec.parser_id)
            if parser is None:
                problems[f"labels[{i}].parser_id"] = [
                    f"Parser {spec.parser_id} not found in this organization."
                ]
        resolved.append(
            (
                LabelSpec(
                    name=name,
                    description=spec.description or "",
                    keywords=tuple(dict.fromkeys(keywords)),
                    parser_id=spec.parser_id,
                ),
                parser,
            )
        )
    if problems:
        field, messages = next(iter(problems.items()))
        raise APIError("INVALID_PAYLOAD", f"{field}: {messages[0]}", details={"fields": problems})
    return resolved


def _write_labels(
    *,
    classifier: Classifier,
    resolved: list[tuple[LabelSpec, Parser | None]],
    user: User | None,
    reason: str | None,
) -> None:
    """Make the classifier's labels exactly ``resolved``, updating same-named labels in place
    (so their history reads as edits) and deleting the others."""
    existing = {label.name.casefold(): label for label in classifier.labels.all()}
    keep = {
        existing[spec.name.casefold()].pk
        for spec, _ in resolved
        if spec.name.casefold() in existing
    }
    # Deleted first: a new label may reuse, in another case, the name of a dropped one.
    for label in classifier.labels.exclude(pk__in=keep):
        _audit(label, user, reason)
        label.delete()
    for position, (spec, parser) in enumerate(resolved):
        label = existing.get(spec.name.casefold()) or ClassifierLabel(classifier=classifier)
        label.name = spec.name
        label.description = spec.description
        label.keywords = list(spec.keywords)
        label.parser = parser
        label.position = position
        _audit(label, user, reason)
        label.save()


@transaction.atomic
def create_classifier(
    *,
    organization: Organization,
    name: str,
    labels: list[LabelSpec],
    description: str = "",
    threshold: float = 0.2,
    user: User | None = None,
    reason: str | None = None,
) -> Classifier:
    """A classifier routing documents to the parsers of its labels (same organization only)."""
    resolved = _clean_labels(organization=organization, labels=labels)
    classifier = Classifier(
        organization=organization,
        name=_clean_name(name, "classifier"),
        description=description or "",
        threshold=_check_share(threshold, "threshold"),
        created_by=user,
    )
    _audit(classifier, user, reason)
    classifier.save()
    _write_labels(classifier=classifier, resolved=resolved, user=user, reason=reason)
    return classifier


@transaction.atomic
def update_classifier(
    *,
    classifier: Classifier,
    name: str | _Unchanged = UNCHANGED,
    description: str | _Unchanged = UNCHANGED,
    threshold: float | _Unchanged = UNCHANGED,
    labels: list[LabelSpec] | _Unchanged = UNCHANGED,
    user: User | None = None,
    reason: str | None = None,
) -> Classifier:
    """Change the given fields; ``labels`` replaces the whole label list."""
    if classifier.archived_at is not None:
        raise APIError(
            "CLASSIFIER_ARCHIVED",
            f"Classifier {classifier.public_id} is archived and can no longer be changed.",
            status_code=409,
        )
    resolved = (
        None
        if labels is UNCHANGED
        else _clean_labels(organization=classifier.organization, labels=labels)
    )
    changed: list[str] = []
    if name is not UNCHANGED:
        classifier.name = _clean_name(name, "classifier")
        changed.append("name")
    if description is not UNCHANGED:
        classifier.description = description or ""
        changed.append("description")
    if threshold is not UNCHANGED:
        classifier.threshold = _check_share(threshold, "threshold")
        changed.append("threshold")
    if changed or resolved is not None:
        _audit(classifier, user, reason)
        classifier.save(update_fields=[*changed, "updated_at"])
    if resolved is not None:
        _write_labels(classifier=classifier, resolved=resolved, user=user, reason=reason)
        # Drop a stale prefetch so callers read the labels just written.
        getattr(classifier, "_prefetched_objects_cache", {}).pop("labels", None)
    return classifier


def delete_classifier(
    *, classifier: Classifier, user: User | None = None, reason: str | None = None
) -> DeleteOutcome:
    """Delete the classifier, or archive it when extractions still point at it."""
    if classifier.archived_at is not None:
        return "archived"
    try:
        with transaction.atomic():
            _audit(classifier, user, reason)
            classifier.delete()
        return "deleted"
    except (ProtectedError, RestrictedError):
        pass
    with transaction.atomic():
        locked = Classifier.objects.select_for_update().get(pk=classifier.pk)
        if locked.archived_at is None:
            locked.archived_at = timezone.now()
            _audit(locked, user, reason or "Archived (still referenced)")
            locked.save(update_fields=["archived_at", "updated_at"])
        classifier.archived_at = locked.archived_at
    return "archived"
