"""Tenancy for dashboard (session) requests: the current organization lives in the session
and is checked against the user's memberships on every request.

API requests get their organization from the API key or JWT (``accounts.tenancy``); the
dashboard uses this module instead, and converts the same ``NotFoundError`` into a 404 page.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.models import MANAGER_ROLES, Membership, Organization, Role
from accounts.selectors import memberships_of
from accounts.tenancy import TenantContext, get_for_org
from config.errors import APIError, NotFoundError
from support.view_as import READ_METHODS, viewed_organization

SESSION_ORG_KEY = "pp_current_org"

M = TypeVar("M", bound=models.Model)


@dataclass
class WebTenant:
    membership: Membership
    memberships: list[Membership]
    _balance: int | None = field(default=None, repr=False)
    # Support staff viewing as the customer (support.view_as): read-only.
    view_as: bool = False

    @property
    def organization(self) -> Organization:
        return self.membership.organization

    @property
    def role(self) -> str:
        return self.membership.role

    @property
    def user(self) -> Any:
        return self.membership.user

    @property
    def can_manage(self) -> bool:
        return self.role in MANAGER_ROLES

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER

    @property
    def balance(self) -> int:
        if self._balance is None:
            from billing.services import get_balance

            self._balance = get_balance(organization=self.organization)
        return self._balance

    def context(self) -> TenantContext:
        """The same context object API views get, for services that take one."""
        return TenantContext(organization=self.organization, role=self.role, user=self.user)


def resolve_tenant(request: HttpRequest) -> WebTenant | None:
    """The organization chosen in the session if the user still belongs to it, else their
    first one; ``None`` for a user with no organization left. Support staff viewing as a
    customer get that organization, as an admin of it would (read-only: ``org_view``)."""
    viewed = viewed_organization(request)
    if viewed is not None:
        membership = Membership(user=request.user, organization=viewed, role=Role.ADMIN)
        return WebTenant(membership=membership, memberships=[membership], view_as=True)
    memberships = list(memberships_of(user=request.user))
    if not memberships:
        request.session.pop(SESSION_ORG_KEY, None)
        return None
    wanted = request.session.get(SESSION_ORG_KEY)
    chosen = next((m for m in memberships if m.organization.public_id == wanted), memberships[0])
    if wanted != chosen.organization.public_id:
        request.session[SESSION_ORG_KEY] = chosen.organization.public_id
    chosen.user = request.user  # avoid a query per page for the same user
    return WebTenant(membership=chosen, memberships=memberships)


def switch_organization(request: HttpRequest, public_id: str) -> Membership:
    membership = (
        Membership.objects.select_related("organization")
        .filter(user=request.user, organization__public_id=public_id)
        .first()
    )
    if membership is None:
        raise Http404("No such organization.")
    request.session[SESSION_ORG_KEY] = public_id
    return membership


def get_or_404(
    queryset: models.QuerySet[M] | type[M],
    tenant: WebTenant,
    public_id: Any,
    *,
    label: str = "Object",
) -> M:
    """``accounts.tenancy.get_for_org`` for pages: someone else's object is a plain 404."""
    try:
        return get_for_org(queryset, tenant.organization, public_id, label=label)
    except NotFoundError:
        raise Http404(f"{label} not found.") from None


def org_view(view: Callable[..., HttpResponse] | None = None, *, manage: bool = False) -> Any:
    """Decorate a dashboard view: signed in, an organization chosen (``request.tenant``),
    owners/admins only when ``manage``; ``NotFoundError`` → 404, other ``APIError`` → an
    error page that says what to do."""

    def decorate(func: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(func)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            tenant = resolve_tenant(request)
            if tenant is None:
                return redirect("web:no-organization")
            request.tenant = tenant
            if tenant.view_as and request.method not in READ_METHODS:
                raise PermissionDenied("Read-only: you are viewing as the customer.")
            if manage and not tenant.can_manage:
                raise PermissionDenied("Only owners and admins of the organization can do this.")
            try:
                return func(request, *args, **kwargs)
            except NotFoundError:
                raise Http404("Not found.") from None
            except APIError as exc:
                return render_problem(request, exc)

        # Who may open the page, for tests that crawl every dashboard URL (functools.wraps
        # carries it out through require_POST and friends).
        wrapper.tenant_access = "manage" if manage else "member"
        return wrapper

    if view is not None:
        return decorate(view)
    return decorate


def render_problem(request: HttpRequest, exc: APIError) -> HttpResponse:
    status = exc.status_code if 400 <= exc.status_code < 600 else 400
    template = "errors/problem_fragment.html" if request.headers.get("HX-Request") else None
    return render(
        request,
        template or "errors/problem.html",
        {"code": exc.code, "message": exc.message, "details": exc.details},
        status=status,
    )
