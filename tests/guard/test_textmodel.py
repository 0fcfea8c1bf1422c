"""The bundled text model and the PitchClassifier estimator contract."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from pitchless.guard import Phrase
from pitchless.guard._normalize import normalize
from pitchless.guard._textmodel import (
    DEFAULT_MODEL_DIR,
    NotFittedError,
    PitchClassifier,
    TextScores,
    load_default_model,
)
from pitchless.guard._training import BUNDLED_SMS, load_sms

PITCH = (
    "Hi Sam, I hope you're well! We help SaaS companies book 30+ qualified demos a month "
    "with our done-for-you outbound service. Special offer this week: 20% discount. "
    "Are you free for a quick 15-minute call? Book here: https://calendly.com/ourteam/intro"
)
BIRTHDAY = "Happy birthday Sam! Hope you have a wonderful day with your family."


@pytest.fixture(scope="module")
def model() -> PitchClassifier:
    return load_default_model()


@pytest.fixture(scope="module")
def small_model() -> PitchClassifier:
    """A quick model trained on a slice of the bundled SMS corpus."""
    rows = load_sms(BUNDLED_SMS)[:1500]
    texts = [r.text for r in rows]
    intents = ["pitch" if r.is_spam else "social" for r in rows]
    return PitchClassifier(n_buckets=2**14, calibration_folds=3).fit(texts, intents)


def test_bundled_model_loads(model: PitchClassifier) -> None:
    assert model.intents_ == ("pitch", "recruiting", "job_seeking", "social", "conversation")
    assert load_default_model() is model  # cached for the process
    assert 0.0 < model.threshold_ < 1.0
    assert "trained_at" in model.metadata_
    assert "metrics" in model.metadata_


def test_model_files_are_not_pickle_and_small() -> None:
    npz = DEFAULT_MODEL_DIR / "pitch_model.npz"
    with np.load(npz, allow_pickle=False) as data:
        for name in data.files:
            assert data[name].dtype.kind == "f"
    total = sum(p.stat().st_size for p in DEFAULT_MODEL_DIR.iterdir() if p.is_file())
    assert total < 10 * 1024 * 1024
    json.loads((DEFAULT_MODEL_DIR / "pitch_model.json").read_text())
    metrics = json.loads((DEFAULT_MODEL_DIR / "metrics.json").read_text())
    assert "leave-one-export-out" in metrics["evaluation"]


def test_model_files_hold_no_vocabulary() -> None:
    # Distinctive words of the (openly licensed) SMS corpus that the shipped model trains on.
    words = [b"jurong", b"bugis", b"wkly", b"tkts", b"87121", b"freemsg", b"ringtone", b"txt"]
    blobs = [(DEFAULT_MODEL_DIR / "pitch_model.json").read_bytes()]
    blobs.append((DEFAULT_MODEL_DIR / "metrics.json").read_bytes())
    with zipfile.ZipFile(DEFAULT_MODEL_DIR / "pitch_model.npz") as zf:
        blobs.extend(zf.read(name) for name in zf.namelist())
    for blob in blobs:
        lower = blob.lower()
        for word in words:
            assert word not in lower


def test_probabilities_in_range(model: PitchClassifier) -> None:
    texts = [normalize(t).text for t in (PITCH, BIRTHDAY, "", "😀", "x" * 30000)]
    scores = model.predict_scores(texts)
    assert isinstance(scores, TextScores)
    assert scores.pitch_probability.shape == (5,)
    assert scores.intent_probabilities.shape == (5, 5)
    assert np.all((scores.pitch_probability >= 0) & (scores.pitch_probability <= 1))
    assert np.allclose(scores.intent_probabilities.sum(axis=1), 1.0)
    assert model.predict_scores([]).pitch_probability.shape == (0,)


def test_pitch_scores_above_birthday(model: PitchClassifier) -> None:
    p = model.predict_scores([normalize(PITCH).text, normalize(BIRTHDAY).text]).pitch_probability
    assert p[0] > p[1]
    assert p[0] > 0.5 > p[1]


def test_batch_equals_single(model: PitchClassifier) -> None:
    texts = [normalize(t).text for t in (PITCH, BIRTHDAY, "hello", "")]
    batch = model.predict_scores(texts).pitch_probability
    single = [model.predict_scores([t]).pitch_probability[0] for t in texts]
    assert np.allclose(batch, single, atol=1e-6)


def test_explain_returns_phrases_of_the_text(model: PitchClassifier) -> None:
    text = normalize(PITCH).text
    phrases = model.explain(text, top_k=4)
    assert 0 < len(phrases) <= 4
    assert all(isinstance(p, Phrase) for p in phrases)
    assert all(p.text in text and p.text.strip() == p.text and p.text for p in phrases)
    weights = [p.weight for p in phrases]
    assert all(w > 0 for w in weights)
    assert weights == sorted(weights, reverse=True)
    assert model.explain("", top_k=3) == []
    assert model.explain(text, top_k=0) == []


def test_save_load_round_trip(small_model: PitchClassifier, tmp_path: Path) -> None:
    texts = [normalize(t).text for t in (PITCH, BIRTHDAY, "free entry to win a prize now")]
    small_model.save(tmp_path, metrics={"note": "test"})
    loaded = PitchClassifier.load(tmp_path)
    a = small_model.predict_scores(texts)
    b = loaded.predict_scores(texts)
    assert np.array_equal(a.pitch_probability, b.pitch_probability)
    assert np.array_equal(a.intent_probabilities, b.intent_probabilities)
    assert loaded.get_params() == small_model.get_params()
    assert loaded.threshold_ == small_model.threshold_
    assert json.loads((tmp_path / "metrics.json").read_text()) == {"note": "test"}
    assert small_model.explain(texts[2]) == loaded.explain(texts[2])


def test_load_missing_dir_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        PitchClassifier.load(tmp_path)


def test_estimator_contract(small_model: PitchClassifier) -> None:
    from sklearn.base import clone

    params = small_model.get_params()
    assert params["n_buckets"] == 2**14
    cloned = clone(small_model)
    assert cloned.get_params() == params
    assert not hasattr(cloned, "pitch_coef_")
    fresh = PitchClassifier(n_buckets=2**12, calibration_folds=2)
    assert fresh.set_params(C=2.0) is fresh and fresh.C == 2.0
    with pytest.raises(ValueError):
        fresh.set_params(nope=1)
    with pytest.raises(NotFittedError):
        fresh.predict_scores(["hello"])
    with pytest.raises(NotFittedError):
        fresh.explain("hello")
    texts = ["buy cheap now win prize", "see you at lunch"] * 6
    intents = ["pitch", "social"] * 6
    assert fresh.fit(texts, intents) is fresh
    assert fresh.intents_ == ("pitch", "social")
    assert fresh.predict_scores(texts[:2]).pitch_probability[0] > 0.5


def test_init_stores_params_only() -> None:
    model = PitchClassifier(n_buckets=3)  # invalid, but __init__ must not validate
    assert model.n_buckets == 3
    with pytest.raises(ValueError):
        model.fit(["a", "b"], ["pitch", "social"])


def test_fit_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        PitchClassifier().fit([], [])
    with pytest.raises(ValueError):
        PitchClassifier().fit(["a", "b"], ["pitch", "spam"])
    with pytest.raises(ValueError):
        PitchClassifier().fit(["a", "b"], ["social", "social"])


def test_sparse_training_features_match_inference_scores() -> None:
    from pitchless.guard._features import (
        FeatureSpec,
        hash_batch,
        linear_scores,
        signed_table,
        to_csr,
    )

    spec = FeatureSpec(n_buckets=2**12)
    texts = ["", "a", "hello there, friend", "¿qué tal? hej på dig", "😀 [phone] x" * 40]
    weights = np.random.default_rng(0).normal(size=(spec.n_buckets, 3)).astype(np.float32)
    expected = to_csr(texts, spec) @ weights
    got = linear_scores(hash_batch(texts, spec), signed_table(weights))
    assert np.allclose(expected, got, atol=1e-4)
    for keys, counts in hash_batch(texts, spec).parts:
        assert len(keys) == int(counts.sum())


def test_model_files_hold_no_challenge_text_or_cue_phrase() -> None:
    from pitchless.guard._cues import lexicon_entries
    from pitchless.guard._training import DEFAULT_CHALLENGE, load_challenge

    blobs = [(DEFAULT_MODEL_DIR / name).read_bytes().lower() for name in ("pitch_model.json",)]
    with zipfile.ZipFile(DEFAULT_MODEL_DIR / "pitch_model.npz") as zf:
        blobs.extend(zf.read(name).lower() for name in zf.namelist())
    phrases = [p.encode() for _, p in lexicon_entries() if len(p) >= 8 and " " in p]
    assert phrases
    for blob in blobs:
        assert not any(p in blob for p in phrases)
    if DEFAULT_CHALLENGE.is_file():
        words = {
            w.encode()
            for row in load_challenge(DEFAULT_CHALLENGE, split=None)
            for w in row.text.split()
            if len(w) >= 12 and w.isalpha() and w not in ("conversation", "platform_marketing")
        }
        assert words
        for blob in blobs:
            assert not any(w in blob for w in words)


def test_platt_fit_is_scale_invariant_on_wide_scores() -> None:
    # Scores a few units wide (as a head's logits are) made the undamped Newton iteration
    # overshoot from its starting point and return slopes of order 1e9. Platt scaling of
    # c * s must give slope a / c and the same intercept as for s.
    from pitchless.guard._textmodel import _platt

    rng = np.random.default_rng(0)
    y = np.r_[np.ones(50), np.zeros(200)].astype(np.int64)
    s = np.r_[rng.normal(1.0, 1.0, 50), rng.normal(-1.0, 1.0, 200)]
    (a1,), b1 = _platt(s, y)
    assert 1.0 < a1 < 4.0
    for c in (5.0, 20.0, 40.0):
        (a,), b = _platt(c * s, y)
        assert a == pytest.approx(a1 / c, rel=1e-6)
        assert b == pytest.approx(b1, abs=1e-6)
    # Several columns (the stacking regression): the duplicated column shares the weight.
    coefs, b2 = _platt(np.column_stack((10 * s, 10 * s)), y)
    assert sum(coefs) == pytest.approx(a1 / 10, rel=1e-6)
    assert b2 == pytest.approx(b1, abs=1e-6)


def test_ngram_extra_weight_zero_leaves_extra_rows_out_of_the_ngram_head() -> None:
    # Rows outside the calibration set (challenge or auxiliary corpora) train the n-gram
    # head by default; with ngram_extra_weight=0 that head is fitted as if they were absent.
    # (With cue_features=False the n-gram head is the whole pitch model, so its weights can
    # be compared directly.)
    texts = [
        "we offer a free demo of our platform, book a call",
        "happy birthday, have a great day",
        "our agency can grow your revenue, quick call?",
        "congrats on the new role!",
    ] * 6
    intents = ["pitch", "social"] * 12
    groups = [f"g{i % 3}" for i in range(len(texts))]
    extra = ["special discount on lunch boxes today"] * 4 + ["lunch today with the team?"] * 4
    extra_intents = ["pitch"] * 4 + ["social"] * 4
    params = {"n_buckets": 2**12, "calibration_folds": 3, "cue_features": False}

    def fit(**more: float) -> PitchClassifier:
        return PitchClassifier(**params, **more).fit(
            texts + extra,
            intents + extra_intents,
            groups=groups + ["extra"] * len(extra),
            calibrate_on=[True] * len(texts) + [False] * len(extra),
        )

    reference = PitchClassifier(**params).fit(texts, intents, groups=groups)
    left_out = fit(ngram_extra_weight=0.0)
    trained_on = fit()
    assert np.allclose(left_out.pitch_coef_, reference.pitch_coef_, atol=1e-3)
    assert left_out.calibration_ == pytest.approx(reference.calibration_, abs=1e-3)
    assert not np.allclose(trained_on.pitch_coef_, reference.pitch_coef_, atol=1e-3)
