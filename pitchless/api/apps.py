"""The API app: bearer tokens and the ninja routers."""

from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The JSON API over the members and network services."""

    name = "pitchless.api"
    label = "api"
    verbose_name = "API"

    def ready(self) -> None:
        """A password change or reset revokes the member's tokens."""
        from pitchless.api import services
        from pitchless.members.signals import password_changed

        def _revoke(sender: object, member: object, **kwargs: object) -> None:
            services.revoke_all_tokens(member=member)  # type: ignore[arg-type]

        password_changed.connect(
            _revoke, weak=False, dispatch_uid="api.revoke_tokens_on_password_change"
        )
