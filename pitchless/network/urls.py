"""URLs of the network pages."""

from django.urls import path

from pitchless.network import views

app_name = "network"

urlpatterns = [
    path("members/", views.member_list, name="members"),
    path("members/<int:member_id>/", views.member_detail, name="member"),
    path("members/<int:member_id>/invite/", views.invite, name="invite"),
    path("members/<int:member_id>/report/", views.report_member, name="report"),
    path("members/<int:member_id>/block/", views.block, name="block"),
    path("members/<int:member_id>/unblock/", views.unblock, name="unblock"),
    path("members/<int:member_id>/message/", views.new_message, name="new_message"),
    path("blocked/", views.blocked, name="blocked"),
    path("invitations/", views.invitations, name="invitations"),
    path("invitations/sent/", views.invitations_sent, name="invitations_sent"),
    path("invitations/<int:invitation_id>/ask/", views.invitation_ask, name="invitation_ask"),
    path(
        "invitations/<int:invitation_id>/answer/",
        views.invitation_answer,
        name="invitation_answer",
    ),
    path(
        "invitations/<int:invitation_id>/<slug:action>/",
        views.invitation_action,
        name="invitation_action",
    ),
    path("connections/", views.connections, name="connections"),
    path("connections/<int:member_id>/remove/", views.connection_remove, name="connection_remove"),
    path("messages/", views.inbox, name="inbox"),
    path("messages/pitches/", views.pitches, name="pitches"),
    path("messages/archive/", views.archive, name="archive"),
    path("messages/<int:conversation_id>/", views.conversation, name="conversation"),
    path("messages/<int:conversation_id>/move/", views.conversation_move, name="move"),
    path("messages/m/<int:message_id>/feedback/", views.message_feedback, name="feedback"),
    path(
        "messages/m/<int:message_id>/disconnect-report/",
        views.message_disconnect_report,
        name="disconnect_report",
    ),
    path("exchange/soon/", views.exchange_soon, name="exchange_soon"),
]
