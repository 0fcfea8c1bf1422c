"""The network pages: plain forms, POST then redirect; each view checks access, calls a
service and responds. Other members' objects answer 404, never 403, so ids reveal nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pitchless.members.models import Member
from pitchless.network import hooks, services
from pitchless.network.digest import WEEK, digest_line, pitches_filed
from pitchless.network.forms import (
    AnswerForm,
    InvitationForm,
    MessageForm,
    QuestionForm,
    ReportForm,
    SearchForm,
)
from pitchless.network.limits import limits_status
from pitchless.network.models import (
    Block,
    Connection,
    Folder,
    Invitation,
    Message,
    MessageFeedback,
    Participant,
)
from pitchless.network.restrictions import restriction_for

PAGE_SIZE = 25


def _page(request: HttpRequest, items: object) -> object:
    return Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))


def _member_or_404(member_id: int) -> Member:
    return get_object_or_404(Member.objects.active(), pk=member_id)


def _back(request: HttpRequest, fallback: str, *args: object) -> HttpResponse:
    """Redirect to the ``next`` field when it is a local path, else to ``fallback``."""
    target = str(request.POST.get("next", ""))
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(fallback, *args)


def _limit_text(exc: services.NetworkError) -> str:
    if isinstance(exc, services.LimitError) and exc.limit.lifts_at is not None:
        when = timezone.localtime(exc.limit.lifts_at).strftime("%-d %B %Y, %H:%M UTC")
        return f"{exc} You can invite again from {when}."
    return str(exc)


# --- members ----------------------------------------------------------------------------------


@login_required
@require_GET
def member_list(request: HttpRequest) -> HttpResponse:
    """The member directory, with search."""
    form = SearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    members = (
        Member.objects.active()
        .exclude(pk=request.user.pk)
        .exclude(pk__in=Block.objects.filter(blocker=request.user).values("blocked"))
        .exclude(pk__in=Block.objects.filter(blocked=request.user).values("blocker"))
    )
    if query:
        members = members.search(query)
    return render(
        request,
        "network/member_list.html",
        {"form": form, "page": _page(request, members), "query": query},
    )


@login_required
@require_GET
def member_detail(request: HttpRequest, member_id: int) -> HttpResponse:
    """A member's profile and what you can do with them."""
    member = _member_or_404(member_id)
    me = request.user
    blocked_by_them = Block.objects.filter(blocker=member, blocked=me).exists()
    if blocked_by_them:
        raise Http404("No such member.")
    connection = Connection.objects.filter(member=me, other=member).first()
    # An ignored invitation looks pending to its sender until the re-invite cooldown ends.
    cooldown = timezone.now() - timedelta(days=settings.PITCHLESS_REINVITE_COOLDOWN_DAYS)
    pending_out = (
        Invitation.objects.filter(sender=me, recipient=member)
        .filter(
            Q(pk__in=Invitation.objects.pending().values("pk"))
            | Q(status=Invitation.Status.IGNORED, decided_at__gt=cooldown)
        )
        .first()
    )
    pending_in = Invitation.objects.filter(sender=member, recipient=me).pending().first()
    return render(
        request,
        "network/member_detail.html",
        {
            "member": member,
            "is_me": member.pk == me.pk,
            "connection": connection,
            "pending_out": pending_out,
            "pending_in": pending_in,
            "i_blocked": Block.objects.filter(blocker=me, blocked=member).exists(),
            "invite_form": InvitationForm(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest, member_id: int) -> HttpResponse:
    """Invite a member to connect, with an optional note."""
    member = _member_or_404(member_id)
    if Block.objects.filter(blocker=member, blocked=request.user).exists():
        raise Http404("No such member.")
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.send_invitation(
                sender=request.user, recipient=member, note=form.cleaned_data["note"]
            )
        except services.NetworkError as exc:
            form.add_error(None, _limit_text(exc))
        else:
            flash.success(request, f"Invitation sent to {member.name}.")
            return redirect("network:member", member.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "network/invite.html", {"form": form, "member": member}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def report_member(request: HttpRequest, member_id: int) -> HttpResponse:
    """Report a member to the moderators."""
    member = _member_or_404(member_id)
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.report_member(
                reporter=request.user, reported=member, reason=form.cleaned_data["reason"]
            )
        except services.NetworkError as exc:
            form.add_error(None, str(exc))
        else:
            flash.success(request, "Thank you. The moderators will look at your report.")
            return redirect("network:member", member.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "network/report.html", {"form": form, "member": member}, status=status)


@login_required
@require_POST
def block(request: HttpRequest, member_id: int) -> HttpResponse:
    """Block a member: no connection, invitation or message either way."""
    member = _member_or_404(member_id)
    try:
        services.block_member(blocker=request.user, blocked=member)
    except services.NetworkError as exc:
        flash.error(request, str(exc))
        return redirect("network:member", member.pk)
    flash.success(request, f"You blocked {member.name}. Neither of you can contact the other.")
    return redirect("network:blocked")


@login_required
@require_POST
def unblock(request: HttpRequest, member_id: int) -> HttpResponse:
    """Lift a block."""
    member = get_object_or_404(Member, pk=member_id)
    services.unblock_member(blocker=request.user, blocked=member)
    flash.success(request, f"You unblocked {member.name}.")
    return redirect("network:blocked")


@login_required
@require_GET
def blocked(request: HttpRequest) -> HttpResponse:
    """The members you blocked."""
    blocks = Block.objects.filter(blocker=request.user).select_related("blocked")
    return render(request, "network/blocked.html", {"blocks": blocks})


# --- invitations ------------------------------------------------------------------------------


@login_required
@require_GET
def invitations(request: HttpRequest) -> HttpResponse:
    """Invitations waiting for your answer."""
    incoming = (
        Invitation.objects.filter(recipient=request.user)
        .pending()
        .select_related("sender")
        .order_by("-created_at")
    )
    return render(request, "network/invitations.html", {"page": _page(request, incoming)})


@login_required
@require_GET
def invitations_sent(request: HttpRequest) -> HttpResponse:
    """Invitations you sent, and any limit you have reached with the date it lifts."""
    sent = Invitation.objects.filter(sender=request.user).select_related("recipient")
    return render(
        request,
        "network/invitations_sent.html",
        {
            "page": _page(request, sent),
            "limits": limits_status(request.user, timezone.now()),
            "restriction": restriction_for(request.user),
            "answer_form": AnswerForm(),
        },
    )


_INVITATION_ACTIONS: dict[str, tuple[Callable[..., object], str]] = {
    "accept": (services.accept_invitation, "You are now connected with {name}."),
    "ignore": (services.ignore_invitation, "Invitation ignored. {name} is not told."),
    "dont-know": (
        services.dont_know_invitation,
        "Noted: {name} can no longer invite you.",
    ),
    "report": (services.report_invitation, "Reported. {name} can no longer invite you."),
    "withdraw": (services.withdraw_invitation, "Invitation to {name} withdrawn."),
}


def _my_invitation(request: HttpRequest, invitation_id: int) -> Invitation:
    me = request.user
    return get_object_or_404(
        Invitation.objects.select_related("sender", "recipient").filter(
            Q(sender=me) | Q(recipient=me)
        ),
        pk=invitation_id,
    )


@login_required
@require_POST
def invitation_action(request: HttpRequest, invitation_id: int, action: str) -> HttpResponse:
    """Accept, ignore, "I don't know this person", report or withdraw an invitation."""
    if action not in _INVITATION_ACTIONS:
        raise Http404("No such action.")
    invitation = _my_invitation(request, invitation_id)
    func, done = _INVITATION_ACTIONS[action]
    other = invitation.recipient if invitation.sender_id == request.user.pk else invitation.sender
    notice = error = ""
    try:
        func(invitation=invitation, by=request.user)
    except services.NotFound as exc:
        raise Http404(str(exc)) from exc
    except services.NetworkError as exc:
        error = str(exc)
    else:
        notice = done.format(name=other.name)
    if request.htmx:
        # htmx swaps the invitation's card for this line; the page stays where it is.
        return render(
            request,
            "network/_invitation_done.html",
            {"inv": invitation, "notice": notice, "error": error},
        )
    if error:
        flash.error(request, error)
    else:
        flash.success(request, notice)
    fallback = "network:invitations_sent" if action == "withdraw" else "network:invitations"
    return _back(request, fallback)


@login_required
@require_http_methods(["GET", "POST"])
def invitation_ask(request: HttpRequest, invitation_id: int) -> HttpResponse:
    """ "Ask why": question the inviter about their note before deciding."""
    invitation = _my_invitation(request, invitation_id)
    if invitation.recipient_id != request.user.pk:
        raise Http404("No such invitation.")
    form = QuestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.ask_why(
                invitation=invitation, by=request.user, question=form.cleaned_data["question"]
            )
        except services.NetworkError as exc:
            form.add_error(None, str(exc))
        else:
            flash.success(
                request,
                f"Your question was sent to {invitation.sender.name}. "
                "You are not connected; you can still accept or ignore later.",
            )
            return redirect("network:invitations")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "network/ask.html", {"form": form, "invitation": invitation}, status=status
    )


@login_required
@require_POST
def invitation_answer(request: HttpRequest, invitation_id: int) -> HttpResponse:
    """The inviter answers the recipient's question."""
    invitation = _my_invitation(request, invitation_id)
    if invitation.sender_id != request.user.pk:
        raise Http404("No such invitation.")
    form = AnswerForm(request.POST)
    if not form.is_valid():
        flash.error(request, "Write an answer of at most 300 characters.")
    else:
        try:
            services.answer_question(
                invitation=invitation, by=request.user, answer=form.cleaned_data["answer"]
            )
        except services.NetworkError as exc:
            flash.error(request, str(exc))
        else:
            flash.success(request, "Your answer was sent.")
    return redirect("network:invitations_sent")


# --- connections ------------------------------------------------------------------------------


@login_required
@require_GET
def connections(request: HttpRequest) -> HttpResponse:
    """Your connections, with search."""
    form = SearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    mine = Connection.objects.of(request.user).select_related("other")
    if query:
        mine = mine.search(query)
    return render(
        request,
        "network/connections.html",
        {"form": form, "page": _page(request, mine), "query": query},
    )


@login_required
@require_POST
def connection_remove(request: HttpRequest, member_id: int) -> HttpResponse:
    """Disconnect from a member."""
    member = get_object_or_404(Member, pk=member_id)
    if services.remove_connection(member=request.user, other=member):
        flash.success(request, f"You are no longer connected with {member.name}.")
    return _back(request, "network:connections")


# --- messages ---------------------------------------------------------------------------------

_FOLDER_TITLES = {Folder.INBOX: "Inbox", Folder.PITCHES: "Pitches", Folder.ARCHIVE: "Archive"}


def _folder(request: HttpRequest, folder: str) -> HttpResponse:
    me = request.user
    page = _page(request, Participant.objects.folder_with_last_message(me, folder))
    return render(
        request,
        "network/folder.html",
        {
            "digest": digest_line(pitches_filed(me, since=timezone.now() - WEEK))
            if folder == Folder.PITCHES
            else "",
            "folder": folder,
            "title": _FOLDER_TITLES[folder],
            "page": page,
            "last": Participant.objects.last_messages(page),
            "counts": dict(
                Participant.objects.of(me)
                .values_list("folder")
                .annotate(n=Count("id"))
                .values_list("folder", "n")
            ),
        },
    )


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """Conversations in your Inbox."""
    return _folder(request, Folder.INBOX)


@login_required
@require_GET
def pitches(request: HttpRequest) -> HttpResponse:
    """Messages the guard (or you) filed as pitches, each with its reasons."""
    return _folder(request, Folder.PITCHES)


@login_required
@require_GET
def archive(request: HttpRequest) -> HttpResponse:
    """Conversations you archived."""
    return _folder(request, Folder.ARCHIVE)


def _after_send(request: HttpRequest, result: services.SendResult) -> None:
    message = result.message
    name = message.recipient.name
    if message.filed_as == Message.Filing.PITCHES:
        flash.warning(
            request,
            f"Sent, but filed in {name}'s Pitches folder, not their inbox: it reads like a "
            "sales offer. To offer something, list it on the Exchange.",
        )
    elif message.filed_as == Message.Filing.HELD:
        flash.warning(
            request,
            "Your message is held for review by the moderators before it is delivered.",
        )
    else:
        flash.success(request, "Message sent.")


@login_required
@require_http_methods(["GET", "POST"])
def new_message(request: HttpRequest, member_id: int) -> HttpResponse:
    """Write to a member (joins your existing conversation with them, if any)."""
    member = _member_or_404(member_id)
    if Block.objects.filter(blocker=member, blocked=request.user).exists():
        raise Http404("No such member.")
    existing = Participant.objects.filter(member=request.user, other=member).first()
    if request.method == "GET" and existing is not None:
        return redirect("network:conversation", existing.conversation_id)
    form = MessageForm(request.POST or None, initial={"idempotency_key": uuid.uuid4().hex})
    if request.method == "POST" and form.is_valid():
        try:
            result = services.send_message(
                sender=request.user,
                recipient=member,
                text=form.cleaned_data["text"],
                idempotency_key=form.cleaned_data["idempotency_key"] or None,
            )
        except services.NetworkError as exc:
            form.add_error(None, str(exc))
        else:
            _after_send(request, result)
            return redirect("network:conversation", result.message.conversation_id)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "network/new_message.html", {"form": form, "member": member}, status=status
    )


def _my_side(request: HttpRequest, conversation_id: int) -> Participant:
    return get_object_or_404(
        Participant.objects.select_related("conversation", "other"),
        conversation_id=conversation_id,
        member=request.user,
    )


@login_required
@require_http_methods(["GET", "POST"])
def conversation(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """A conversation, with a reply form; opening it marks it read."""
    mine = _my_side(request, conversation_id)
    form = MessageForm(request.POST or None, initial={"idempotency_key": uuid.uuid4().hex})
    if request.method == "POST" and form.is_valid():
        try:
            result = services.send_message(
                sender=request.user,
                conversation=mine.conversation,
                text=form.cleaned_data["text"],
                idempotency_key=form.cleaned_data["idempotency_key"] or None,
            )
        except services.NetworkError as exc:
            form.add_error(None, str(exc))
        else:
            _after_send(request, result)
            return redirect("network:conversation", conversation_id)
    if mine.unread:
        services.mark_read(member=request.user, conversation_id=conversation_id)
    items = list(
        Message.objects.visible_to(request.user)
        .filter(conversation_id=conversation_id)
        .select_related("sender")
        .order_by("created_at", "id")
    )
    labels = dict(
        MessageFeedback.objects.filter(
            member=request.user, message__conversation_id=conversation_id
        ).values_list("message_id", "label")
    )
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "network/conversation.html",
        {
            "mine": mine,
            "other": mine.other,
            "items": items,
            "labels": labels,
            "form": form,
            "can_write": services.may_message(
                sender=request.user, recipient=mine.other, conversation=mine.conversation
            ),
            "exchange_listings": hooks.conversation_listings(conversation_id, request.user),
        },
        status=status,
    )


@login_required
@require_POST
def conversation_move(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Archive a conversation, or bring it back to the Inbox."""
    folder = str(request.POST.get("folder", ""))
    try:
        services.move_conversation(
            member=request.user, conversation_id=conversation_id, folder=folder
        )
    except services.NotFound as exc:
        raise Http404(str(exc)) from exc
    except services.NetworkError as exc:
        flash.error(request, str(exc))
    else:
        flash.success(
            request, "Moved to the Archive." if folder == Folder.ARCHIVE else "Moved to the Inbox."
        )
    return _back(request, "network:inbox")


@login_required
@require_POST
def message_feedback(request: HttpRequest, message_id: int) -> HttpResponse:
    """ "Not a pitch" (to the Inbox) or "Mark as pitch" (to Pitches) on a message you got."""
    label = str(request.POST.get("label", ""))
    try:
        feedback = services.label_message(member=request.user, message_id=message_id, label=label)
    except services.NotFound as exc:
        raise Http404(str(exc)) from exc
    except services.NetworkError as exc:
        if request.htmx:
            return HttpResponse(str(exc), status=400)
        flash.error(request, str(exc))
        return _back(request, "network:inbox")
    if feedback.label == MessageFeedback.Label.PITCH:
        notice = "Marked as a pitch and moved to Pitches. Thank you: this teaches the guard."
    else:
        notice = "Moved to your Inbox. Thank you: this teaches the guard."
    if request.htmx:
        return _message_partial(request, message_id, notice)
    flash.success(request, notice)
    return _back(request, "network:conversation", feedback.message.conversation_id)


def _message_partial(request: HttpRequest, message_id: int, notice: str) -> HttpResponse:
    message = Message.objects.select_related("sender", "recipient").get(pk=message_id)
    return render(request, "network/_message.html", {"msg": message, "notice": notice})


@login_required
@require_POST
def message_disconnect_report(request: HttpRequest, message_id: int) -> HttpResponse:
    """Disconnect & report: one click on a pitch."""
    try:
        report = services.disconnect_and_report(member=request.user, message_id=message_id)
    except services.NotFound as exc:
        raise Http404(str(exc)) from exc
    notice = f"You disconnected from {report.reported.name} and reported the message."
    if request.htmx:
        return _message_partial(request, message_id, notice)
    flash.success(request, notice)
    return _back(request, "network:pitches")


@require_GET
def exchange_soon(request: HttpRequest) -> HttpResponse:
    """Where pitch senders are pointed until the Exchange opens."""
    return render(request, "network/exchange_soon.html")
