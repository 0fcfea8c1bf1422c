"""``guard retrain``: nothing changes below the label minimum; with enough labels a model is
trained, compared on held-out feedback, and activated only when it is no worse."""

from __future__ import annotations

import io
import json
import random

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from pitchless.guard._normalize import normalize
from pitchless.guard._textmodel import PitchClassifier
from pitchless.moderation import retrain as retrain_module
from pitchless.network import guard_adapter
from pitchless.network.models import Conversation, Message, MessageFeedback
from tests.members.factories import make_member

pytestmark = pytest.mark.django_db

# Synthetic feedback, written for these tests: pitches offer something for money; the others
# are ordinary exchanges between colleagues.
_PRODUCTS = [
    "CRM suite",
    "lead generation service",
    "cloud backup plan",
    "SEO package",
    "payroll software",
    "outsourced design team",
    "sales training",
    "data platform",
]
_HOOKS = [
    "Book a 15-minute demo this week",
    "Pricing starts at $99 per month",
    "We can cut your costs by 40%",
    "Limited offer: first month free",
    "Can I send you a proposal?",
    "Let me show you a quick case study",
]
_TOPICS = [
    "the meetup last Tuesday",
    "your talk on caching",
    "the hiring panel",
    "the conference in Porto",
    "our old team at Acme",
    "the reading group",
    "the migration to Postgres",
    "your new role",
]
_ASKS = [
    "How did it go?",
    "Shall we grab a coffee next week?",
    "Thanks again for the tips.",
    "Did you find the slides?",
    "Happy to help if you need a reviewer.",
    "Say hi to the team for me.",
]


def _text(is_pitch: bool, rng: random.Random) -> str:
    if is_pitch:
        return (
            f"Hi {rng.choice(['Sam', 'Ana', 'Lee', 'Kim'])}, thanks for connecting! Our "
            f"{rng.choice(_PRODUCTS)} helps teams like yours. {rng.choice(_HOOKS)}. "
            f"Ref {rng.randint(100, 999)}."
        )
    return (
        f"Hi {rng.choice(['Sam', 'Ana', 'Lee', 'Kim'])}, good to hear about "
        f"{rng.choice(_TOPICS)}. {rng.choice(_ASKS)} ({rng.randint(100, 999)})"
    )


def make_feedback(n: int, *, seed: int = 1, noise: float = 0.0) -> list[tuple[str, bool]]:
    """``n`` labelled messages from 20 senders to one recipient; ``noise`` flips labels."""
    rng = random.Random(seed)
    recipient = make_member("Rita Recipient")
    senders = [make_member(f"Sender {i}") for i in range(20)]
    conversations = {s.pk: Conversation.objects.create(started_by=s) for s in senders}
    made = []
    for i in range(n):
        sender = senders[i % len(senders)]
        is_pitch = rng.random() < 0.5
        text = _text(is_pitch, rng)
        label = is_pitch if rng.random() >= noise else not is_pitch
        conversation = conversations[sender.pk]
        message = Message.objects.create(
            conversation=conversation, sender=sender, recipient=recipient, text=text
        )
        MessageFeedback.objects.create(
            message=message,
            member=recipient,
            label="pitch" if label else "not_pitch",
            guard_pitch=False,
        )
        made.append((text, label))
    return made


@pytest.fixture(autouse=True)
def models_dir(settings, tmp_path, monkeypatch):
    """Retrained models go to a temporary folder; the site's model is the bundled one."""
    settings.PITCHLESS_GUARD_MODELS_DIR = tmp_path / "guard-models"
    settings.PITCHLESS_GUARD_MODEL_PINNED = False
    settings.PITCHLESS_GUARD_MODEL_DIR = None
    monkeypatch.setitem(guard_adapter._followed, "at", float("-inf"))
    return tmp_path / "guard-models"


def _run(**options) -> dict:
    out = io.StringIO()
    call_command("guard_retrain", stdout=out, stderr=io.StringIO(), **options)
    return json.loads(out.getvalue())


def test_199_labels_are_refused_and_nothing_changes(settings, models_dir):
    make_feedback(199)
    with pytest.raises(CommandError, match=r"199 messages are labelled.*at least 200"):
        _run()
    assert not models_dir.exists()
    assert settings.PITCHLESS_GUARD_MODEL_DIR is None


def test_the_minimum_is_a_setting(settings):
    settings.PITCHLESS_RETRAIN_MIN_LABELS = 10
    make_feedback(9)
    with pytest.raises(CommandError, match="at least 10"):
        _run()


def test_200_labels_train_and_activate_a_model(settings, models_dir, capsys):
    make_feedback(200)
    summary = _run(seed=0)
    assert summary["activated"] is True and summary["labels"] == 200
    folder = models_dir / (models_dir / "ACTIVE").read_text().strip()
    assert str(folder) == summary["model_dir"]
    # The site's guard now reads the new model.
    assert str(folder) == settings.PITCHLESS_GUARD_MODEL_DIR
    model = PitchClassifier.load(folder)
    pitch = normalize("Our SEO package helps teams like yours. Book a 15-minute demo.").text
    chat = normalize("Good to hear about the reading group. Shall we grab a coffee?").text
    p = model.predict_scores([pitch, chat]).pitch_probability
    assert p[0] > p[1]
    figures = summary["held_out_new_model"]
    assert summary["held_out"] == figures["n"] and 40 <= figures["n"] <= 60
    assert figures["f1"] >= 0.9
    with capsys.disabled():
        print("\nheld-out figures of the retrained model:", json.dumps(figures))
        print(
            "held-out figures of the current model:", json.dumps(summary["held_out_current_model"])
        )


class _Oracle:
    """A current model that knows every label: no retrained model can beat it."""

    threshold_ = 0.5

    def __init__(self, labels: dict[str, bool]) -> None:
        self.labels = labels

    def predict_scores(self, texts):
        p = np.asarray([1.0 if self.labels[t] else 0.0 for t in texts])
        return type("S", (), {"pitch_probability": p})()


def test_a_worse_model_is_not_activated(settings, models_dir, monkeypatch):
    made = make_feedback(200, noise=0.15)
    oracle = _Oracle({normalize(t).text: label for t, label in made})
    monkeypatch.setattr(retrain_module, "_current_model", lambda: oracle)
    with pytest.raises(CommandError, match="worse than the current one"):
        _run()
    assert not (models_dir / "ACTIVE").exists()
    assert settings.PITCHLESS_GUARD_MODEL_DIR is None


def test_a_pinned_model_stays_in_use(settings, models_dir):
    settings.PITCHLESS_GUARD_MODEL_PINNED = True
    settings.PITCHLESS_GUARD_MODEL_DIR = None
    make_feedback(200)
    summary = _run()
    assert summary["activated"] and summary["pinned_by_PITCHLESS_GUARD_MODEL_DIR"]
    assert (models_dir / "ACTIVE").exists()
    assert settings.PITCHLESS_GUARD_MODEL_DIR is None


def test_workers_follow_the_pointer(settings, models_dir):
    make_feedback(200)
    summary = _run()
    settings.PITCHLESS_GUARD_MODEL_DIR = None
    guard_adapter.follow_active_model(force=True)
    assert summary["model_dir"] == settings.PITCHLESS_GUARD_MODEL_DIR


def test_the_console_script_has_guard_retrain():
    from pitchless.cli import build_parser

    args = build_parser().parse_args(["guard", "retrain", "--seed", "3"])
    assert args.seed == 3 and args.handler.__name__ == "_retrain"
