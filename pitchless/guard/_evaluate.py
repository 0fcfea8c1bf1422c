"""Evaluate the guard on a labelled CSV file (``pitchless guard eval``).

The file needs a ``text`` and a ``label`` column; ``label`` is ``pitch``/``not_pitch`` or an
intent name. Optional columns: ``subject`` and ``days_since_connected``. A row with
``days_since_connected`` is scored as a conversation opener sent that many days after the two
connected (the recipient has not replied yet); a row without it is scored on its text alone,
in a neutral context that adds no behaviour evidence.

Optional yes/no columns (``1``/``0``, ``true``/``false``, ``yes``/``no``; empty = unknown) give
the context that separates solicited from unsolicited messages, all of it known before the
message was sent:

- ``started_by_recipient``: the recipient opened the conversation (delivered);
- ``is_reply_to_recipient``: the message answers the recipient's latest message;
- ``recipient_invited_sender``: the recipient sent the connection invitation;
- ``refers_to_recipient_application``: the message is about the recipient's own
  application (empty: read from the text).

Never put after-the-fact facts in these columns (whether the recipient replied later,
which folder the platform filed it in): the guard cannot know them when it decides.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pitchless.guard._guard import Guard
from pitchless.guard._types import Action, BulkCounts, Intent, MessageContext

_NOT_PITCH = {"not_pitch", "not-pitch", "notpitch", "ham", "0", "no", "false"}
_PITCH = {"pitch", "spam", "1", "yes", "true"}
_INTENTS = {i.value for i in Intent}
_MAX_FIELD = 10 * 1024 * 1024
_EPOCH = datetime(2025, 1, 1, tzinfo=UTC)


class EvalInputError(ValueError):
    """The evaluation file is missing, unreadable or lacks the required columns."""


@dataclass(frozen=True, slots=True)
class EvalRow:
    """One labelled message of an evaluation file."""

    text: str
    label: str  # "pitch", "not_pitch" or an intent name
    subject: str = ""
    days_since_connected: float | None = None
    started_by_recipient: bool = False
    is_reply_to_recipient: bool = False
    recipient_invited_sender: bool | None = None
    refers_to_recipient_application: bool | None = None

    @property
    def is_pitch(self) -> bool:
        """True when the label says the message is a pitch."""
        return self.label == "pitch"


@dataclass(slots=True)
class EvalReport:
    """The figures ``pitchless guard eval`` prints."""

    n: int
    precision: float
    recall: float
    f1: float
    fpr: float
    roc_auc: float | None
    confusion: dict[str, int]
    per_intent_recall: dict[str, float] = field(default_factory=dict)
    per_intent_n: dict[str, int] = field(default_factory=dict)
    skipped: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The figures as one JSON-ready object (keys are stable)."""
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "fpr": round(self.fpr, 4),
            "roc_auc": None if self.roc_auc is None else round(self.roc_auc, 4),
            "n": self.n,
            "confusion": self.confusion,
            "per_intent_recall": {k: round(v, 4) for k, v in self.per_intent_recall.items()},
            "per_intent_n": self.per_intent_n,
            "skipped": self.skipped,
        }


def _normalise_label(raw: str) -> str | None:
    value = raw.strip().lower().replace(" ", "_")
    if value in _INTENTS:
        return value
    if value in _PITCH:
        return "pitch"
    if value in _NOT_PITCH:
        return "not_pitch"
    return None


_YES = {"1", "true", "yes", "y"}
_NO = {"0", "false", "no", "n"}
_FLAGS = (
    "started_by_recipient",
    "is_reply_to_recipient",
    "recipient_invited_sender",
    "refers_to_recipient_application",
)


