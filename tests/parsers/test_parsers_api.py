"""/v1/parsers and /v1/parsers/{id}/versions: CRUD, versions, archive, pagination, search."""

from __future__ import annotations

import pytest
from django.test import Client

from extractions.models import Extraction
from parsers import services
from parsers.models import Parser, ParserVersion
from tests.parsers.helpers import SCHEMA_V1, SCHEMA_V2, create_parser, error_code

pytestmark = pytest.mark.django_db


def test_create_with_schema_is_version_1(client_a):
    body = create_parser(client_a, extraction_target="per_page", default_pages="1-3")
    assert body["id"].startswith("prs_")
    assert body["configured"] is True
    assert body["version"] == 1
    assert body["schema"] == SCHEMA_V1
    assert body["extraction_target"] == "per_page"
    assert body["default_pages"] == "1-3"
    assert body["archived_at"] is None
    assert "pk" not in body and not isinstance(body["id"], int)

    got = client_a.get(f"/v1/parsers/{body['id']}").json()
    assert got == body


def test_create_without_schema_is_not_configured(client_a):
    body = create_parser(client_a, schema=None)
    assert body["configured"] is False
    assert body["version"] is None
    assert body["schema"] is None
    assert ParserVersion.objects.count() == 0


def test_schema_change_publishes_an_immutable_version(org_a, owner_client):
    body = create_parser(owner_client)
    parser_id = body["id"]
    parser = Parser.objects.get(public_id=parser_id)
    v1 = parser.current_version
    # An extraction that ran with v1 (created directly: the extraction API is not ours).
    extraction = Extraction.objects.create(
        organization=org_a.organization, parser=parser, parser_version=v1
    )

    response = owner_client.patch(f"/v1/parsers/{parser_id}", {"schema": SCHEMA_V2}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["version"] == 2
    assert response.json()["schema"] == SCHEMA_V2

    extraction.refresh_from_db()
    assert extraction.parser_version == v1
    v1.refresh_from_db()
    assert v1.schema == SCHEMA_V1 and v1.number == 1

    old = owner_client.get(f"/v1/parsers/{parser_id}/versions/1").json()
    assert old["schema"] == SCHEMA_V1
    assert old["current"] is False
    assert old["created_by"] == org_a.owner.email
    new = owner_client.get(f"/v1/parsers/{parser_id}/versions/2").json()
    assert new["schema"] == SCHEMA_V2 and new["current"] is True

    listing = owner_client.get(f"/v1/parsers/{parser_id}/versions").json()
    assert [v["number"] for v in listing["data"]] == [2, 1]
    assert listing["next_cursor"] is None


def test_versions_cannot_be_modified():
    from django.core.exceptions import ValidationError

    parser = Parser.objects.create(
        organization=__import__("accounts.models").models.Organization.objects.create(name="x"),
        name="p",
    )
    version = ParserVersion.objects.create(parser=parser, number=1, schema=SCHEMA_V1)
    version.schema = SCHEMA_V2
    with pytest.raises(ValidationError):
        version.save()


def test_other_changes_do_not_create_versions(client_a):
    parser_id = create_parser(client_a)["id"]
    response = client_a.patch(
        f"/v1/parsers/{parser_id}",
        {"name": "Renamed", "description": "Supplier invoices", "schema": SCHEMA_V1},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["description"], body["version"]) == (
        "Renamed",
        "Supplier invoices",
        1,
    )
    assert ParserVersion.objects.filter(parser__public_id=parser_id).count() == 1


def test_first_schema_on_an_unconfigured_parser(client_a):
    parser_id = create_parser(client_a, schema=None)["id"]
    body = client_a.patch(f"/v1/parsers/{parser_id}", {"schema": SCHEMA_V1}, format="json").json()
    assert body["configured"] is True and body["version"] == 1


def test_schema_cannot_be_removed(client_a):
    parser_id = create_parser(client_a)["id"]
    response = client_a.patch(f"/v1/parsers/{parser_id}", {"schema": None}, format="json")
    assert response.status_code == 400
    assert error_code(response) == "INVALID_PAYLOAD"


def test_invalid_schema_is_rejected_with_paths_and_changes_nothing(client_a):
    bad = {"type": "object", "properties": {"lines": {"type": "array"}}}
    response = client_a.post("/v1/parsers", {"name": "x", "schema": bad}, format="json")
    assert response.status_code == 400
    assert error_code(response) == "INVALID_SCHEMA"
    assert response.json()["error"]["details"]["errors"][0]["path"] == "properties.lines.items"
    assert Parser.objects.count() == 0

    parser_id = create_parser(client_a)["id"]
    response = client_a.patch(
        f"/v1/parsers/{parser_id}", {"name": "changed", "schema": bad}, format="json"
    )
    assert response.status_code == 400
    assert error_code(response) == "INVALID_SCHEMA"
    parser = Parser.objects.get(public_id=parser_id)
    assert parser.name == "Invoices" and parser.current_version.number == 1


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x", "extraction_target": "per_word"}, "extraction_target"),
        ({"name": "x", "tier": "gold"}, "tier"),
        ({"name": "x", "default_pages": "3-1"}, "default_pages"),
        ({"name": "x", "default_pages": "abc"}, "default_pages"),
    ],
)
def test_invalid_fields(client_a, body, field):
    response = client_a.post("/v1/parsers", body, format="json")
    assert response.status_code == 400
    assert error_code(response) == "INVALID_PAYLOAD"
    assert field in response.json()["error"]["details"]["fields"]


