"""The demo network loads through the services and shows the guard at work."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from pitchless.cli import main
from pitchless.members.models import Member
from pitchless.network.demo import DEMO_PASSWORD, email_of
from pitchless.network.models import Folder, Message, Participant

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_demo_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_demo_data_loads_once_and_prints_two_logins(capsys):
    assert main(["demo-data", "--if-empty"]) == 0
    out = capsys.readouterr().out
    assert out.count(f"password: {DEMO_PASSWORD}") == 2
    assert 25 <= Member.objects.count() <= 35
    maya = Member.objects.get(email=email_of("maya"))
    assert maya.check_password(DEMO_PASSWORD)
    pitches = Participant.objects.filter(member=maya, folder=Folder.PITCHES).count()
    assert pitches >= 3
    assert Participant.objects.filter(member=maya, folder=Folder.INBOX).count() >= 4
    rex = Member.objects.get(email=email_of("rex"))
    last = Message.objects.filter(sender=rex).order_by("-id").first()
    assert "bulk.recipients" in [r["code"] for r in last.guard_reasons]
    # Re-running keeps the data; without --if-empty it refuses.
    assert main(["demo-data", "--if-empty"]) == 0
    assert "not loaded" in capsys.readouterr().out
    assert main(["demo-data"]) == 2
    n = Member.objects.count()
    call_command("demo_data", if_empty=True)
    assert Member.objects.count() == n
