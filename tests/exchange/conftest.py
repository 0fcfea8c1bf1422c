"""Fixtures for the Exchange tests: the network's members, fast hashing and the guard in use."""

from __future__ import annotations

import pytest

from tests.exchange.factories import make_moderator
from tests.network.conftest import _fast_hasher, alice, bob, carol, guard  # noqa: F401


@pytest.fixture
def moderator(db):
    """A member with the moderation permission (through the moderators group)."""
    return make_moderator()