def test_delete_unreferenced_parser_deletes_it(client_a):
    parser_id = create_parser(client_a)["id"]
    response = client_a.delete(f"/v1/parsers/{parser_id}")
    assert response.status_code == 204
    assert not Parser.objects.filter(public_id=parser_id).exists()
    assert ParserVersion.objects.count() == 0
    assert client_a.get(f"/v1/parsers/{parser_id}").status_code == 404


def test_delete_referenced_parser_archives_it(org_a, client_a):
    parser_id = create_parser(client_a)["id"]
    kept_id = create_parser(client_a, name="Kept")["id"]
    parser = Parser.objects.get(public_id=parser_id)
    extraction = Extraction.objects.create(
        organization=org_a.organization, parser=parser, parser_version=parser.current_version
    )

    assert client_a.delete(f"/v1/parsers/{parser_id}").status_code == 204
    parser.refresh_from_db()
    assert parser.archived_at is not None
    extraction.refresh_from_db()
    assert extraction.parser_version.parser == parser

    # Hidden from lists, still readable by id (old extractions point at it), read-only.
    listed = [p["id"] for p in client_a.get("/v1/parsers").json()["data"]]
    assert listed == [kept_id]
    got = client_a.get(f"/v1/parsers/{parser_id}")
    assert got.status_code == 200 and got.json()["archived_at"] is not None
    assert client_a.get(f"/v1/parsers/{parser_id}/versions/1").status_code == 200
    response = client_a.patch(f"/v1/parsers/{parser_id}", {"name": "x"}, format="json")
    assert response.status_code == 409 and error_code(response) == "PARSER_ARCHIVED"
    # Deleting again is harmless.
    assert client_a.delete(f"/v1/parsers/{parser_id}").status_code == 204
    assert Parser.objects.filter(public_id=parser_id).exists()


def test_delete_parser_used_by_a_classifier_label_archives_it(client_a):
    parser_id = create_parser(client_a)["id"]
    response = client_a.post(
        "/v1/classifiers",
        {"name": "Router", "labels": [{"name": "invoice", "parser_id": parser_id}]},
        format="json",
    )
    assert response.status_code == 201
    assert client_a.delete(f"/v1/parsers/{parser_id}").status_code == 204
    assert Parser.objects.get(public_id=parser_id).archived_at is not None


def test_list_pagination_and_search(client_a):
    ids = [create_parser(client_a, name=f"Parser {i:02d}")["id"] for i in range(7)]
    create_parser(client_a, name="Receipts FR")

    seen = []
    cursor = None
    for _ in range(5):
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = client_a.get("/v1/parsers", params).json()
        assert set(page) == {"data", "next_cursor"}
        assert len(page["data"]) <= 3
        seen += [p["id"] for p in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 8 and len(set(seen)) == 8
    assert seen[1:] == list(reversed(ids))  # newest first

    found = client_a.get("/v1/parsers", {"search": "receipts"}).json()["data"]
    assert [p["name"] for p in found] == ["Receipts FR"]
    assert client_a.get("/v1/parsers", {"search": "nothing"}).json()["data"] == []


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"limit": "x"}, {"cursor": "zz"}])
def test_bad_list_parameters(client_a, params):
    response = client_a.get("/v1/parsers", params)
    assert response.status_code == 400
    assert error_code(response) in {"INVALID_PAYLOAD", "INVALID_CURSOR"}


