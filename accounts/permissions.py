from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission

from accounts.tenancy import TenantContext


class IsOrganizationMember(BasePermission):
    """Authenticated for an organization, by API key or by a JWT issued for it."""

    def has_permission(self, request: Any, view: Any) -> bool:
        return isinstance(getattr(request, "auth", None), TenantContext)


class CanManageOrganization(BasePermission):
    """Owners and admins (and API keys, which only they can create)."""

    message = "Only owners and admins of the organization can do this."

    def has_permission(self, request: Any, view: Any) -> bool:
        context = getattr(request, "auth", None)
        return isinstance(context, TenantContext) and context.can_manage
