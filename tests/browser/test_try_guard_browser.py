"""The "Try the guard" page in a real browser, with and without JavaScript."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

PITCH = (
    "Hi Sam, thanks for connecting! We help teams like yours cut cloud costs by 30%. "
    "Pricing starts at $299/month. Can we book a quick 15-minute demo this week?"
)


def _fill_and_submit(page, live_server) -> None:
    page.goto(f"{live_server.url}/try/")
    page.get_by_label("Message", exact=True).fill(PITCH)
    page.get_by_label("Minutes since you connected").fill("4")
    page.get_by_label("Messages you ever sent this person").fill("0")
    page.get_by_role("button", name="Check this message").click()
    page.wait_for_selector("#verdict")


def test_try_the_guard_files_a_fast_pitch(page, live_server, tmp_path):
    _fill_and_submit(page, live_server)
    verdict = page.locator("#verdict")
    assert "Filed in Pitches" in verdict.inner_text()
    reasons = page.locator("ol.reasons li").all_inner_texts()
    assert "sent 4 minutes after you connected" in reasons
    assert "you have never replied to this person" in reasons
    # the pasted text stays in the form, so the visitor can tweak the context and resubmit
    assert page.get_by_label("Message", exact=True).input_value() == PITCH
    page.screenshot(path=str(tmp_path / "try-guard.png"), full_page=True)


def test_try_the_guard_works_without_javascript(page_without_js, live_server):
    _fill_and_submit(page_without_js, live_server)
    assert "Filed in Pitches" in page_without_js.locator("#verdict").inner_text()


def test_errors_are_shown_next_to_the_fields(page, live_server):
    page.goto(f"{live_server.url}/try/")
    page.get_by_role("button", name="Check this message").click()
    page.wait_for_selector(".error")
    assert "This field is required." in page.locator(".field.invalid").first.inner_text()


def test_stylesheet_is_served_locally(page, live_server):
    failed: list[str] = []
    external: list[str] = []
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.on(
        "request",
        lambda r: external.append(r.url) if not r.url.startswith(live_server.url) else None,
    )
    response = page.goto(f"{live_server.url}/")
    assert response is not None and response.ok
    page.wait_for_load_state("networkidle")
    assert failed == []
    assert external == []
    # the vendored stylesheet applied: the header has the card background, not the default
    bg = page.evaluate("getComputedStyle(document.querySelector('.site-header')).backgroundColor")
    assert bg == "rgb(255, 255, 255)"
    body_bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert body_bg == "rgb(246, 247, 250)"
