"""Every write of the network: one typed, keyword-only function each, in a transaction.

Views, the command line and (later) the API call these and nothing else. Refusals raise a
:class:`NetworkError` whose message can be shown to the member as it is.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from pitchless.guard import Action
from pitchless.members.models import Member
from pitchless.network import _sql, guard_adapter, hooks, notify
from pitchless.network.limits import LimitReached, first_limit_reached
from pitchless.network.models import (
    Block,
    Connection,
    Conversation,
    Folder,
    Invitation,
    Message,
    MessageFeedback,
    ModeratorRestriction,
    Participant,
    Report,
)
from pitchless.network.reputation import (
    SenderHistory,
    history_from_rows,
    history_params,
    history_sql,
)
from pitchless.network.restrictions import restriction_for

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 20_000
MAX_NOTE_CHARS = 300


class NetworkError(Exception):
    """A refused action; the message is written for the member who tried it.

    The base class means "not a valid request" (HTTP 400); the sub-kinds say more.
    """


class NotFound(NetworkError):
    """The object does not exist for this member (shown as a 404, never as a 403)."""


class Forbidden(NetworkError):
    """The member may not do this to an object they can see (HTTP 403)."""


class Conflict(NetworkError):
    """The object's state does not allow it any more: already answered, already connected…
    (HTTP 409)."""


class LimitError(NetworkError):
    """An invitation limit stops the action; ``limit`` says which and when it lifts."""

    def __init__(self, limit: LimitReached) -> None:
        super().__init__(limit.message)
        self.limit = limit


# --- invitations ------------------------------------------------------------------------------

#: who may move an invitation from PENDING to each state
_MOVES: dict[str, str] = {
    Invitation.Status.ACCEPTED: "recipient",
    Invitation.Status.IGNORED: "recipient",
    Invitation.Status.DONT_KNOW: "recipient",
    Invitation.Status.REPORTED: "recipient",
    Invitation.Status.WITHDRAWN: "sender",
    Invitation.Status.EXPIRED: "system",
    Invitation.Status.CANCELLED: "system",
}


#: answers the sender is not told about: to them the invitation still reads "Pending"
_QUIET_ANSWERS = (
    Invitation.Status.IGNORED,
    Invitation.Status.DONT_KNOW,
    Invitation.Status.REPORTED,
)


def _refuse_if_suspended(member: Member, now: datetime) -> None:
    # Suspended members cannot log in; this also covers tokens and sessions created before.
    if member.is_suspended(now):
        raise Forbidden("Your account is suspended; you cannot send anything for now.")


def is_connected(a: Member, b: Member) -> bool:
    """True when the two members are connected."""
    return Connection.objects.filter(member=a, other=b).exists()


def is_blocked(a: Member, b: Member) -> bool:
    """True when either member blocked the other."""
    return Block.objects.between(a, b).exists()


def _shares_a_connection(a: Member, b: Member) -> bool:
    return Connection.objects.filter(
        member=a, other__in=Connection.objects.filter(member=b).values("other")
    ).exists()


def transition(
    *, invitation: Invitation, to: str, by: Member | None, now: datetime | None = None
) -> Invitation:
    """Move a pending invitation to ``to``; the one place that changes ``status``.

    ``by`` is ``None`` for the system's own moves (expiry, blocks). Raises ``NotFound`` when
    ``by`` is neither party, and ``NetworkError`` when the move is not allowed.
    """
    role = _MOVES.get(to)
    if role is None:
        raise NetworkError("That is not a possible answer to an invitation.")
    if by is not None:
        if by.pk not in (invitation.sender_id, invitation.recipient_id):
            raise NotFound("No such invitation.")
        actual = "sender" if by.pk == invitation.sender_id else "recipient"
        if actual != role:
            raise Forbidden("Only the other member can do that.")
    elif role != "system":
        raise NetworkError("Only a member can do that.")
    now = now or timezone.now()
    # A conditional update: of two concurrent answers, exactly one wins.
    moved = Invitation.objects.filter(pk=invitation.pk, status=Invitation.Status.PENDING).update(
        status=to, decided_at=now
    )
    if not moved:
        raise Conflict("This invitation was already answered or withdrawn.")
    invitation.status = to
    invitation.decided_at = now
    return invitation


def _connect(a: Member, b: Member, *, invitation: Invitation | None, now: datetime) -> None:
    for member, other in ((a, b), (b, a)):
        Connection.objects.get_or_create(
            member=member, other=other, defaults={"created_at": now, "invitation": invitation}
        )


@transaction.atomic
def send_invitation(
    *, sender: Member, recipient: Member, note: str = "", now: datetime | None = None
) -> Invitation:
    """Invite ``recipient`` to connect; raises ``NetworkError``/``LimitError`` when refused."""
    now = now or timezone.now()
    note = note.strip()
    if len(note) > MAX_NOTE_CHARS:
        raise NetworkError(f"A note can be at most {MAX_NOTE_CHARS} characters.")
    if sender.pk == recipient.pk:
        raise NetworkError("You cannot invite yourself.")
    _refuse_if_suspended(sender, now)
    if not recipient.is_active or is_blocked(sender, recipient):
        raise Forbidden("You cannot invite this member.")
    # Serialise one sender's invitations so that two at once cannot both pass the limits.
    locked = Member.objects.select_for_update().filter(pk=sender.pk).first()
    if locked is not None:
        # ``sender`` may come from a cache (API tokens): the stored row decides.
        _refuse_if_suspended(locked, now)
    if is_connected(sender, recipient):
        raise Conflict("You are already connected.")
    if Invitation.objects.between(sender, recipient).pending(now).exists():
        raise Conflict("An invitation between you two is already waiting for an answer.")
    if Invitation.objects.filter(
        sender=sender,
        recipient=recipient,
        status__in=[Invitation.Status.DONT_KNOW, Invitation.Status.REPORTED],
    ).exists():
        raise Forbidden("This member does not accept invitations from you.")
    if (
        recipient.invitations_from == Member.InvitationsFrom.SHARED_CONNECTIONS
        and not _shares_a_connection(sender, recipient)
    ):
        raise Forbidden("This member only accepts invitations from people you both know.")
    limit = first_limit_reached(sender, recipient, now)
    if limit is not None:
        raise LimitError(limit)
    # An expired invitation still holds the "one pending per pair" slot until marked.
    Invitation.objects.filter(
        sender=sender, recipient=recipient, status=Invitation.Status.PENDING
    ).update(status=Invitation.Status.EXPIRED, decided_at=now)
    assessment = guard_adapter.assess_note(sender=sender, recipient=recipient, note=note, now=now)
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                sender=sender,
                recipient=recipient,
                note=note,
                created_at=now,
                note_is_pitch=assessment.is_pitch,
                note_reasons=assessment.reasons if assessment.is_pitch else [],
            )
    except IntegrityError as exc:
        raise Conflict("An invitation to this member is already waiting.") from exc
    notify.invitation_received(invitation)
    return invitation


@transaction.atomic
def accept_invitation(*, invitation: Invitation, by: Member) -> Invitation:
    """Accept: the two are connected from now on."""
    transition(invitation=invitation, to=Invitation.Status.ACCEPTED, by=by)
    _connect(invitation.sender, invitation.recipient, invitation=invitation, now=timezone.now())
    return invitation


@transaction.atomic
def ignore_invitation(*, invitation: Invitation, by: Member) -> Invitation:
    """Ignore: the sender is not told (the invitation still looks pending to them)."""
    return transition(invitation=invitation, to=Invitation.Status.IGNORED, by=by)


@transaction.atomic
def dont_know_invitation(*, invitation: Invitation, by: Member) -> Invitation:
    """ "I don't know this person": the sender can never invite this member again."""
    return transition(invitation=invitation, to=Invitation.Status.DONT_KNOW, by=by)


@transaction.atomic
def report_invitation(*, invitation: Invitation, by: Member, reason: str = "") -> Report:
    """Report the invitation's sender; the invitation closes and cannot be sent again."""
    transition(invitation=invitation, to=Invitation.Status.REPORTED, by=by)
    return Report.objects.create(
        reporter=by, reported=invitation.sender, invitation=invitation, reason=reason[:500]
    )


