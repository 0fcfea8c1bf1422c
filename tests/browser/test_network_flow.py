"""The network in a real browser: sign up, invite, accept, a pitch filed aside, Disconnect & report.

Two people, each in their own browser context: a seller who pitches minutes after connecting,
and the recipient who finds the pitch in the Pitches folder with its reasons and reports it.
The whole flow runs once with JavaScript (htmx answers inline) and once without (plain forms).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from pitchless.members.models import Member
from pitchless.network.models import Connection, Folder, Message, Participant, Report

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "quiet harbour lantern 58"
NOTE = "Hi Rosa, we met at the data meetup in Lyon last week. Good to stay in touch!"
PITCH = (
    "Thanks for connecting, Rosa! Our analytics platform cuts reporting time in half. "
    "Pricing starts at $299 per month, with a free trial. "
    "Can I book a quick demo with you this week?"
)
#: how long before the pitch the two connected
MINUTES_AFTER_CONNECTING = 4


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    # Real hashing costs ~0.3 s per sign-up; the flow does not need it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _sign_up(page: Any, base: str, *, name: str, email: str) -> Member:
    page.goto(f"{base}/signup/")
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_url(f"{base}/me/")
    assert "Welcome to Pitchless" in page.locator(".flash").inner_text()
    return Member.objects.get(email=email)


def _htmx_posts(page: Any) -> list[str]:
    """Collect the URLs of requests htmx sends (they carry ``HX-Request: true``)."""
    seen: list[str] = []
    page.on(
        "request",
        lambda r: seen.append(r.url) if r.headers.get("hx-request") == "true" else None,
    )
    return seen


def _run_flow(new_page: Any, base: str, tmp_path: Any, *, javascript: bool) -> None:
    tag = "js" if javascript else "nojs"
    seller_page = new_page(javascript=javascript)
    recipient_page = new_page(javascript=javascript)
    recipient_htmx = _htmx_posts(recipient_page)

    # 1. Two people sign up.
    seller = _sign_up(seller_page, base, name="Sid Seller", email=f"sid.{tag}@example.org")
    rosa = _sign_up(recipient_page, base, name="Rosa Recipient", email=f"rosa.{tag}@example.org")

    # 2. The seller finds Rosa in the directory and invites her with a note.
    seller_page.goto(f"{base}/members/?q=Rosa")
    seller_page.get_by_role("link", name="Rosa Recipient").click()
    seller_page.wait_for_url(f"{base}/members/{rosa.pk}/")
    seller_page.get_by_label("Add a note (optional)").fill(NOTE)
    seller_page.get_by_role("button", name="Send invitation").click()
    seller_page.wait_for_url(f"{base}/members/{rosa.pk}/")
    assert "Invitation sent to Rosa Recipient." in seller_page.locator(".flash").inner_text()
    assert "Your invitation is waiting for an answer." in seller_page.content()

    # 3. Rosa sees the invitation and its note, and accepts.
    recipient_page.goto(f"{base}/invitations/")
    card = recipient_page.locator("article.invitation").filter(has_text="Sid Seller")
    assert NOTE in card.inner_text()
    card.get_by_role("button", name="Accept").click()
    if javascript:
        # htmx swaps the card for one line in place; the page is not reloaded
        done = recipient_page.locator("article.invitation[role=status]")
        done.wait_for()
        assert done.inner_text().strip() == "You are now connected with Sid Seller."
        assert any("/accept/" in url for url in recipient_htmx)
    else:
        recipient_page.wait_for_url(f"{base}/invitations/")
        flash = recipient_page.locator(".flash").inner_text()
        assert "You are now connected with Sid Seller." in flash
        assert recipient_htmx == []
    assert Connection.objects.filter(member=rosa, other=seller).exists()

    # They connected a few minutes ago: move the connection back rather than wait.
    Connection.objects.filter(member__in=[seller, rosa]).update(
        created_at=timezone.now() - timedelta(minutes=MINUTES_AFTER_CONNECTING)
    )

    # 4. The seller pitches at once.
    seller_page.goto(f"{base}/connections/")
    seller_page.locator("ul.rows li").filter(has_text="Rosa Recipient").get_by_role(
        "link", name="Message"
    ).click()
    seller_page.wait_for_url(f"{base}/members/{rosa.pk}/message/")
    seller_page.get_by_label("Message", exact=True).fill(PITCH)
    seller_page.get_by_role("button", name="Send").click()
    seller_page.wait_for_url(re.compile(rf"{re.escape(base)}/messages/\d+/$"))
    message = Message.objects.get(sender=seller, recipient=rosa)
    assert message.filed_as == Message.Filing.PITCHES
    assert message.guard_score is not None

    # The seller is told plainly where it went and pointed to the Exchange; never a score.
    flash = seller_page.locator(".flash").inner_text()
    assert "filed in Rosa Recipient's Pitches folder, not their inbox" in flash
    assert "list it on the Exchange" in flash
    note = seller_page.locator(f"#message-{message.pk} .sender-note")
    assert "Filed in Rosa's Pitches folder" in note.inner_text()
    exchange = note.get_by_role("link", name="use the Exchange")
    assert exchange.get_attribute("href")
    seller_view = seller_page.locator("main").inner_text()
    assert "score" not in seller_view.lower()
    assert f"{message.guard_score:.2f}"[1:] not in seller_view  # e.g. ".87"
    assert "after you connected" not in seller_view  # the reasons are the recipient's
    seller_page.screenshot(path=str(tmp_path / f"seller-{tag}.png"), full_page=True)

    # 5. Rosa finds it in Pitches, not her inbox, with the guard's reasons.
    recipient_page.goto(f"{base}/messages/")
    assert "Sid Seller" not in recipient_page.locator("ul.conversations").inner_text()
    recipient_page.goto(f"{base}/messages/pitches/")
    row = recipient_page.locator("li.conversation-row").filter(has_text="Sid Seller")
    assert "Thanks for connecting, Rosa!" in row.inner_text()
    reasons = row.locator("ul.reasons li").all_inner_texts()
    assert f"sent {MINUTES_AFTER_CONNECTING} minutes after you connected" in reasons
    recipient_page.screenshot(path=str(tmp_path / f"pitches-{tag}.png"), full_page=True)

    row.get_by_role("link").first.click()
    recipient_page.wait_for_url(f"{base}/messages/{message.conversation_id}/")
    shown = recipient_page.locator(f"#message-{message.pk}")
    assert "Filed as a pitch because:" in shown.inner_text()
    assert f"sent {MINUTES_AFTER_CONNECTING} minutes after you connected" in (
        shown.locator("ul.reasons li").all_inner_texts()
    )

    # 6. Disconnect & report.
    shown.get_by_role("button", name="Disconnect & report").click()
    done = "You disconnected from Sid Seller and reported the message."
    if javascript:
        status = recipient_page.locator(f"#message-{message.pk} [role=status]")
        status.wait_for()
        assert status.inner_text() == done
        assert recipient_page.url == f"{base}/messages/{message.conversation_id}/"
        assert any("/disconnect-report/" in url for url in recipient_htmx)
    else:
        recipient_page.wait_for_url(f"{base}/messages/pitches/")
        assert done in recipient_page.locator(".flash").inner_text()
        assert recipient_htmx == []

    # The connection is gone, for both of them, and a report exists about that message.
    recipient_page.goto(f"{base}/connections/")
    assert "No connections yet." in recipient_page.locator("ul.rows").inner_text()
    seller_page.goto(f"{base}/connections/")
    assert "Rosa Recipient" not in seller_page.locator("ul.rows").inner_text()
    assert not Connection.objects.filter(member__in=[seller, rosa]).exists()
    report = Report.objects.get(reporter=rosa, reported=seller)
    assert report.message_id == message.pk
    # the pitch stays in Pitches, and the seller can no longer write
    assert Participant.objects.get(member=rosa, other=seller).folder == Folder.PITCHES
    seller_page.goto(f"{base}/messages/{message.conversation_id}/")
    assert "You can no longer write in this conversation." in seller_page.content()
    recipient_page.screenshot(path=str(tmp_path / f"reported-{tag}.png"), full_page=True)


def test_pitch_after_connecting_is_filed_aside_and_reported(
    new_page, live_server, site_guard, tmp_path
):
    """The whole flow with JavaScript on: htmx answers the invitation and the report inline."""
    _run_flow(new_page, live_server.url, tmp_path, javascript=True)
    assert (tmp_path / "pitches-js.png").stat().st_size > 0


def test_pitch_flow_works_without_javascript(new_page, live_server, site_guard, tmp_path):
    """The same steps with JavaScript off: every action is a plain form and a redirect."""
    _run_flow(new_page, live_server.url, tmp_path, javascript=False)
