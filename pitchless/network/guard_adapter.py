"""The only place the network talks to the guard.

For every unsolicited message (and every invitation note) it builds the guard's
:class:`~pitchless.guard.MessageContext` from the database, records the text in the shared
near-duplicate index, asks the guard, and turns the verdict into an :class:`Assessment`. If the
guard raises or takes longer than ``PITCHLESS_SCORING_TIMEOUT_SECONDS`` the assessment says
"unchecked" and the message is delivered: a broken guard never loses a message. If the
near-duplicate index (Redis) cannot be reached, the message is scored without bulk counts and
the verdict says so (reason ``bulk.unknown``).
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from pitchless.core import guard as core_guard
from pitchless.core.guard import get_guard
from pitchless.guard import Action, BulkCounts, BulkIndex, MessageContext, SenderFacts, Verdict
from pitchless.members.models import Member
from pitchless.network.bulkstore import BulkStoreUnavailable, default_store
from pitchless.network.models import Connection, Conversation, Invitation, Message
from pitchless.network.reputation import (
    Reputation,
    SenderHistory,
    compute_reputation,
    sender_history,
)

logger = logging.getLogger(__name__)

#: one index per process over the shared store (Redis or the database table); it holds no state
#: of its own
bulk_index = BulkIndex(default_store())

# Scoring runs on a worker thread only so that a stuck model can be given up on; the database
# reads all happen on the caller's thread.
_executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="guard")

#: the file in ``PITCHLESS_GUARD_MODELS_DIR`` naming the active retrained model's folder
ACTIVE_POINTER = "ACTIVE"
#: seconds between two looks at the pointer: a retrained model reaches every worker this soon
FOLLOW_EVERY = 30.0
_followed = {"at": float("-inf")}


def active_model_dir() -> Path | None:
    """The retrained model ``PITCHLESS_GUARD_MODELS_DIR/ACTIVE`` names, when it exists."""
    base = Path(settings.PITCHLESS_GUARD_MODELS_DIR)
    try:
        name = (base / ACTIVE_POINTER).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    folder = base / name
    return folder if name and "/" not in name and folder.is_dir() else None


def follow_active_model(*, force: bool = False) -> None:
    """Make the site's guard use the active retrained model, looking at most every
    ``FOLLOW_EVERY`` seconds.

    ``pitchless.core.guard.get_guard`` builds the guard once per process from
    ``settings.PITCHLESS_GUARD_MODEL_DIR``; when ``guard retrain`` activates a new model, each
    web worker sees the pointer change here, updates that setting and drops the cached guard.
    A model pinned by the ``PITCHLESS_GUARD_MODEL_DIR`` variable is never replaced.
    """
    if settings.PITCHLESS_GUARD_MODEL_PINNED:
        return
    now = time.monotonic()
    if not force and now - _followed["at"] < FOLLOW_EVERY:
        return
    _followed["at"] = now
    folder = active_model_dir()
    if folder is not None and str(folder) != settings.PITCHLESS_GUARD_MODEL_DIR:
        settings.PITCHLESS_GUARD_MODEL_DIR = str(folder)
        core_guard.get_guard.cache_clear()


@dataclass(frozen=True, slots=True)
class Assessment:
    """The guard's answer as the network stores it."""

    #: one of ``Message.Check``
    check: str
    action: Action = Action.DELIVER
    score: float | None = None
    reasons: list[dict[str, str]] = field(default_factory=list)
    #: the sender's reputation as read for the guard (``None`` when the context failed), so
    #: that the restriction check does not read it a second time
    reputation: Reputation | None = field(default=None, compare=False)

    @property
    def is_pitch(self) -> bool:
        """True when the guard would keep the message out of the inbox."""
        return self.action is not Action.DELIVER


#: ``build_context`` reads what it was not given
_READ = object()


def sender_facts(
    sender: Member,
    *,
    now: datetime,
    history: SenderHistory | None = None,
    reputation: Reputation | None = None,
) -> SenderFacts:
    """What the platform knows about ``sender``: age, invitations, complaints, reputation.

    Everything comes from one :func:`~pitchless.network.reputation.sender_history` read
    (pass ``history`` and ``reputation`` when they were already read at ``now``).
    """
    if history is None or history.now != now:
        history = sender_history(sender, now=now)
    if reputation is None:
        reputation = compute_reputation(sender, now=now, history=history)
    recent = now - timedelta(days=3 * settings.PITCHLESS_REPUTATION_HALF_LIFE_DAYS)
    return SenderFacts(
        account_age_days=max(0.0, (now - sender.date_joined).total_seconds() / 86400.0),
        invitations_sent_7d=len(history.recent_invitations),
        invitations_accepted_7d=sum(
            1 for status, _ in history.recent_invitations if status == Invitation.Status.ACCEPTED
        ),
        dont_know_count=history.count("dont_know", recent),
        report_count=history.count("report", recent),
        reputation=reputation.score,
    )