@transaction.atomic
def withdraw_invitation(*, invitation: Invitation, by: Member) -> Invitation:
    """The sender takes the invitation back.

    An ignored, "don't know" or reported invitation still looks pending to its sender (they
    are not told how it was answered), so withdrawing it succeeds quietly and changes nothing.
    """
    if invitation.status in _QUIET_ANSWERS and by.pk == invitation.sender_id:
        return invitation
    return transition(invitation=invitation, to=Invitation.Status.WITHDRAWN, by=by)


@transaction.atomic
def ask_why(*, invitation: Invitation, by: Member, question: str) -> Invitation:
    """The recipient asks the inviter about the note; no connection is made."""
    question = question.strip()
    if by.pk != invitation.recipient_id:
        raise NotFound("No such invitation.")
    if invitation.status != Invitation.Status.PENDING:
        raise Conflict("This invitation was already answered or withdrawn.")
    if not question or len(question) > MAX_NOTE_CHARS:
        raise NetworkError(f"Write a question of at most {MAX_NOTE_CHARS} characters.")
    if invitation.question:
        raise Conflict("You already asked about this invitation.")
    invitation.question = question
    invitation.asked_at = timezone.now()
    invitation.save(update_fields=["question", "asked_at"])
    return invitation


@transaction.atomic
def answer_question(*, invitation: Invitation, by: Member, answer: str) -> Invitation:
    """The inviter answers the recipient's question (once)."""
    answer = answer.strip()
    if by.pk != invitation.sender_id:
        raise NotFound("No such invitation.")
    if not invitation.question or invitation.answer:
        raise Conflict("There is no open question on this invitation.")
    if invitation.status not in (Invitation.Status.PENDING, Invitation.Status.IGNORED):
        raise Conflict("This invitation was already answered or withdrawn.")
    if not answer or len(answer) > MAX_NOTE_CHARS:
        raise NetworkError(f"Write an answer of at most {MAX_NOTE_CHARS} characters.")
    invitation.answer = answer
    invitation.answered_at = timezone.now()
    invitation.save(update_fields=["answer", "answered_at"])
    return invitation


@transaction.atomic
def expire_invitations(*, now: datetime | None = None) -> int:
    """Mark invitations left unanswered past the expiry as expired; returns how many."""
    now = now or timezone.now()
    stale = Invitation.objects.filter(status=Invitation.Status.PENDING).exclude(
        pk__in=Invitation.objects.pending(now).values("pk")
    )
    return stale.update(status=Invitation.Status.EXPIRED, decided_at=now)


# --- connections and blocks -------------------------------------------------------------------


@transaction.atomic
def remove_connection(*, member: Member, other: Member) -> bool:
    """Disconnect the two; returns whether they were connected."""
    deleted, _ = Connection.objects.filter(member=member, other=other).delete()
    Connection.objects.filter(member=other, other=member).delete()
    return deleted > 0


