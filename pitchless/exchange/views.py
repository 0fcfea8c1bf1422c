"""The Exchange's pages: plain forms, POST then redirect, htmx only to refresh the results.

Each view checks access, calls a service and responds. Browsing, searching and reading a
listing are public; acting needs a log-in. Someone else's draft, proposals or saved search
answers 404, never 403, so ids reveal nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pitchless.exchange import services
from pitchless.exchange.formatting import render_description
from pitchless.exchange.forms import (
    ConversationForm,
    FlagForm,
    InterestForm,
    ListingForm,
    ProposalForm,
    ReviewForm,
    SaveSearchForm,
    SearchForm,
)
from pitchless.exchange.models import Engagement, Listing, Proposal, Review, SavedSearch
from pitchless.exchange.search import SearchParams, search
from pitchless.network.models import Message

PER_PAGE = 20
#: the highest results page a link may ask for; deeper pages say "no more results"
MAX_PAGE = 500


def _viewer(request: HttpRequest) -> Any:
    return request.user if request.user.is_authenticated else None


def _listing_or_404(request: HttpRequest, listing_id: int) -> Listing:
    try:
        return services.get_listing(listing_id=listing_id, viewer=_viewer(request))
    except services.NotFound as exc:
        raise Http404(str(exc)) from exc


def _my_listing_or_404(request: HttpRequest, listing_id: int) -> Listing:
    listing = _listing_or_404(request, listing_id)
    if listing.owner_id != request.user.pk:
        raise Http404("No such listing.")
    return listing


def _page_number(raw: object) -> int:
    try:
        number = int(str(raw))
    except ValueError:
        return 1
    return min(max(number, 1), MAX_PAGE)


# --- browse and search ------------------------------------------------------------------------


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Browse and search the active listings; htmx asks for the results list alone."""
    params, notices = SearchParams.from_mapping(request.GET)
    result = search(params, page=_page_number(request.GET.get("page", 1)), per_page=PER_PAGE)
    # search() reads each row's category; the owner's name is shown too, in one query
    prefetch_related_objects([hit.listing for hit in result.hits], "owner")
    if result.message:
        notices = [*notices, result.message]
    context = {
        "form": SearchForm(request.GET),
        "params": params,
        "result": result,
        "notices": notices,
        "save_form": SaveSearchForm(initial={"name": params.q[:120] or "My search"}),
    }
    # htmx restoring a page missing from its history cache wants the whole page, not the list
    partial = request.htmx and not request.htmx.history_restore_request
    template = "exchange/_results.html" if partial else "exchange/home.html"
    response = render(request, template, context)
    # the same URL answers a fragment to htmx and a page to everyone else: caches must tell
    patch_vary_headers(response, ("HX-Request", "HX-History-Restore-Request"))
    return response


@login_required
@require_POST
def save_search(request: HttpRequest) -> HttpResponse:
    """Save the search in the query string, with a name and the daily digest on or off."""
    params, _ = SearchParams.from_mapping(request.GET)
    form = SaveSearchForm(request.POST)
    if not form.is_valid():
        flash.error(request, "Give the search a name of at most 120 characters.")
        return redirect(f"{reverse('exchange:home')}?{request.GET.urlencode()}")
    try:
        saved = services.save_search(
            owner=request.user,
            name=form.cleaned_data["name"],
            params=params,
            alerts=form.cleaned_data["alerts"],
        )
    except services.ExchangeError as exc:
        flash.error(request, str(exc))
        return redirect(f"{reverse('exchange:home')}?{request.GET.urlencode()}")
    flash.success(request, f"Search “{saved.name}” saved.")
    return redirect("exchange:saved")


# --- one listing ------------------------------------------------------------------------------


@require_GET
def listing_detail(request: HttpRequest, listing_id: int) -> HttpResponse:
    """A listing, with what the visitor may do about it."""
    listing = _listing_or_404(request, listing_id)
    me = _viewer(request)
    is_owner = me is not None and listing.owner_id == me.pk
    _, average, count = services.reviews_of(listing.owner)
    context: dict[str, Any] = {
        "listing": listing,
        "description": render_description(listing.description),
        "is_owner": is_owner,
        "review_average": average,
        "review_count": count,
        "active": Listing.objects.active().filter(pk=listing.pk).exists(),
    }
    if is_owner and listing.kind == Listing.Kind.REQUEST:
        context["proposal_count"] = listing.proposals.count()
    if me is not None and not is_owner:
        context["interest_form"] = InterestForm()
        context["proposal_form"] = ProposalForm(seller=me)
        context["flag_form"] = FlagForm()
        context["my_proposal"] = listing.proposals.filter(seller=me).first()
    return render(request, "exchange/listing.html", context)


