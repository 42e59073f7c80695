"""/v1/classifiers: CRUD with nested labels, same-organization parsers, archive semantics."""

from __future__ import annotations

import pytest

from extractions.models import Extraction
from parsers.models import Classifier, ClassifierLabel
from tests.parsers.helpers import create_parser, error_code

pytestmark = pytest.mark.django_db


def _create(client, labels, name="Router", **extra):
    return client.post("/v1/classifiers", {"name": name, "labels": labels, **extra}, format="json")


def test_create_and_retrieve_with_labels(client_a):
    invoices = create_parser(client_a, name="Invoices")["id"]
    receipts = create_parser(client_a, name="Receipts")["id"]
    response = _create(
        client_a,
        [
            {
                "name": "invoice",
                "description": "A supplier invoice",
                "keywords": ["invoice", "facture", "invoice"],
                "parser_id": invoices,
            },
            {"name": "receipt", "keywords": ["total", "cash"], "parser_id": receipts},
            {"name": "other"},
        ],
        threshold=0.4,
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["id"].startswith("cls_")
    assert body["threshold"] == 0.4
    assert body["labels"] == [
        {
            "name": "invoice",
            "description": "A supplier invoice",
            "keywords": ["invoice", "facture"],
            "parser_id": invoices,
        },
        {
            "name": "receipt",
            "description": "",
            "keywords": ["total", "cash"],
            "parser_id": receipts,
        },
        {"name": "other", "description": "", "keywords": [], "parser_id": None},
    ]
    assert client_a.get(f"/v1/classifiers/{body['id']}").json() == body


def test_label_parser_of_another_organization_is_rejected(client_a, client_b):
    foreign = create_parser(client_b, name="Theirs")["id"]
    mine = create_parser(client_a, name="Mine")["id"]
    response = _create(
        client_a,
        [{"name": "ok", "parser_id": mine}, {"name": "bad", "parser_id": foreign}],
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "INVALID_PAYLOAD"
    assert list(error["details"]["fields"]) == ["labels[1].parser_id"]
    assert foreign in error["message"]
    assert Classifier.objects.count() == 0


def test_label_parser_archived_is_rejected(org_a, client_a):
    parser_id = create_parser(client_a)["id"]
    from parsers.models import Parser

    parser = Parser.objects.get(public_id=parser_id)
    Extraction.objects.create(
        organization=org_a.organization, parser=parser, parser_version=parser.current_version
    )
    client_a.delete(f"/v1/parsers/{parser_id}")
    response = _create(client_a, [{"name": "x", "parser_id": parser_id}])
    assert response.status_code == 400
    assert "labels[0].parser_id" in response.json()["error"]["details"]["fields"]


@pytest.mark.parametrize(
    "labels, field",
    [
        ([], "labels"),
        ([{"name": "a"}, {"name": "A"}], "labels[1].name"),
        ([{"name": ""}], "labels[0].name"),
        ([{"name": "a", "keywords": "notalist"}], "labels[0].keywords"),
    ],
)
def test_invalid_labels(client_a, labels, field):
    response = _create(client_a, labels)
    assert response.status_code == 400
    assert field in response.json()["error"]["details"]["fields"]


def test_threshold_out_of_range(client_a):
    response = _create(client_a, [{"name": "a"}], threshold=1.5)
    assert response.status_code == 400
    assert "threshold" in response.json()["error"]["details"]["fields"]


def test_update_replaces_labels_in_place(client_a):
    parser_id = create_parser(client_a)["id"]
    body = _create(client_a, [{"name": "invoice"}, {"name": "receipt"}]).json()
    invoice_pk = ClassifierLabel.objects.get(name="invoice").pk

    response = client_a.patch(
        f"/v1/classifiers/{body['id']}",
        {
            "name": "Renamed",
            "labels": [{"name": "Invoice", "parser_id": parser_id}, {"name": "contract"}],
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    updated = response.json()
    assert updated["name"] == "Renamed"
    assert [(lb["name"], lb["parser_id"]) for lb in updated["labels"]] == [
        ("Invoice", parser_id),
        ("contract", None),
    ]
    # The kept label is the same row (its history reads as an edit).
    assert ClassifierLabel.objects.get(name="Invoice").pk == invoice_pk
    assert not ClassifierLabel.objects.filter(name="receipt").exists()

    only_name = client_a.patch(
        f"/v1/classifiers/{body['id']}", {"threshold": 0.5}, format="json"
    ).json()
    assert only_name["threshold"] == 0.5 and len(only_name["labels"]) == 2


def test_delete_and_archive(org_a, client_a):
    unused = _create(client_a, [{"name": "a"}], name="Unused").json()["id"]
    used = _create(client_a, [{"name": "a"}], name="Used").json()["id"]
    Extraction.objects.create(
        organization=org_a.organization, classifier=Classifier.objects.get(public_id=used)
    )

    assert client_a.delete(f"/v1/classifiers/{unused}").status_code == 204
    assert not Classifier.objects.filter(public_id=unused).exists()

    assert client_a.delete(f"/v1/classifiers/{used}").status_code == 204
    assert Classifier.objects.get(public_id=used).archived_at is not None
    assert client_a.get("/v1/classifiers").json() == {"data": [], "next_cursor": None}
    got = client_a.get(f"/v1/classifiers/{used}")
    assert got.status_code == 200 and got.json()["archived_at"] is not None
    response = client_a.patch(f"/v1/classifiers/{used}", {"name": "x"}, format="json")
    assert response.status_code == 409 and error_code(response) == "CLASSIFIER_ARCHIVED"


def test_list_pagination_and_search(client_a):
    for i in range(5):
        _create(client_a, [{"name": "a"}], name=f"Router {i}")
    _create(client_a, [{"name": "a"}], name="Mail room")
    page = client_a.get("/v1/classifiers", {"limit": 4}).json()
    assert len(page["data"]) == 4 and page["next_cursor"]
    rest = client_a.get("/v1/classifiers", {"limit": 4, "cursor": page["next_cursor"]}).json()
    assert len(rest["data"]) == 2 and rest["next_cursor"] is None
    found = client_a.get("/v1/classifiers", {"search": "MAIL"}).json()["data"]
    assert [c["name"] for c in found] == ["Mail room"]


def test_history_of_classifier_changes(org_a, owner_client):
    body = _create(owner_client, [{"name": "a"}]).json()
    owner_client.patch(f"/v1/classifiers/{body['id']}", {"name": "B"}, format="json")
    classifier = Classifier.objects.get(public_id=body["id"])
    assert [h.name for h in classifier.history.all()][:2] == ["B", "Router"]
    assert classifier.history.first().history_user == org_a.owner


def test_list_query_count_does_not_grow_with_rows(client_a, django_assert_max_num_queries):
    parser_id = create_parser(client_a)["id"]
    for i in range(10):
        _create(client_a, [{"name": "a", "parser_id": parser_id}, {"name": "b"}], name=f"R{i}")
    # API key lookup + last-used touch + the page + one prefetch of every page's labels.
    with django_assert_max_num_queries(5):
        response = client_a.get("/v1/classifiers", {"limit": 10})
    assert len(response.json()["data"]) == 10
    assert all(len(c["labels"]) == 2 for c in response.json()["data"])


def test_update_with_a_label_without_name_is_400_and_changes_nothing(client_a):
    """PATCH validates partially, which let a nameless label reach the view: 500 (KeyError),
    found by schemathesis."""
    body = _create(client_a, [{"name": "invoice"}]).json()
    response = client_a.patch(
        f"/v1/classifiers/{body['id']}",
        {"labels": [{"description": "no name"}]},
        format="json",
    )
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "INVALID_PAYLOAD"
    assert "labels[0].name" in error["details"]["fields"]
    labels = client_a.get(f"/v1/classifiers/{body['id']}").json()["labels"]
    assert [label["name"] for label in labels] == ["invoice"]
