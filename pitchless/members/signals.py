"""Signals the members app sends, so that other apps can react without members importing them."""

from django.dispatch import Signal

#: sent with ``member`` after their password was changed or reset; the API revokes their tokens
password_changed = Signal()
