"""The engine is walled off: importing the guard loads no Django module."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize("module", ["pitchless.guard", "pitchless.guard._cli", "pitchless.cli"])
def test_import_loads_no_django(module):
    code = (
        f"import sys, {module}\n"
        "loaded = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(len(loaded)); print(loaded[:5])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out[0] == "0", f"{module} imported Django modules: {out[1]}"
