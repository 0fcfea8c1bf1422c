"""The audits app: the connect-and-sell audit of an uploaded LinkedIn export."""

from django.apps import AppConfig


class AuditsConfig(AppConfig):
    """Uploads of LinkedIn exports, their audit runs and the reports they produce."""

    name = "pitchless.audits"
    label = "audits"
    verbose_name = "Audits"
