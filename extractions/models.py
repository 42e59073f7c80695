from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from accounts.models import APIKey, Organization, TenantManager, history_user_of_request
from config.fields import OrderedJSONField
from config.ids import new_doc_id, new_ext_id, new_file_id, new_whd_id, new_whk_id
from parsers.models import Classifier, Parser, ParserVersion


class StoredFile(models.Model):
    """Bytes in storage: a file uploaded with a submission, or staged for a batch."""

    class Kind(models.TextChoices):
        SUBMISSION = "submission", "Uploaded with a submission"
        STAGED = "staged", "Staged for a batch"

    class UploadStatus(models.TextChoices):
        PENDING = "pending", "Awaiting presigned upload"
        UPLOADED = "uploaded", "Uploaded"

    public_id = models.CharField(max_length=40, unique=True, default=new_file_id, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.SUBMISSION)
    upload_status = models.CharField(
        max_length=16, choices=UploadStatus.choices, default=UploadStatus.UPLOADED
    )
    storage_key = models.CharField(max_length=500)
    filename = models.CharField(max_length=255)
    size = models.BigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True, default="")
    media_type = models.CharField(max_length=100, blank=True, default="")
    page_count = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)
    purged_at = models.DateTimeField(null=True, blank=True)

    objects = TenantManager()

    class Meta:
        indexes = [
            models.Index(fields=["kind", "expires_at"], name="storedfile_expiry_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.filename}"


class ExtractionStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    PROCESSING = "processing", "Processing"
    COMPLETED = "completed", "Completed"
    PARTIALLY_FAILED = "partially_failed", "Partially failed"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class DocumentStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    PROCESSING = "processing", "Processing"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


# The document statuses as the API's enums list them (values only): named once in the OpenAPI
# document (SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]).
DOCUMENT_STATUS_VALUES = list(DocumentStatus.values)


class ReviewSource(models.TextChoices):
    """Who reviewed a document."""

    USER = "user", "A person (dashboard or a user's token)"
    API_KEY = "api_key", "An API key"
    SUPPORT = "support", "PerfectParser support"
    AUTO = "auto", "Accepted automatically"


# Reviews by people (the samples' error rate is measured on these).
PERSON_REVIEW_SOURCES = (ReviewSource.USER, ReviewSource.API_KEY, ReviewSource.SUPPORT)


class Triage(models.TextChoices):
    """Where a finished run sent the document (set when it completes; kept after reviews)."""

    REVIEW = "review", "To the review queue (a flagged value, or a duplicate)"
    SAMPLE = "sample", "To the review queue as a sample of what would be accepted"
    AUTO_ACCEPTED = "auto_accepted", "Accepted automatically"
    NOT_FLAGGED = "not_flagged", "Nothing flagged (automation off)"


class DuplicateMatch(models.TextChoices):
    SAME_FILE = "same_file", "The same file (SHA-256)"
    SAME_ISSUER_NUMBER_TOTAL = "same_issuer_number_total", "The same issuer, number and total"


TERMINAL_DOCUMENT_STATUSES = frozenset(
    {DocumentStatus.COMPLETED, DocumentStatus.FAILED, DocumentStatus.CANCELLED}
)


class Extraction(models.Model):
    """One submission (multipart files) or batch (staged file ids)."""

    class Source(models.TextChoices):
        API = "api", "API"
        BATCH = "batch", "API batch"
        SYNC = "sync", "Synchronous API"
        DASHBOARD = "dashboard", "Dashboard"

    public_id = models.CharField(max_length=40, unique=True, default=new_ext_id, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="extractions"
    )
    parser = models.ForeignKey(
        Parser, null=True, blank=True, on_delete=models.PROTECT, related_name="extractions"
    )
    parser_version = models.ForeignKey(
        ParserVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="extractions"
    )
    classifier = models.ForeignKey(
        Classifier, null=True, blank=True, on_delete=models.PROTECT, related_name="extractions"
    )
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.API)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    api_key = models.ForeignKey(
        APIKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=20, choices=ExtractionStatus.choices, default=ExtractionStatus.QUEUED
    )
    options = models.JSONField(default=dict, blank=True)  # pages, extraction_target, ...
    metadata = models.JSONField(default=dict, blank=True)
    webhook_url = models.URLField(max_length=2000, blank=True, default="")
    idempotency_key = models.CharField(max_length=255, null=True, blank=True)
    request_fingerprint = models.CharField(max_length=64, blank=True, default="")
    idempotency_expires_at = models.DateTimeField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)  # the original 202 body, for replays
    file_count = models.PositiveIntegerField(default=0)
    page_count = models.PositiveIntegerField(default=0)
    credits_used = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    objects = TenantManager()
    history = HistoricalRecords(
        excluded_fields=["response_body", "updated_at"], get_user=history_user_of_request
    )

    class Meta:
        indexes = [
            models.Index(
                fields=["organization", "-created_at", "-id"], name="extraction_org_recent"
            ),
            models.Index(fields=["organization", "status"], name="extraction_org_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="extraction_idempotency_key_unique",
            )
        ]

    def __str__(self) -> str:
        return self.public_id


