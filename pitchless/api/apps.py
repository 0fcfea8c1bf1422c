"""The API app: bearer tokens and the ninja routers."""

from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The JSON API over the members and network services."""

    name = "pitchless.api"
    label = "api"
    verbose_name = "API"

    def ready(self) -> None:
        """A password change or reset revokes the member's tokens; a suspension or a saved
        change to the member drops their tokens from the cache."""
        from django.db.models.signals import post_save

        from pitchless.api import services
        from pitchless.members.models import Member
        from pitchless.members.signals import password_changed
        from pitchless.moderation.models import ModerationAction

        def _forget_member(sender: object, instance: Member, **kwargs: object) -> None:
            services.forget_member_tokens(instance.pk)

        def _forget_suspended(sender: object, instance: ModerationAction, **kwargs: object) -> None:
            if instance.kind == ModerationAction.Kind.SUSPEND:
                services.forget_member_tokens(instance.member_id)

        post_save.connect(
            _forget_member, sender=Member, weak=False, dispatch_uid="api.forget_tokens_on_save"
        )
        post_save.connect(
            _forget_suspended,
            sender=ModerationAction,
            weak=False,
            dispatch_uid="api.forget_tokens_on_suspension",
        )

        def _revoke(sender: object, member: object, **kwargs: object) -> None:
            services.revoke_all_tokens(member=member)  # type: ignore[arg-type]

        password_changed.connect(
            _revoke, weak=False, dispatch_uid="api.revoke_tokens_on_password_change"
        )
