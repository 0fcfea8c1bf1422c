"""The API object: token auth by default, one router per resource, uniform errors."""

from __future__ import annotations

from ninja import NinjaAPI

from pitchless.api import errors
from pitchless.api.routers import (
    auth,
    blocks,
    connections,
    conversations,
    exchange_trust,
    invitations,
    listings,
    members,
    messages,
    proposals,
    reports,
    saved_searches,
)
from pitchless.api.security import TokenAuth

api = NinjaAPI(
    title="Pitchless API",
    version="1",
    description=(
        "The Pitchless network over HTTP: the same services as the pages. Create a token with "
        "`POST /api/auth/token` and send it as `Authorization: Bearer <token>`."
    ),
    auth=TokenAuth(),
    urls_namespace="api",
)
errors.install(api)

api.add_router("/auth", auth.router)
api.add_router("/members", members.router)
api.add_router("/invitations", invitations.router)
api.add_router("/connections", connections.router)
api.add_router("/blocks", blocks.router)
api.add_router("/messages", messages.router)
api.add_router("/conversations", conversations.router)
api.add_router("/reports", reports.router)
# The Exchange's routers name their full paths (/listings, /me/listings, /proposals…).
api.add_router("", listings.router)
api.add_router("", proposals.router)
api.add_router("", saved_searches.router)
api.add_router("", exchange_trust.router)