@transaction.atomic
def block_member(*, blocker: Member, blocked: Member) -> Block:
    """End the connection and all contact both ways."""
    if blocker.pk == blocked.pk:
        raise NetworkError("You cannot block yourself.")
    block, _ = Block.objects.get_or_create(blocker=blocker, blocked=blocked)
    remove_connection(member=blocker, other=blocked)
    now = timezone.now()
    for invitation in Invitation.objects.between(blocker, blocked).filter(
        status=Invitation.Status.PENDING
    ):
        transition(invitation=invitation, to=Invitation.Status.CANCELLED, by=None, now=now)
    Participant.objects.filter(member=blocker, other=blocked).update(
        folder=Folder.ARCHIVE, unread=0
    )
    return block


@transaction.atomic
def unblock_member(*, blocker: Member, blocked: Member) -> bool:
    """Lift a block (the connection is not restored); returns whether there was one."""
    deleted, _ = Block.objects.filter(blocker=blocker, blocked=blocked).delete()
    return deleted > 0


@transaction.atomic
def report_member(
    *, reporter: Member, reported: Member, reason: str = "", message: Message | None = None
) -> Report:
    """Report a member, optionally about one message they sent the reporter."""
    if reporter.pk == reported.pk:
        raise NetworkError("You cannot report yourself.")
    if message is not None and (
        message.recipient_id != reporter.pk
        or message.sender_id != reported.pk
        # A held message was never delivered: its recipient cannot have read it.
        or message.filed_as in Message.WITHHELD
    ):
        raise NotFound("No such message.")
    return Report.objects.create(
        reporter=reporter, reported=reported, message=message, reason=reason.strip()[:500]
    )


# --- messages ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SendResult:
    """A stored message; ``created`` is false when an idempotent retry found the first one."""

    message: Message
    created: bool


@dataclass(frozen=True, slots=True)
class _Pair:
    """What a send needs to know about the two members, read in one statement."""

    blocked: bool
    connected_at: datetime | None
    #: messages the recipient wrote to the sender (all in the pair's one conversation)
    recipient_messages: int
    #: a moderator's restriction on the sender is in force
    moderated: bool
    #: the sender's suspension as stored now (the caller's copy may be older)
    sender_suspended_until: datetime | None = None
    #: the recipient blocked the sender (a part of ``blocked``)
    blocked_by_recipient: bool = False
    #: the recipient sent the invitation that connected the two (``None``: not connected, or
    #: connected without an invitation on record)
    invited_by_recipient: bool | None = None
    #: the newest message the sender may see in the pair's conversation is the recipient's:
    #: the sender is answering them
    answers_recipient: bool = False


@dataclass(frozen=True, slots=True)
class _SendRead:
    """Everything a send reads before the guard, from :func:`_read_send`."""

    recipient: Member
    #: the sender's side's conversation, when the pair has one
    conversation: Conversation | None
    pair: _Pair
    #: the id of the sender's message already stored under the idempotency key
    stored_id: int | None
    #: the sender's history as of the send, for the guard and the reputation
    history: SenderHistory | None = None


@cache
def _send_sql(by_conversation: bool) -> str:
    member, participant, conversation = (_sql.table(m) for m in (Member, Participant, Conversation))
    block, connection_, message = (_sql.table(m) for m in (Block, Connection, Message))
    restriction, invitation = _sql.table(ModeratorRestriction), _sql.table(Invitation)
    # Scalar subqueries, each on an index: blocks both ways (unique pair), the connection's
    # date (unique pair), the recipient's messages in the conversation (conversation_id), a
    # moderator's restriction in force (member, ends_at), the sender's stored suspension
    # (primary key), a message already stored under the idempotency key (sender, key), who
    # sent the connection's invitation (unique pair, then primary key) and who wrote the
    # newest message the sender's side shows (primary key).
    select = (
        f"SELECT 0, {_sql.columns(Member, 'r')}, "
        "c.id, c.started_by_id, c.created_at, c.last_message_at, "
        f"EXISTS (SELECT 1 FROM {block} b WHERE b.blocker_id = r.id AND b.blocked_id = %s), "
        f"EXISTS (SELECT 1 FROM {block} b WHERE b.blocker_id = %s AND b.blocked_id = r.id), "
        f"(SELECT k.created_at FROM {connection_} k WHERE k.member_id = %s AND k.other_id = r.id "
        "LIMIT 1), "
        f"(SELECT COUNT(*) FROM {message} m WHERE m.conversation_id = c.id "
        "AND m.sender_id = r.id), "
        f"EXISTS (SELECT 1 FROM {restriction} x WHERE x.member_id = %s AND x.lifted_at IS NULL "
        "AND x.ends_at > %s AND x.starts_at <= %s), "
        f"(SELECT 1 FROM {member} s WHERE s.id = %s), "
        f"(SELECT s.suspended_until FROM {member} s WHERE s.id = %s), "
        f"(SELECT i.id FROM {message} i WHERE i.sender_id = %s AND i.idempotency_key = %s), "
        f"(SELECT v.sender_id FROM {connection_} k JOIN {invitation} v ON v.id = k.invitation_id "
        "WHERE k.member_id = %s AND k.other_id = r.id), "
        f"(SELECT lm.sender_id FROM {message} lm WHERE lm.id = p.last_message_id), "
        "NULL, NULL, NULL "
    )
    if by_conversation:
        pair = (
            select + f"FROM {participant} p JOIN {conversation} c ON c.id = p.conversation_id "
            f"JOIN {member} r ON r.id = p.other_id "
            "WHERE p.conversation_id = %s AND p.member_id = %s"
        )
    else:
        pair = (
            select + f"FROM {member} r LEFT JOIN {participant} p ON p.member_id = %s "
            f"AND p.other_id = r.id LEFT JOIN {conversation} c ON c.id = p.conversation_id "
            "WHERE r.id = %s"
        )
    # The sender's history (the reputation's events) comes in the same statement, as the
    # rows marked 1 after the pair's row marked 0: one round trip fewer per send, and a read
    # the guard then need not make.
    empty = ", ".join(["NULL"] * (_sql.width(Member) + _PAIR_VALUES))
    return f"{pair} UNION ALL SELECT 1, {empty}, h.* FROM ({history_sql()}) h"