def build_context(
    *,
    sender: Member,
    recipient: Member,
    conversation: Conversation | None,
    text: str,
    now: datetime,
    answers_listing: bool = False,
    connected_at: datetime | object | None = _READ,
    recipient_messages: int | None = None,
    reputation_out: list[Reputation] | None = None,
    observe: bool = True,
    is_reply: bool | None = None,
    invited_by_recipient: bool | object | None = _READ,
    history: SenderHistory | None = None,
) -> MessageContext:
    """The guard's view of one message, read from the database (records the bulk entry, unless
    ``observe`` is false: the bulk counts are then unknown).

    ``connected_at`` and ``recipient_messages`` may be passed when the caller already read
    them; the sender's reputation is appended to ``reputation_out`` when one is given.
    ``is_reply`` (the recipient wrote the latest message the sender has) and
    ``invited_by_recipient`` (the recipient sent the invitation; ``None`` when unknown) may be
    passed too: the send reads them with the pair, so that no statement is added here; so
    may the sender's ``history`` read at ``now``.
    """
    # Who sent the invitation comes with the connection row, so it is known only when the
    # row is read here (or passed); a caller that passes ``connected_at`` alone leaves it
    # unknown (``None``).
    inviter: object = _READ
    if connected_at is _READ:
        connected_at, inviter = next(
            iter(
                Connection.objects.filter(member=sender, other=recipient)
                .order_by()
                .values_list("created_at", "invitation__sender_id")[:1]
            ),
            (None, None),
        )
    read_replies = recipient_messages is None
    if recipient_messages is None:
        # One conversation per pair: every message between the two is in it.
        recipient_messages = (
            Message.objects.filter(conversation=conversation, sender=recipient).count()
            if conversation is not None
            else 0
        )
    bulk = observe_bulk(sender=sender, recipient=recipient, text=text, now=now) if observe else None
    if history is None or history.now != now:
        history = sender_history(sender, now=now)
    reputation = compute_reputation(sender, now=now, history=history)
    if reputation_out is not None:
        reputation_out.append(reputation)
    # Who spoke last is known before this message, but costs a query: it is read only when
    # the counts are read here too (a caller passing ``recipient_messages`` keeps its query
    # budget, and the fact stays unset).
    if is_reply is None:
        is_reply = (
            read_replies
            and recipient_messages > 0
            and conversation is not None
            and next(
                iter(
                    Message.objects.filter(conversation=conversation, created_at__lt=now)
                    .order_by("-created_at", "-pk")
                    .values_list("sender_id", flat=True)[:1]
                ),
                None,
            )
            == recipient.pk
        )
    if invited_by_recipient is _READ:
        invited_by_recipient = (
            None
            if inviter is _READ or connected_at is None or inviter is None
            else inviter == recipient.pk
        )
    return MessageContext(
        text=text,
        sent_at=now,
        connected_at=connected_at,  # type: ignore[arg-type]
        started_by_recipient=conversation is not None
        and conversation.started_by_id == recipient.pk,
        recipient_messages_to_sender=recipient_messages,
        answers_recipient_listing=answers_listing,
        is_reply_to_recipient=is_reply,
        recipient_invited_sender=invited_by_recipient,  # type: ignore[arg-type]
        sender=sender_facts(sender, now=now, history=history, reputation=reputation),
        bulk=bulk,
    )


def observe_bulk(
    *, sender: Member, recipient: Member, text: str, now: datetime
) -> BulkCounts | None:
    """Record the message in the near-duplicate index and return its counts.

    ``None`` when the index is unavailable: the guard then scores without bulk evidence and
    adds the ``bulk.unknown`` reason, and the message is still delivered.
    """
    try:
        return bulk_index.observe(
            sender=str(sender.pk), recipient=str(recipient.pk), text=text, at=now
        )
    except BulkStoreUnavailable as exc:
        logger.warning("bulk index unavailable, scoring without bulk counts: %s", exc)
        return None


