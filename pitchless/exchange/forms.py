"""Forms of the Exchange pages: each checks the shape of what was typed; the services decide
whether it is allowed, and their errors are shown on the same form.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from pitchless.exchange.models import Category, Listing, Review
from pitchless.exchange.services import ListingInput

_PRICE = {
    "required": False,
    "min_value": Decimal("0"),
    "max_digits": 12,
    "decimal_places": 2,
}


def _categories() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=Category.objects.all(),
        to_field_name="slug",
        label="Category",
        empty_label="Choose a category",
    )


class SearchForm(forms.Form):
    """The browse and search form; only rendered here, ``SearchParams.from_mapping`` reads it.

    Bound to ``request.GET`` so each field shows what the visitor typed, valid or not.
    """

    q = forms.CharField(label="Search the Exchange", required=False)
    kind = forms.ChoiceField(
        label="Offers or requests",
        required=False,
        choices=[("", "Both"), *Listing.Kind.choices],
    )
    category = forms.ChoiceField(label="Category", required=False)
    price_min = forms.CharField(
        label="Price from", required=False, widget=forms.TextInput({"inputmode": "decimal"})
    )
    price_max = forms.CharField(
        label="Price up to", required=False, widget=forms.TextInput({"inputmode": "decimal"})
    )
    remote = forms.BooleanField(label="Remote only", required=False)
    location = forms.CharField(label="Location", required=False)
    within_days = forms.ChoiceField(
        label="Posted within",
        required=False,
        choices=[("", "Any time"), ("1", "1 day"), ("7", "7 days"), ("30", "30 days")],
    )
    sort = forms.ChoiceField(
        label="Sort by",
        required=False,
        choices=[("relevance", "Relevance"), ("newest", "Newest")],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "All categories")] + [
            (c.slug, c.name) for c in Category.objects.all()
        ]


class ListingForm(forms.Form):
    """A listing's fields, for a new listing or an edit."""

    kind = forms.ChoiceField(
        label="I want to",
        choices=[
            (Listing.Kind.OFFER, "Offer something (a service or a good)"),
            (Listing.Kind.REQUEST, "Request something (ask for proposals)"),
        ],
        widget=forms.RadioSelect,
        initial=Listing.Kind.OFFER,
    )
    title = forms.CharField(label="Title", max_length=140)
    description = forms.CharField(
        label="Description",
        max_length=5000,
        widget=forms.Textarea({"rows": 8}),
        help_text="Paragraphs, lists, **bold**, *italic* and links are kept.",
    )
    category = _categories()
    tags = forms.CharField(
        label="Tags",
        max_length=300,
        required=False,
        help_text="Separated by commas, e.g. python, django, remote-first.",
    )
    price_min = forms.DecimalField(label="Price from", **_PRICE)  # type: ignore[arg-type]
    price_max = forms.DecimalField(label="Price up to", **_PRICE)  # type: ignore[arg-type]
    currency = forms.CharField(
        label="Currency", max_length=3, required=False, help_text="e.g. EUR, USD, GBP."
    )
    remote = forms.BooleanField(label="Can be done remotely", required=False)
    location = forms.CharField(label="Location", max_length=120, required=False)

    def clean_currency(self) -> str:
        """Currencies are stored upper-case."""
        return self.cleaned_data["currency"].strip().upper()

    def to_input(self) -> ListingInput:
        """The cleaned fields as the services' ``ListingInput``."""
        data = self.cleaned_data
        return ListingInput(
            kind=data["kind"],
            title=data["title"],
            description=data["description"],
            category=data["category"].slug,
            tags=data["tags"],
            price_min=data["price_min"],
            price_max=data["price_max"],
            currency=data["currency"],
            remote=data["remote"],
            location=data["location"],
        )

    @classmethod
    def initial_for(cls, listing: Listing) -> dict[str, Any]:
        """The form's initial values from a stored listing."""
        return {
            "kind": listing.kind,
            "title": listing.title,
            "description": listing.description,
            "category": listing.category.slug if listing.category_id else None,
            "tags": listing.tags,
            "price_min": listing.price_min,
            "price_max": listing.price_max,
            "currency": listing.currency,
            "remote": listing.remote,
            "location": listing.location,
        }


class InterestForm(forms.Form):
    """ "I'm interested": the buyer's first message to the seller."""

    text = forms.CharField(
        label="Your message to the seller",
        max_length=3000,
        widget=forms.Textarea({"rows": 4}),
    )


class ProposalForm(forms.Form):
    """A seller's proposal on a request."""

    text = forms.CharField(
        label="Your proposal", max_length=3000, widget=forms.Textarea({"rows": 5})
    )
    price = forms.DecimalField(label="Price", **_PRICE)  # type: ignore[arg-type]
    currency = forms.CharField(label="Currency", max_length=3, required=False)
    offer = forms.ModelChoiceField(
        queryset=Listing.objects.none(),
        required=False,
        label="Link one of your offers (optional)",
        empty_label="None",
    )

    def __init__(self, *args: Any, seller: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if seller is not None and getattr(seller, "pk", None):
            self.fields["offer"].queryset = Listing.objects.active().offers().of(seller)

    def clean_currency(self) -> str:
        """Currencies are stored upper-case."""
        return self.cleaned_data["currency"].strip().upper()


class FlagForm(forms.Form):
    """Why a listing is flagged for the moderators."""

    reason = forms.CharField(
        label="What is wrong with this listing?",
        max_length=500,
        required=False,
        widget=forms.Textarea({"rows": 2}),
    )


class SaveSearchForm(forms.Form):
    """The name of a saved search and whether to get the daily digest."""

    name = forms.CharField(label="Name this search", max_length=120)
    alerts = forms.BooleanField(label="E-mail me new matches daily", required=False, initial=True)


class ConversationForm(forms.Form):
    """The requester's first message to a seller who proposed."""

    text = forms.CharField(
        label="Your message", max_length=3000, widget=forms.Textarea({"rows": 3})
    )


class ReviewForm(forms.Form):
    """One to five stars and a few words."""

    stars = forms.TypedChoiceField(
        label="Stars",
        coerce=int,
        choices=[(n, f"{n} star{'s' if n > 1 else ''}") for n in range(1, 6)],
        widget=forms.RadioSelect,
    )
    text = forms.CharField(
        label="Your review (optional)",
        max_length=2000,
        required=False,
        widget=forms.Textarea({"rows": 3}),
    )

    @classmethod
    def initial_for(cls, review: Review) -> dict[str, Any]:
        """Initial values from an existing review."""
        return {"stars": review.stars, "text": review.text}
