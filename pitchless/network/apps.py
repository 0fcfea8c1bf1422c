"""The network app: invitations, connections, blocks, conversations and the guard's path."""

from django.apps import AppConfig


class NetworkConfig(AppConfig):
    """Who is connected to whom, and the messages they send each other."""

    name = "pitchless.network"
    label = "network"
    verbose_name = "Network"