def test_version_not_found(client_a):
    parser_id = create_parser(client_a)["id"]
    for number in (2, 0, 2**40):
        response = client_a.get(f"/v1/parsers/{parser_id}/versions/{number}")
        assert response.status_code == 404


def test_list_query_count_does_not_grow_with_rows(client_a, django_assert_max_num_queries):
    for i in range(25):
        create_parser(client_a, name=f"P{i}")
    # API key lookup + last-used touch + the page itself; never one query per parser.
    with django_assert_max_num_queries(4):
        response = client_a.get("/v1/parsers", {"limit": 25})
    assert len(response.json()["data"]) == 25


def test_history_records_user_and_api_key(org_a, owner_client, client_a):
    parser_id = create_parser(owner_client)["id"]
    parser = Parser.objects.get(public_id=parser_id)
    assert parser.history.first().history_user == org_a.owner
    assert parser.current_version.history.first().history_user == org_a.owner

    client_a.patch(f"/v1/parsers/{parser_id}", {"name": "By key"}, format="json")
    latest = parser.history.first()
    assert latest.name == "By key"
    assert latest.history_user is None
    assert latest.history_change_reason.startswith("via API key")


def test_unauthenticated(anon_client):
    assert anon_client.get("/v1/parsers").status_code == 401
    assert anon_client.post("/v1/parsers", {"name": "x"}, format="json").status_code == 401


def test_the_premium_tier_is_not_offered(client_a):
    """Premium charged 3 credits a page for standard's output; until the model tier exists it
    is refused with a message that says so, and every page costs 1 credit."""
    response = client_a.post(
        "/v1/parsers", {"name": "x", "tier": "premium", "schema": SCHEMA_V1}, format="json"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "INVALID_PAYLOAD"
    message = error["details"]["fields"]["tier"][0]
    assert "premium" in message and "standard" in message and "1 credit per page" in message
    assert Parser.objects.count() == 0

    parser_id = create_parser(client_a)["id"]
    patched = client_a.patch(f"/v1/parsers/{parser_id}", {"tier": "premium"}, format="json")
    assert patched.status_code == 400 and "tier" in patched.json()["error"]["details"]["fields"]
    assert Parser.objects.get(public_id=parser_id).tier == "standard"
    assert client_a.get(f"/v1/parsers/{parser_id}").json()["tier"] == "standard"


def test_the_schema_offers_only_the_standard_tier(client_a):
    document = Client().get("/v1/schema?format=json").json()
    schemas = document["components"]["schemas"]
    for component in ("ParserWriteRequest", "Parser"):
        tier = schemas[component]["properties"]["tier"]
        enum = schemas[tier["allOf"][0]["$ref"].rsplit("/", 1)[1]]["enum"]
        assert enum == ["standard"], component


def test_premium_parsers_become_standard_on_migration(org_a):
    """The migration that withdraws the tier (run here on the current models)."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("parsers.migrations.0003_premium_tier_withdrawn")
    parser = services.create_parser(organization=org_a.organization, name="Old premium")
    Parser.objects.filter(pk=parser.pk).update(tier="premium")
    migration.premium_to_standard(apps, None)
    parser.refresh_from_db()
    assert parser.tier == "standard"


def test_instructions_say_they_are_for_the_model_tier(org_a):
    """Instructions are stored for the model tier and read by nothing today: every place they
    are edited says so (the API schema, the designer, the admin)."""
    from django.urls import reverse

    from tests.dashboard.conftest import web_client_for
    from tests.factories import UserFactory

    schemas = Client().get("/v1/schema?format=json").json()["components"]["schemas"]
    for component in ("ParserWriteRequest", "PatchedParserWriteRequest", "Parser"):
        description = schemas[component]["properties"]["instructions"]["description"]
        assert "used by the model tier" in description.lower(), component

    designer = web_client_for(org_a.member, org_a.organization).get(reverse("web:parser-new"))
    assert "Used by the model tier" in designer.content.decode()

    parser = services.create_parser(organization=org_a.organization, name="Invoices")
    staff = Client()
    staff.force_login(UserFactory(email="root@example.com", is_staff=True, is_superuser=True))
    change = staff.get(reverse("admin:parsers_parser_change", args=[parser.pk]))
    assert change.status_code == 200 and "Used by the model tier" in change.content.decode()
