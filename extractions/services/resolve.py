"""What a submission runs with: a parser's current version, or a classifier's routes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from accounts.models import Organization
from parsers.models import Classifier, Parser, ParserVersion
from parsers.selectors import get_submittable_classifier, get_submittable_parser


@dataclass(slots=True)
class Target:
    """The parser (or classifier) of a submission and what it costs per page."""

    parser: Parser | None = None
    version: ParserVersion | None = None
    classifier: Classifier | None = None
    # label name -> {"version": ParserVersion id, "multiplier": credits per page}
    routes: dict[str, dict[str, Any]] = field(default_factory=dict)
    multiplier: int = 1
    default_target: str = "per_doc"
    default_pages: str = ""


def tier_multiplier(parser: Parser) -> int:
    return int(settings.PP_TIER_MULTIPLIERS.get(parser.tier, 1))


def resolve_target(
    *, organization: Organization, parser_id: str | None, classifier_id: str | None
) -> Target:
    """404 PARSER_NOT_FOUND / CLASSIFIER_NOT_FOUND, 400 PARSER_NOT_CONFIGURED (parsers app)."""
    if parser_id:
        parser, version = get_submittable_parser(organization=organization, parser_id=parser_id)
        return Target(
            parser=parser,
            version=version,
            multiplier=tier_multiplier(parser),
            default_target=parser.extraction_target,
            default_pages=parser.default_pages or "",
        )
    assert classifier_id
    classifier, label_routes = get_submittable_classifier(
        organization=organization, classifier_id=classifier_id
    )
    routes = {
        route.label.name: {"version": route.version.pk, "multiplier": tier_multiplier(route.parser)}
        for route in label_routes
    }
    # The routed parser is only known once the document is read: charge the dearest tier
    # now, and give the difference back when a cheaper one is chosen.
    multiplier = max(r["multiplier"] for r in routes.values())
    return Target(classifier=classifier, routes=routes, multiplier=multiplier)
