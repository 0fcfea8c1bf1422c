"""URLs of the Exchange's pages."""

from django.urls import path

from pitchless.exchange import views

app_name = "exchange"

urlpatterns = [
    path("exchange/", views.home, name="home"),
    path("exchange/save-search/", views.save_search, name="save_search"),
    path("exchange/new/", views.listing_new, name="new"),
    path("exchange/mine/", views.mine, name="mine"),
    path("exchange/listings/<int:listing_id>/", views.listing_detail, name="listing"),
    path("exchange/listings/<int:listing_id>/edit/", views.listing_edit, name="edit"),
    path("exchange/listings/<int:listing_id>/interest/", views.interest, name="interest"),
    path("exchange/listings/<int:listing_id>/propose/", views.propose, name="propose"),
    path("exchange/listings/<int:listing_id>/flag/", views.flag, name="flag"),
    path("exchange/listings/<int:listing_id>/proposals/", views.proposals, name="proposals"),
    path(
        "exchange/listings/<int:listing_id>/<slug:action>/",
        views.listing_action,
        name="listing_action",
    ),
    path(
        "exchange/proposals/<int:proposal_id>/<slug:action>/",
        views.proposal_action,
        name="proposal_action",
    ),
    path(
        "exchange/engagements/<int:engagement_id>/complete/",
        views.engagement_complete,
        name="engagement_complete",
    ),
    path("exchange/engagements/<int:engagement_id>/review/", views.review, name="review"),
    path("exchange/saved/", views.saved, name="saved"),
    path(
        "exchange/saved/<int:saved_id>/alerts-off/",
        views.saved_alerts_off,
        name="saved_alerts_off",
    ),
    path(
        "exchange/saved/<int:saved_id>/alerts-on/",
        views.saved_alerts_on,
        name="saved_alerts_on",
    ),
    path("exchange/saved/<int:saved_id>/delete/", views.saved_delete, name="saved_delete"),
    path("exchange/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path(
        "exchange/from-message/<int:message_id>/",
        views.draft_from_message,
        name="draft_from_message",
    ),
]
