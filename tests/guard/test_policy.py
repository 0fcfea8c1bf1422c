"""The policy: how text and behaviour combine, and the reasons a recipient reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pitchless.guard import (
    Action,
    BulkCounts,
    Guard,
    Intent,
    MessageContext,
    PolicySettings,
    SenderFacts,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def ctx(
    text: str, *, minutes: float | None = 60 * 24 * 30, replies: int = 1, **kw
) -> MessageContext:
    """A context that, unless a test changes it, adds no behaviour evidence."""
    kw.setdefault("bulk", BulkCounts(recipients=1, senders=1))
    return MessageContext(
        text=text,
        sent_at=NOW,
        connected_at=None if minutes is None else NOW - timedelta(minutes=minutes),
        recipient_messages_to_sender=replies,
        **kw,
    )


def codes(verdict) -> list[str]:
    return [r.code for r in verdict.reasons]


def test_text_alone_decides_in_a_neutral_context(fixed_model):
    guard = Guard(model=fixed_model)
    assert guard.score(ctx("pscore80 hello")).action is Action.PITCHES
    assert guard.score(ctx("pscore30 hello")).action is Action.DELIVER


def test_fast_message_after_connecting_tips_a_borderline_text_and_says_so(fixed_model):
    guard = Guard(model=fixed_model)
    neutral = guard.score(ctx("pscore40 hello"))
    fast = guard.score(ctx("pscore40 hello", minutes=4, replies=0))
    assert neutral.action is Action.DELIVER
    assert fast.action is Action.PITCHES
    assert fast.score > neutral.score
    texts = [r.text for r in fast.reasons]
    assert "sent 4 minutes after you connected" in texts
    assert "you have never replied to this person" in texts


def test_behaviour_alone_never_files_a_friendly_message(fixed_model):
    guard = Guard(model=fixed_model)
    verdict = guard.score(
        ctx(
            "pscore10 happy birthday",
            minutes=1,
            replies=0,
            bulk=BulkCounts(recipients=40, senders=5),
            sender=SenderFacts(report_count=5, reputation=0.0, account_age_days=1),
        )
    )
    assert verdict.action is Action.DELIVER
    assert verdict.score > 0.5  # the behaviour is bad, but the text is not a pitch


def test_bulk_recipients_are_counted_in_the_reason_and_hold_a_campaign(fixed_model):
    guard = Guard(model=fixed_model)
    some = guard.score(ctx("pscore45 hi", bulk=BulkCounts(recipients=7, senders=1)))
    assert some.action is Action.PITCHES
    assert "the same text went to 7 members this week" in [r.text for r in some.reasons]
    many = guard.score(ctx("pscore45 hi", bulk=BulkCounts(recipients=37, senders=1)))
    assert many.action is Action.HOLD
    assert "the same text went to 37 members this week" in [r.text for r in many.reasons]


def test_a_pitch_in_a_conversation_the_recipient_started_is_delivered(fixed_model):
    guard = Guard(model=fixed_model)
    verdict = guard.score(ctx("pscore97 pricing demo", minutes=2, started_by_recipient=True))
    assert verdict.action is Action.DELIVER
    assert codes(verdict)[0] == "exempt.started_by_recipient"


def test_a_pitch_answering_the_recipients_listing_is_delivered(fixed_model):
    guard = Guard(model=fixed_model)
    verdict = guard.score(ctx("pscore97 offer", answers_recipient_listing=True, minutes=None))
    assert verdict.action is Action.DELIVER
    assert codes(verdict) == ["exempt.answers_listing"]


def test_an_established_conversation_pulls_the_score_down(fixed_model):
    guard = Guard(model=fixed_model)
    first = guard.score(ctx("pscore60 hi", replies=0))
    ongoing = guard.score(ctx("pscore60 hi", replies=12))
    assert first.action is Action.PITCHES
    assert ongoing.action is Action.DELIVER
    assert "you have written to this person 12 times" in [r.text for r in ongoing.reasons]


def test_unknown_bulk_count_is_reported_not_guessed(fixed_model):
    verdict = Guard(model=fixed_model).score(ctx("pscore20 hi", bulk=None))
    assert "bulk.unknown" in codes(verdict)


def test_sender_history_reasons(fixed_model):
    verdict = Guard(model=fixed_model).score(
        ctx(
            "pscore45 hi",
            sender=SenderFacts(
                report_count=2,
                dont_know_count=3,
                reputation=0.1,
                account_age_days=2,
                invitations_sent_7d=90,
                invitations_accepted_7d=4,
            ),
        )
    )
    assert verdict.action is Action.PITCHES
    got = codes(verdict)
    for code in (
        "sender.complaints",
        "sender.reputation",
        "sender.new_account",
        "sender.invitation_spray",
    ):
        assert code in got
    complaint = next(r.text for r in verdict.reasons if r.code == "sender.complaints")
    assert "reported 2 times" in complaint and "3 times" in complaint


def test_reasons_for_a_pitch_lead_with_text_then_heaviest_behaviour(fixed_model):
    verdict = Guard(model=fixed_model).score(
        ctx("pricing and a demo", minutes=3, replies=0, bulk=BulkCounts(recipients=9, senders=1))
    )
    got = codes(verdict)
    assert got[0].startswith("text.")
    behaviour = [c for c in got if not c.startswith("text.")]
    # bulk (1.2) outweighs timing (0.9), which outweighs never-replied (0.3)
    assert behaviour == ["bulk.recipients", "timing.fast", "contact.never_replied"]


def test_cues_put_the_text_into_words(fixed_model):
    verdict = Guard(model=fixed_model).score(
        ctx("Our pricing starts at $99/month, can we book a demo this week?", replies=0)
    )
    cue = next(r for r in verdict.reasons if r.code == "text.cues")
    assert cue.text == "mentions pricing and asks for a call or demo"


def test_intent_follows_the_pitch_probability(fixed_model):
    guard = Guard(model=fixed_model)
    assert guard.score(ctx("pscore70 hi")).intent is Intent.PITCH
    assert guard.score(ctx("pscore30 hi")).intent is not Intent.PITCH


def test_verdict_serialises_with_stable_keys(fixed_model):
    data = Guard(model=fixed_model).score(ctx("pricing demo", minutes=4, replies=0)).to_dict()
    assert set(data) >= {
        "pitch_probability",
        "intent",
        "intent_probabilities",
        "score",
        "action",
        "reasons",
        "phrases",
        "truncated",
    }
    assert data["action"] == "pitches"
    assert all(set(r) == {"code", "text"} for r in data["reasons"])


def test_thresholds_come_from_one_settings_object(fixed_model):
    strict = Guard(model=fixed_model, policy=PolicySettings(pitch_threshold=0.9))
    assert strict.score(ctx("pscore80 hi")).action is Action.DELIVER


def test_settings_from_environment():
    s = PolicySettings.from_env(
        {"PITCHLESS_GUARD_PITCH_THRESHOLD": "0.7", "PITCHLESS_GUARD_HOLD_RECIPIENTS": "50"}
    )
    assert s.pitch_threshold == 0.7
    assert s.hold_recipients == 50
    assert isinstance(s.hold_recipients, int)
    with pytest.raises(ValueError, match="PITCHLESS_GUARD_FAST_MINUTES"):
        PolicySettings.from_env({"PITCHLESS_GUARD_FAST_MINUTES": "soon"})


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        (0.2, "less than a minute"),
        (1, "1 minute"),
        (4, "4 minutes"),
        (90, "2 hours"),
        (60 * 30, "1 day"),
    ],
)
def test_delays_read_naturally(fixed_model, minutes, expected):
    policy = PolicySettings(fast_minutes=60, soon_minutes=60 * 48)
    verdict = Guard(model=fixed_model, policy=policy).score(ctx("pscore90 x", minutes=minutes))
    assert f"sent {expected} after you connected" in [r.text for r in verdict.reasons]


def test_the_models_operating_threshold_is_the_neutral_point(fixed_model):
    fixed_model.threshold_ = 0.7
    guard = Guard(model=fixed_model)
    assert guard.text_threshold == 0.7
    assert guard.score(ctx("pscore65 hi")).action is Action.DELIVER
    assert guard.score(ctx("pscore75 hi")).action is Action.PITCHES
    # an explicit setting wins over the model's own choice
    override = Guard(model=fixed_model, policy=PolicySettings(text_threshold=0.6))
    assert override.score(ctx("pscore65 hi")).action is Action.PITCHES
    with pytest.raises(ValueError, match="TEXT_THRESHOLD"):
        PolicySettings.from_env({"PITCHLESS_GUARD_TEXT_THRESHOLD": "1.5"})


def test_a_reply_to_the_recipients_message_weighs_against_a_pitch(fixed_model):
    guard = Guard(model=fixed_model)
    first = guard.score(ctx("pscore70 hi", replies=1))
    reply = guard.score(ctx("pscore70 hi", replies=1, is_reply_to_recipient=True))
    assert first.action is Action.PITCHES
    assert reply.action is Action.DELIVER
    assert reply.score < first.score
    assert "contact.reply" in codes(reply)


def test_an_invitation_from_the_recipient_weighs_against_a_pitch(fixed_model):
    guard = Guard(model=fixed_model)
    plain = guard.score(ctx("pscore55 hi"))
    invited = guard.score(ctx("pscore55 hi", recipient_invited_sender=True))
    assert plain.action is Action.PITCHES and invited.action is Action.DELIVER
    assert invited.score < plain.score
    assert "contact.invited_by_you" in codes(invited)
    assert "contact.invited_by_you" not in codes(
        guard.score(ctx("pscore45 hi", recipient_invited_sender=None))
    )


def test_the_recipients_own_application_is_read_from_the_text_or_told(fixed_model):
    guard = Guard(model=fixed_model)
    text = "pscore55 thank you for your application, can we schedule an interview?"
    from_text = guard.score(ctx(text))
    assert from_text.action is Action.DELIVER
    assert "text.application" in codes(from_text)
    told_no = guard.score(ctx(text, refers_to_recipient_application=False))
    assert told_no.action is Action.PITCHES
    assert told_no.score > from_text.score
    told_yes = guard.score(ctx("pscore55 hi", refers_to_recipient_application=True))
    assert "text.application" in codes(told_yes)


def test_new_context_fields_default_to_no_evidence(fixed_model):
    verdict = Guard(model=fixed_model).score(MessageContext(text="pscore50 hi"))
    assert not {"contact.reply", "contact.invited_by_you", "text.application"} & set(codes(verdict))
