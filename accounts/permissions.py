"""Who may call an API operation: a member of the organization (an API key or a JWT issued for
it), a manager for some, and, for API keys, a key whose scope covers the operation.

Every API view declares the scope its methods need for API keys, with ``required_scopes``
(``scopes(get=READ, post=EXTRACT)``, or ``scopes(all=ADMIN)``). A method it does not declare is
refused to every API key (403 ``INSUFFICIENT_SCOPE``): a new endpoint is closed to keys until it
says what it needs (tests/accounts/test_key_scopes.py walks every /v1 route). Scopes apply to
API keys only; people signed in with a JWT have their role.
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission

from accounts.models import KeyScope
from accounts.tenancy import TenantContext
from config.errors import APIError

READ = KeyScope.READ
EXTRACT = KeyScope.EXTRACT
ADMIN = KeyScope.ADMIN
ALL_METHODS = "*"


def scopes(*, all: str | None = None, **by_method: str) -> dict[str, str]:
    """``required_scopes`` of a view: the scope per HTTP method (``all``: every method)."""
    declared = {method.upper(): KeyScope(scope) for method, scope in by_method.items()}
    if all is not None:
        declared[ALL_METHODS] = KeyScope(all)
    return declared


def required_scope(view: Any, method: str) -> KeyScope | None:
    """The scope an API key needs for ``method`` on ``view``; None when it declares none."""
    declared = getattr(view, "required_scopes", None) or {}
    method = method.upper()
    if method == "OPTIONS" and declared:
        return KeyScope.READ  # it describes the operations, changes nothing
    if method == "HEAD":
        method = "GET"  # GET without the body
    return declared.get(method) or declared.get(ALL_METHODS)


def check_key_scope(context: TenantContext, view: Any, method: str) -> None:
    """Refuse an API key whose scope does not cover the operation (403 INSUFFICIENT_SCOPE)."""
    key = context.api_key
    if key is None:
        return
    needed = required_scope(view, method)
    if needed is None:
        raise APIError(
            "INSUFFICIENT_SCOPE",
            "API keys cannot call this operation.",
            status_code=403,
            details={"key_scope": key.scope, "required_scope": None},
        )
    if not key.allows(needed):
        raise APIError(
            "INSUFFICIENT_SCOPE",
            f"This API key's scope is {key.scope}; this operation needs {needed.value}.",
            status_code=403,
            details={"key_scope": key.scope, "required_scope": needed.value},
        )


class IsOrganizationMember(BasePermission):
    """Authenticated for an organization, by API key (of a sufficient scope) or by a JWT."""

    def has_permission(self, request: Any, view: Any) -> bool:
        context = getattr(request, "auth", None)
        if not isinstance(context, TenantContext):
            return False
        check_key_scope(context, view, request.method)
        return True


class CanManageOrganization(BasePermission):
    """Owners and admins (and admin-scoped API keys, which only they can create)."""

    message = "Only owners and admins of the organization can do this."

    def has_permission(self, request: Any, view: Any) -> bool:
        context = getattr(request, "auth", None)
        if not isinstance(context, TenantContext):
            return False
        check_key_scope(context, view, request.method)
        return context.can_manage
