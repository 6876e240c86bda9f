"""Helpers for the reviewer and document tests: a panel with distinct scores and comments."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from incubator.admission import services
from incubator.admission.models import ApplicationState as S
from incubator.core.formatting import today

from .flow import MINUTES

# three different sheets (totals 85.5, 72.0, 64.0) so every reviewer's numbers can be told apart
SHEETS = [
    {"technology": "22.5", "team": "17", "fit": "18", "market": "13", "operations": "8", "contribution": "7"},
    {"technology": "19", "team": "15", "fit": "14", "market": "11", "operations": "7", "contribution": "6"},
    {"technology": "16", "team": "13", "fit": "12", "market": "10", "operations": "7", "contribution": "6"},
]
COMMENTS = ["视觉算法有自研积累，技术领先。", "团队完整，市场判断稳健。", "产业契合度一般，需加强本地配套。"]


def scores(i: int) -> dict[str, Decimal]:
    return {k: Decimal(v) for k, v in SHEETS[i].items()}


def review_panel(session, w, app, *, close: bool = True):
    """From a draft to a closed expert review: three reviewers declare, score and comment."""
    w.advance(S.EXPERT_REVIEW)
    for i, (reviewer, assignment) in enumerate(zip(w.reviewers, app.assignments, strict=True)):
        services.declare_interest(session, reviewer, assignment, conflict=False)
        services.save_scores(session, reviewer, assignment, scores(i), {"technology": COMMENTS[i]},
                             f"总体意见{i + 1}", submit=True)
    if close:
        services.close_review(session, w.operator, app)
    session.commit()
    return app


def admit_with_lease(session, w, app):
    """Closed review → recommendation → admission → a lease on offices 101 and 102."""
    review_panel(session, w, app)
    services.recommend(session, w.lead, app, recommendation="admit", minutes=MINUTES)
    services.decide(session, w.deputy, app, admit=True, reason="同意入驻")
    services.allocate_units(session, w.operator, app, w.offices[:2], start_on=today(),
                            end_on=today() + dt.timedelta(days=3 * 365))
    session.commit()
    return app
