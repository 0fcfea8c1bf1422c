"""The core app: shared templates, the home page and the public "Try the guard" page."""

from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared Django pieces used by every other app."""

    name = "pitchless.core"
    label = "core"
