from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from config.ids import new_key_id, new_org_id


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: object) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create(email, password, **extra)


class User(AbstractUser):
    """A person. Signs in with an email address; belongs to organizations via Membership."""

    username = None
    email = models.EmailField("email address", unique=True)
    # When the person proved they read this address (the sign-up link); the sign-up's free
    # credits are granted then, not before (accounts.onboarding.verify_email).
    email_verified_at = models.DateTimeField(null=True, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.email


def history_user_of_request(request: object = None, **kwargs: object) -> object:
    """The audit-history user of a request: a real user only. An API-key request's principal
    (accounts.authentication.APIKeyUser) is not a User row; services record the key as the
    change reason instead."""
    user = getattr(request, "user", None)
    return user if isinstance(user, User) else None


class TenantQuerySet(models.QuerySet):
    """Every tenant-owned model's manager: the one way to scope a query to an organization."""

    def for_org(self, organization: Organization) -> TenantQuerySet:
        return self.filter(organization=organization)


TenantManager = models.Manager.from_queryset(TenantQuerySet)


def default_review_confidence_threshold() -> float:
    """PP_DEFAULT_REVIEW_CONFIDENCE_THRESHOLD, read when an organization is created."""
    return settings.PP_DEFAULT_REVIEW_CONFIDENCE_THRESHOLD


class Organization(models.Model):
    public_id = models.CharField(max_length=40, unique=True, default=new_org_id, editable=False)
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    retention_hours = models.PositiveIntegerField(
        default=30 * 24,
        validators=[MinValueValidator(1), MaxValueValidator(365 * 24)],
        help_text="How long stored files and results are kept (1 hour to 365 days).",
    )
    max_concurrent_documents = models.PositiveIntegerField(
        default=8,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text="At most this many of the organization's documents run at once.",
    )
    review_confidence_threshold = models.FloatField(
        default=default_review_confidence_threshold,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="Values less confident than this are flagged for review (a parser may set "
        "its own threshold).",
    )
    flagged_for_support = models.BooleanField(default=False)
    support_note = models.TextField(blank=True, default="")

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    MEMBER = "member", "Member"


MANAGER_ROLES = frozenset({Role.OWNER, Role.ADMIN})


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization} ({self.role})"

    @property
    def can_manage(self) -> bool:
        return self.role in MANAGER_ROLES


API_KEY_PREFIX = "pp_live_"
API_KEY_DISPLAY_LENGTH = len(API_KEY_PREFIX) + 6


def hash_api_key(secret: str) -> str:
    # The secret is 32 random bytes, so a fast unsalted hash is enough: there is nothing to
    # brute-force, and lookups by hash stay a single indexed query per request.
    return hashlib.sha256(secret.encode()).hexdigest()


class KeyScope(models.TextChoices):
    """What an API key may do; each scope includes the ones before it (``SCOPE_RANK``).
    Every /v1 operation declares the scope it needs (``accounts.permissions``)."""

    READ = "read", "Read-only"
    EXTRACT = "extract", "Extract"
    ADMIN = "admin", "Admin"


SCOPE_RANK = {KeyScope.READ: 0, KeyScope.EXTRACT: 1, KeyScope.ADMIN: 2}
SCOPE_HELP = {
    KeyScope.READ: "reads parsers, extractions, results, files and credits; changes nothing",
    KeyScope.EXTRACT: "read-only, plus submitting documents, uploading files, reviewing and "
    "cancelling extractions, suggesting schemas",
    KeyScope.ADMIN: "everything: parsers, classifiers, webhooks, API keys and billing too",
}


class APIKey(models.Model):
    public_id = models.CharField(max_length=40, unique=True, default=new_key_id, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(
        max_length=20, help_text="The first characters, for recognising a key."
    )
    hashed_secret = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Keys made before scopes could do everything: they stay admin.
    scope = models.CharField(max_length=16, choices=KeyScope.choices, default=KeyScope.ADMIN)
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="After this the key is refused (401). Empty: never."
    )

    objects = TenantManager()

    class Meta:
        verbose_name = "API key"
        indexes = [models.Index(fields=["organization", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    def allows(self, scope: str) -> bool:
        """Whether this key's scope includes ``scope``."""
        return SCOPE_RANK[KeyScope(self.scope)] >= SCOPE_RANK[KeyScope(scope)]


class Invitation(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    hashed_token = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    objects = TenantManager()

    def __str__(self) -> str:
        return f"{self.email} → {self.organization}"
