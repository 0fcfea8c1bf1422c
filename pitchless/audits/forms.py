"""The upload form of "Audit my LinkedIn inbox"."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat


def max_upload_bytes() -> int:
    """The largest export accepted (PITCHLESS_AUDIT_MAX_UPLOAD_BYTES)."""
    return int(settings.PITCHLESS_AUDIT_MAX_UPLOAD_BYTES)


def too_large_message() -> str:
    """The form error for an export over the limit."""
    return (
        f"This file is larger than the {filesizeformat(max_upload_bytes())} this site accepts. "
        "Run `pitchless audit` on your own computer for larger exports."
    )


class UploadForm(forms.Form):
    """An export ZIP and the audit's options."""

    export = forms.FileField(
        label="Your LinkedIn data export (ZIP)",
        help_text="The ZIP from LinkedIn's “Get a copy of your data”.",
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
    )
    days = forms.IntegerField(
        label="Days after connecting that count as connect-and-sell",
        min_value=0,
        max_value=3650,
        initial=7,
    )
    since = forms.DateField(
        label="Only people who first wrote on or after (optional)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    redact = forms.BooleanField(
        label="Replace names with initials and drop profile links in the reports",
        required=False,
    )

    def clean_export(self) -> object:
        upload = self.cleaned_data["export"]
        if upload.size > max_upload_bytes():
            raise forms.ValidationError(too_large_message(), code="too_large")
        return upload