#: what the pair's row holds after the recipient: the conversation (4 values), blocks both
#: ways, the connection's date, the replies, the restriction, the sender (2), the stored
#: message, the inviter and the sender's last message's sender
_PAIR_VALUES = 14


def _read_send(
    sender: Member,
    *,
    recipient_id: int | None,
    conversation_id: int | None,
    now: datetime,
    idempotency_key: str | None,
) -> _SendRead | None:
    """The recipient, the pair's conversation, what the guard and the rules need about the
    pair, a message already stored under the key and the sender's history, in one statement;
    ``None`` when the recipient (or, by conversation, the sender's side of it) does not
    exist."""
    s = sender.pk
    params: list[object] = [s, s, s, s, _sql.when(now), _sql.when(now), s, s, s, idempotency_key, s]
    if conversation_id is not None:
        params += [conversation_id, s]
    else:
        params += [s, recipient_id]
    params += history_params(s, now=now)
    by_conversation = conversation_id is not None
    with connection.cursor() as cursor:
        _sql.execute_prepared(
            cursor,
            "pitchless_send_read_c" if by_conversation else "pitchless_send_read_r",
            _send_sql(by_conversation),
            params,
        )
        rows = cursor.fetchall()
    row = next((r[1:] for r in rows if r[0] == 0), None)
    if row is None:
        return None
    history = history_from_rows((r[-3:] for r in rows if r[0] == 1), now=now)
    n = _sql.width(Member)
    recipient = _sql.load(Member, row[:n])
    conv_id, started_by, created, last_at, by_recipient, by_sender = row[n : n + 6]
    connected_at, replies, moderated, sender_exists, suspended_until, stored_id = row[
        n + 6 : n + 12
    ]
    inviter_id, last_sender_id = row[n + 12 : n + _PAIR_VALUES]
    conversation = None
    if conv_id is not None:
        conversation = Conversation(
            id=conv_id,
            started_by_id=started_by,
            created_at=_sql.aware(created),
            last_message_at=_sql.aware(last_at),
        )
        conversation._state.adding = False
        conversation._state.db = connection.alias
    pair = _Pair(
        # a sender whose account is gone may write to nobody
        blocked=bool(by_recipient) or bool(by_sender) or sender_exists is None,
        connected_at=_sql.aware(connected_at),
        recipient_messages=int(replies or 0),
        moderated=bool(moderated),
        sender_suspended_until=_sql.aware(suspended_until),
        blocked_by_recipient=bool(by_recipient),
        invited_by_recipient=(
            None if connected_at is None or inviter_id is None else inviter_id == recipient.pk
        ),
        answers_recipient=last_sender_id is not None and last_sender_id == recipient.pk,
    )
    return _SendRead(recipient, conversation, pair, stored_id, history)


def _may_message(
    *,
    sender: Member,
    recipient: Member,
    conversation: Conversation | None,
    pair: _Pair,
    answers_listing: bool,
) -> bool:
    if sender.pk == recipient.pk or not recipient.is_active or pair.blocked:
        return False
    if pair.connected_at is not None:
        return True
    if conversation is not None and conversation.started_by_id == recipient.pk:
        return True
    return answers_listing


def may_message(
    *,
    sender: Member,
    recipient: Member,
    conversation: Conversation | None,
    exchange_request: int | None = None,
) -> bool:
    """Whether ``sender`` may write to ``recipient`` now.

    Connections may; so may anyone in a conversation the recipient started, and anyone answering
    the recipient's Exchange request (see :func:`hooks.answers_exchange_request`). Nobody may
    while either blocked the other.
    """
    if sender.pk == recipient.pk or not recipient.is_active or is_blocked(sender, recipient):
        return False
    if is_connected(sender, recipient):
        return True
    if conversation is not None and conversation.started_by_id == recipient.pk:
        return True
    if conversation is not None and hooks.in_exchange_engagement(
        sender=sender, recipient=recipient, conversation_id=conversation.pk
    ):
        return True
    return hooks.answers_exchange_request(
        sender=sender, recipient=recipient, request_id=exchange_request
    )


def _filing(assessment: guard_adapter.Assessment, *, recipient: Member, connected: bool) -> str:
    if assessment.check != Message.Check.CHECKED or assessment.action is Action.DELIVER:
        return Message.Filing.INBOX
    if assessment.action is Action.HOLD:
        return Message.Filing.HELD
    if recipient.accept_pitches and connected:
        return Message.Filing.INBOX
    return Message.Filing.PITCHES


def _check_text(sender: Member, text: str) -> str:
    text = text.strip()
    if not text:
        raise NetworkError("Write a message first.")
    _refuse_if_suspended(sender, timezone.now())
    if len(text) > MAX_MESSAGE_CHARS:
        raise NetworkError(f"A message can be at most {MAX_MESSAGE_CHARS:,} characters.")
    return text


