"""The cue classes: found in nine languages, on normalised text, in one batched scan."""

from __future__ import annotations

import time

import numpy as np
import pytest

from pitchless.guard import Action, BulkCounts, Guard, MessageContext
from pitchless.guard._cues import (
    CUE_CLASSES,
    NEGATIVE_CUES,
    PITCH_CUES,
    cue_counts,
    find_cues,
    lexicon_entries,
)
from pitchless.guard._features import FeatureSpec, cue_matrix, hash_batch, to_csr
from pitchless.guard._normalize import normalize


def classes(text: str) -> set[str]:
    return set(cue_counts([normalize(text).text])[0])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Can we book a quick call? Our pricing starts at $49 per month.",
            {"call_demo", "pricing"},
        ),
        (
            "¿Podemos agendar una llamada? Ofrecemos una prueba gratuita.",
            {"call_demo", "free_offer"},
        ),
        ("Podemos marcar uma chamada? Oferecemos teste grátis.", {"call_demo", "offer_service"}),
        ("Nous proposons un essai gratuit de notre plateforme.", {"offer_service", "free_offer"}),
        ("Wir bieten eine kostenlose Testversion an, Termin diese Woche?", {"offer_service"}),
        ("Vi erbjuder en kostnadsfri provperiod, kan vi boka ett samtal?", {"free_offer"}),
        ("Wij bieden een gratis proefperiode, zullen we een afspraak maken?", {"call_demo"}),
        ("Offriamo una prova gratuita, possiamo fissare una chiamata?", {"call_demo"}),
        ("Hum provide karte hain best price, ek call karte hain?", {"offer_service"}),
        ("Please subscribe to my YouTube channel: youtu.be/abc", {"subscribe", "booking_link"}),
        ("Thank you for applying, we would like to schedule an interview", {"your_application"}),
        ("Gracias por tu candidatura, te propongo una entrevista", {"interview"}),
        ("Happy birthday! Congratulations on the new role", {"social"}),
    ],
)
def test_cue_classes_in_nine_languages(text: str, expected: set[str]) -> None:
    assert expected <= classes(text)


def test_cues_survive_case_accents_and_stems() -> None:
    assert "subscribe" in classes("SUBSCRIBED yet? Subscription link below")
    assert "free_offer" in classes("Prueba GRATUITA")
    assert "your_application" in classes("Merci pour votre candidature")
    assert "pricing" in classes("precios y descuentos")  # accent-free spellings are listed too


def test_no_cue_in_small_talk() -> None:
    for text in ("Hi Sam, how was the trip?", "", "😀😀", "ok"):
        assert not set(classes(text)) & set(PITCH_CUES)


def test_cue_sentence_names_only_pitch_cues() -> None:
    cues = find_cues("Our pricing starts at $99/month - can we book a quick demo?")
    assert cues.sentence() == "mentions pricing and asks for a call or demo"
    assert find_cues("Happy birthday!").sentence() is None
    assert find_cues("Thanks for your application").refers_to_application


def test_lexicon_is_well_formed() -> None:
    entries = lexicon_entries()
    assert len(entries) > 500
    assert {k for k, _ in entries} == set(range(len(CUE_CLASSES)))
    assert set(PITCH_CUES) | set(NEGATIVE_CUES) == set(CUE_CLASSES)
    phrases = [p for _, p in entries]
    assert len(phrases) == len(set(phrases))


def test_cue_features_reach_the_model_matrix() -> None:
    spec = FeatureSpec(n_buckets=2**12, cue_features=True, cue_weight=2.0)
    texts = [normalize(t).text for t in ("book a demo, pricing [money]", "hello there")]
    cues = to_csr(texts, spec, only="cues")
    full = to_csr(texts, spec)
    text_only = to_csr(texts, spec, only="text")
    assert cues.nnz > 0
    assert abs(full - text_only - cues).max() < 1e-9
    assert set(np.unique(np.abs(cues.data))) == {2.0}
    assert hash_batch(texts, spec).extra is not None


def test_batched_scan_matches_one_by_one_and_is_cheap() -> None:
    texts = [
        normalize(t).text
        for t in ("Book a quick demo!", "Vi erbjuder våra tjänster", "", "hej", "[money] off") * 200
    ]
    batch = cue_matrix(texts)
    assert np.array_equal(batch[:5], np.vstack([cue_matrix([t]) for t in texts[:5]]))
    t0 = time.perf_counter()
    cue_matrix(texts * 5)
    per_message = (time.perf_counter() - t0) / (len(texts) * 5)
    assert per_message < 50e-6  # generous: a few microseconds on an idle core


INNOCENT = (
    "I loved your talk on pricing strategy at the conference last week.",
    "Which CRM does your team use? We are choosing one and I value your opinion.",
    "Congratulations on launching the new product, the demo video was great!",
    "Thanks for the webinar yesterday, your slides on discount psychology were excellent.",
    "Do you have any advice on courses for learning SQL? I'm starting out.",
    "Our team finally moved off spreadsheets; your post on sales pipelines helped a lot.",
    "Happy work anniversary! Five years of growing the sales team, impressive.",
    "Could you share the invoice for our last order? Finance is asking.",
    "Great panel on investment trends, I shared it with my colleagues.",
    "I saw your article about free trials and churn. Very thoughtful.",
    "Is the subscription renewal on our account due this month or next?",
    "Nice to meet you at the marketing meetup! Let's grab coffee sometime.",
)


@pytest.mark.parametrize("text", INNOCENT)
def test_innocent_messages_with_sales_words_are_delivered(text: str) -> None:
    guard = Guard()
    neutral = guard.score(MessageContext(text=text))
    assert neutral.action is Action.DELIVER, neutral.pitch_probability
    ongoing = guard.score(
        MessageContext(
            text=text, recipient_messages_to_sender=1, bulk=BulkCounts(recipients=1, senders=1)
        )
    )
    assert ongoing.action is Action.DELIVER
