"""Dashboard forms of the accounts pages. Validation of business rules stays in the services."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.utils import timezone

from accounts.models import KeyScope, Role


class LoginForm(forms.Form):
    """Email + password. The field is called ``email`` so that django-axes (configured with
    ``AXES_USERNAME_FORM_FIELD = "email"``) counts failures per address."""

    email = forms.EmailField(
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )
    password = forms.CharField(
        strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def __init__(self, request: Any = None, *args: Any, **kwargs: Any) -> None:
        self.request = request
        self.user_cache = None
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        email, password = cleaned.get("email"), cleaned.get("password")
        if email and password:
            self.user_cache = authenticate(self.request, email=email.lower(), password=password)
            if self.user_cache is None or not self.user_cache.is_active:
                raise forms.ValidationError("Wrong email or password.", code="invalid_login")
        return cleaned

    def get_user(self) -> Any:
        return self.user_cache


class SignUpForm(forms.Form):
    organization_name = forms.CharField(
        label="Organization", max_length=200, widget=forms.TextInput(attrs={"autofocus": True})
    )
    email = forms.EmailField(widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters, not only digits, not a common password.",
    )


class InvitationSignUpForm(forms.Form):
    password = forms.CharField(
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "autofocus": True}),
        help_text="At least 8 characters, not only digits, not a common password.",
    )


class InviteForm(forms.Form):
    email = forms.EmailField()
    role = forms.ChoiceField(choices=Role.choices, initial=Role.MEMBER)

    def __init__(self, *args: Any, roles: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if roles is not None:
            self.fields["role"].choices = [(v, label) for v, label in Role.choices if v in roles]


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class APIKeyForm(forms.Form):
    EXPIRY_DAYS = (
        ("", "Never"),
        ("7", "In 7 days"),
        ("30", "In 30 days"),
        ("90", "In 90 days"),
        ("365", "In a year"),
    )

    name = forms.CharField(
        max_length=100, initial="", widget=forms.TextInput(attrs={"placeholder": "e.g. Production"})
    )
    # The least a program usually needs: submitting documents and reading results.
    scope = forms.ChoiceField(choices=KeyScope.choices, initial=KeyScope.EXTRACT)
    expires_in = forms.ChoiceField(choices=EXPIRY_DAYS, required=False, label="Expires")

    def expires_at(self) -> datetime | None:
        days = self.cleaned_data.get("expires_in")
        return timezone.now() + timedelta(days=int(days)) if days else None


class OrganizationForm(forms.Form):
    name = forms.CharField(max_length=200)
    review_confidence_threshold = forms.FloatField(
        label="Review threshold",
        min_value=0.0,
        max_value=1.0,
        widget=forms.NumberInput(attrs={"step": "0.05"}),
        help_text="Values less confident than this are flagged for review (each parser may "
        "set its own).",
    )


class NewOrganizationForm(forms.Form):
    name = forms.CharField(max_length=200, label="Organization name")
