"""State changes of the accounts app: organizations, members and API keys."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import (
    API_KEY_DISPLAY_LENGTH,
    API_KEY_PREFIX,
    APIKey,
    KeyScope,
    Membership,
    Organization,
    Role,
    User,
    hash_api_key,
)
from accounts.tokens import revoke_refresh_tokens
from config.errors import APIError


@dataclass(frozen=True, slots=True)
class NewAPIKey:
    api_key: APIKey
    secret: str  # shown once; only its hash is stored


@transaction.atomic
def create_organization(
    *,
    name: str,
    owner: User,
    opening_credits: int = 0,
    granted_by: User | None = None,
) -> Organization:
    from billing.services import ensure_credit_account, grant_credits

    name = name.strip()
    if not name:
        raise APIError("INVALID_PAYLOAD", "An organization needs a name.")
    organization = Organization.objects.create(name=name)
    Membership.objects.create(user=owner, organization=organization, role=Role.OWNER)
    ensure_credit_account(organization=organization)
    if opening_credits:
        grant_credits(
            organization=organization,
            credits=opening_credits,
            reason="Opening balance",
            staff_user=granted_by,
        )
    return organization


@dataclass(frozen=True, slots=True)
class OnboardedOrganization:
    organization: Organization
    owner: User
    owner_created: bool
    api_key: NewAPIKey


@transaction.atomic
def onboard_organization(
    *, name: str, owner_email: str, password: str | None = None, credits: int = 0
) -> OnboardedOrganization:
    """An organization with its owner (an existing user is reused; a password given is set),
    the opening credits and an API key: for operators (createorg) and the demo of bin/start."""
    if credits < 0:
        raise APIError("INVALID_PAYLOAD", "Opening credits cannot be negative.")
    owner, created = get_or_create_user(email=owner_email, password=password)
    if not created and password:
        owner.set_password(password)
        owner.save(update_fields=["password"])
    organization = create_organization(name=name, owner=owner, opening_credits=credits)
    new_key = create_api_key(organization=organization, name="Default key", created_by=owner)
    return OnboardedOrganization(organization, owner, created, new_key)


def get_or_create_user(*, email: str, password: str | None = None) -> tuple[User, bool]:
    email = User.objects.normalize_email(email).lower().strip()
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        return user, False
    # Made by an operator (createorg, the admin), who vouches for the address.
    user = User.objects.create_user(
        email=email, password=password, email_verified_at=timezone.now()
    )
    return user, True


@transaction.atomic
def add_member(*, organization: Organization, user: User, role: str = Role.MEMBER) -> Membership:
    if role not in Role.values:
        raise APIError("INVALID_PAYLOAD", f"Unknown role {role!r}.")
    membership, created = Membership.objects.get_or_create(
        user=user, organization=organization, defaults={"role": role}
    )
    if not created and membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


def _refuse_removing_the_last_owner(membership: Membership) -> None:
    """LAST_OWNER if ``membership`` is its organization's only owner, as the database has it
    now: the owners' rows stay locked until the caller's transaction ends, so two owners
    demoting or removing each other at once cannot both succeed."""
    owners = list(
        Membership.objects.select_for_update()
        .filter(organization_id=membership.organization_id, role=Role.OWNER)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if owners == [membership.pk]:
        raise APIError(
            "LAST_OWNER",
            "An organization must keep at least one owner: make someone else owner first.",
        )


@transaction.atomic
def change_member_role(*, membership: Membership, role: str) -> Membership:
    if role not in Role.values:
        raise APIError("INVALID_PAYLOAD", f"Unknown role {role!r}.")
    if role != Role.OWNER:
        _refuse_removing_the_last_owner(membership)
    Membership.objects.filter(pk=membership.pk).update(role=role)
    membership.role = role
    return membership


@transaction.atomic
def remove_member(*, membership: Membership) -> None:
    _refuse_removing_the_last_owner(membership)
    membership.delete()
    # Their refresh tokens for this organization can no longer mint access tokens.
    revoke_refresh_tokens(user=membership.user, organization=membership.organization)


@transaction.atomic
def delete_user(*, user: User) -> None:
    """Delete a person (and their memberships): refused with LAST_OWNER while they are the
    only owner of an organization."""
    for membership in Membership.objects.filter(user=user, role=Role.OWNER).select_related(
        "organization"
    ):
        try:
            _refuse_removing_the_last_owner(membership)
        except APIError:
            raise APIError(
                "LAST_OWNER",
                f"{user.email} is the only owner of {membership.organization.name}: "
                "make someone else owner first.",
            ) from None
    user.delete()


def create_api_key(
    *,
    organization: Organization,
    name: str,
    created_by: User | None = None,
    scope: str = KeyScope.ADMIN,
    expires_at: datetime | None = None,
) -> NewAPIKey:
    name = (name or "").strip() or "API key"
    secret = API_KEY_PREFIX + secrets.token_urlsafe(32)
    api_key = APIKey.objects.create(
        organization=organization,
        name=name[:100],
        prefix=secret[:API_KEY_DISPLAY_LENGTH],
        hashed_secret=hash_api_key(secret),
        created_by=created_by,
        scope=KeyScope(scope),
        expires_at=expires_at,
    )
    return NewAPIKey(api_key=api_key, secret=secret)


def revoke_api_key(*, api_key: APIKey) -> APIKey:
    # Conditional so that revoking twice keeps the first revocation time.
    APIKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    api_key.refresh_from_db(fields=["revoked_at"])
    return api_key
