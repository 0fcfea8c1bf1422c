"""Queue real notices the way the site does, for the worker test: invite two members (each
invitation queues its notice after the commit), and queue the first notice a second time as a
redelivery would. Prints the invitation ids as JSON. Settings come from the environment."""

from __future__ import annotations

import json
import os
import sys


def main(tag: str) -> None:
    """Create three members under ``tag`` and queue the notices."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pitchless.config.settings")
    import django

    django.setup()
    from django.conf import settings

    from pitchless.members.models import Member
    from pitchless.network import services
    from pitchless.network.tasks import invitation_notice_task

    assert not settings.CELERY_TASK_ALWAYS_EAGER, "a broker must be configured"

    def member(name: str) -> Member:
        return Member.objects.create_user(f"{name}-{tag}@example.org", None, name=name.title())

    alice, bob, carol = member("alice"), member("bob"), member("carol")
    first = services.send_invitation(sender=alice, recipient=bob)
    invitation_notice_task.delay(first.pk)  # the same task again, as after a lost worker
    last = services.send_invitation(sender=alice, recipient=carol)
    print(json.dumps({"first": first.pk, "last": last.pk}))


if __name__ == "__main__":
    main(sys.argv[1])
