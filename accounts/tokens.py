"""JWT pairs for the API: issued per organization, refreshed only while the user may still
use that organization, revoked when that stops.

simplejwt's ``token_blacklist`` app records every refresh token it issues
(``OutstandingToken``); revoking one blacklists it, and a blacklisted refresh token can never
mint an access token again. On top of that, a refresh checks the user and the membership the
token was issued for, so a token issued before a change this module was not told about
(a deactivated account, a membership deleted in the admin) is refused too.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from rest_framework import exceptions, serializers
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken, UntypedToken

from accounts.models import Membership, Organization, User

ORG_CLAIM = "org"
ROLE_CLAIM = "role"


def issue_token_pair(*, membership: Membership) -> dict[str, str]:
    """A refresh + access pair for the membership's user in its organization."""
    refresh = RefreshToken.for_user(membership.user)
    refresh[ORG_CLAIM] = membership.organization.public_id
    refresh[ROLE_CLAIM] = membership.role
    # for_user recorded the token before it had its organization: record the final one, so
    # that removing the member revokes exactly the tokens of that organization.
    OutstandingToken.objects.filter(jti=refresh[api_settings.JTI_CLAIM]).update(token=str(refresh))
    return {"refresh": str(refresh), "access": str(refresh.access_token)}


def _organization_of(token: str) -> str | None:
    try:
        return UntypedToken(token, verify=False).get(ORG_CLAIM)
    except Exception:  # an unreadable stored token: revoke it with the others
        return None


def revoke_refresh_tokens(*, user: User, organization: Organization | None = None) -> int:
    """Blacklist the user's unexpired refresh tokens (those of one organization, or all).
    Returns how many were blacklisted now."""
    outstanding = OutstandingToken.objects.filter(
        user=user, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True
    ).only("id", "token")
    revoked = [
        t
        for t in outstanding
        if organization is None or _organization_of(t.token) in (organization.public_id, None)
    ]
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=t) for t in revoked], ignore_conflicts=True
    )
    return len(revoked)


def flush_expired_tokens() -> int:
    """Forget refresh tokens past their expiry (they are refused anyway); their blacklist
    rows go with them. Returns how many were deleted."""
    deleted, _ = OutstandingToken.objects.filter(expires_at__lt=timezone.now()).delete()
    return deleted


class OrganizationTokenRefreshSerializer(serializers.Serializer):
    """``POST /v1/auth/token/refresh``: a new access token, only while the refresh token is
    not blacklisted, its user is active and still a member of the token's organization."""

    # Write-only: the answer carries the access token alone (the OpenAPI document said the
    # refresh token came back too, and the contract check refused every real answer).
    refresh = serializers.CharField(write_only=True)
    access = serializers.CharField(read_only=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        # Signature, expiry and blacklist (TokenError: answered in simplejwt's shape).
        refresh = RefreshToken(attrs["refresh"])
        user_id = refresh.get(api_settings.USER_ID_CLAIM)
        user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
        if user is None:
            raise exceptions.AuthenticationFailed("No active account found for the given token.")
        membership = Membership.objects.filter(
            user=user, organization__public_id=refresh.get(ORG_CLAIM)
        ).first()
        if membership is None:
            raise exceptions.AuthenticationFailed(
                "This token's organization is no longer accessible to the user."
            )
        access = refresh.access_token
        access[ROLE_CLAIM] = membership.role
        return {"access": str(access)}