def _flag(raw: str | None) -> bool | None:
    """``True``/``False`` for a yes/no cell, ``None`` when empty; ``ValueError`` otherwise."""
    value = (raw or "").strip().lower()
    if not value:
        return None
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise ValueError(value)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def load_rows(path: str | Path) -> tuple[list[EvalRow], int]:
    """Read the labelled rows of ``path`` and how many rows were skipped as unusable."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError as exc:
        raise EvalInputError(f"{p}: no such file") from exc
    except IsADirectoryError as exc:
        raise EvalInputError(f"{p}: is a directory, not a CSV file") from exc
    except OSError as exc:
        raise EvalInputError(f"{p}: cannot be read ({exc.strerror})") from exc
    csv.field_size_limit(_MAX_FIELD)
    reader = csv.DictReader(io.StringIO(_decode(data), newline=""))
    try:
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise EvalInputError(f"{p}: not a readable CSV file ({exc})") from exc
    missing = [c for c in ("text", "label") if c not in header]
    if missing:
        raise EvalInputError(
            f"{p}: missing column(s) {', '.join(missing)}; the file needs 'text' and 'label'"
        )
    reader.fieldnames = header
    rows: list[EvalRow] = []
    skipped = 0
    try:
        for raw in reader:
            label = _normalise_label(raw.get("label") or "")
            if label is None:
                skipped += 1
                continue
            days_raw = (raw.get("days_since_connected") or "").strip()
            days: float | None = None
            if days_raw:
                try:
                    days = float(days_raw)
                except ValueError:
                    skipped += 1
                    continue
            try:
                flags = {name: _flag(raw.get(name)) for name in _FLAGS}
            except ValueError:
                skipped += 1
                continue
            rows.append(
                EvalRow(
                    text=raw.get("text") or "",
                    label=label,
                    subject=raw.get("subject") or "",
                    days_since_connected=days,
                    started_by_recipient=bool(flags["started_by_recipient"]),
                    is_reply_to_recipient=bool(flags["is_reply_to_recipient"]),
                    recipient_invited_sender=flags["recipient_invited_sender"],
                    refers_to_recipient_application=flags["refers_to_recipient_application"],
                )
            )
    except csv.Error as exc:
        raise EvalInputError(f"{p}: malformed CSV near line {reader.line_num} ({exc})") from exc
    if not rows:
        raise EvalInputError(f"{p}: no usable labelled rows ({skipped} skipped)")
    return rows, skipped


def context_for(row: EvalRow) -> MessageContext:
    """The context a row is scored in (see the module docstring)."""
    neutral = row.days_since_connected is None
    days = 365.0 if row.days_since_connected is None else max(0.0, row.days_since_connected)
    return MessageContext(
        text=row.text,
        subject=row.subject,
        sent_at=_EPOCH,
        connected_at=_EPOCH - timedelta(days=days),
        # A neutral row pretends one earlier reply, so "never replied" adds nothing.
        recipient_messages_to_sender=1 if neutral or row.is_reply_to_recipient else 0,
        bulk=BulkCounts(recipients=1, senders=1),
        started_by_recipient=row.started_by_recipient,
        is_reply_to_recipient=row.is_reply_to_recipient,
        recipient_invited_sender=row.recipient_invited_sender,
        refers_to_recipient_application=row.refers_to_recipient_application,
    )


def evaluate(guard: Guard, rows: list[EvalRow], *, skipped: int = 0) -> EvalReport:
    """Score every row with ``guard`` and compute the figures."""
    from sklearn.metrics import roc_auc_score

    verdicts = guard.score_many([context_for(r) for r in rows], explain=False)
    tp = fp = tn = fn = 0
    y_true: list[int] = []
    y_score: list[float] = []
    hits: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    for row, verdict in zip(rows, verdicts, strict=True):
        predicted = verdict.action is not Action.DELIVER
        if row.is_pitch:
            tp += predicted
            fn += not predicted
        else:
            fp += predicted
            tn += not predicted
        y_true.append(int(row.is_pitch))
        y_score.append(verdict.score)
        totals[row.label] += 1
        if row.label == "not_pitch":
            hits[row.label] += not predicted
        elif row.label == "pitch":
            hits[row.label] += predicted
        else:
            hits[row.label] += verdict.intent.value == row.label
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    fpr = fp / (fp + tn) if fp + tn else 0.0
    roc_auc = float(roc_auc_score(y_true, y_score)) if 0 < sum(y_true) < len(y_true) else None
    return EvalReport(
        n=len(rows),
        precision=precision,
        recall=recall,
        f1=f1,
        fpr=fpr,
        roc_auc=roc_auc,
        confusion={"tp": tp, "fp": fp, "tn": tn, "fn": fn},
        per_intent_recall={k: hits[k] / totals[k] for k in sorted(totals)},
        per_intent_n=dict(sorted(totals.items())),
        skipped=skipped,
    )
