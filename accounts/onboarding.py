"""Sign-up, invitations and organization settings: the state changes behind the dashboard's
account pages (kept out of the views so the admin or a future API can call the same rules).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Invitation, Membership, Organization, Role, User
from accounts.services import add_member, create_organization
from config.errors import APIError

INVITATION_LIFETIME = timedelta(days=7)


def hash_invitation_token(token: str) -> str:
    # The token is 32 random bytes: an unsalted hash is enough and keeps lookup indexed.
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class NewInvitation:
    invitation: Invitation
    token: str  # sent by email once; only its hash is stored


def normalize_email(email: str) -> str:
    return User.objects.normalize_email((email or "").strip()).lower()


@dataclass(frozen=True, slots=True)
class SignUp:
    """What a sign-up did. The caller answers the same either way (and e-mails the address):
    whether an address has an account is told only to whoever reads its mail."""

    user: User  # the new account, or the one the address already had
    created: bool


class EmailVerificationTokenGenerator(PasswordResetTokenGenerator):
    """Signed, expiring (``PASSWORD_RESET_TIMEOUT``) links proving a person reads their mail;
    a link stops working once the address is verified."""

    key_salt = "accounts.onboarding.EmailVerificationTokenGenerator"

    def _make_hash_value(self, user: User, timestamp: int) -> str:  # type: ignore[override]
        return f"{user.pk}{user.email}{user.email_verified_at}{timestamp}"


email_verification_tokens = EmailVerificationTokenGenerator()


@transaction.atomic
def sign_up(*, email: str, password: str, organization_name: str) -> SignUp:
    """A new person and their new organization, owned by them, without credits yet: the
    sign-up credits come when the address is verified (``verify_email``). An address that
    has an account changes nothing (``created`` False)."""
    email = normalize_email(email)
    if not email:
        raise APIError("INVALID_PAYLOAD", "An email address is required.")
    # The password is judged first, the same for any address, so that its answer tells
    # nothing about the address.
    user = User(email=email)
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise APIError("WEAK_PASSWORD", " ".join(exc.messages)) from None
    user.set_password(password)  # hashed either way: the time taken tells nothing either
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        return SignUp(user=existing, created=False)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        # Two sign-ups racing for one address: the unique constraint decides.
        return SignUp(user=User.objects.get(email__iexact=email), created=False)
    create_organization(name=organization_name, owner=user)
    return SignUp(user=user, created=True)


def signup_organization(user: User) -> Organization | None:
    """The organization created with the account (the first one it owns)."""
    membership = (
        Membership.objects.filter(user=user, role=Role.OWNER)
        .select_related("organization")
        .order_by("id")
        .first()
    )
    return membership.organization if membership is not None else None


@transaction.atomic
def verify_email(*, user: User) -> int:
    """Mark the address verified; the first time only, grant the sign-up credits to the
    organization created at sign-up. Returns the credits granted (0 when verified before)."""
    from billing.services import grant_credits

    verified = User.objects.filter(pk=user.pk, email_verified_at__isnull=True).update(
        email_verified_at=timezone.now()
    )
    user.refresh_from_db(fields=["email_verified_at"])
    credits = settings.PP_SIGNUP_FREE_CREDITS
    organization = signup_organization(user)
    if not verified or not credits or organization is None:
        return 0
    grant_credits(
        organization=organization,
        credits=credits,
        reason="Sign-up credits (email verified)",
        cause_key=f"signup-verified:{user.pk}",
    )
    return credits


def assignable_roles(*, actor_role: str) -> list[str]:
    """Owners grant any role; admins manage admins and members, never owners."""
    if actor_role == Role.OWNER:
        return [Role.OWNER, Role.ADMIN, Role.MEMBER]
    if actor_role == Role.ADMIN:
        return [Role.ADMIN, Role.MEMBER]
    return []


def _check_role_change(*, actor_role: str, role: str, current_role: str | None = None) -> None:
    allowed = assignable_roles(actor_role=actor_role)
    if role not in Role.values:
        raise APIError("INVALID_PAYLOAD", f"Unknown role {role!r}.")
    if role not in allowed or (current_role is not None and current_role not in allowed):
        raise APIError(
            "FORBIDDEN", "Only owners can grant or change the owner role.", status_code=403
        )


@transaction.atomic
def invite_member(
    *, organization: Organization, email: str, role: str, invited_by: User, actor_role: str
) -> NewInvitation:
    email = normalize_email(email)
    if not email:
        raise APIError("INVALID_PAYLOAD", "An email address is required.")
    _check_role_change(actor_role=actor_role, role=role)
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise APIError("ALREADY_MEMBER", f"{email} is already a member of {organization.name}.")
    # A new invitation replaces any pending one for the same address.
    Invitation.objects.for_org(organization).filter(
        email__iexact=email, accepted_at__isnull=True
    ).delete()
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organization=organization,
        email=email,
        role=role,
        hashed_token=hash_invitation_token(token),
        invited_by=invited_by,
        expires_at=timezone.now() + INVITATION_LIFETIME,
    )
    return NewInvitation(invitation=invitation, token=token)


def pending_invitation(*, token: str) -> Invitation | None:
    """The invitation a link points to, if it is still usable."""
    if not token:
        return None
    return (
        Invitation.objects.select_related("organization", "invited_by")
        .filter(
            hashed_token=hash_invitation_token(token),
            accepted_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .first()
    )


@transaction.atomic
def accept_invitation(*, token: str, user: User) -> Membership:
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("organization")
        .filter(hashed_token=hash_invitation_token(token))
        .first()
    )
    if invitation is None or invitation.accepted_at is not None:
        raise APIError("INVITATION_INVALID", "This invitation link is invalid or already used.")
    if invitation.expires_at <= timezone.now():
        raise APIError("INVITATION_EXPIRED", "This invitation has expired; ask for a new one.")
    if normalize_email(user.email) != normalize_email(invitation.email):
        raise APIError(
            "INVITATION_EMAIL_MISMATCH",
            f"This invitation was sent to {invitation.email}; log in with that address.",
        )
    existing = Membership.objects.filter(user=user, organization=invitation.organization).first()
    membership = existing or add_member(
        organization=invitation.organization, user=user, role=invitation.role
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return membership


@transaction.atomic
def sign_up_with_invitation(*, token: str, password: str) -> tuple[User, Membership]:
    """A person who was invited and has no account yet: the account joins the organization."""
    invitation = pending_invitation(token=token)
    if invitation is None:
        raise APIError("INVITATION_INVALID", "This invitation link is invalid or has expired.")
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise APIError("EMAIL_TAKEN", "You already have an account: log in to accept.")
    user = User(email=invitation.email)
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise APIError("WEAK_PASSWORD", " ".join(exc.messages)) from None
    user.set_password(password)
    # The invitation came to this address: following it proves the person reads it.
    user.email_verified_at = timezone.now()
    user.save()
    return user, accept_invitation(token=token, user=user)


def revoke_invitation(*, invitation: Invitation) -> None:
    Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).delete()


@transaction.atomic
def set_member_role(*, membership: Membership, role: str, actor_role: str) -> Membership:
    from accounts.services import change_member_role

    _check_role_change(actor_role=actor_role, role=role, current_role=membership.role)
    return change_member_role(membership=membership, role=role)


@transaction.atomic
def remove_member_as(*, membership: Membership, actor_role: str) -> None:
    from accounts.services import remove_member

    if membership.role not in assignable_roles(actor_role=actor_role):
        raise APIError("FORBIDDEN", "Only owners can remove an owner.", status_code=403)
    remove_member(membership=membership)


@transaction.atomic
def update_organization(
    *, organization: Organization, name: str, review_confidence_threshold: float
) -> Organization:
    name = (name or "").strip()
    if not name:
        raise APIError("INVALID_PAYLOAD", "An organization needs a name.")
    if not 0.0 <= review_confidence_threshold <= 1.0:
        raise APIError("INVALID_PAYLOAD", "The review threshold is between 0 and 1.")
    organization.name = name[:200]
    organization.review_confidence_threshold = review_confidence_threshold
    organization.save(update_fields=["name", "review_confidence_threshold"])
    return organization
