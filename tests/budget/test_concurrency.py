"""Concurrent approvals, payments and budget changes on PostgreSQL: of approvals that do not all
fit on a line exactly the ones that fit succeed, a request is approved and paid once, and a
budget lowered while approvals land never ends below what they hold."""
from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from incubator.accounts.models import User
from incubator.audit.models import AuditEntry
from incubator.audit.services import verify_chain
from incubator.budget import services
from incubator.budget.models import BudgetCategory, BudgetLine, ExpenseRequest
from incubator.budget.models import RequestState as S
from incubator.core.formatting import today
from incubator.core.roles import Role
from incubator.db import db

from ..concurrency import race
from ..conftest import IS_PG
from ..factories import make_user

pytestmark = pytest.mark.skipif(not IS_PG, reason="real row locks: PostgreSQL only")
D = Decimal


def _setup(budget: str, amounts: list[str], approvers: int, approve: bool = False) -> dict:
    """A travel budget, submitted requests (approved too with `approve`) and that many leads."""
    s = db.Session()
    operator = make_user(s, Role.OPERATOR)
    leads = [make_user(s, Role.LEAD) for _ in range(approvers)]
    travel = s.scalar(sa.select(BudgetCategory).where(BudgetCategory.code == "travel"))
    line = services.set_budget(s, operator, today().year, travel, budget)
    requests = []
    for amount in amounts:
        req = services.create_request(s, operator, year=today().year, category_id=travel.id, title="出差",
                                      purpose="调研", payee="差旅服务公司", amount=amount)
        services.submit(s, operator, req)
        if approve:
            services.approve(s, leads[0], req)
        requests.append(req.id)
    s.commit()
    ids = {"operator": operator.id, "leads": [u.id for u in leads], "line": line.id, "requests": requests,
           "travel": travel.id}
    s.close()
    return ids


def _line(s, ids) -> BudgetLine:
    return s.get(BudgetLine, ids["line"])


def _audits(s, action: str) -> int:
    return s.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.action == action))


def test_eight_approvals_at_once_only_the_ones_that_fit(committed_db, app):
    ids = _setup("100000", ["30000"] * 8, approvers=8)  # each fits alone; three fit together

    def attempt(s, n, barrier):
        actor, req = s.get(User, ids["leads"][n]), s.get(ExpenseRequest, ids["requests"][n])
        barrier.wait()
        services.approve(s, actor, req)
        return "ok"

    outcomes = race(list(range(8)), attempt, app=app)
    assert sorted(outcomes) == ["InsufficientBudget"] * 5 + ["ok"] * 3, outcomes
    s = db.Session()
    try:
        line = _line(s, ids)
        assert (line.committed, line.remaining) == (D("90000.00"), D("10000.00"))
        states = s.scalars(sa.select(ExpenseRequest.state).where(ExpenseRequest.id.in_(ids["requests"]))).all()
        assert sorted(states) == sorted([S.APPROVED] * 3 + [S.SUBMITTED] * 5)
        assert _audits(s, "budget_line.commit") == 3 and _audits(s, "expense_request.approve_lead") == 3
        assert verify_chain(s)[0]
    finally:
        s.close()


def test_one_request_approved_by_five_at_once_is_committed_once(committed_db, app):
    ids = _setup("100000", ["40000"], approvers=5)

    def attempt(s, n, barrier):
        actor, req = s.get(User, ids["leads"][n]), s.get(ExpenseRequest, ids["requests"][0])
        barrier.wait()
        services.approve(s, actor, req)
        return "ok"

    outcomes = race(list(range(5)), attempt, app=app)
    assert outcomes.count("ok") == 1, outcomes
    assert set(outcomes) - {"ok"} <= {"ConcurrentChange", "TransitionNotAllowed"}, outcomes
    s = db.Session()
    try:
        assert _line(s, ids).committed == D("40000.00")
        assert _audits(s, "budget_line.commit") == 1
    finally:
        s.close()


def test_one_approval_paid_by_four_at_once_is_spent_once(committed_db, app):
    ids = _setup("100000", ["40000"], approvers=1, approve=True)
    s = db.Session()
    operators = [make_user(s, Role.OPERATOR).id for _ in range(4)]
    s.commit()
    s.close()

    def attempt(s, operator_id, barrier):
        actor, req = s.get(User, operator_id), s.get(ExpenseRequest, ids["requests"][0])
        barrier.wait()
        services.pay(s, actor, req, reference=f"HK-{operator_id}", paid_on=today())
        return "ok"

    outcomes = race(operators, attempt, app=app)
    assert outcomes.count("ok") == 1, outcomes
    s = db.Session()
    try:
        line = _line(s, ids)
        assert (line.committed, line.spent) == (D("0.00"), D("40000.00"))
    finally:
        s.close()


def test_a_budget_lowered_while_approvals_land(committed_db, app):
    ids = _setup("100000", ["30000"] * 3, approvers=3)
    targets = ["lower", 0, 1, 2]

    def attempt(s, target, barrier):
        if target == "lower":
            actor, category = s.get(User, ids["operator"]), s.get(BudgetCategory, ids["travel"])
            barrier.wait()
            services.set_budget(s, actor, today().year, category, "60000")
            return "lowered"
        actor, req = s.get(User, ids["leads"][target]), s.get(ExpenseRequest, ids["requests"][target])
        barrier.wait()
        services.approve(s, actor, req)
        return "ok"

    outcomes = race(targets, attempt, app=app)
    s = db.Session()
    try:
        line = _line(s, ids)
        approved = outcomes.count("ok")
        assert line.committed == D("30000.00") * approved
        assert line.committed <= line.budget  # whatever the order, never overdrawn
        if "lowered" in outcomes:
            assert line.budget == D("60000.00") and approved <= 2
        else:  # refused: by then more than 60,000 was approved
            assert line.budget == D("100000.00") and approved == 3, outcomes
    finally:
        s.close()
