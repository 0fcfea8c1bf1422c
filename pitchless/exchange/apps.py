"""The Exchange: a buy-and-sell board where buyers look and buyers start the contact."""

from __future__ import annotations

from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    """Listings, search, interest, proposals, saved searches, flags and reviews."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "pitchless.exchange"
    label = "exchange"
    verbose_name = "Exchange"