class Document(models.Model):
    """One file of an extraction, with its result."""

    public_id = models.CharField(max_length=40, unique=True, default=new_doc_id, editable=False)
    # No single-column indexes on these two or updated_at: the composite indexes below start
    # with them, and a document row is rewritten three times per run (hand-out, claim, outcome);
    # each index the row is in costs PostgreSQL work on every one of those writes.
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="documents", db_index=False
    )
    extraction = models.ForeignKey(
        Extraction, on_delete=models.CASCADE, related_name="documents", db_index=False
    )
    stored_file = models.ForeignKey(
        StoredFile, null=True, blank=True, on_delete=models.SET_NULL, related_name="documents"
    )
    parser_version = models.ForeignKey(
        ParserVersion,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
        help_text="The schema version this document ran with (the routed parser's, with a classifier).",
    )
    position = models.PositiveIntegerField(default=0)
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, blank=True, default="")
    media_type = models.CharField(max_length=100, blank=True, default="")
    size = models.BigIntegerField(default=0)
    page_count = models.PositiveIntegerField(default=0)
    pages_selected = models.JSONField(default=list, blank=True)
    credits_used = models.PositiveIntegerField(default=0)
    # Staged files whose pages were unknown at submission (presigned uploads) are charged
    # when they run ("charge:<doc>"), failing with payment_required if the balance is short.
    charge_on_run = models.BooleanField(default=False)
    refunded_credits = models.PositiveIntegerField(default=0)
    reruns = models.PositiveIntegerField(default=0)  # staff re-runs; each charges again

    status = models.CharField(
        max_length=16, choices=DocumentStatus.choices, default=DocumentStatus.QUEUED
    )
    step = models.CharField(max_length=32, blank=True, default="")
    error_code = models.CharField(max_length=64, blank=True, default="")
    error_message = models.TextField(blank=True, default="")
    attempts = models.PositiveIntegerField(default=0)
    worker = models.CharField(max_length=200, blank=True, default="")
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    steps = models.JSONField(default=list, blank=True)  # [{"name", "seconds"}]

    content = models.JSONField(null=True, blank=True)  # list of page texts
    pages = models.JSONField(null=True, blank=True)  # page infos (size, source, rotation)
    images = models.JSONField(null=True, blank=True)
    # Text, not jsonb: PostgreSQL's jsonb sorts object keys, and people read these in the
    # schema's order (the API's data, the review form, downloads).
    initial_output = OrderedJSONField(null=True, blank=True)
    reviewed_output = OrderedJSONField(null=True, blank=True)
    citations = models.JSONField(null=True, blank=True)
    confidence = models.JSONField(null=True, blank=True)
    min_confidence = models.FloatField(null=True, blank=True)
    # The review queue's key (extractions.flags): the document needs a person while it is
    # unreviewed and this is below its review threshold. The lowest confidence of its values,
    # or FLAGGED_SCORE (-1) when something flags it whatever the threshold (a failing rule).
    review_score = models.FloatField(null=True, blank=True)
    classifier_result = models.JSONField(null=True, blank=True)
    # The parser's validation rules on the current output (initial, or the last review's):
    # [{field, rule, ok, message, fields}] (extractions.validation).
    validation = OrderedJSONField(null=True, blank=True)
    rule_failures = models.PositiveIntegerField(default=0)
    reviewed = models.BooleanField(default=False)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_source = models.CharField(
        max_length=16, choices=ReviewSource.choices, blank=True, default=""
    )
    triage = models.CharField(max_length=16, choices=Triage.choices, blank=True, default="")
    # Non-null values of the initial output, and how many of them the last person's review
    # changed: the error rate of automatically accepted values is measured on the samples.
    value_count = models.PositiveIntegerField(default=0)
    corrected_values = models.PositiveIntegerField(null=True, blank=True)
    # Duplicate detection (services.duplicates): the earlier document of the organization this
    # one repeats (same file, or same issuer + number + total), and the content key compared.
    duplicate_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
        db_index=False,  # a partial index below: only duplicates are in it
    )
    duplicate_match = models.CharField(
        max_length=32, choices=DuplicateMatch.choices, blank=True, default=""
    )
    duplicate_key = models.CharField(max_length=64, blank=True, default="")
    results_purged_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantManager()
    history = HistoricalRecords(
        get_user=history_user_of_request,
        excluded_fields=[
            "content",
            "pages",
            "images",
            "initial_output",
            "citations",
            "confidence",
            "steps",
            "heartbeat_at",
            "updated_at",
        ],
    )

    class Meta:
        indexes = [
            models.Index(fields=["extraction", "updated_at", "id"], name="document_poll_idx"),
            models.Index(fields=["organization", "status"], name="document_org_status"),
            models.Index(fields=["status", "heartbeat_at"], name="document_sweeper_idx"),
            # The review queue: unreviewed completed documents, by their review score.
            models.Index(
                fields=["organization", "review_score"],
                condition=Q(status="completed", reviewed=False, results_purged_at__isnull=True),
                name="document_review_queue_idx",
            ),
            # The dispatcher's "next documents waiting for a slot" of one organization.
            models.Index(
                fields=["organization", "id"],
                condition=Q(status="queued", enqueued_at__isnull=True),
                name="document_waiting_idx",
            ),
            # ... and its count of the slots taken (a handful of rows, even behind a backlog).
            models.Index(
                fields=["organization"],
                condition=Q(status="processing") | Q(status="queued", enqueued_at__isnull=False),
                name="document_inflight_idx",
            ),
            # "Is anything of this extraction still to run?" after each finished document.
            models.Index(fields=["extraction", "status"], name="document_extraction_status"),
            # Duplicate detection: a completed document of the same file, or of the same
            # issuer + number + total (documents enter these when they complete: the writes
            # before, hand-out and claim, do not maintain them).
            models.Index(
                fields=["organization", "sha256"],
                condition=Q(status="completed"),
                name="document_dup_file_idx",
            ),
            models.Index(
                fields=["organization", "duplicate_key"],
                condition=~Q(duplicate_key=""),
                name="document_dup_key_idx",
            ),
            models.Index(
                fields=["duplicate_of"],
                condition=Q(duplicate_of__isnull=False),
                name="document_duplicate_of_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.public_id

    @property
    def output(self) -> object:
        return self.reviewed_output if self.reviewed_output is not None else self.initial_output


class DocumentEdit(models.Model):
    """One changed leaf of a reviewed output: who changed which path from what to what."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="edits")
    path = models.CharField(max_length=500)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    api_key = models.ForeignKey(
        APIKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # PerfectParser support (the Django admin): never a customer's user, so the history, the
    # API and the dashboard tell the customer "PerfectParser support", not a staff address.
    staff_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Why (support's edits and reverts require one; customers' edits leave it empty).
    reason = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantManager()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.document_id} {self.path}"

    @property
    def source(self) -> str:
        """Who made it, in the review sources' words: support, api_key or user."""
        if self.staff_user_id is not None:
            return ReviewSource.SUPPORT
        if self.api_key_id is not None:
            return ReviewSource.API_KEY
        return ReviewSource.USER


WEBHOOK_EVENTS = (
    "extraction.completed",
    "extraction.partially_failed",
    "extraction.failed",
    "extraction.cancelled",
    "document.completed",
    "document.failed",
    "document.needs_review",
    "document.reviewed",
)


class WebhookEndpoint(models.Model):
    public_id = models.CharField(max_length=40, unique=True, default=new_whk_id, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="webhooks"
    )
    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=200, blank=True, default="")
    events = models.JSONField(default=list, blank=True)  # empty = every event
    headers = models.JSONField(default=dict, blank=True)
    # Needed in clear to sign deliveries; shown to the customer once, at creation.
    secret = models.CharField(max_length=100, editable=False)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantManager()

    def __str__(self) -> str:
        return f"{self.public_id} → {self.url}"


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        RETRYING = "retrying", "Retrying"
        FAILED = "failed", "Failed"

    public_id = models.CharField(max_length=40, unique=True, default=new_whd_id, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    endpoint = models.ForeignKey(
        WebhookEndpoint, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    extraction = models.ForeignKey(
        Extraction, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    url = models.URLField(max_length=2000)
    event = models.CharField(max_length=64)
    event_id = models.CharField(max_length=80)
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempt_count = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    objects = TenantManager()

    class Meta:
        verbose_name_plural = "webhook deliveries"
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx"),
            models.Index(fields=["endpoint", "-created_at"], name="delivery_endpoint_idx"),
        ]
        constraints = [
            # One delivery of one event to one URL, however often the event is raised.
            models.UniqueConstraint(fields=["event_id", "url"], name="delivery_event_url_unique")
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.url}"


class WebhookAttempt(models.Model):
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempts")
    attempted_at = models.DateTimeField(auto_now_add=True)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["attempted_at", "id"]

    def __str__(self) -> str:
        return f"attempt {self.pk} of {self.delivery_id}"


class OcrPageCache(models.Model):
    """What OCR read from one page image, for the next run of that image in the same
    organization (a re-run by support, the same file with another parser): the engine's OCR
    cache (``extractions.engine.read.ocr_cache``), whose key is the image's pixels and the
    OCR settings. Never shared across organizations. It belongs to the document whose run
    wrote it and goes with that document's results (retention purges both together)."""

    # the unique (organization, key) index below serves lookups: no index of its own
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64)
    # the engine's JSON payload (lines, rotation, size, seconds), checked by it when read
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="ocr_page_cache_org_key")
        ]

    def __str__(self) -> str:
        return f"OCR of {self.key[:12]} for document {self.document_id}"
