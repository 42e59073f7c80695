"""Every parsers endpoint, called by another organization on org A's objects: 404, nothing
changes. Lists never show another organization's rows."""

from __future__ import annotations

import pytest

from parsers.models import Classifier, ClassifierLabel, Parser, ParserVersion
from tests.parsers.helpers import SCHEMA_V2, create_parser

pytestmark = pytest.mark.django_db


@pytest.fixture
def a_objects(client_a):
    parser = create_parser(client_a, name="A parser")
    classifier = client_a.post(
        "/v1/classifiers",
        {"name": "A router", "labels": [{"name": "invoice", "parser_id": parser["id"]}]},
        format="json",
    ).json()
    return parser["id"], classifier["id"]


def _snapshot():
    return (
        sorted(
            Parser.objects.values_list("public_id", "name", "current_version_id", "archived_at")
        ),
        sorted(ParserVersion.objects.values_list("parser_id", "number")),
        sorted(Classifier.objects.values_list("public_id", "name", "threshold", "archived_at")),
        sorted(ClassifierLabel.objects.values_list("classifier_id", "name", "parser_id")),
    )


@pytest.mark.parametrize("client_name", ["client_b", "outsider_jwt"])
def test_outsider_gets_404_everywhere_and_nothing_changes(request, a_objects, org_b, client_name):
    if client_name == "outsider_jwt":
        from tests.conftest import api_client_for_user

        client = api_client_for_user(org_b.owner, org_b.organization)
    else:
        client = request.getfixturevalue("client_b")
    parser_id, classifier_id = a_objects
    before = _snapshot()

    calls = [
        ("get", f"/v1/parsers/{parser_id}", None, "PARSER_NOT_FOUND"),
        ("patch", f"/v1/parsers/{parser_id}", {"name": "pwned"}, "PARSER_NOT_FOUND"),
        ("patch", f"/v1/parsers/{parser_id}", {"schema": SCHEMA_V2}, "PARSER_NOT_FOUND"),
        ("delete", f"/v1/parsers/{parser_id}", None, "PARSER_NOT_FOUND"),
        ("get", f"/v1/parsers/{parser_id}/versions", None, "PARSER_NOT_FOUND"),
        ("get", f"/v1/parsers/{parser_id}/versions/1", None, "PARSER_NOT_FOUND"),
        ("get", f"/v1/classifiers/{classifier_id}", None, "CLASSIFIER_NOT_FOUND"),
        ("patch", f"/v1/classifiers/{classifier_id}", {"name": "pwned"}, "CLASSIFIER_NOT_FOUND"),
        ("delete", f"/v1/classifiers/{classifier_id}", None, "CLASSIFIER_NOT_FOUND"),
    ]
    for method, url, body, code in calls:
        response = getattr(client, method)(url, body, format="json")
        assert response.status_code == 404, (method, url, response.content)
        assert response.json()["error"]["code"] == code

    # Other organizations' ids answer exactly like ids that do not exist.
    missing = client.get("/v1/parsers/prs_doesnotexist0000000000").json()
    foreign = client.get(f"/v1/parsers/{parser_id}").json()
    assert missing["error"]["code"] == foreign["error"]["code"]

    assert client.get("/v1/parsers").json()["data"] == []
    assert client.get("/v1/classifiers").json()["data"] == []
    assert client.get("/v1/parsers", {"search": "A parser"}).json()["data"] == []
    assert _snapshot() == before


def test_outsider_cannot_route_a_label_to_our_parser(a_objects, client_b):
    parser_id, _ = a_objects
    mine = create_parser(client_b, name="B parser")["id"]
    response = client_b.post(
        "/v1/classifiers",
        {"name": "B", "labels": [{"name": "x", "parser_id": parser_id}]},
        format="json",
    )
    assert response.status_code == 400
    assert "labels[0].parser_id" in response.json()["error"]["details"]["fields"]
    # And not through an update either.
    own = client_b.post(
        "/v1/classifiers",
        {"name": "B", "labels": [{"name": "x", "parser_id": mine}]},
        format="json",
    ).json()
    response = client_b.patch(
        f"/v1/classifiers/{own['id']}",
        {"labels": [{"name": "x", "parser_id": parser_id}]},
        format="json",
    )
    assert response.status_code == 400
    label = ClassifierLabel.objects.get(classifier__public_id=own["id"])
    assert label.parser.public_id == mine
