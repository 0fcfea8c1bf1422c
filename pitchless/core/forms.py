"""Forms of the core pages."""

from __future__ import annotations

from django import forms

from pitchless.guard._normalize import MAX_INPUT_CHARS


class TryGuardForm(forms.Form):
    """A message and the context the guard should assume for it."""

    text = forms.CharField(
        label="Message",
        widget=forms.Textarea(attrs={"rows": 8, "placeholder": "Paste a message you received"}),
        max_length=MAX_INPUT_CHARS * 5,
        strip=False,
        help_text="Only the first 20,000 characters are checked.",
    )
    subject = forms.CharField(label="Subject (optional)", required=False, max_length=2000)
    minutes_since_connect = forms.IntegerField(
        label="Minutes since you connected",
        required=False,
        min_value=0,
        max_value=60 * 24 * 365 * 50,
        help_text="Leave empty if you are not connected to the sender.",
    )
    recipient_replied = forms.IntegerField(
        label="Messages you ever sent this person",
        min_value=0,
        max_value=1_000_000,
        initial=0,
    )
    same_text_recipients = forms.IntegerField(
        label="Members who got the same text this week",
        min_value=1,
        max_value=10_000_000,
        initial=1,
    )
