""" "View as customer": support staff see an organization's dashboard, read-only.

Started from the organization's admin page with a reason (``support.services.start_view_as``,
audited); kept in the staff member's session for ``DURATION``. While it lasts, the dashboard's
tenancy (``accounts.web_tenancy``) answers with that organization as a manager would see it,
and refuses every request that is not a read (403), whatever the page.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from django.http import HttpRequest

from accounts.models import Organization
from config.admin_tools import SUPPORT_PERMISSION

SESSION_KEY = "pp_view_as"
DURATION = timedelta(hours=1)
READ_METHODS = ("GET", "HEAD", "OPTIONS")


def begin(request: HttpRequest, *, organization: Organization) -> None:
    request.session[SESSION_KEY] = {
        "org": organization.public_id,
        "until": time.time() + DURATION.total_seconds(),
    }


def stop(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)


def viewed_organization(request: HttpRequest) -> Organization | None:
    """The organization the signed-in staff member is viewing as, if any (and still allowed:
    the permission is checked on every request, and the session entry expires)."""
    entry: Any = request.session.get(SESSION_KEY)
    if not isinstance(entry, dict):
        return None
    user = request.user
    allowed = user.is_active and user.is_staff and user.has_perm(SUPPORT_PERMISSION)
    if not allowed or float(entry.get("until") or 0) < time.time():
        stop(request)
        return None
    organization = Organization.objects.filter(public_id=entry.get("org")).first()
    if organization is None:
        stop(request)
    return organization
