"""The public "Try the guard" page, through its URL, without a browser or JavaScript."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

PITCH = (
    "Hi Sam, thanks for connecting! Our agency offers lead generation services. Pricing "
    "starts at $499/month - can we book a quick 15-minute call this week? "
    "https://calendly.com/acme/intro"
)


@pytest.fixture
def url() -> str:
    return reverse("core:try_guard")


def test_home_links_to_the_guard(client: Client, url: str):
    response = client.get("/")
    assert response.status_code == 200
    assert url in response.content.decode()


def test_form_is_a_plain_post_form(client: Client, url: str):
    html = client.get(url).content.decode()
    assert 'method="post"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    for name in ("text", "minutes_since_connect", "recipient_replied", "same_text_recipients"):
        assert f'name="{name}"' in html
    assert "<script" not in html


def test_a_fast_pitch_is_filed_with_reasons(client: Client, url: str):
    response = client.post(
        url,
        {
            "text": PITCH,
            "minutes_since_connect": "4",
            "recipient_replied": "0",
            "same_text_recipients": "37",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Held for moderator review" in html or "Filed in Pitches" in html
    assert "sent 4 minutes after you connected" in html
    assert "the same text went to 37 members this week" in html
    assert "you have never replied to this person" in html
    assert "mentions pricing" in html


def test_a_greeting_is_delivered(client: Client, url: str):
    response = client.post(
        url,
        {
            "text": "Congratulations on the new role, Sam! Well deserved.",
            "minutes_since_connect": "",
            "recipient_replied": "5",
            "same_text_recipients": "1",
        },
    )
    assert response.status_code == 200
    assert "Delivered to the inbox" in response.content.decode()


def test_invalid_input_shows_errors_not_a_500(client: Client, url: str):
    response = client.post(
        url,
        {
            "text": "",
            "minutes_since_connect": "-5",
            "recipient_replied": "x",
            "same_text_recipients": "0",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert html.count('class="error"') >= 3
    assert "This field is required." in html


def test_hostile_text_is_escaped(client: Client, url: str):
    response = client.post(
        url,
        {
            "text": "<script>alert(1)</script> buy our pricing demo offer",
            "recipient_replied": "0",
            "same_text_recipients": "1",
        },
    )
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_csrf_is_enforced(url: str):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        url, {"text": "hi", "recipient_replied": "0", "same_text_recipients": "1"}
    )
    assert response.status_code == 403
