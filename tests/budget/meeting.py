"""A meeting deliberates an expense request (tests/meetings/helpers.py: the type that gates the
request's tier, everyone present, the resolution recorded, the chair closes it)."""
from __future__ import annotations

from incubator.budget.deliberation import KIND

from ..meetings.helpers import agree, disagree


def deliberate(w, req, outcome: str = "agreed"):
    """The resolution: agreed, or not agreed."""
    decide = agree if outcome == "agreed" else disagree
    return decide(w.session, KIND, req.id, req.tier, req.amount)
