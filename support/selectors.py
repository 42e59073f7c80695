from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Organization
from support.models import SupportAction

RECENT_ACTIONS = 100


def support_actions_for(*, organization: Organization) -> QuerySet[SupportAction]:
    """What PerfectParser support did in the organization, newest first: what the owners see
    in Settings (who is shown as the staff member's address: owners audit support)."""
    return SupportAction.objects.for_org(organization).order_by("-created_at", "-id")[
        :RECENT_ACTIONS
    ]
