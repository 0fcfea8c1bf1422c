"""Forms of the network pages."""

from __future__ import annotations

from django import forms

from pitchless.network.services import MAX_MESSAGE_CHARS, MAX_NOTE_CHARS


class InvitationForm(forms.Form):
    """An invitation's optional note."""

    note = forms.CharField(
        label="Add a note (optional)",
        max_length=MAX_NOTE_CHARS,
        required=False,
        widget=forms.Textarea({"rows": 4, "maxlength": MAX_NOTE_CHARS}),
        help_text=f"At most {MAX_NOTE_CHARS} characters. Say how you know each other.",
    )


class QuestionForm(forms.Form):
    """ "Ask why": a question to the inviter about their note."""

    question = forms.CharField(
        label="Your question",
        max_length=MAX_NOTE_CHARS,
        widget=forms.Textarea({"rows": 3, "maxlength": MAX_NOTE_CHARS}),
    )


class AnswerForm(forms.Form):
    """The inviter's answer to a question."""

    answer = forms.CharField(
        label="Your answer",
        max_length=MAX_NOTE_CHARS,
        widget=forms.Textarea({"rows": 3, "maxlength": MAX_NOTE_CHARS}),
    )


class MessageForm(forms.Form):
    """A message, with a key that makes a double-submitted form store it once."""

    text = forms.CharField(
        label="Message",
        max_length=MAX_MESSAGE_CHARS,
        widget=forms.Textarea({"rows": 4}),
    )
    idempotency_key = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)


class ReportForm(forms.Form):
    """Why a member is reported."""

    reason = forms.CharField(
        label="What happened?",
        max_length=500,
        required=False,
        widget=forms.Textarea({"rows": 3}),
    )


class SearchForm(forms.Form):
    """A search box."""

    q = forms.CharField(label="Search", max_length=200, required=False)
