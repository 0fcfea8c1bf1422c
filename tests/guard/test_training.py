"""Training: real held-out figures on the bundled SMS corpus, and the shared-data loaders."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pitchless.guard._textmodel import PitchClassifier
from pitchless.guard._training import (
    BUNDLED_SMS,
    binary_metrics,
    leave_one_export_out,
    load_openers,
    load_sms,
    summarize,
    train,
)

SHARED_DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


def _shared_data() -> Path:
    if not (SHARED_DATA / "linkedin_dm_openers" / "openers.csv").is_file():
        pytest.skip(f"../shared/data is absent: {SHARED_DATA.resolve()} not found")
    return SHARED_DATA


def test_sms_held_out_quality() -> None:
    rows = load_sms(BUNDLED_SMS)
    texts = [r.text for r in rows]
    assert len(texts) == len(set(texts))  # de-duplicated before the split
    order = np.random.default_rng(0).permutation(len(rows))
    cut = int(0.8 * len(rows))
    train_idx, test_idx = order[:cut], order[cut:]
    intents = ["pitch" if r.is_spam else "social" for r in rows]
    model = PitchClassifier().fit([texts[i] for i in train_idx], [intents[i] for i in train_idx])
    prob = model.predict_scores([texts[i] for i in test_idx]).pitch_probability
    labels = ["pitch" if rows[i].is_spam else "social" for i in test_idx]
    m = binary_metrics(labels, prob, prob >= model.threshold_)
    assert m["roc_auc"] >= 0.975
    assert m["f1"] >= 0.88
    assert m["fpr_social_conversation"] <= 0.02


def test_train_rejects_missing_data_dir(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="not found"):
        train(tmp_path / "nope", tmp_path / "out")
    with pytest.raises(FileNotFoundError, match="openers"):
        train(tmp_path, tmp_path / "out")


def test_train_rejects_unlabelled_file(tmp_path: Path) -> None:
    folder = tmp_path / "linkedin_dm_openers"
    folder.mkdir()
    (folder / "openers.csv").write_text("export_id,label_v2,opener_text,opener_raw,subject\n")
    with pytest.raises(ValueError, match="no labelled rows"):
        train(tmp_path, tmp_path / "out")
    (folder / "openers.csv").write_text("export_id,opener_text\n")
    with pytest.raises(ValueError, match="lacks columns"):
        train(tmp_path, tmp_path / "out")


@pytest.mark.shared_data
def test_load_openers_dedups_and_has_exports() -> None:
    rows = load_openers(_shared_data())
    assert len(rows) > 500
    assert len({r.text for r in rows}) >= len(rows) - 5  # unique raw texts; normalised ~unique
    assert len({r.export_id for r in rows}) >= 5
    assert all(r.export_id for r in rows)
    assert "unclear" not in {r.label for r in rows}
    assert {"pitch", "social", "recruiting", "job_seeking", "conversation"} <= {
        r.label for r in rows
    }
    assert any(r.opener_is_html for r in rows)
    assert any(r.days_connection_to_opener is not None for r in rows)


@pytest.mark.shared_data
def test_quick_leave_one_export_out() -> None:
    rows = load_openers(_shared_data())
    exports = sorted({r.export_id for r in rows}, key=lambda e: sum(r.export_id == e for r in rows))
    small = [r for r in rows if r.export_id in exports[:4]]  # the four smallest exports
    held_out = exports[0]
    result = leave_one_export_out(
        small, params={"n_buckets": 2**14, "calibration_folds": 3}, exports=[held_out]
    )
    assert [f.export_id for f in result.folds] == [held_out]
    fold = result.folds[0]
    assert all(small[i].export_id == held_out for i in fold.indices)
    assert np.all((fold.probability >= 0) & (fold.probability <= 1))
    summary = summarize(result)
    assert summary["pitch_vs_rest"]["n"] == len(fold.indices)
    assert held_out in summary["per_export"]


def test_openers_are_deduplicated_on_normalised_text_across_exports(tmp_path: Path) -> None:
    folder = tmp_path / "linkedin_dm_openers"
    folder.mkdir()
    header = "export_id,label_v2,opener_text,opener_raw,subject\n"
    rows = (
        "X1,pitch,Book a DEMO today,Book a DEMO today,\n"
        "X2,pitch,book a demo   today,<p>book a demo   today</p>,\n"
        "X2,social,Happy birthday,Happy birthday,\n"
        "X2,unclear,hm,hm,\n"
    )
    (folder / "openers.csv").write_text(header + rows, encoding="utf-8")
    got = load_openers(tmp_path)
    assert [(r.export_id, r.label) for r in got] == [("X1", "pitch"), ("X2", "social")]
    assert len(load_openers(tmp_path, include_unclear=True)) == 3


def test_challenge_rows_train_but_never_calibrate(tmp_path: Path) -> None:
    from pitchless.guard._training import load_challenge, training_set

    path = tmp_path / "c.csv"
    path.write_text(
        "id,split,category,family,language,label,hard_negative,solicited,text\n"
        "c1,train,saas_demo,saas_demo-01,en,pitch,0,0,Book a demo of our tool\n"
        "c2,test,saas_demo,saas_demo-02,en,pitch,0,0,Try our app free\n"
        "c3,train,small_talk,small_talk-01,en,social,1,0,Great to see you\n",
        encoding="utf-8",
    )
    train_half = load_challenge(path)
    assert [r.id for r in train_half] == ["c1", "c3"]
    assert len(load_challenge(path, split=None)) == 3
    ts = training_set([], challenge=train_half)
    assert ts.intents == ["pitch", "social"] and ts.in_domain == [False, False]
    assert ts.groups == ["challenge:saas_demo-01", "challenge:small_talk-01"]
    with pytest.raises(ValueError, match="test"):
        training_set([], challenge=load_challenge(path, split="test"))
    with pytest.raises(FileNotFoundError):
        load_challenge(tmp_path / "nope.csv")
