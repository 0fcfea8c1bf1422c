"""The near-duplicate index: distinct recipients and senders of a text, within a window."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from pitchless.guard import BulkIndex, InMemoryBulkStore, fingerprint

T0 = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
TEMPLATE = (
    "Hi {name}, I noticed your team is growing fast. We help companies like {company} cut "
    "their cloud bill by 30% in under a month. Would you be open to a quick call next week?"
)


def campaign(name: str, company: str = "Acme") -> str:
    return TEMPLATE.format(name=name, company=company)


def test_one_sender_to_many_recipients_is_counted_despite_personalisation():
    index = BulkIndex()
    names = ["Ana", "Bo", "Chidi", "Dana", "Eero", "Fatima"]
    counts = None
    for i, name in enumerate(names):
        counts = index.observe(
            sender="s1", recipient=f"r{i}", text=campaign(name), at=T0 + timedelta(hours=i)
        )
    assert counts is not None
    assert counts.recipients == len(names)
    assert counts.senders == 1


def test_the_same_recipient_twice_counts_once():
    index = BulkIndex()
    index.observe(sender="s1", recipient="r1", text=campaign("Ana"), at=T0)
    counts = index.observe(sender="s1", recipient="r1", text=campaign("Ana"), at=T0)
    assert counts.recipients == 1


def test_different_texts_do_not_match():
    index = BulkIndex()
    index.observe(sender="s1", recipient="r1", text=campaign("Ana"), at=T0)
    counts = index.observe(
        sender="s1",
        recipient="r2",
        text="Thanks for the talk yesterday, the slides on soil chemistry were great.",
        at=T0,
    )
    assert counts.recipients == 1


def test_distinct_senders_of_a_shared_template():
    index = BulkIndex()
    for i in range(4):
        counts = index.observe(sender=f"s{i}", recipient="r1", text=campaign("Ana"), at=T0)
    assert counts.senders == 4
    assert counts.recipients == 1  # recipients are counted for this sender only


def test_only_the_window_counts_and_prune_forgets():
    index = BulkIndex(window_days=7)
    index.observe(sender="s1", recipient="old", text=campaign("Ana"), at=T0 - timedelta(days=8))
    index.observe(sender="s1", recipient="new", text=campaign("Bo"), at=T0 - timedelta(days=2))
    counts = index.count(sender="s1", text=campaign("Cy"), at=T0)
    assert counts.recipients == 1  # "new" only; count() records nothing
    assert index.count(sender="s1", text=campaign("Cy"), at=T0).recipients == 1
    store = index.store
    assert isinstance(store, InMemoryBulkStore)
    before = len(store)
    assert index.prune(T0) > 0
    assert len(store) < before


def test_empty_and_tiny_texts_are_safe():
    index = BulkIndex()
    assert fingerprint("").keys == ()
    assert index.observe(sender="s", recipient="r", text="", at=T0).recipients == 1
    assert index.observe(sender="s", recipient="r2", text="🙂", at=T0).senders == 1
    short = [index.observe(sender="s", recipient=f"x{i}", text="hi", at=T0) for i in range(3)]
    assert short[-1].recipients == 3  # identical short greetings still match each other


def test_fingerprints_hold_no_text():
    fp = fingerprint(campaign("Ana"))
    assert all(isinstance(v, int) for v in fp.signature)
    assert not any("cloud" in k for k in fp.keys)


def test_concurrent_observers_lose_nothing():
    index = BulkIndex()

    def send(worker: int) -> None:
        for j in range(25):
            index.observe(sender="s1", recipient=f"r{worker}-{j}", text=campaign("Ana"), at=T0)

    threads = [threading.Thread(target=send, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert index.count(sender="s1", text=campaign("Zed"), at=T0).recipients == 100
