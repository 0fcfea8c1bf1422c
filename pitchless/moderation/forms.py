"""Forms of the moderation pages: each action's fields, validated before a service runs."""

from __future__ import annotations

from datetime import datetime, time

from django import forms
from django.utils import timezone

from pitchless.network.models import Folder, ModeratorRestriction

_REASON = {"max_length": 500, "widget": forms.Textarea({"rows": 2})}


def _start_of(day: object) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))  # type: ignore[arg-type]


class ReasonForm(forms.Form):
    """A reason, shown to the member for warnings, restrictions and suspensions."""

    reason = forms.CharField(**_REASON)  # type: ignore[arg-type]
    #: the report the action answers, if any; it is closed with the action
    report = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)


class OptionalReasonForm(ReasonForm):
    """A reason that may be left empty (releasing a held message)."""

    reason = forms.CharField(required=False, **_REASON)  # type: ignore[arg-type]
    folder = forms.ChoiceField(
        choices=[(Folder.PITCHES, "Their Pitches folder"), (Folder.INBOX, "Their Inbox")],
        initial=Folder.PITCHES,
        label="Deliver to",
    )


class UntilForm(ReasonForm):
    """A reason and the day the measure ends (at 00:00 that day)."""

    until = forms.DateField(label="Until", widget=forms.DateInput(attrs={"type": "date"}))

    def clean_until(self) -> datetime:
        """The end as an aware datetime; it must be in the future."""
        ends = _start_of(self.cleaned_data["until"])
        if ends <= timezone.now():
            raise forms.ValidationError("Choose a day after today.")
        return ends


class RestrictForm(UntilForm):
    """A graduated restriction."""

    level = forms.ChoiceField(choices=ModeratorRestriction.Level.choices, label="Restriction")
    invitations_per_week = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=1000,
        label="Invitations a week",
        help_text="Empty: the site's restricted cap.",
    )
