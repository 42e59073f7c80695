"""Reads of the parsers app: the one way API views, dashboard pages, admin actions and the
extraction service load parsers, versions and classifiers.

Every function takes the caller's organization and answers 404 for another organization's
object exactly as for one that does not exist.
"""

from __future__ import annotations

from typing import NamedTuple

from django.db.models import Prefetch, Q, QuerySet

from accounts.models import Organization
from accounts.tenancy import get_for_org
from config.errors import APIError, NotFoundError
from parsers.models import Classifier, ClassifierLabel, Parser, ParserVersion

PARSER_NOT_FOUND = "PARSER_NOT_FOUND"
CLASSIFIER_NOT_FOUND = "CLASSIFIER_NOT_FOUND"
PARSER_NOT_CONFIGURED = "PARSER_NOT_CONFIGURED"


class LabelRoute(NamedTuple):
    """One classifier label that routes to a configured parser, with the version to run
    (unpacks as ``label, parser, version``)."""

    label: ClassifierLabel
    parser: Parser
    version: ParserVersion


def _clean_id(public_id: object) -> str:
    # A NUL byte cannot reach PostgreSQL (it would be a 500); no public id contains one.
    return public_id if isinstance(public_id, str) and "\x00" not in public_id else ""


# --- Parsers --------------------------------------------------------------------------------


def parser_queryset(*, organization: Organization) -> QuerySet[Parser]:
    """Every parser of the organization, archived ones included, with its current version."""
    return Parser.objects.for_org(organization).select_related("current_version")


def list_parsers(*, organization: Organization, search: str = "") -> QuerySet[Parser]:
    """Live (not archived) parsers, newest first, optionally filtered by name (substring,
    case-insensitive)."""
    qs = parser_queryset(organization=organization).filter(archived_at__isnull=True)
    search = (search or "").replace("\x00", "").strip()
    if search:
        qs = qs.filter(name__icontains=search)
    return qs.order_by("-created_at", "-id")


def get_parser(
    *, organization: Organization, parser_id: str, include_archived: bool = True
) -> Parser:
    """One parser by public id. Archived parsers stay readable by id (old extractions point at
    them) unless ``include_archived`` is False. 404 PARSER_NOT_FOUND otherwise."""
    qs = parser_queryset(organization=organization)
    parser_id = _clean_id(parser_id)
    if not include_archived:
        qs = qs.filter(archived_at__isnull=True)
    return get_for_org(qs, organization, parser_id, not_found_code=PARSER_NOT_FOUND, label="Parser")


def list_parser_versions(*, parser: Parser) -> QuerySet[ParserVersion]:
    """Versions of one parser, newest first."""
    return (
        ParserVersion.objects.filter(parser=parser)
        .select_related("created_by")
        .order_by("-number", "-id")
    )


def get_parser_version(*, parser: Parser, number: int) -> ParserVersion:
    """Version ``number`` of ``parser``; 404 PARSER_VERSION_NOT_FOUND."""
    version = None
    if 0 < number < 2**31:  # beyond a PostgreSQL integer no version can exist
        version = (
            ParserVersion.objects.filter(parser=parser, number=number)
            .select_related("created_by")
            .first()
        )
    if version is None:
        raise NotFoundError(
            "PARSER_VERSION_NOT_FOUND",
            f"Parser {parser.public_id} has no version {number}.",
        )
    return version


def get_submittable_parser(
    *, organization: Organization, parser_id: str
) -> tuple[Parser, ParserVersion]:
    """The parser a new extraction may run with, and its current version.

    Raises 404 PARSER_NOT_FOUND for a missing, foreign or archived parser, and
    400 PARSER_NOT_CONFIGURED when the parser has no schema yet.
    """
    parser = get_parser(organization=organization, parser_id=parser_id, include_archived=False)
    if parser.current_version is None:
        raise APIError(
            PARSER_NOT_CONFIGURED,
            f"Parser {parser.public_id} has no schema yet; give it one before submitting.",
            details={"parser_id": parser.public_id},
        )
    return parser, parser.current_version


# --- Classifiers ----------------------------------------------------------------------------


def _labels_prefetch() -> Prefetch:
    return Prefetch(
        "labels",
        queryset=ClassifierLabel.objects.select_related("parser__current_version").order_by(
            "position", "id"
        ),
    )


def classifier_queryset(*, organization: Organization) -> QuerySet[Classifier]:
    """Every classifier of the organization, archived ones included, labels prefetched."""
    return Classifier.objects.for_org(organization).prefetch_related(_labels_prefetch())


def list_classifiers(*, organization: Organization, search: str = "") -> QuerySet[Classifier]:
    """Live classifiers, newest first, optionally filtered by name."""
    qs = classifier_queryset(organization=organization).filter(archived_at__isnull=True)
    search = (search or "").replace("\x00", "").strip()
    if search:
        qs = qs.filter(name__icontains=search)
    return qs.order_by("-created_at", "-id")


def get_classifier(
    *, organization: Organization, classifier_id: str, include_archived: bool = True
) -> Classifier:
    """One classifier by public id; 404 CLASSIFIER_NOT_FOUND."""
    qs = classifier_queryset(organization=organization)
    classifier_id = _clean_id(classifier_id)
    if not include_archived:
        qs = qs.filter(archived_at__isnull=True)
    return get_for_org(
        qs, organization, classifier_id, not_found_code=CLASSIFIER_NOT_FOUND, label="Classifier"
    )


def get_submittable_classifier(
    *, organization: Organization, classifier_id: str
) -> tuple[Classifier, list[LabelRoute]]:
    """The classifier a new extraction may run with, and the labels it can route to.

    Only labels whose parser is live (not archived) and configured are returned, in label
    order, each with the version to run. Raises 404 CLASSIFIER_NOT_FOUND for a missing, foreign
    or archived classifier, and 400 PARSER_NOT_CONFIGURED when no label routes to a
    configured parser.
    """
    classifier = get_classifier(
        organization=organization, classifier_id=classifier_id, include_archived=False
    )
    routes = [
        LabelRoute(label=label, parser=label.parser, version=label.parser.current_version)
        for label in classifier.labels.all()
        if label.parser is not None
        and label.parser.archived_at is None
        and label.parser.organization_id == organization.pk
        and label.parser.current_version is not None
    ]
    if not routes:
        raise APIError(
            PARSER_NOT_CONFIGURED,
            f"No label of classifier {classifier.public_id} routes to a parser with a schema.",
            details={"classifier_id": classifier.public_id},
        )
    return classifier, routes


def parser_is_referenced(*, parser: Parser) -> bool:
    """True when extractions, documents or classifier labels point at the parser (or one of its
    versions), so deleting it must archive it instead."""
    from extractions.models import Document, Extraction

    if Extraction.objects.filter(Q(parser=parser) | Q(parser_version__parser=parser)).exists():
        return True
    if Document.objects.filter(parser_version__parser=parser).exists():
        return True
    return ClassifierLabel.objects.filter(parser=parser).exists()


def classifier_is_referenced(*, classifier: Classifier) -> bool:
    """True when extractions point at the classifier."""
    from extractions.models import Extraction

    return Extraction.objects.filter(classifier=classifier).exists()
