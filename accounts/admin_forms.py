from __future__ import annotations

from django import forms


class GrantCreditsForm(forms.Form):
    credits = forms.IntegerField(min_value=1, max_value=10_000_000)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class AdjustCreditsForm(forms.Form):
    delta = forms.IntegerField(
        help_text="Positive adds credits, negative removes them (never below zero).",
        min_value=-10_000_000,
        max_value=10_000_000,
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)

    def clean_delta(self) -> int:
        delta = self.cleaned_data["delta"]
        if delta == 0:
            raise forms.ValidationError("An adjustment must change the balance.")
        return delta
