from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from accounts.models import Organization, TenantManager, history_user_of_request
from config.fields import OrderedJSONField
from config.ids import new_cls_id, new_prs_id


class ExtractionTarget(models.TextChoices):
    PER_DOC = "per_doc", "One object per document"
    PER_PAGE = "per_page", "One object per page"
    PER_TABLE_ROW = "per_table_row", "One object per table row"


class Tier(models.TextChoices):
    """What a parser's pages cost and deliver. One tier until the model tier (its own issue)
    lands and adds its own: premium was sold at 3 credits a page for standard's output."""

    STANDARD = "standard", "Standard"


# Said wherever instructions are edited (designer, API schema, admin): nothing reads them yet.
INSTRUCTIONS_HELP = (
    "Used by the model tier (not available yet), which will send them to the model with the "
    "schema. Today's extraction does not read them: it goes by the fields' names, "
    "descriptions and aliases."
)


# Of the documents the automation policy would accept, this share is reviewed by a person.
DEFAULT_AUTO_ACCEPT_SAMPLE_SHARE = 0.02


class Parser(models.Model):
    public_id = models.CharField(max_length=40, unique=True, default=new_prs_id, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="parsers")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    extraction_target = models.CharField(
        max_length=20, choices=ExtractionTarget.choices, default=ExtractionTarget.PER_DOC
    )
    default_pages = models.CharField(max_length=200, blank=True, default="")
    tier = models.CharField(max_length=20, choices=Tier.choices, default=Tier.STANDARD)
    instructions = models.TextField(blank=True, default="", help_text=INSTRUCTIONS_HELP)
    current_version = models.ForeignKey(
        "ParserVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_confidence_threshold = models.FloatField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="Values less confident than this are flagged for review; empty: the "
        "organization's threshold.",
    )
    # Automation policy: documents with no flagged value (and no duplicate) are accepted as
    # they came out, reviewed with review_source "auto"; a share of them goes to the review
    # queue instead, as a sample that measures the error rate of what is accepted.
    auto_accept = models.BooleanField(
        default=False,
        help_text="Accept documents with no flagged value without a person.",
    )
    auto_accept_sample_share = models.FloatField(
        default=DEFAULT_AUTO_ACCEPT_SAMPLE_SHARE,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="Share (0 to 1) of the documents that would be accepted that go to the "
        "review queue instead, as samples.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = TenantManager()
    history = HistoricalRecords(get_user=history_user_of_request)

    class Meta:
        indexes = [models.Index(fields=["organization", "archived_at", "-created_at"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_configured(self) -> bool:
        return self.current_version_id is not None


class ParserVersion(models.Model):
    """An immutable schema snapshot; extractions keep the exact version they ran with."""

    parser = models.ForeignKey(Parser, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    schema = OrderedJSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(get_user=history_user_of_request)

    class Meta:
        ordering = ["parser", "number"]
        constraints = [
            models.UniqueConstraint(fields=["parser", "number"], name="parser_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.parser} v{self.number}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValidationError("Parser versions are immutable; create a new version instead.")
        super().save(*args, **kwargs)


class Classifier(models.Model):
    public_id = models.CharField(max_length=40, unique=True, default=new_cls_id, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="classifiers"
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    threshold = models.FloatField(default=0.2)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = TenantManager()
    history = HistoricalRecords(get_user=history_user_of_request)

    def __str__(self) -> str:
        return self.name


class ClassifierLabel(models.Model):
    classifier = models.ForeignKey(Classifier, on_delete=models.CASCADE, related_name="labels")
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True, default="")
    keywords = models.JSONField(default=list, blank=True)
    parser = models.ForeignKey(
        Parser, null=True, blank=True, on_delete=models.PROTECT, related_name="classifier_labels"
    )
    position = models.PositiveIntegerField(default=0)

    history = HistoricalRecords(get_user=history_user_of_request)

    class Meta:
        ordering = ["classifier", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["classifier", "name"], name="classifier_label_unique")
        ]

    def __str__(self) -> str:
        return self.name
