"""The "support" group: what support staff may see and do in the admin.

View everything of the product's apps, change organization settings (retention, concurrency,
support notes), and run the admin actions guarded by ``config.admin_tools.is_support``. No
delete permission at all, and nothing that edits money records.
"""

from __future__ import annotations

from typing import Any

from config.admin_tools import SUPPORT_GROUP

PRODUCT_APPS = ("accounts", "parsers", "extractions", "billing")
EXTRA_CODENAMES = ("change_organization",)


def ensure_support_group(**_: Any) -> None:
    from django.contrib.auth.models import Group, Permission

    group, _created = Group.objects.get_or_create(name=SUPPORT_GROUP)
    permissions = Permission.objects.filter(content_type__app_label__in=PRODUCT_APPS).filter(
        codename__startswith="view_"
    ) | Permission.objects.filter(content_type__app_label="accounts", codename__in=EXTRA_CODENAMES)
    group.permissions.set(permissions)
