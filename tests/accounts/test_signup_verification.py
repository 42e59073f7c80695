"""Sign-up abuse: the free credits come only once the address is verified (a signed link sent
through Django's mail backend, the locmem one here), and neither sign-up nor password reset
tells whether an address has an account: the same response and message either way; only the
mailbox learns which."""

from __future__ import annotations

import difflib
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import Membership, Organization, Role, User
from billing.models import CreditLedgerEntry
from billing.services import get_balance

pytestmark = pytest.mark.django_db

NEW = {"organization_name": "Acme Ltd", "email": "Jane@Acme.test", "password": "s3cure-enough-pw"}


def link_in(message) -> str:
    return re.search(r"https?://[^/\s]+(/\S+/)", message.body).group(1)


def answer(client: Client, response) -> tuple[int, str, bytes]:
    """What a visitor sees: the status, where it leads, and the page there (no CSRF token)."""
    location = response.get("Location", "")
    page = client.get(location) if location else response
    # CSRF tokens are masked afresh for every response: not a difference between addresses.
    body = re.sub(rb'(csrfmiddlewaretoken" value=|"X-CSRFToken": )"[^"]+"', rb"\1", page.content)
    return response.status_code, location, body


def diff(answers) -> str:
    a, b = (x[2].decode().splitlines() for x in answers)
    return "\n".join(difflib.unified_diff(a, b, lineterm=""))


def test_credits_only_after_the_address_is_verified(client: Client, settings) -> None:
    settings.PP_SIGNUP_FREE_CREDITS = 42
    response = client.post(reverse("web:signup"), NEW)
    assert response.status_code == 302 and response["Location"] == reverse("web:signup-sent")
    user = User.objects.get(email="jane@acme.test")
    organization = Membership.objects.get(user=user, role=Role.OWNER).organization
    assert organization.name == "Acme Ltd"
    assert user.email_verified_at is None
    assert get_balance(organization=organization) == 0
    assert not CreditLedgerEntry.objects.filter(organization=organization).exists()
    # Not signed in yet: the link does that.
    assert client.get(reverse("web:home")).status_code == 302

    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["jane@acme.test"]
    link = link_in(mail.outbox[0])
    assert "42 free credits" in mail.outbox[0].body
    # A forged or altered link does nothing.
    forged = client.get(link[:-3] + "xx/")
    assert b"This link cannot be used" in forged.content
    assert get_balance(organization=organization) == 0

    verified = client.get(link)
    assert verified.status_code == 302 and verified["Location"] == reverse("web:home")
    user.refresh_from_db()
    assert user.email_verified_at is not None
    assert get_balance(organization=organization) == 42
    home = client.get(reverse("web:home")).content.decode()
    assert "42 free credits" in home and 'data-testid="verify-banner"' not in home
    # The link is single-use: following it again grants nothing more.
    again = Client().get(link)
    assert b"This link cannot be used" in again.content
    assert get_balance(organization=organization) == 42
    assert CreditLedgerEntry.objects.filter(organization=organization).count() == 1


def test_an_unverified_person_can_log_in_and_resend_the_link(client: Client, settings) -> None:
    settings.PP_SIGNUP_FREE_CREDITS = 10
    client.post(reverse("web:signup"), NEW)
    client.post(reverse("web:login"), {"email": NEW["email"], "password": NEW["password"]})
    home = client.get(reverse("web:home")).content.decode()
    assert 'data-testid="verify-banner"' in home and "10 free credits" in home
    assert re.search(r'data-testid="home-balance">0<', home)
    client.post(reverse("web:verify-email-resend"))
    assert len(mail.outbox) == 2
    client.get(link_in(mail.outbox[1]))
    organization = Organization.objects.get(name="Acme Ltd")
    assert get_balance(organization=organization) == 10


def test_sign_up_does_not_tell_whether_an_address_has_an_account(org_a, settings) -> None:
    settings.PP_SIGNUP_FREE_CREDITS = 42
    taken = {**NEW, "email": org_a.owner.email.upper(), "organization_name": "Acme Ltd"}
    answers = [
        answer(c, c.post(reverse("web:signup"), data))
        for c, data in (
            (Client(), NEW),
            (Client(), taken),
        )
    ]
    assert answers[0] == answers[1], diff(answers)
    status, location, body = answers[0]
    assert status == 302 and location == reverse("web:signup-sent")
    assert b"Check your email" in body
    # Only the mailboxes differ: a link for the new address, a note for the existing one.
    new_mail, existing_mail = mail.outbox
    assert new_mail.to == ["jane@acme.test"] and "/verify/" in new_mail.body
    assert existing_mail.to == [org_a.owner.email]
    assert "already has an account" in existing_mail.body and "/verify/" not in existing_mail.body
    # The existing account and its organizations are untouched; no second organization.
    assert Organization.objects.filter(name="Acme Ltd").count() == 1
    assert org_a.owner.check_password("correct-horse-battery")
    # A weak password is refused the same way for either address.
    weak = []
    for data in (NEW | {"email": "other@acme.test"}, taken):
        client = Client()
        status, _, body = answer(
            client, client.post(reverse("web:signup"), data | {"password": "123"})
        )
        # The form shows back the address typed, whichever it is.
        weak.append((status, body.replace(data["email"].encode(), b"EMAIL")))
    assert weak[0] == weak[1] and weak[0][0] == 200 and b"too short" in weak[0][1]
    assert len(mail.outbox) == 2  # nothing sent for a refused sign-up


def test_password_reset_does_not_tell_whether_an_address_has_an_account(org_a) -> None:
    answers = [
        answer(c, c.post(reverse("web:password_reset"), {"email": email}))
        for c, email in ((Client(), org_a.member.email), (Client(), "nobody@example.com"))
    ]
    assert answers[0] == answers[1], diff(answers)
    status, location, body = answers[0]
    assert status == 302 and location == reverse("web:password_reset_done")
    assert b"If an account exists for that address" in body
    assert [m.to for m in mail.outbox] == [[org_a.member.email]]
