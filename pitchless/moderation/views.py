"""The moderation pages: the review queue, one page per report, held message and member, and
a POST endpoint per action. Every page answers 404 to anyone but a moderator.

Members see their own standing (warnings, restrictions, suspension) on ``/me/standing/``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from pitchless.exchange import services as exchange
from pitchless.exchange.models import Flag, Listing
from pitchless.members.models import Member
from pitchless.moderation import services
from pitchless.moderation.access import moderator_required
from pitchless.moderation.evidence import history
from pitchless.moderation.forms import OptionalReasonForm, ReasonForm, RestrictForm, UntilForm
from pitchless.moderation.models import ModerationAction
from pitchless.network import services as network
from pitchless.network.models import Message, Report
from pitchless.network.restrictions import restriction_for

QUEUE_SIZE = 100
_MESSAGES = Message.objects.select_related("sender", "recipient")


def _back(request: HttpRequest, fallback: str, *args: object) -> HttpResponse:
    target = str(request.POST.get("next", ""))
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(fallback, *args)


def _form_error(request: HttpRequest, form: Any) -> None:
    for field, errors in form.errors.items():
        label = "" if field == "__all__" else f"{form.fields[field].label or field.title()}: "
        for error in errors:
            flash.error(request, f"{label}{error}")


def _report_or_none(form: Any, member: Member) -> Report | None:
    report_id = form.cleaned_data.get("report")
    if not report_id:
        return None
    return get_object_or_404(Report, pk=report_id, reported=member)


def _run(request: HttpRequest, action: Callable[[], object], done: str) -> bool:
    try:
        action()
    except (services.ModerationError, network.NetworkError, exchange.ExchangeError) as exc:
        flash.error(request, str(exc))
        return False
    flash.success(request, done)
    return True


# --- pages ------------------------------------------------------------------------------------


@moderator_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """Open reports and held messages, oldest first, each with its evidence."""
    reports = list(
        Report.objects.open()
        .select_related("reporter", "reported", "message", "invitation")
        .order_by("created_at", "id")[:QUEUE_SIZE]
    )
    held = list(Message.objects.held().select_related("sender", "recipient")[:QUEUE_SIZE])
    items = [("report", r.created_at, r) for r in reports] + [
        ("held", m.created_at, m) for m in held
    ]
    items.sort(key=lambda item: item[1])
    # One record per member on the page, however many items they have.
    people = {r.reported_id: r.reported for r in reports} | {m.sender_id: m.sender for m in held}
    now = timezone.now()
    records = {pk: history(member, now=now, actions=3) for pk, member in people.items()}
    return render(
        request,
        "moderation/queue.html",
        {
            "items": [
                {
                    "kind": kind,
                    "object": obj,
                    "record": records[obj.reported_id if kind == "report" else obj.sender_id],
                }
                for kind, _, obj in items
            ],
            "open_reports": Report.objects.open().count(),
            "held_messages": Message.objects.held().count(),
            "hidden_listings": _hidden_listings(),
            "flags_to_hide": settings.PITCHLESS_LISTING_FLAGS_TO_HIDE,
        },
    )


def _hidden_listings() -> list[Listing]:
    """Listings hidden by flags, oldest first, each with its open flags."""
    return list(
        # a removed listing stays hidden with its flags closed: only open flags wait here
        Listing.objects.filter(status=Listing.Status.HIDDEN)
        .filter(Exists(Flag.objects.filter(listing=OuterRef("pk"), status=Flag.Status.OPEN)))
        .select_related("owner", "category")
        .prefetch_related(
            Prefetch(
                "flags",
                queryset=Flag.objects.filter(status=Flag.Status.OPEN)
                .select_related("member")
                .order_by("created_at", "id"),
                to_attr="open_flags",
            )
        )
        .order_by("updated_at", "id")[:QUEUE_SIZE]
    )


@moderator_required
@require_GET
def report_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    """One report, with the reported member's record and the actions that close it."""
    report = get_object_or_404(
        Report.objects.select_related("reporter", "reported", "message", "invitation"),
        pk=report_id,
    )
    return render(
        request,
        "moderation/report.html",
        {
            "report": report,
            "record": history(report.reported),
            "reason_form": ReasonForm(initial={"report": report.pk}),
            "restrict_form": RestrictForm(initial={"report": report.pk}),
            "until_form": UntilForm(initial={"report": report.pk}),
        },
    )