def _listing_form_page(
    request: HttpRequest,
    form: ListingForm,
    *,
    listing: Listing | None,
    duplicate: Listing | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "exchange/listing_form.html",
        {"form": form, "listing": listing, "duplicate": duplicate},
        status=status,
    )


def _refusal(form: ListingForm, exc: services.ExchangeError) -> Listing | None:
    """Show a service's refusal on the form; the duplicated listing, if that was the reason."""
    form.add_error(None, str(exc))
    return getattr(exc, "duplicate_of", None)


@login_required
@require_http_methods(["GET", "POST"])
def listing_new(request: HttpRequest) -> HttpResponse:
    """Post a listing: save it as a draft or publish it at once."""
    form = ListingForm(request.POST or None)
    if request.method == "GET" or not form.is_valid():
        return _listing_form_page(
            request, form, listing=None, status=400 if request.method == "POST" else 200
        )
    publish = request.POST.get("action") == "publish"
    try:
        listing = services.create_listing(owner=request.user, data=form.to_input(), publish=publish)
    except services.ExchangeError as exc:
        return _listing_form_page(
            request, form, listing=None, duplicate=_refusal(form, exc), status=400
        )
    flash.success(request, "Listing published." if publish else "Draft saved.")
    return redirect("exchange:listing", listing.pk)


@login_required
@require_http_methods(["GET", "POST"])
def listing_edit(request: HttpRequest, listing_id: int) -> HttpResponse:
    """Edit your own listing; a draft may be published from here."""
    listing = _my_listing_or_404(request, listing_id)
    if request.method == "GET":
        form = ListingForm(initial=ListingForm.initial_for(listing))
        return _listing_form_page(request, form, listing=listing)
    form = ListingForm(request.POST)
    if not form.is_valid():
        return _listing_form_page(request, form, listing=listing, status=400)
    publish = request.POST.get("action") == "publish" and listing.status != Listing.Status.PUBLISHED
    try:
        listing = services.update_listing(listing=listing, by=request.user, data=form.to_input())
        if publish:
            listing = services.publish_listing(listing=listing, by=request.user)
    except services.ExchangeError as exc:
        return _listing_form_page(
            request, form, listing=listing, duplicate=_refusal(form, exc), status=400
        )
    flash.success(request, "Listing published." if publish else "Changes saved.")
    return redirect("exchange:listing", listing.pk)


_OWNER_ACTIONS: dict[str, tuple[Any, str]] = {
    "publish": (services.publish_listing, "Listing published."),
    "renew": (services.renew_listing, "Listing renewed."),
    "close": (services.close_listing, "Listing closed."),
}


@login_required
@require_POST
def listing_action(request: HttpRequest, listing_id: int, action: str) -> HttpResponse:
    """Publish, renew, close or delete (drafts only) your own listing."""
    if action not in (*_OWNER_ACTIONS, "delete"):
        raise Http404("No such action.")
    listing = _my_listing_or_404(request, listing_id)
    if action == "delete":
        try:
            services.delete_draft(listing=listing, by=request.user)
        except services.ExchangeError as exc:
            flash.error(request, str(exc))
            return redirect("exchange:listing", listing.pk)
        flash.success(request, f"Draft “{listing.title}” deleted.")
        return redirect("exchange:mine")
    func, done = _OWNER_ACTIONS[action]
    try:
        func(listing=listing, by=request.user)
    except services.ExchangeError as exc:
        flash.error(request, str(exc))
        duplicate = getattr(exc, "duplicate_of", None)
        if duplicate is not None:
            return redirect("exchange:listing", duplicate.pk)
    else:
        flash.success(request, done)
    return redirect("exchange:listing", listing.pk)


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    """Your listings, grouped by status."""
    listings = Listing.objects.of(request.user).select_related("category").order_by("-id")
    groups = {status: [] for status in Listing.Status.values}  # type: dict[str, list[Listing]]
    for listing in listings:
        groups[listing.status].append(listing)
    return render(
        request,
        "exchange/mine.html",
        {
            "groups": [
                (label, groups[value]) for value, label in Listing.Status.choices if groups[value]
            ],
        },
    )


# --- buyers and sellers -----------------------------------------------------------------------


@login_required
@require_POST
def interest(request: HttpRequest, listing_id: int) -> HttpResponse:
    """ "I'm interested" on an offer: the message goes to the seller, in your conversation."""
    listing = _listing_or_404(request, listing_id)
    form = InterestForm(request.POST)
    if not form.is_valid():
        flash.error(request, "Write a message of at most 3000 characters to the seller.")
        return redirect("exchange:listing", listing.pk)
    try:
        engagement = services.express_interest(
            listing=listing, buyer=request.user, text=form.cleaned_data["text"]
        )
    except services.ExchangeError as exc:
        flash.error(request, str(exc))
        return redirect("exchange:listing", listing.pk)
    flash.success(request, f"Your message was sent to {listing.owner.name}.")
    return redirect("network:conversation", engagement.conversation_id)


