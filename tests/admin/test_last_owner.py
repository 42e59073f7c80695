"""An organization keeps at least one owner, in the admin as everywhere: the membership inline
(a deleted row, a changed role) and user deletion (one, or the bulk action) go through the
accounts services, which refuse to take away the last owner."""

from __future__ import annotations

import re
import threading
from html import unescape

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection

from accounts.models import Membership, Role, User
from accounts.services import add_member, change_member_role, delete_user, remove_member
from config.errors import APIError

pytestmark = pytest.mark.django_db


def form_data(html: str) -> dict[str, object]:
    """What a browser would post for the page's change form, as it stands."""
    form = html[html.index('id="organization_form"') :]
    data: dict[str, object] = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'\sname="([^"]+)"', tag)
        if not name:
            continue
        kind = (re.search(r'type="([^"]+)"', tag) or re.search("()", "")).group(1)
        value = re.search(r'value="([^"]*)"', tag)
        if kind == "checkbox":
            if "checked" in tag:
                data[name.group(1)] = "on"
        elif kind not in ("submit", "button"):
            data[name.group(1)] = unescape(value.group(1)) if value else ""
    for name, body in re.findall(r'<select[^>]*\sname="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', body)
        data[name] = chosen.group(1) if chosen else ""
    for name, body in re.findall(
        r'<textarea[^>]*\sname="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S
    ):
        data[name] = unescape(body).lstrip("\n")
    return {k: v for k, v in data.items() if "__prefix__" not in k}


def membership_row(data: dict[str, object], membership: Membership) -> str:
    """The inline row prefix ("memberships-2") of ``membership``."""
    for key, value in data.items():
        if key.startswith("memberships-") and key.endswith("-id") and value == str(membership.pk):
            return key[: -len("-id")]
    raise AssertionError(f"no inline row for membership {membership.pk}")


@pytest.fixture
def change_url(org_a) -> str:
    return f"/admin/accounts/organization/{org_a.organization.pk}/change/"


@pytest.fixture
def owner_membership(org_a) -> Membership:
    return Membership.objects.get(organization=org_a.organization, user=org_a.owner)


def test_deleting_the_last_owner_in_the_inline_is_refused(
    superuser_client, change_url, owner_membership
):
    data = form_data(superuser_client.get(change_url).content.decode())
    data[f"{membership_row(data, owner_membership)}-DELETE"] = "on"
    response = superuser_client.post(change_url, data)
    assert response.status_code == 200  # the form again, with the error
    assert "must keep at least one owner" in response.content.decode()
    assert Membership.objects.filter(pk=owner_membership.pk, role=Role.OWNER).exists()


def test_demoting_the_last_owner_in_the_inline_is_refused(
    superuser_client, change_url, owner_membership
):
    data = form_data(superuser_client.get(change_url).content.decode())
    data[f"{membership_row(data, owner_membership)}-role"] = Role.MEMBER
    response = superuser_client.post(change_url, data)
    assert "must keep at least one owner" in response.content.decode()
    owner_membership.refresh_from_db()
    assert owner_membership.role == Role.OWNER


def test_handing_ownership_over_in_one_save_works(
    superuser_client, change_url, org_a, owner_membership
):
    admin_membership = Membership.objects.get(organization=org_a.organization, user=org_a.admin)
    data = form_data(superuser_client.get(change_url).content.decode())
    data[f"{membership_row(data, owner_membership)}-DELETE"] = "on"
    data[f"{membership_row(data, admin_membership)}-role"] = Role.OWNER
    response = superuser_client.post(change_url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not Membership.objects.filter(pk=owner_membership.pk).exists()
    admin_membership.refresh_from_db()
    assert admin_membership.role == Role.OWNER


def test_deleting_the_only_owner_as_a_user_is_refused(superuser_client, org_a, org_b):
    url = f"/admin/accounts/user/{org_a.owner.pk}/delete/"
    confirm = superuser_client.get(url).content.decode()
    assert "only owner of Org A" in confirm
    superuser_client.post(url, {"post": "yes"})
    assert User.objects.filter(pk=org_a.owner.pk).exists()

    bulk = superuser_client.post(
        "/admin/accounts/user/",
        {
            "action": "delete_selected",
            ACTION_CHECKBOX_NAME: [org_a.owner.pk, org_b.owner.pk],
            "post": "yes",
        },
    )
    assert "only owner of Org A" in bulk.content.decode()
    assert User.objects.filter(pk__in=[org_a.owner.pk, org_b.owner.pk]).count() == 2

    # With another owner, the person can go (their memberships with them).
    add_member(organization=org_a.organization, user=org_a.member, role=Role.OWNER)
    assert superuser_client.post(url, {"post": "yes"}).status_code == 302
    assert not User.objects.filter(pk=org_a.owner.pk).exists()


def test_the_services_refuse_to_take_away_the_last_owner(org_a, owner_membership):
    for attempt in (
        lambda: remove_member(membership=owner_membership),
        lambda: change_member_role(membership=owner_membership, role=Role.ADMIN),
        lambda: delete_user(user=org_a.owner),
    ):
        with pytest.raises(APIError) as refused:
            attempt()
        assert refused.value.code == "LAST_OWNER"
    # The role written on the object in memory (as a form does) is not what counts.
    owner_membership.role = Role.MEMBER
    with pytest.raises(APIError):
        remove_member(membership=owner_membership)
    assert Membership.objects.filter(organization=org_a.organization, role=Role.OWNER).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_owners_demoting_each_other_at_once_leave_one(org_a, owner_membership):
    """Both see two owners unless the owners' rows are locked: PostgreSQL only."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serializes writers anyway")
    second = add_member(organization=org_a.organization, user=org_a.admin, role=Role.OWNER)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def demote(membership: Membership) -> None:
        from django.db import connection as thread_connection

        try:
            barrier.wait(timeout=10)
            change_member_role(membership=membership, role=Role.MEMBER)
            outcomes.append("demoted")
        except APIError as exc:
            outcomes.append(exc.code)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=demote, args=(m,)) for m in (owner_membership, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["LAST_OWNER", "demoted"]
    assert Membership.objects.filter(organization=org_a.organization, role=Role.OWNER).count() == 1