@moderator_required
@require_GET
def message_detail(request: HttpRequest, message_id: int) -> HttpResponse:
    """One message with the guard's reading (score included) and its sender's record."""
    message = get_object_or_404(
        Message.objects.select_related("sender", "recipient"), pk=message_id
    )
    return render(
        request,
        "moderation/message.html",
        {
            "message": message,
            "record": history(message.sender),
            "reports": Report.objects.filter(message=message).select_related("reporter"),
            "release_form": OptionalReasonForm(),
            "reason_form": ReasonForm(),
        },
    )


@moderator_required
@require_GET
def member_detail(request: HttpRequest, member_id: int) -> HttpResponse:
    """A member's moderation page: their record, the action log and the action forms."""
    member = get_object_or_404(Member, pk=member_id)
    return render(
        request,
        "moderation/member.html",
        {
            "member": member,
            "record": history(member, actions=200),
            "reports": Report.objects.filter(reported=member)
            .select_related("reporter")
            .order_by("-created_at")[:50],
            "reason_form": ReasonForm(),
            "restrict_form": RestrictForm(),
            "until_form": UntilForm(),
        },
    )


# --- actions on members -----------------------------------------------------------------------


@moderator_required
@require_POST
def warn(request: HttpRequest, member_id: int) -> HttpResponse:
    """Warn a member."""
    member = get_object_or_404(Member, pk=member_id)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        _form_error(request, form)
        return _back(request, "moderation:member", member.pk)
    report = _report_or_none(form, member)
    _run(
        request,
        lambda: services.warn_member(
            moderator=request.user, member=member, reason=form.cleaned_data["reason"], report=report
        ),
        f"{member.name} was warned.",
    )
    return _back(request, "moderation:member", member.pk)


@moderator_required
@require_POST
def restrict(request: HttpRequest, member_id: int) -> HttpResponse:
    """Restrict a member until a date."""
    member = get_object_or_404(Member, pk=member_id)
    form = RestrictForm(request.POST)
    if not form.is_valid():
        _form_error(request, form)
        return _back(request, "moderation:member", member.pk)
    data = form.cleaned_data
    report = _report_or_none(form, member)
    _run(
        request,
        lambda: services.restrict_member(
            moderator=request.user,
            member=member,
            level=data["level"],
            ends_at=data["until"],
            reason=data["reason"],
            invitations_per_week=data["invitations_per_week"],
            report=report,
        ),
        f"{member.name} is restricted until {data['until']:%-d %B %Y}.",
    )
    return _back(request, "moderation:member", member.pk)


@moderator_required
@require_POST
def suspend(request: HttpRequest, member_id: int) -> HttpResponse:
    """Suspend a member until a date."""
    member = get_object_or_404(Member, pk=member_id)
    form = UntilForm(request.POST)
    if not form.is_valid():
        _form_error(request, form)
        return _back(request, "moderation:member", member.pk)
    data = form.cleaned_data
    report = _report_or_none(form, member)
    _run(
        request,
        lambda: services.suspend_member(
            moderator=request.user,
            member=member,
            until=data["until"],
            reason=data["reason"],
            report=report,
        ),
        f"{member.name} is suspended until {data['until']:%-d %B %Y}.",
    )
    return _back(request, "moderation:member", member.pk)


