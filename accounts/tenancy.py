"""Tenancy: who is calling, for which organization, and the one way to load their objects.

Every API view reads the caller's organization from ``request.auth`` (a ``TenantContext`` put
there by the authentication classes) and loads objects through ``get_for_org``, which answers
404 for an object of another organization exactly as for one that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models

from config.errors import APIError, NotFoundError

if TYPE_CHECKING:
    from accounts.models import APIKey, Organization, User

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True, slots=True)
class TenantContext:
    organization: Organization
    role: str
    user: User | None = None
    api_key: APIKey | None = None
    token: Any = None  # the validated JWT, when signed in with one

    @property
    def can_manage(self) -> bool:
        from accounts.models import MANAGER_ROLES

        return self.role in MANAGER_ROLES

    @property
    def actor_label(self) -> str:
        if self.user is not None:
            return self.user.email
        if self.api_key is not None:
            return f"API key {self.api_key.prefix}…"
        return "system"


def tenant_of(request: Any) -> TenantContext:
    """The caller's tenant context; permission classes guarantee it exists in API views."""
    context = getattr(request, "auth", None)
    if not isinstance(context, TenantContext):
        raise APIError("UNAUTHORIZED", "Authentication required.", status_code=401)
    return context


def get_for_org(
    queryset: models.QuerySet[M] | type[M],
    organization: Organization,
    public_id: Any,
    *,
    not_found_code: str = "NOT_FOUND",
    label: str = "Object",
) -> M:
    """Load one object by public id within ``organization``; 404 if missing or someone else's."""
    qs = queryset._default_manager.all() if isinstance(queryset, type) else queryset
    if not isinstance(public_id, str) or not public_id:
        raise NotFoundError(not_found_code, f"{label} not found.")
    try:
        return qs.get(organization=organization, public_id=public_id)
    except qs.model.DoesNotExist:
        raise NotFoundError(not_found_code, f"{label} {public_id} not found.") from None
