"""Clawbacks under concurrency on PostgreSQL: repayments never exceed the amount (and the pool
takes back exactly what was repaid); two people recording a clawback for one company at once
do not claim the same subsidy twice."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from incubator.accounts.models import User
from incubator.companies.models import Company
from incubator.core.formatting import today
from incubator.core.roles import Role
from incubator.db import db
from incubator.funds.models import FundPool
from incubator.subsidies import clawbacks
from incubator.subsidies.models import Clawback, ClawbackRepayment
from incubator.subsidies.models import ClawbackState as S

from ..concurrency import race
from ..conftest import IS_PG
from ..factories import make_company, make_user
from ..funds.data import make_paid_claim, make_pool

pytestmark = pytest.mark.skipif(not IS_PG, reason="real row locks: PostgreSQL only")


def _world(n_operators: int):
    s = db.Session()
    operators = [make_user(s, Role.OPERATOR) for _ in range(n_operators)]
    pool = make_pool(s, operators[0], allocated="1000000")
    company = make_company(s)
    make_paid_claim(s, operators[0], company, pool, "100000", dt.date(2025, 6, 1))
    s.commit()
    ids = [o.id for o in operators], pool.id, company.id
    s.close()
    return ids


def test_repayments_at_once_never_exceed_the_amount(committed_db):
    operator_ids, pool_id, company_id = _world(4)
    s = db.Session()
    cb = clawbacks.create_clawback(s, s.get(User, operator_ids[0]), s.get(Company, company_id), "exit",
                                   dt.date(2026, 1, 1))
    s.commit()
    cb_id = cb.id
    s.close()

    def attempt(s, operator_id, barrier):
        actor, target = s.get(User, operator_id), s.get(Clawback, cb_id)
        barrier.wait()
        clawbacks.record_repayment(s, actor, target, "40000", dt.date(2026, 2, 1))
        return "ok"

    outcomes = race(operator_ids, attempt)
    assert sorted(outcomes) == ["DomainError"] * 2 + ["ok"] * 2, outcomes
    check = db.Session()
    try:
        cb = check.get(Clawback, cb_id)
        assert (cb.repaid, cb.state, cb.version) == (Decimal("80000.00"), S.PARTLY_REPAID, 3)
        assert check.scalar(sa.select(sa.func.count()).select_from(ClawbackRepayment)) == 2
        assert check.get(FundPool, pool_id).returned == Decimal("80000.00")
    finally:
        check.close()


def test_one_company_clawed_back_twice_at_once(committed_db):
    operator_ids, pool_id, company_id = _world(3)

    def attempt(s, operator_id, barrier):
        actor, company = s.get(User, operator_id), s.get(Company, company_id)
        barrier.wait()
        return clawbacks.create_clawback(s, actor, company, "cleared", dt.date(2026, 1, 1)).number

    outcomes = race(operator_ids, attempt)
    assert sorted(outcomes)[:2] == ["DomainError"] * 2 and outcomes.count(f"ZH-{today().year}-0001") == 1
    check = db.Session()
    try:
        (cb,) = check.scalars(sa.select(Clawback)).all()
        assert cb.amount == Decimal("100000.00")
    finally:
        check.close()