@login_required
@require_POST
def propose(request: HttpRequest, listing_id: int) -> HttpResponse:
    """Answer a request with a proposal."""
    listing = _listing_or_404(request, listing_id)
    form = ProposalForm(request.POST, seller=request.user)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = "" if field == "__all__" else f"{form.fields[field].label}: "
            for error in errors:
                flash.error(request, f"{label}{error}")
        return redirect("exchange:listing", listing.pk)
    data = form.cleaned_data
    try:
        services.propose(
            request=listing,
            seller=request.user,
            text=data["text"],
            price=data["price"],
            currency=data["currency"],
            offer=data["offer"],
        )
    except services.ExchangeError as exc:
        flash.error(request, str(exc))
    else:
        flash.success(request, f"Your proposal was sent to {listing.owner.name}.")
    return redirect("exchange:listing", listing.pk)


@login_required
@require_POST
def flag(request: HttpRequest, listing_id: int) -> HttpResponse:
    """Flag a listing for the moderators."""
    listing = _listing_or_404(request, listing_id)
    form = FlagForm(request.POST)
    if not form.is_valid():
        flash.error(request, "Say in at most 500 characters what is wrong.")
        return redirect("exchange:listing", listing.pk)
    try:
        services.flag_listing(listing=listing, by=request.user, reason=form.cleaned_data["reason"])
    except services.ExchangeError as exc:
        flash.error(request, str(exc))
        return redirect("exchange:listing", listing.pk)
    flash.success(request, "Thank you. The moderators will look at this listing.")
    listing.refresh_from_db(fields=["status"])
    if listing.status == Listing.Status.HIDDEN:
        return redirect("exchange:home")
    return redirect("exchange:listing", listing.pk)


@login_required
@require_GET
def proposals(request: HttpRequest, listing_id: int) -> HttpResponse:
    """The proposals on your request, with shortlist, decline and "open a conversation"."""
    listing = _my_listing_or_404(request, listing_id)
    try:
        items = services.proposals_for(request=listing, by=request.user)
    except services.ExchangeError as exc:  # Forbidden or NotFound: the same 404 to others
        raise Http404(str(exc)) from exc
    return render(
        request,
        "exchange/proposals.html",
        {
            "listing": listing,
            "proposals": items.select_related("seller", "offer", "engagement"),
            "conversation_form": ConversationForm(),
        },
    )


@login_required
@require_POST
def proposal_action(request: HttpRequest, proposal_id: int, action: str) -> HttpResponse:
    """Shortlist, decline or open a conversation about a proposal on your request."""
    proposal = get_object_or_404(
        Proposal.objects.select_related("request", "seller"),
        pk=proposal_id,
        request__owner=request.user,
    )
    back = redirect("exchange:proposals", proposal.request_id)
    try:
        if action == "shortlist":
            services.shortlist_proposal(proposal=proposal, by=request.user)
            flash.success(request, f"{proposal.seller.name}'s proposal is on your shortlist.")
        elif action == "decline":
            services.decline_proposal(proposal=proposal, by=request.user)
            flash.success(request, f"Declined. {proposal.seller.name} is told politely by e-mail.")
        elif action == "converse":
            form = ConversationForm(request.POST)
            if not form.is_valid():
                flash.error(request, "Write a message of at most 3000 characters.")
                return back
            engagement = services.open_conversation(
                proposal=proposal, by=request.user, text=form.cleaned_data["text"]
            )
            return redirect("network:conversation", engagement.conversation_id)
        else:
            raise Http404("No such action.")
    except services.ExchangeError as exc:
        flash.error(request, str(exc))
    return back


# --- engagements and reviews ------------------------------------------------------------------


def _my_engagement(request: HttpRequest, engagement_id: int) -> Engagement:
    engagement = get_object_or_404(
        Engagement.objects.select_related("listing", "buyer", "seller"), pk=engagement_id
    )
    if request.user.pk not in (engagement.buyer_id, engagement.seller_id):
        raise Http404("No such engagement.")
    return engagement


@login_required
@require_POST
def engagement_complete(request: HttpRequest, engagement_id: int) -> HttpResponse:
    """Mark your side of an engagement completed."""
    engagement = _my_engagement(request, engagement_id)
    try:
        services.complete_engagement(engagement=engagement, by=request.user)
    except services.ExchangeError as exc:
        flash.error(request, str(exc))
    else:
        flash.success(request, "Marked as completed.")
    return redirect("network:conversation", engagement.conversation_id)


