"""The API app: bearer tokens and the ninja routers."""

from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The JSON API over the members and network services."""

    name = "pitchless.api"
    label = "api"
    verbose_name = "API"
