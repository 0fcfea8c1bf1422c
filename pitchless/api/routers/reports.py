"""Reports to the moderators: ``/api/reports``."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from ninja import Router, Status

from pitchless.api.schemas import ErrorOut, ReportIn, ReportOut, ValidationOut
from pitchless.api.security import me
from pitchless.members.models import Member
from pitchless.network import services
from pitchless.network.models import Message

router = Router(tags=["reports"])


@router.post(
    "",
    response={201: ReportOut, 400: ErrorOut, 404: ErrorOut, 422: ValidationOut},
    summary="Report a member",
)
def create(request: HttpRequest, payload: ReportIn) -> Status[ReportOut]:
    """Report a member, optionally about a message they sent you."""
    reporter = me(request)
    reported = Member.objects.active().filter(pk=payload.member).first()
    if reported is None:
        raise Http404("No such member.")
    message = None
    if payload.message is not None:
        # Only a message you received and can see; anything else does not exist for you.
        message = (
            Message.objects.visible_to(reporter)
            .filter(pk=payload.message, recipient=reporter)
            .first()
        )
        if message is None:
            raise Http404("No such message.")
    report = services.report_member(
        reporter=reporter, reported=reported, reason=payload.reason, message=message
    )
    return Status(
        201,
        ReportOut(
            id=report.pk,
            member=report.reported_id,
            message=report.message_id,
            reason=report.reason,
            created_at=report.created_at,
        ),
    )