@moderator_required
@require_POST
def lift(request: HttpRequest, member_id: int) -> HttpResponse:
    """Lift a member's suspension and moderators' restrictions."""
    member = get_object_or_404(Member, pk=member_id)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        _form_error(request, form)
        return _back(request, "moderation:member", member.pk)
    _run(
        request,
        lambda: services.lift(
            moderator=request.user, member=member, reason=form.cleaned_data["reason"]
        ),
        f"Restrictions on {member.name} lifted.",
    )
    return _back(request, "moderation:member", member.pk)


# --- actions on messages and reports ----------------------------------------------------------


@moderator_required
@require_POST
def release(request: HttpRequest, message_id: int) -> HttpResponse:
    """Deliver a held message to its recipient's Pitches or Inbox."""
    message = get_object_or_404(
        Message.objects.select_related("sender", "recipient"), pk=message_id
    )
    form = OptionalReasonForm(request.POST)
    if not form.is_valid():
        _form_error(request, form)
        return _back(request, "moderation:message", message.pk)
    folder = form.cleaned_data["folder"]
    _run(
        request,
        lambda: services.release_message(
            moderator=request.user,
            message=message,
            folder=folder,
            reason=form.cleaned_data["reason"],
        ),
        f"Delivered to {message.recipient.name}'s {'Pitches' if folder == 'pitches' else 'Inbox'}.",
    )
    return _back(request, "moderation:queue")


@moderator_required
@require_POST
def remove(request: HttpRequest, message_id: int) -> HttpResponse:
    """Remove a held message."""
    message = get_object_or_404(Message.objects.select_related("sender"), pk=message_id)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        _form_error(request, form)
        return _back(request, "moderation:message", message.pk)
    _run(
        request,
        lambda: services.remove_message(
            moderator=request.user, message=message, reason=form.cleaned_data["reason"]
        ),
        "Message removed; it will not be delivered.",
    )
    return _back(request, "moderation:queue")


@moderator_required
@require_POST
def dismiss(request: HttpRequest, report_id: int) -> HttpResponse:
    """Close a report with no action."""
    report = get_object_or_404(Report.objects.select_related("reported"), pk=report_id)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        _form_error(request, form)
        return _back(request, "moderation:report", report.pk)
    _run(
        request,
        lambda: services.dismiss_report(
            moderator=request.user, report=report, reason=form.cleaned_data["reason"]
        ),
        "Report dismissed.",
    )
    return _back(request, "moderation:queue")


# --- actions on hidden Exchange listings ------------------------------------------------------


def _listing_decision(request: HttpRequest, listing_id: int, *, restore: bool) -> HttpResponse:
    listing = get_object_or_404(Listing.objects.select_related("owner"), pk=listing_id)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        _form_error(request, form)
        return _back(request, "moderation:queue")
    reason = form.cleaned_data["reason"]
    if restore:
        _run(
            request,
            lambda: exchange.restore_listing(
                listing=listing, moderator=request.user, reason=reason
            ),
            f"“{listing.title}” is published again.",
        )
    else:
        _run(
            request,
            lambda: exchange.remove_listing(listing=listing, moderator=request.user, reason=reason),
            f"“{listing.title}” was removed.",
        )
    return _back(request, "moderation:queue")


@moderator_required
@require_POST
def listing_restore(request: HttpRequest, listing_id: int) -> HttpResponse:
    """Publish a hidden listing again; its flags are closed."""
    return _listing_decision(request, listing_id, restore=True)


@moderator_required
@require_POST
def listing_remove(request: HttpRequest, listing_id: int) -> HttpResponse:
    """Remove a hidden listing for good; its flags are closed."""
    return _listing_decision(request, listing_id, restore=False)


# --- the member's own standing ----------------------------------------------------------------


@login_required
@require_GET
def standing(request: HttpRequest) -> HttpResponse:
    """Your restrictions and the moderators' warnings, with reasons and end dates."""
    return render(
        request,
        "moderation/standing.html",
        {
            "restriction": restriction_for(request.user),
            "actions": ModerationAction.objects.about(request.user).shown_to_member()[:50],
        },
    )
