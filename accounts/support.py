"""The "support" group: what support staff may see and do in the admin.

View everything of the product's apps, change organization settings (retention, concurrency,
support notes), and act: the ``support.act`` permission (``config.admin_tools.is_support``)
guards the admin actions, support's corrections, grants, re-runs and "view as customer". No
delete permission at all, and nothing that edits money records.
"""

from __future__ import annotations

from typing import Any

from config.admin_tools import SUPPORT_GROUP

PRODUCT_APPS = ("accounts", "parsers", "extractions", "billing")
EXTRA_CODENAMES = ("change_organization",)
# The support app: acting (support.act) and its review queue; its audit log is superusers'.
SUPPORT_CODENAMES = ("act", "view_documenttoreview")


def ensure_support_group(**_: Any) -> None:
    from django.contrib.auth.models import Group, Permission

    group, _created = Group.objects.get_or_create(name=SUPPORT_GROUP)
    permissions = (
        Permission.objects.filter(content_type__app_label__in=PRODUCT_APPS).filter(
            codename__startswith="view_"
        )
        | Permission.objects.filter(
            content_type__app_label="accounts", codename__in=EXTRA_CODENAMES
        )
        | Permission.objects.filter(
            content_type__app_label="support", codename__in=SUPPORT_CODENAMES
        )
    )
    group.permissions.set(permissions)
