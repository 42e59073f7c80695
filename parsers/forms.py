"""Dashboard forms of the parsers pages. The rules (names, page selections, schemas) are
checked by parsers.services / parsers.schema; these only shape the input."""

from __future__ import annotations

from typing import Any

from django import forms

from config import json_input
from parsers.models import DEFAULT_AUTO_ACCEPT_SAMPLE_SHARE, INSTRUCTIONS_HELP, ExtractionTarget


class ParserForm(forms.Form):
    name = forms.CharField(
        max_length=200, widget=forms.TextInput(attrs={"placeholder": "e.g. Supplier invoices"})
    )
    description = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "What documents is it for?"}),
    )
    extraction_target = forms.ChoiceField(
        label="Extract", choices=ExtractionTarget.choices, initial=ExtractionTarget.PER_DOC
    )
    default_pages = forms.CharField(
        label="Default pages",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "all pages, or e.g. 1-2"}),
    )
    instructions = forms.CharField(
        label="Instructions for the model tier",
        required=False,
        help_text=INSTRUCTIONS_HELP,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    review_confidence_threshold = forms.FloatField(
        label="Review threshold",
        required=False,
        min_value=0.0,
        max_value=1.0,
        widget=forms.NumberInput(attrs={"step": "0.05", "placeholder": "the organization's"}),
        help_text="Values less confident than this are flagged for review. Empty: the "
        "organization's threshold.",
    )
    auto_accept = forms.BooleanField(
        label="Accept documents with no flagged value automatically",
        required=False,
        help_text="They stay completed and become reviewed (by \u201cauto\u201d) as they came "
        "out. Duplicates and documents with a flagged value still go to the review queue.",
    )
    auto_accept_sample_percent = forms.FloatField(
        label="Sample (%)",
        required=False,
        min_value=0.0,
        max_value=100.0,
        initial=DEFAULT_AUTO_ACCEPT_SAMPLE_SHARE * 100,
        widget=forms.NumberInput(attrs={"step": "0.5"}),
        help_text="Of the documents that would be accepted, this share goes to the review "
        "queue instead, marked as a sample: reviewing them measures the error rate.",
    )
    schema = forms.CharField(
        label="JSON Schema",
        required=False,
        widget=forms.Textarea(attrs={"spellcheck": "false", "class": "json-editor", "rows": 24}),
    )

    def clean_schema(self) -> dict[str, Any] | None:
        text = (self.cleaned_data.get("schema") or "").strip()
        if not text:
            return None
        try:
            value = json_input.loads(text)
        except ValueError as exc:
            raise forms.ValidationError(f"The JSON Schema is not valid JSON: {exc}") from None
        if (
            isinstance(value, dict)
            and value.get("type") == "object"
            and not value.get("properties")
        ):
            return None  # no field yet: the parser stays "not configured"
        return value


class ClassifierForm(forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    threshold = forms.FloatField(
        min_value=0.0,
        max_value=1.0,
        initial=0.2,
        widget=forms.NumberInput(attrs={"step": "0.05"}),
        help_text="A document scoring below this for every label fails as not classified.",
    )


class SampleForm(forms.Form):
    file = forms.FileField()