@transaction.atomic
def send_message(
    *,
    sender: Member,
    text: str,
    recipient: Member | None = None,
    recipient_id: int | None = None,
    conversation: Conversation | None = None,
    idempotency_key: str | None = None,
    exchange_request: int | None = None,
) -> SendResult:
    """Send ``text`` to ``recipient`` (a new or existing conversation) or into ``conversation``.

    ``recipient_id`` names the recipient as a client does (the API): a member who does not
    exist, whose account is closed or who blocked the sender raises ``NotFound`` ("No such
    member."), before anything else is checked, as if they did not exist.

    The guard files it (Inbox, Pitches or held); a guard failure delivers it to the Inbox
    flagged unchecked. A retry with the same ``idempotency_key`` returns the stored message.
    """
    if idempotency_key is not None:
        idempotency_key = idempotency_key.strip()[:100] or None
    now = timezone.now()
    if recipient_id is not None:
        read = _read_send(
            sender,
            recipient_id=recipient_id,
            conversation_id=None,
            now=now,
            idempotency_key=idempotency_key,
        )
        if read is None or not read.recipient.is_active or read.pair.blocked_by_recipient:
            raise NotFound("No such member.")
        text = _check_text(sender, text)
    else:
        text = _check_text(sender, text)
        if conversation is None and recipient is None:
            raise NetworkError("Choose who to write to.")
        read = _read_send(
            sender,
            recipient_id=recipient.pk if recipient is not None else None,
            conversation_id=conversation.pk if conversation is not None else None,
            now=now,
            idempotency_key=idempotency_key,
        )
        if read is None:
            if conversation is not None:
                raise NotFound("No such conversation.")
            # The recipient's row is gone: nobody may write to them (refused below).
            read = _SendRead(
                recipient,  # type: ignore[arg-type]
                None,
                _Pair(blocked=True, connected_at=None, recipient_messages=0, moderated=False),
                None,
            )
    if read.stored_id is not None:
        return SendResult(Message.objects.get(pk=read.stored_id), created=False)
    if recipient is None or conversation is not None:
        recipient = read.recipient
    conversation = read.conversation
    pair = read.pair

    answers_listing = hooks.answers_exchange_request(
        sender=sender, recipient=recipient, request_id=exchange_request
    )
    if pair.sender_suspended_until is not None and pair.sender_suspended_until > now:
        # ``sender`` may come from a cache (API tokens): the stored row decides.
        raise Forbidden("Your account is suspended; you cannot send anything for now.")
    if not _may_message(
        sender=sender,
        recipient=recipient,
        conversation=conversation,
        pair=pair,
        answers_listing=answers_listing,
    ):
        # Asked only when otherwise refused, so ordinary sends pay no extra query: a buyer's
        # follow-up in the conversation they started about an Exchange listing is still
        # their own contact (allowed, and exempt from the guard like the first message).
        if (
            conversation is None
            or pair.blocked
            or not recipient.is_active
            or not hooks.in_exchange_engagement(
                sender=sender, recipient=recipient, conversation_id=conversation.pk
            )
        ):
            raise Forbidden("You can only write to your connections.")
        answers_listing = True

    assessment = guard_adapter.assess_message(
        sender=sender,
        recipient=recipient,
        conversation=conversation,
        text=text,
        now=now,
        answers_listing=answers_listing,
        connected_at=pair.connected_at,
        recipient_messages=pair.recipient_messages,
        is_reply=pair.answers_recipient,
        invited_by_recipient=pair.invited_by_recipient,
        history=read.history,
    )
    filed_as = _filing(assessment, recipient=recipient, connected=pair.connected_at is not None)
    if (
        filed_as != Message.Filing.HELD
        and assessment.check != Message.Check.EXEMPT
        and pair.recipient_messages == 0
    ):
        restriction = restriction_for(
            sender, now=now, reputation=assessment.reputation, moderated=pair.moderated
        )
        if restriction is not None and restriction.hold_messages:
            filed_as = Message.Filing.HELD

    message = Message(
        conversation_id=conversation.pk if conversation is not None else None,
        sender=sender,
        recipient=recipient,
        text=text,
        created_at=now,
        idempotency_key=idempotency_key,
        filed_as=filed_as,
        check_status=assessment.check,
        guard_pitch=assessment.is_pitch and assessment.check == Message.Check.CHECKED,
        guard_score=assessment.score,
        guard_reasons=assessment.reasons,
    )
    if not _store(message, conversation=conversation, now=now):
        # A concurrent retry stored it first: answer with the stored message.
        existing = Message.objects.filter(sender=sender, idempotency_key=idempotency_key).first()
        if existing is None:
            raise IntegrityError("The message was neither stored nor found under its key.")
        return SendResult(existing, created=False)
    if filed_as == Message.Filing.INBOX:
        notify.message_received(message)
    return SendResult(message, created=True)


# The statements below store a send without a savepoint: a message already stored under its
# idempotency key, or the pair's conversation created by another first message at the same
# moment, is an ``INSERT … ON CONFLICT DO NOTHING`` that stores nothing and is answered (by
# the stored message, or by joining that conversation), not an error to roll back to a
# savepoint (two round trips each on PostgreSQL). SQLite has both clauses since 3.35.


@cache
def _columns(model: type[Any], names: tuple[str, ...]) -> str:
    """The quoted ``names``, checked to be every column but the primary key of ``model``: a
    new column must be given a value here, not left to the database."""
    have = tuple(f.column for f in model._meta.concrete_fields if not f.primary_key)
    if sorted(have) != sorted(names):
        raise RuntimeError(f"{model.__name__}'s columns are {have}, not {names}")
    return ", ".join(connection.ops.quote_name(n) for n in names)


