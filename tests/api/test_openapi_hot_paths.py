"""The OpenAPI document of the endpoints served by hand-written JSON stays what it was.

Sending and reading conversations build their JSON without the response schemas (see
``api/routers/conversations.py``), so nothing but this test notices if the documented schema
drifts from what the views promise. The fixture is the document's part for those endpoints
(their operations and every component schema they reference), taken before the change.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import Api

pytestmark = pytest.mark.django_db

FIXTURE = Path(__file__).parent / "fixtures" / "openapi_hot_paths.json"

#: the operations whose documented schema must not change
OPERATIONS = (
    ("post", "/api/messages"),
    ("get", "/api/conversations"),
    ("get", "/api/conversations/{conversation_id}/messages"),
    ("post", "/api/invitations/{invitation_id}/accept"),
)


def _refs(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                found.add(value.rsplit("/", 1)[1])
            else:
                found |= _refs(value)
    elif isinstance(node, list):
        for value in node:
            found |= _refs(value)
    return found


def hot_path_part(doc: dict[str, Any]) -> dict[str, Any]:
    """The operations of :data:`OPERATIONS` and every component schema they reach."""
    operations = {f"{m} {p}": doc["paths"][p][m] for m, p in OPERATIONS}
    schemas = doc["components"]["schemas"]
    wanted: set[str] = set()
    todo = _refs(operations)
    while todo:
        name = todo.pop()
        if name not in wanted:
            wanted.add(name)
            todo |= _refs(schemas[name]) - wanted
    return {"operations": operations, "schemas": {n: schemas[n] for n in sorted(wanted)}}


def test_the_hot_paths_document_is_unchanged():
    doc = Api().get("/openapi.json").json()
    expected = json.loads(FIXTURE.read_text())
    actual = hot_path_part(doc)
    assert sorted(actual["schemas"]) == sorted(expected["schemas"])
    assert actual == expected
