"""Shared test helpers: where the shared data lives, and a skip when it is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = (REPO_ROOT.parent / "shared" / "data").resolve()


@pytest.fixture
def shared_data() -> Path:
    """The read-only ``../shared/data`` folder; skips the test when it is absent."""
    if not (SHARED_DATA / "linkedin_dm_openers" / "openers.csv").is_file():
        pytest.skip(f"{SHARED_DATA} is absent: the shared data sets are not on this machine")
    return SHARED_DATA
