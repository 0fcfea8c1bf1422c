"""The moderation app: the review queue, moderators' actions and their log."""

from django.apps import AppConfig


class ModerationConfig(AppConfig):
    """Reports and held messages reviewed by moderators; warnings, restrictions, suspensions."""

    name = "pitchless.moderation"
    label = "moderation"
    verbose_name = "Moderation"