_CONVERSATION_COLUMNS = ("started_by_id", "created_at", "last_message_at")
_PARTICIPANT_COLUMNS = (
    "conversation_id",
    "member_id",
    "other_id",
    "folder",
    "unread",
    "last_message_id",
    "last_message_at",
)


@cache
def _message_columns(new_conversation: bool) -> tuple[str, str, tuple[Any, ...]]:
    """The message's columns, their values' SQL and the fields giving the parameters; with
    ``new_conversation`` the conversation's id comes from the statement's ``c``."""
    fields = tuple(f for f in Message._meta.concrete_fields if not f.primary_key)
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    from_c = [new_conversation and f.column == "conversation_id" for f in fields]
    marks = ", ".join("c.id" if c else "%s" for c in from_c)
    return names, marks, tuple(f for f, c in zip(fields, from_c, strict=True) if not c)


def _message_params(message: Message, fields: tuple[Any, ...]) -> list[Any]:
    # Each value prepared by its field, as the ORM prepares it.
    return [f.get_db_prep_save(getattr(message, f.attname), connection) for f in fields]


def _stored(instance: Any, pk: int) -> None:
    instance.pk = pk
    instance._state.adding = False
    instance._state.db = connection.alias


def _store(message: Message, *, conversation: Conversation | None, now: datetime) -> bool:
    """Store a new ``message`` (and the pair's conversation when there is none yet), and move
    both sides as :func:`_deliver` does; False, with nothing stored, when a message is already
    stored under its idempotency key.

    On PostgreSQL a send into a conversation is one statement, and so is a first message with
    its conversation and both sides; on SQLite (no ``INSERT`` inside ``WITH``) they are a few
    statements, cheap in-process.
    """
    postgres = connection.vendor == "postgresql"
    created = False
    if conversation is None:
        if postgres:
            stored = _store_first_message(message, now=now)
            if stored is not None:
                return stored
        else:
            conversation = _create_conversation(message.sender_id, message.recipient_id, now=now)
            created = conversation is not None
        if conversation is None:
            # Another first message between the two stored the pair's conversation meanwhile
            # (its statement has committed: ``ON CONFLICT`` waited for it): join that one.
            conversation = (
                Participant.objects.select_related("conversation")
                .get(member_id=message.sender_id, other_id=message.recipient_id)
                .conversation
            )
    message.conversation = conversation
    if postgres:
        return _store_in_conversation(message, now=now)
    if not _insert_message(message):
        return False
    if not created:
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {_sql.table(Conversation)} SET last_message_at = %s WHERE id = %s",
                [_sql.when(now), conversation.pk],
            )
        conversation.last_message_at = now
    _deliver(message, sent=True)
    return True


def _insert_message(message: Message) -> bool:
    """Store a new ``message`` in one statement; False when one is already stored under its
    idempotency key."""
    names, marks, fields = _message_columns(False)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_sql.table(Message)} ({names}) VALUES ({marks}) "
            "ON CONFLICT DO NOTHING RETURNING id",
            _message_params(message, fields),
        )
        row = cursor.fetchone()
    if row is None:
        return False
    _stored(message, row[0])
    return True


def _store_in_conversation(message: Message, *, now: datetime) -> bool:
    """PostgreSQL: the message, the conversation's ``last_message_at`` and both sides in one
    statement; the two updates run only when the message was stored."""
    names, marks, fields = _message_columns(False)
    deliver, deliver_params = _deliver_sql(message, sent=True, message_id="(SELECT id FROM m)")
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH m AS (INSERT INTO {_sql.table(Message)} ({names}) VALUES ({marks}) "
            "ON CONFLICT DO NOTHING RETURNING id), "
            f"c AS (UPDATE {_sql.table(Conversation)} SET last_message_at = %s "
            "WHERE id = %s AND EXISTS (SELECT 1 FROM m)), "
            f"p AS ({deliver} AND EXISTS (SELECT 1 FROM m)) SELECT id FROM m",
            [
                *_message_params(message, fields),
                _sql.when(now),
                message.conversation_id,
                *deliver_params,
            ],
        )
        row = cursor.fetchone()
    if row is None:
        return False
    _stored(message, row[0])
    message.conversation.last_message_at = now
    return True


def _fresh_sides(message: Message) -> list[tuple[int, int, str, int, bool]]:
    """Both sides of a new conversation as :func:`_deliver` leaves them after its first
    message: ``(member, other, folder, unread, sees the message)``, the lower member first."""
    delivered = message.filed_as not in Message.WITHHELD
    folder = (
        Folder.PITCHES
        if message.filed_as == Message.Filing.PITCHES
        else Participant._meta.get_field("folder").default
    )
    sides = [
        (message.sender_id, message.recipient_id, Folder.INBOX, 0, True),
        (message.recipient_id, message.sender_id, folder, 1 if delivered else 0, delivered),
    ]
    # Rows in one order for every send: two first messages crossing (a to b, b to a) then
    # wait for each other's rows instead of deadlocking.
    return sorted(sides)


