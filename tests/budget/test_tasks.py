"""The inbox: the approver at each tier sees the requests waiting for them (the deputy's and the
commander's only once their meeting agreed; never their own), the requester their returned ones,
the operator the approved ones to pay; each task opens a list that shows the same requests."""
from __future__ import annotations

import re

import pytest

from incubator.budget import services
from incubator.core.inbox import tasks_for

from .flow import approved, submitted
from .meeting import deliberate


def _budget(session, user) -> dict[str, object]:
    return {t.title: t for t in tasks_for(session, user) if t.module == "budget"}


def test_the_lead_sees_lead_tier_requests_not_their_own(world, session, client):
    submitted(world, "5000.00")
    submitted(world, "6000.00", by=world.lead)
    submitted(world, "150000.00")
    tasks = _budget(session, world.lead)
    assert tasks["Expense requests to approve (Work-group lead tier)"].count == 1  # not the lead's own
    assert _budget(session, world.lead2)["Expense requests to approve (Work-group lead tier)"].count == 2


@pytest.mark.parametrize("amount, who, title", [
    ("150000.00", "deputy", "Expense requests to approve (Deputy commander tier)"),
    ("350000.00", "commander", "Expense requests to approve (Commander tier)"),
])
def test_higher_tiers_appear_once_their_meeting_agreed(world, session, client, login, amount, who, title):
    req = submitted(world, amount)
    approver = getattr(world, who)
    assert title not in _budget(session, approver)
    deliberate(world, req)
    task = _budget(session, approver)[title]
    assert task.count == 1
    session.commit()
    login(approver)
    page = client.get(task.url).get_data(as_text=True)
    assert req.number in page and "Waiting for your approval" in page
    services.approve(session, approver, req)
    assert title not in _budget(session, approver)


def test_a_not_agreed_request_is_not_offered_for_approval(world, session):
    req = submitted(world, "150000.00")
    deliberate(world, req, outcome="not_agreed")
    assert "Expense requests to approve (Deputy commander tier)" not in _budget(session, world.deputy)


def test_the_requester_sees_a_returned_request(world, session):
    req = submitted(world)
    services.return_request(session, world.lead, req, "请补充发票")
    tasks = _budget(session, world.operator)
    assert f"Expense request {req.number} was returned: correct and resubmit it" in tasks
    assert not any("returned" in t for t in _budget(session, world.operator2))


def test_the_operator_records_payments(world, session, client, login):
    approved(world)
    approved(world, "8000.00")
    for who in ("operator", "operator2", "admin"):
        assert _budget(session, getattr(world, who))["Approved expense requests: record the payment"].count == 2
    assert "Approved expense requests: record the payment" not in _budget(session, world.lead)
    session.commit()
    login(world.operator)
    page = client.get("/budget/requests?state=approved").get_data(as_text=True)
    assert len(re.findall(r'href="/budget/requests/\d+"', page)) == 2


def test_nobody_else_gets_budget_tasks(world, session):
    submitted(world, "5000.00")
    for who in ("supervisor", "reviewer", "member"):
        assert _budget(session, getattr(world, who)) == {}