@login_required
@require_POST
def review(request: HttpRequest, engagement_id: int) -> HttpResponse:
    """Write, or edit while it may still be edited, your review of the other side."""
    engagement = _my_engagement(request, engagement_id)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        flash.error(request, "Choose from one to five stars; the text is at most 2000 characters.")
        return redirect("network:conversation", engagement.conversation_id)
    stars, text = form.cleaned_data["stars"], form.cleaned_data["text"]
    existing = Review.objects.filter(engagement=engagement, author=request.user).first()
    try:
        if existing is None:
            services.write_review(engagement=engagement, by=request.user, stars=stars, text=text)
        else:
            services.edit_review(review=existing, by=request.user, stars=stars, text=text)
    except services.ExchangeError as exc:
        flash.error(request, str(exc))
    else:
        flash.success(request, "Review saved." if existing is None else "Review updated.")
    return redirect("network:conversation", engagement.conversation_id)


# --- saved searches ---------------------------------------------------------------------------


def search_url(saved: SavedSearch) -> str:
    """The Exchange's search page running ``saved``'s query and filters."""
    data: dict[str, Any] = {"q": saved.query} if saved.query else {}
    for key, value in (saved.filters or {}).items():
        if isinstance(value, bool):
            data[key] = "on" if value else "off"
        elif value is not None:
            data[key] = value
    query = urlencode(data)
    return reverse("exchange:home") + (f"?{query}" if query else "")


@login_required
@require_GET
def saved(request: HttpRequest) -> HttpResponse:
    """Your saved searches: run, alerts on or off, delete."""
    searches = SavedSearch.objects.filter(owner=request.user)
    return render(
        request,
        "exchange/saved.html",
        {"searches": [(s, search_url(s)) for s in searches]},
    )


@login_required
@require_POST
def saved_alerts_off(request: HttpRequest, saved_id: int) -> HttpResponse:
    """Turn a saved search's daily digest off (as its e-mail's unsubscribe link does)."""
    saved_search = get_object_or_404(SavedSearch, pk=saved_id, owner=request.user)
    services.unsubscribe(token=saved_search.unsubscribe_token)
    flash.success(request, f"No more daily digest for “{saved_search.name}”.")
    return redirect("exchange:saved")


@login_required
@require_POST
def saved_alerts_on(request: HttpRequest, saved_id: int) -> HttpResponse:
    """Turn a saved search's daily digest back on."""
    saved_search = get_object_or_404(SavedSearch, pk=saved_id, owner=request.user)
    services.set_alerts(saved_search=saved_search, by=request.user, alerts=True)
    flash.success(request, f"The daily digest for “{saved_search.name}” is on again.")
    return redirect("exchange:saved")


@login_required
@require_POST
def saved_delete(request: HttpRequest, saved_id: int) -> HttpResponse:
    """Delete a saved search."""
    saved_search = get_object_or_404(SavedSearch, pk=saved_id, owner=request.user)
    try:
        services.delete_saved_search(saved_search=saved_search, by=request.user)
    except services.ExchangeError as exc:
        flash.error(request, str(exc))
    else:
        flash.success(request, f"Saved search “{saved_search.name}” deleted.")
    return redirect("exchange:saved")


# Mail clients send the one-click unsubscribe (RFC 8058) as a POST without a CSRF token; the
# secret token in the URL is what proves the link came from the digest.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """Stop a saved search's digest: GET asks to confirm, POST does it. No log-in needed."""
    if request.method == "GET":
        saved_search = SavedSearch.objects.filter(unsubscribe_token=token).first()
    else:
        saved_search = services.unsubscribe(token=token)
    if saved_search is None:
        return render(request, "exchange/unsubscribe_unknown.html", status=404)
    return render(
        request,
        "exchange/unsubscribe.html",
        {"saved_search": saved_search, "done": request.method == "POST"},
    )


# --- from a pitch to a listing ----------------------------------------------------------------


@login_required
@require_POST
def draft_from_message(request: HttpRequest, message_id: int) -> HttpResponse:
    """Turn a message the guard filed as a pitch into a draft listing, then edit it."""
    message = get_object_or_404(Message, pk=message_id, sender=request.user)
    try:
        listing = services.draft_from_message(message=message, by=request.user)
    except services.NotFound as exc:
        raise Http404(str(exc)) from exc
    except services.ExchangeError as exc:
        flash.error(request, str(exc))
        return redirect("network:conversation", message.conversation_id)
    flash.success(request, "A draft listing was made from your message. Check it, then publish it.")
    return redirect("exchange:edit", listing.pk)
