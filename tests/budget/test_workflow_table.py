"""The transition table as each user sees it: who may take which step in which state (the operator
drafted and submitted the requests; a lead-tier request of ¥5,000 unless the test says otherwise)."""
from __future__ import annotations

import pytest

from incubator.budget import services
from incubator.budget.models import RequestState as S
from incubator.core.formatting import today

from .flow import approved, draft, submitted

EVERYONE = ("operator", "operator2", "admin", "lead", "lead2", "deputy", "deputy2", "commander", "commander2",
            "supervisor", "reviewer", "member")
DECIDE = {"approve_lead", "return", "reject"}
PAY = {"pay", "cancel"}
TABLE = {
    S.DRAFT: {"operator": {"submit", "withdraw", "edit"}},
    S.SUBMITTED: {"operator": {"withdraw"}, "lead": DECIDE, "lead2": DECIDE, "deputy": DECIDE, "deputy2": DECIDE,
                  "commander": DECIDE, "commander2": DECIDE},
    S.RETURNED: {"operator": {"resubmit", "withdraw", "edit"}},
    S.APPROVED: {"operator": PAY, "operator2": PAY, "admin": PAY},
    S.PAID: {}, S.REJECTED: {}, S.WITHDRAWN: {},
}


def _in_state(w, state):
    s = w.session
    if state == S.DRAFT:
        return draft(w, "5000.00")
    if state == S.APPROVED:
        return approved(w, "5000.00")
    req = submitted(w, "5000.00")
    if state == S.RETURNED:
        services.return_request(s, w.lead, req, "补充报价单")
    elif state == S.REJECTED:
        services.reject(s, w.lead, req, "不同意")
    elif state == S.WITHDRAWN:
        services.withdraw(s, w.operator, req)
    elif state == S.PAID:
        services.approve(s, w.lead, req)
        services.pay(s, w.operator, req, reference="HK-1", paid_on=today())
    return req


@pytest.mark.parametrize("state", list(TABLE))
def test_transition_table(world, session, state):
    req = _in_state(world, state)
    assert req.state == state
    for name in EVERYONE:
        assert set(services.actions_for(session, getattr(world, name), req)) == TABLE[state].get(name, set()), name


@pytest.mark.parametrize("amount, deciders", [
    ("100000.00", {"deputy", "deputy2", "commander", "commander2"}),
    ("300000.00", {"commander", "commander2"}),
])
def test_higher_tiers_are_decided_by_their_roles_only(world, session, amount, deciders):
    req = submitted(world, amount)
    action = f"approve_{req.tier}"
    for name in EVERYONE:
        expected = {action, "return", "reject"} if name in deciders else set()
        if name == "operator":
            expected = {"withdraw"}
        assert set(services.actions_for(session, getattr(world, name), req)) == expected, name


def test_the_requesting_deputy_decides_nothing_on_their_own_request(world, session):
    req = submitted(world, "5000.00", by=world.deputy)
    assert set(services.actions_for(session, world.deputy, req)) == {"withdraw"}
    assert set(services.actions_for(session, world.deputy2, req)) == DECIDE
