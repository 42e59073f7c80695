"""The lookups the extraction service calls at submission time."""

from __future__ import annotations

import pytest
from django.utils import timezone

from config.errors import APIError
from parsers.models import Classifier, ClassifierLabel, Parser, ParserVersion
from parsers.selectors import get_submittable_classifier, get_submittable_parser

SCHEMA = {"type": "object", "properties": {"total": {"type": "number"}}}


def _parser(org, name="Invoices", schema=SCHEMA):
    parser = Parser.objects.create(organization=org, name=name)
    if schema is not None:
        version = ParserVersion.objects.create(parser=parser, number=1, schema=schema)
        parser.current_version = version
        parser.save(update_fields=["current_version"])
    return parser


def _code(excinfo) -> tuple[int, str]:
    return excinfo.value.status_code, excinfo.value.code


@pytest.mark.django_db
def test_submittable_parser_returns_current_version(org_a):
    parser = _parser(org_a.organization)
    found, version = get_submittable_parser(
        organization=org_a.organization, parser_id=parser.public_id
    )
    assert found == parser
    assert version == parser.current_version
    assert version.number == 1


@pytest.mark.django_db
def test_submittable_parser_errors(org_a, org_b):
    org = org_a.organization
    unconfigured = _parser(org, schema=None)
    with pytest.raises(APIError) as exc:
        get_submittable_parser(organization=org, parser_id=unconfigured.public_id)
    assert _code(exc) == (400, "PARSER_NOT_CONFIGURED")

    archived = _parser(org, name="old")
    archived.archived_at = timezone.now()
    archived.save()
    foreign = _parser(org_b.organization)
    for parser_id in (archived.public_id, foreign.public_id, "prs_nope", ""):
        with pytest.raises(APIError) as exc:
            get_submittable_parser(organization=org, parser_id=parser_id)
        assert _code(exc) == (404, "PARSER_NOT_FOUND")


@pytest.mark.django_db
def test_submittable_classifier_routes_only_configured_parsers(org_a, org_b):
    org = org_a.organization
    configured = _parser(org, name="Invoices")
    unconfigured = _parser(org, name="Receipts", schema=None)
    classifier = Classifier.objects.create(organization=org, name="Router")
    ClassifierLabel.objects.create(classifier=classifier, name="receipt", parser=unconfigured)
    ClassifierLabel.objects.create(classifier=classifier, name="other", parser=None)
    ClassifierLabel.objects.create(
        classifier=classifier, name="invoice", parser=configured, position=5
    )

    found, routes = get_submittable_classifier(organization=org, classifier_id=classifier.public_id)
    assert found == classifier
    assert len(routes) == 1
    label, parser, version = routes[0]
    assert (label.name, parser, version) == ("invoice", configured, configured.current_version)

    with pytest.raises(APIError) as exc:
        get_submittable_classifier(
            organization=org_b.organization, classifier_id=classifier.public_id
        )
    assert _code(exc) == (404, "CLASSIFIER_NOT_FOUND")


@pytest.mark.django_db
def test_submittable_classifier_without_configured_parser(org_a):
    org = org_a.organization
    classifier = Classifier.objects.create(organization=org, name="Router")
    ClassifierLabel.objects.create(
        classifier=classifier, name="receipt", parser=_parser(org, schema=None)
    )
    with pytest.raises(APIError) as exc:
        get_submittable_classifier(organization=org, classifier_id=classifier.public_id)
    assert _code(exc) == (400, "PARSER_NOT_CONFIGURED")

    classifier.archived_at = timezone.now()
    classifier.save()
    with pytest.raises(APIError) as exc:
        get_submittable_classifier(organization=org, classifier_id=classifier.public_id)
    assert _code(exc) == (404, "CLASSIFIER_NOT_FOUND")
