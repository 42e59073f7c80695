from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from accounts.models import APIKey, Membership, Organization, Role, User


def memberships_of(*, user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user).select_related("organization").order_by("created_at")
    )


def membership_for(*, user: User, organization: Organization) -> Membership | None:
    return Membership.objects.filter(user=user, organization=organization).first()


def api_keys_of(*, organization: Organization) -> QuerySet[APIKey]:
    return APIKey.objects.for_org(organization).select_related("created_by").order_by("-created_at")


def members_of(*, organization: Organization) -> QuerySet[Membership]:
    return Membership.objects.for_org(organization).select_related("user").order_by("created_at")


def organizations_only_owned_by(*, user: User) -> list[Organization]:
    """The organizations whose only owner is ``user`` (they would be left without one)."""
    owned = Membership.objects.filter(user=user, role=Role.OWNER).values("organization_id")
    return list(
        Organization.objects.filter(pk__in=owned)
        .annotate(owners=Count("memberships", filter=Q(memberships__role=Role.OWNER)))
        .filter(owners=1)
        .order_by("name")
    )
