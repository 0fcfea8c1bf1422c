"""The guard: tells an unsolicited sales pitch from a conversation, with reasons.

A pure library (standard library, numpy and, for training only, scikit-learn): it never imports
Django, so any platform can use it::

    from pitchless.guard import Guard, MessageContext
    verdict = Guard().score(MessageContext(text="Hi! Quick 15-min call about our pricing?"))
    verdict.action, [r.text for r in verdict.reasons]
"""

from pitchless.guard._bulk import (
    BulkEntry,
    BulkIndex,
    BulkStore,
    InMemoryBulkStore,
    fingerprint,
    similarity,
)
from pitchless.guard._guard import Guard, TextModel
from pitchless.guard._policy import PolicySettings
from pitchless.guard._types import (
    Action,
    BulkCounts,
    Intent,
    MessageContext,
    Phrase,
    Reason,
    SenderFacts,
    Verdict,
)

__all__ = [
    "Action",
    "BulkCounts",
    "BulkEntry",
    "BulkIndex",
    "BulkStore",
    "Guard",
    "InMemoryBulkStore",
    "Intent",
    "MessageContext",
    "Phrase",
    "PolicySettings",
    "Reason",
    "SenderFacts",
    "TextModel",
    "Verdict",
    "fingerprint",
    "similarity",
]