def _score(ctx: MessageContext) -> Verdict:
    timeout = settings.PITCHLESS_SCORING_TIMEOUT_SECONDS
    follow_active_model()
    future = _executor.submit(lambda: get_guard().score(ctx))
    return future.result(timeout=timeout if timeout > 0 else None)


def assess_message(
    *,
    sender: Member,
    recipient: Member,
    conversation: Conversation | None,
    text: str,
    now: datetime,
    answers_listing: bool = False,
    connected_at: datetime | object | None = _READ,
    recipient_messages: int | None = None,
    is_reply: bool | None = None,
    invited_by_recipient: bool | object | None = _READ,
    history: SenderHistory | None = None,
) -> Assessment:
    """Score one message; never raises for a guard failure (the message is then unchecked).

    ``connected_at``, ``recipient_messages``, ``is_reply``, ``invited_by_recipient`` and
    ``history``: see :func:`build_context`.
    """
    exempt = answers_listing or (
        conversation is not None and conversation.started_by_id == recipient.pk
    )
    reputation: list[Reputation] = []
    try:
        ctx = _context_in_savepoint(
            sender=sender,
            recipient=recipient,
            conversation=conversation,
            text=text,
            now=now,
            answers_listing=answers_listing,
            connected_at=connected_at,
            recipient_messages=recipient_messages,
            reputation_out=reputation,
            is_reply=is_reply,
            invited_by_recipient=invited_by_recipient,
            history=history,
        )
        verdict = _score(ctx)
    except FutureTimeout:
        logger.error("guard timed out on a message from member %s; delivered unchecked", sender.pk)
        return Assessment(check=Message.Check.UNCHECKED, reputation=_first(reputation))
    except Exception:
        logger.exception("guard failed on a message from member %s; delivered unchecked", sender.pk)
        return Assessment(check=Message.Check.UNCHECKED, reputation=_first(reputation))
    return Assessment(
        check=Message.Check.EXEMPT if exempt else Message.Check.CHECKED,
        action=verdict.action,
        score=verdict.score,
        reasons=[r.to_dict() for r in verdict.reasons],
        reputation=_first(reputation),
    )


def _context_in_savepoint(**kwargs: Any) -> MessageContext:
    """:func:`build_context` behind a savepoint: a database error while reading the context
    must not break the caller's transaction, which still has to store the message.

    Rolled back to on any error; on success it is left to the transaction's end, which
    releases it anyway: a ``RELEASE`` would be one more round trip on every send. Outside a
    transaction there is nothing to protect.
    """
    if not transaction.get_connection().in_atomic_block:
        return build_context(**kwargs)
    sid = transaction.savepoint()
    try:
        return build_context(**kwargs)
    except BaseException:
        transaction.savepoint_rollback(sid)
        raise


def rescore(message: Message) -> Assessment:
    """Score a stored message again, as of when it was sent, with the model in use now.

    For messages delivered unchecked (the guard failed or took too long). The bulk index is
    not consulted: the message is not sent again, so it must not count twice. Raises when the
    guard fails again; the caller leaves the message unchecked.
    """
    sender, recipient, at = message.sender, message.recipient, message.created_at
    connected_at = next(
        iter(
            Connection.objects.filter(member=sender, other=recipient, created_at__lte=at)
            .order_by()
            .values_list("created_at", flat=True)[:1]
        ),
        None,
    )
    replies = Message.objects.filter(
        conversation=message.conversation_id, sender=recipient, created_at__lt=at
    ).count()
    reputation: list[Reputation] = []
    ctx = build_context(
        sender=sender,
        recipient=recipient,
        conversation=message.conversation,
        text=message.text,
        now=at,
        connected_at=connected_at,
        recipient_messages=replies,
        reputation_out=reputation,
        observe=False,
    )
    verdict = _score(ctx)
    return Assessment(
        check=Message.Check.EXEMPT if ctx.started_by_recipient else Message.Check.CHECKED,
        action=verdict.action,
        score=verdict.score,
        reasons=[r.to_dict() for r in verdict.reasons],
        reputation=_first(reputation),
    )


def _first(found: list[Reputation]) -> Reputation | None:
    return found[0] if found else None


def assess_note(*, sender: Member, recipient: Member, note: str, now: datetime) -> Assessment:
    """Score an invitation note the same way (the two are not connected yet)."""
    if not note.strip():
        return Assessment(check=Message.Check.EXEMPT)
    return assess_message(sender=sender, recipient=recipient, conversation=None, text=note, now=now)
