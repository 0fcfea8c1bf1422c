"""The OpenAPI document and the interactive docs."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api

pytestmark = pytest.mark.django_db

#: every operation the API promises, as the OpenAPI document names them
EXPECTED = {
    ("post", "/api/auth/signup"),
    ("post", "/api/auth/token"),
    ("delete", "/api/auth/token"),
    ("get", "/api/auth/tokens"),
    ("delete", "/api/auth/tokens/{token_id}"),
    ("get", "/api/members/me"),
    ("get", "/api/members"),
    ("get", "/api/members/{member_id}"),
    ("post", "/api/invitations"),
    ("get", "/api/invitations"),
    ("post", "/api/invitations/{invitation_id}/accept"),
    ("post", "/api/invitations/{invitation_id}/ignore"),
    ("post", "/api/invitations/{invitation_id}/dont-know"),
    ("post", "/api/invitations/{invitation_id}/report"),
    ("post", "/api/invitations/{invitation_id}/withdraw"),
    ("get", "/api/connections"),
    ("delete", "/api/connections/{member_id}"),
    ("post", "/api/blocks"),
    ("get", "/api/blocks"),
    ("delete", "/api/blocks/{member_id}"),
    ("post", "/api/messages"),
    ("post", "/api/messages/{message_id}/feedback"),
    ("post", "/api/messages/{message_id}/disconnect-report"),
    ("get", "/api/conversations"),
    ("get", "/api/conversations/{conversation_id}/messages"),
    ("post", "/api/conversations/{conversation_id}/read"),
    ("post", "/api/conversations/{conversation_id}/move"),
    ("post", "/api/reports"),
    # the Exchange
    ("post", "/api/listings"),
    ("get", "/api/listings"),
    ("get", "/api/listings/{listing_id}"),
    ("patch", "/api/listings/{listing_id}"),
    ("delete", "/api/listings/{listing_id}"),
    ("post", "/api/listings/{listing_id}/publish"),
    ("post", "/api/listings/{listing_id}/renew"),
    ("post", "/api/listings/{listing_id}/close"),
    ("post", "/api/listings/{listing_id}/interest"),
    ("get", "/api/me/listings"),
    ("get", "/api/categories"),
    ("post", "/api/listings/{listing_id}/proposals"),
    ("get", "/api/listings/{listing_id}/proposals"),
    ("get", "/api/me/proposals"),
    ("post", "/api/proposals/{proposal_id}/shortlist"),
    ("post", "/api/proposals/{proposal_id}/decline"),
    ("post", "/api/proposals/{proposal_id}/conversation"),
    ("get", "/api/saved-searches"),
    ("post", "/api/saved-searches"),
    ("delete", "/api/saved-searches/{saved_search_id}"),
    ("post", "/api/listings/{listing_id}/flags"),
    ("post", "/api/engagements/{engagement_id}/complete"),
    ("post", "/api/engagements/{engagement_id}/reviews"),
    ("patch", "/api/reviews/{review_id}"),
    ("get", "/api/members/{member_id}/reviews"),
}


def test_the_openapi_document_lists_every_operation():
    response = Api().get("/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.") and schema["info"]["title"] == "Pitchless API"
    listed = {(m, p) for p, ops in schema["paths"].items() for m in ops}
    assert listed == EXPECTED
    assert schema["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            assert op.get("summary"), (method, path)
            assert op.get("description"), (method, path)


def test_the_sender_schema_has_no_score():
    schemas = Api().get("/openapi.json").json()["components"]["schemas"]
    assert set(schemas["SentOut"]["properties"]) == {"id", "conversation", "filed_as", "notice"}
    assert set(schemas["SentOut"]["properties"]["filed_as"]["enum"]) == {
        "inbox",
        "pitches",
        "held",
    }
    assert not [name for name, s in schemas.items() if "score" in s.get("properties", {})]


def test_the_docs_page_loads_without_a_cdn():
    response = Api().get("/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/api/openapi.json" in html
    assert "cdn." not in html and "unpkg" not in html
