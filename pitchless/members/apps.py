"""The members app: accounts, profiles and preferences."""

from django.apps import AppConfig


class MembersConfig(AppConfig):
    """Accounts that log in with an e-mail address, their profiles and preferences."""

    name = "pitchless.members"
    label = "members"
    verbose_name = "Members"
