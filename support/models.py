"""The support audit log: every action PerfectParser staff take on a customer's data.

Written by ``support.services`` in the same transaction as the action it records, so an
action without its log line cannot exist. Superusers read all of it in the admin; an
organization's owners read theirs in the dashboard's Settings.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from accounts.models import Organization, TenantManager
from extractions.models import Document


class SupportAction(models.Model):
    class Kind(models.TextChoices):
        EDIT = "edit", "Corrected a document's output"
        REVERT = "revert", "Reverted an edit"
        GRANT = "grant", "Granted credits"
        ADJUST = "adjust", "Adjusted credits"
        RERUN = "rerun", "Re-ran a document"
        VIEW_AS = "view_as", "Viewed the dashboard as the customer"
        DOWNLOAD = "download", "Downloaded an original file"

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="support_actions"
    )
    staff_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept as text too: the log still says who after the staff account is deleted.
    staff_email = models.CharField(max_length=254)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    target = models.CharField(max_length=64, blank=True, default="")  # doc_…, org_…
    summary = models.CharField(max_length=500, blank=True, default="")
    reason = models.TextField(blank=True, default="")
    details = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = TenantManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        # config.admin_tools.SUPPORT_PERMISSION: lets staff act (correct outputs, revert, grant
        # credits, re-run, view as the customer); staff without it see the admin read-only.
        permissions = [("act", "Can act as PerfectParser support (edit, grant, re-run, view as)")]
        indexes = [models.Index(fields=["organization", "-created_at"], name="support_org_recent")]

    def __str__(self) -> str:
        return f"{self.staff_email} {self.kind} {self.target}"


class DocumentToReview(Document):
    """The review queue across organizations, as its own changelist in the admin (a proxy:
    no table; the queue's condition is ``extractions.flags.needs_review_q``)."""

    class Meta:
        proxy = True
        verbose_name = "document to review"
        verbose_name_plural = "documents to review (all organizations)"