def _store_first_message(message: Message, *, now: datetime) -> bool | None:
    """PostgreSQL: the pair's conversation, the message and both sides in one statement.

    True when stored; False when a message is already stored under the key; ``None`` when
    another first message stored the pair's conversation meanwhile. In both refusals what
    this statement stored is deleted again (a conversation, perhaps the message)."""
    names, marks, fields = _message_columns(True)
    conversation_t, message_t, participant_t = (
        _sql.table(m) for m in (Conversation, Message, Participant)
    )
    at = _sql.when(now)
    side = "SELECT c.id, %s, %s, %s, %s, CASE WHEN %s THEN m.id END, %s FROM c, m"
    params: list[Any] = [message.sender_id, at, at, *_message_params(message, fields)]
    for member, other, folder, unread, sees in _fresh_sides(message):
        params += [member, other, folder, unread, sees, at]
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH c AS (INSERT INTO {conversation_t} "
            f"({_columns(Conversation, _CONVERSATION_COLUMNS)}) VALUES (%s, %s, %s) "
            f"RETURNING id), m AS (INSERT INTO {message_t} ({names}) SELECT {marks} FROM c "
            "ON CONFLICT DO NOTHING RETURNING id), "
            f"p AS (INSERT INTO {participant_t} ({_columns(Participant, _PARTICIPANT_COLUMNS)}) "
            f"{side} UNION ALL {side} ON CONFLICT DO NOTHING RETURNING 1) "
            "SELECT (SELECT id FROM c), (SELECT id FROM m), (SELECT COUNT(*) FROM p)",
            params,
        )
        conversation_id, message_id, sides = cursor.fetchone()
        if message_id is not None and sides == 2:
            conversation = Conversation(
                started_by_id=message.sender_id, created_at=now, last_message_at=now
            )
            _stored(conversation, conversation_id)
            message.conversation = conversation
            _stored(message, message_id)
            return True
        # Foreign keys are checked at commit on PostgreSQL: the order of the deletes is free.
        cursor.execute(
            f"WITH s AS (DELETE FROM {participant_t} WHERE conversation_id = %s), "
            f"m AS (DELETE FROM {message_t} WHERE id = %s) "
            f"DELETE FROM {conversation_t} WHERE id = %s",
            [conversation_id, message_id, conversation_id],
        )
    return False if message_id is None else None


def _create_conversation(
    sender_id: int, recipient_id: int, *, now: datetime
) -> Conversation | None:
    """SQLite: the pair's conversation with both sides, as yet without a message; ``None``
    (nothing kept) when the pair already has one."""
    at = _sql.when(now)
    folder = Participant._meta.get_field("folder").default
    sides = sorted([(sender_id, recipient_id), (recipient_id, sender_id)])
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_sql.table(Conversation)} "
            f"({_columns(Conversation, _CONVERSATION_COLUMNS)}) VALUES (%s, %s, %s) RETURNING id",
            [sender_id, at, at],
        )
        (conversation_id,) = cursor.fetchone()
        params: list[Any] = []
        for member, other in sides:
            params += [conversation_id, member, other, folder, 0, None, at]
        cursor.execute(
            f"INSERT INTO {_sql.table(Participant)} "
            f"({_columns(Participant, _PARTICIPANT_COLUMNS)}) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s), (%s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT DO NOTHING RETURNING id",
            params,
        )
        if len(cursor.fetchall()) == 2:
            conversation = Conversation(
                started_by_id=sender_id, created_at=now, last_message_at=now
            )
            _stored(conversation, conversation_id)
            return conversation
        cursor.execute(
            f"DELETE FROM {_sql.table(Participant)} WHERE conversation_id = %s", [conversation_id]
        )
        cursor.execute(f"DELETE FROM {_sql.table(Conversation)} WHERE id = %s", [conversation_id])
    return None


def _deliver_sql(
    message: Message, *, sent: bool, message_id: str = "%s"
) -> tuple[str, list[object]]:
    """The ``UPDATE`` of :func:`_deliver` and its parameters; ``message_id`` is the SQL of the
    message's id: a parameter, or the id a ``WITH`` of the same statement inserts."""
    sender_id, recipient_id = message.sender_id, message.recipient_id
    delivered = message.filed_as not in Message.WITHHELD
    folder_cases: list[str] = []
    params: list[object] = []
    if sent:
        folder_cases.append("WHEN member_id = %s THEN %s")
        params += [sender_id, Folder.INBOX]
    if message.filed_as == Message.Filing.PITCHES:
        folder_cases.append("WHEN member_id = %s THEN %s")
        params += [recipient_id, Folder.PITCHES]
    elif message.filed_as == Message.Filing.INBOX:
        folder_cases.append("WHEN member_id = %s AND folder = %s THEN %s")
        params += [recipient_id, Folder.ARCHIVE, Folder.INBOX]
    folder = f"CASE {' '.join(folder_cases)} ELSE folder END" if folder_cases else "folder"
    sees = ([sender_id] if sent else []) + ([recipient_id] if delivered else [])
    sets = [
        f"folder = {folder}",
        "unread = CASE WHEN member_id = %s THEN unread + %s ELSE unread END",
    ]
    params += [recipient_id, 1 if delivered else 0]
    if sees:
        # A released message may be older than what the recipient already sees.
        marks = ", ".join(["%s"] * len(sees))
        sets.append(
            f"last_message_id = CASE WHEN member_id IN ({marks}) AND (last_message_id IS NULL "
            f"OR last_message_id < {message_id}) THEN {message_id} ELSE last_message_id END"
        )
        params += sees
        if message_id == "%s":
            params += [message.pk, message.pk]
    if sent:
        sets.append("last_message_at = %s")
        params.append(_sql.when(message.created_at))
    members = [sender_id, recipient_id] if sent else [recipient_id]
    where = ", ".join(["%s"] * len(members))
    params += [message.conversation_id, *members]
    return (
        f"UPDATE {_sql.table(Participant)} SET {', '.join(sets)} "
        f"WHERE conversation_id = %s AND member_id IN ({where})",
        params,
    )


