"""URLs of the moderation pages, and of a member's own standing."""

from django.urls import path

from pitchless.moderation import views

app_name = "moderation"

urlpatterns = [
    path("moderation/", views.queue, name="queue"),
    path("moderation/reports/<int:report_id>/", views.report_detail, name="report"),
    path("moderation/reports/<int:report_id>/dismiss/", views.dismiss, name="dismiss"),
    path("moderation/messages/<int:message_id>/", views.message_detail, name="message"),
    path("moderation/messages/<int:message_id>/release/", views.release, name="release"),
    path("moderation/messages/<int:message_id>/remove/", views.remove, name="remove"),
    path("moderation/members/<int:member_id>/", views.member_detail, name="member"),
    path("moderation/members/<int:member_id>/warn/", views.warn, name="warn"),
    path("moderation/members/<int:member_id>/restrict/", views.restrict, name="restrict"),
    path("moderation/members/<int:member_id>/suspend/", views.suspend, name="suspend"),
    path("moderation/members/<int:member_id>/lift/", views.lift, name="lift"),
    path(
        "moderation/listings/<int:listing_id>/restore/",
        views.listing_restore,
        name="listing_restore",
    ),
    path(
        "moderation/listings/<int:listing_id>/remove/", views.listing_remove, name="listing_remove"
    ),
    path("me/standing/", views.standing, name="standing"),
]