def _deliver(message: Message, *, sent: bool) -> None:
    """Update both sides of the conversation for a new (``sent``) or released message, in one
    UPDATE.

    On a send, the sender's side moves to the Inbox (writing in a conversation makes it one)
    and both sides move to the top of their folder. The recipient's side counts a delivered
    message unread and moves to Pitches for a pitch, or out of the Archive for an Inbox
    message; a held message leaves it alone. Each side's ``last_message`` becomes this
    message when that member may see it and it is the newest they may see.
    """
    sql, params = _deliver_sql(message, sent=sent)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _their_message(member: Member, message_id: int) -> Message:
    message = Message.objects.filter(pk=message_id, recipient=member).first()
    if message is None or message.filed_as in Message.WITHHELD:
        raise NotFound("No such message.")
    return message


@transaction.atomic
def label_message(*, member: Member, message_id: int, label: str) -> MessageFeedback:
    """The recipient says a message is (or is not) a pitch; it moves folders accordingly.

    The label is kept as training data for the guard.
    """
    if label not in MessageFeedback.Label.values:
        raise NetworkError("Unknown label.")
    message = _their_message(member, message_id)
    feedback, _ = MessageFeedback.objects.update_or_create(
        message=message,
        member=member,
        defaults={"label": label, "guard_pitch": message.guard_pitch, "created_at": timezone.now()},
    )
    is_pitch = label == MessageFeedback.Label.PITCH
    Message.objects.filter(pk=message.pk).update(
        filed_as=Message.Filing.PITCHES if is_pitch else Message.Filing.INBOX
    )
    Participant.objects.filter(conversation=message.conversation_id, member=member).update(
        folder=Folder.PITCHES if is_pitch else Folder.INBOX
    )
    return feedback


@transaction.atomic
def disconnect_and_report(*, member: Member, message_id: int, reason: str = "") -> Report:
    """One click on a pitch: label it, disconnect from the sender and report them."""
    label_message(member=member, message_id=message_id, label=MessageFeedback.Label.PITCH)
    message = Message.objects.select_related("sender").get(pk=message_id)
    remove_connection(member=member, other=message.sender)
    return report_member(
        reporter=member,
        reported=message.sender,
        message=message,
        reason=reason or "Unsolicited sales pitch",
    )


@transaction.atomic
def move_conversation(*, member: Member, conversation_id: int, folder: str) -> Participant:
    """Move one's side of a conversation to the Inbox or the Archive."""
    if folder not in (Folder.INBOX, Folder.ARCHIVE):
        raise NetworkError(
            "Use 'Not a pitch' or 'Mark as pitch' to move messages to and from Pitches."
        )
    mine = Participant.objects.filter(conversation_id=conversation_id, member=member).first()
    if mine is None:
        raise NotFound("No such conversation.")
    mine.folder = folder
    mine.save(update_fields=["folder"])
    return mine


@transaction.atomic
def mark_read(*, member: Member, conversation_id: int) -> None:
    """Reset one's unread count for a conversation."""
    Participant.objects.filter(conversation_id=conversation_id, member=member).exclude(
        unread=0
    ).update(unread=0)


# --- moderators' decisions on held messages ---------------------------------------------------


@transaction.atomic
def release_message(*, message: Message, folder: str) -> Message:
    """Deliver a held message to its recipient's Pitches or Inbox (a moderator's decision).

    Delivery is what :func:`send_message` would have done: the recipient's side moves to the
    folder and counts it unread; only an Inbox delivery may send mail.
    """
    if folder not in (Folder.INBOX, Folder.PITCHES):
        raise NetworkError("A held message goes to the Inbox or to Pitches.")
    moved = Message.objects.filter(pk=message.pk, filed_as=Message.Filing.HELD).update(
        filed_as=folder
    )
    if not moved:
        raise Conflict("This message is no longer held.")
    message.filed_as = folder
    _deliver(message, sent=False)
    if folder == Folder.INBOX:
        notify.message_received(message)
    return message


@transaction.atomic
def remove_message(*, message: Message) -> Message:
    """Remove a held message for good: its recipient never sees it (its sender still does)."""
    moved = Message.objects.filter(pk=message.pk, filed_as=Message.Filing.HELD).update(
        filed_as=Message.Filing.REMOVED
    )
    if not moved:
        raise Conflict("This message is no longer held.")
    message.filed_as = Message.Filing.REMOVED
    return message


def rescore_unchecked(*, limit: int = 500) -> int:
    """Score again the messages the guard could not read when they were sent (it failed or
    took too long, and they were delivered to the Inbox unchecked); returns how many now
    carry a verdict.

    The verdict and its reasons are recorded; the message stays where it was delivered, since
    its recipient may have read it there, and "Mark as pitch" is one click. Idempotent: only
    messages still unchecked are touched, each in its own short transaction, and a guard
    that fails again leaves a message unchecked for the next run.
    """
    done = 0
    pending = (
        Message.objects.filter(check_status=Message.Check.UNCHECKED)
        .select_related("sender", "recipient", "conversation")
        .order_by("id")[:limit]
    )
    for message in pending:
        try:
            assessment = guard_adapter.rescore(message)
        except Exception:
            logger.exception("guard failed again on message %s; it stays unchecked", message.pk)
            continue
        with transaction.atomic():
            done += Message.objects.filter(
                pk=message.pk, check_status=Message.Check.UNCHECKED
            ).update(
                check_status=assessment.check,
                guard_pitch=assessment.is_pitch and assessment.check == Message.Check.CHECKED,
                guard_score=assessment.score,
                guard_reasons=assessment.reasons,
            )
    return done
