"""Money under concurrency on PostgreSQL: approvals racing for one pool never overdraw it, one
claim approved by several approvers at once is committed once, and a claim disbursed by several
operators at once is paid exactly once."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from incubator.accounts.models import User
from incubator.audit.services import verify_chain
from incubator.companies.models import CompanyStatus
from incubator.core.errors import ConcurrentChange
from incubator.core.formatting import today
from incubator.core.roles import Role
from incubator.db import db
from incubator.funds import services as funds
from incubator.funds.models import FundEntry, FundEntryKind, FundPool
from incubator.subsidies import services
from incubator.subsidies.models import BatchState as B
from incubator.subsidies.models import ClaimState as C
from incubator.subsidies.models import SubsidyClaim

from ..concurrency import race
from ..conftest import IS_PG
from ..factories import make_company, make_user
from .conftest import fund_pool, open_batch, support_type

pytestmark = pytest.mark.skipif(not IS_PG, reason="real row locks: PostgreSQL only")
AMOUNT = Decimal("30000.00")


def _world(s, n_claims: int, allocated: Decimal, state: C = C.VERIFIED):
    """A pool, a batch and `n_claims` claims of ¥30,000 each, verified at the lead's tier."""
    operator = make_user(s, Role.OPERATOR)
    pool = fund_pool(s, allocated)
    batch = open_batch(s, operator, support_type(s), pool)
    claim_ids = []
    for i in range(n_claims):
        company = make_company(s, status=CompanyStatus.TENANT)
        claim = SubsidyClaim(number=f"BT-C-{batch.id}-{i}", batch_id=batch.id, company_id=company.id, state=state,
                             policy_id=services.policies.policy_in_force(s, batch.support_type, today()).id,
                             amount=AMOUNT, required_role="lead", calculation={"total": str(AMOUNT)})
        s.add(claim)
        s.flush()
        claim_ids.append(claim.id)
    return operator, pool, batch, claim_ids


def _count(s, model, *where) -> int:
    return s.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


@pytest.mark.parametrize("n", [4, 8])
def test_approvals_racing_for_one_pool_never_overdraw_it(committed_db, app, n):
    setup = db.Session()
    _operator, pool, _batch, claim_ids = _world(setup, n, Decimal("100000.00"))  # room for three
    leads = [make_user(setup, Role.LEAD) for _ in range(n)]
    setup.commit()
    pool_id, pairs = pool.id, list(zip(claim_ids, [u.id for u in leads], strict=True))
    setup.close()

    def attempt(s, pair, barrier):
        claim_id, lead_id = pair
        claim, lead = s.get(SubsidyClaim, claim_id), s.get(User, lead_id)
        barrier.wait()
        services.approve(s, lead, claim)
        return "ok"

    outcomes = race(pairs, attempt, app=app)
    assert sorted(outcomes) == sorted(["ok"] * 3 + [funds.InsufficientFunds.__name__] * (n - 3)), outcomes
    check = db.Session()
    try:
        pool = check.get(FundPool, pool_id)
        assert pool.committed == 3 * AMOUNT and pool.remaining == Decimal("10000.00") >= 0
        assert _count(check, FundEntry, FundEntry.kind == FundEntryKind.COMMIT) == 3
        assert _count(check, SubsidyClaim, SubsidyClaim.state == C.APPROVED) == 3
        assert _count(check, SubsidyClaim, SubsidyClaim.state == C.VERIFIED) == n - 3  # the losers left nothing
        assert verify_chain(check)[0]
    finally:
        check.close()


def test_one_claim_approved_by_several_at_once_is_committed_once(committed_db, app):
    n = 6
    setup = db.Session()
    _operator, pool, _batch, (claim_id,) = _world(setup, 1, Decimal("1000000.00"))
    approvers = [make_user(setup, role) for role in (Role.LEAD, Role.DEPUTY, Role.COMMANDER) * 2]
    setup.commit()
    pool_id, approver_ids = pool.id, [u.id for u in approvers]
    setup.close()

    def attempt(s, approver_id, barrier):
        claim, approver = s.get(SubsidyClaim, claim_id), s.get(User, approver_id)
        barrier.wait()
        services.approve(s, approver, claim)
        return "ok"

    outcomes = race(approver_ids, attempt, app=app)
    assert sorted(outcomes) == sorted(["ok"] + [ConcurrentChange.__name__] * (n - 1)), outcomes
    check = db.Session()
    try:
        assert check.get(SubsidyClaim, claim_id).state == C.APPROVED
        assert check.get(FundPool, pool_id).committed == AMOUNT
        assert _count(check, FundEntry, FundEntry.kind == FundEntryKind.COMMIT) == 1
    finally:
        check.close()


@pytest.mark.parametrize("n", [2, 8])
def test_double_disbursement_pays_exactly_once(committed_db, app, n):
    setup = db.Session()
    operator, pool, batch, (claim_id,) = _world(setup, 1, Decimal("1000000.00"), state=C.IN_NOTICE)
    funds.commit(setup, operator, pool.id, AMOUNT, services.SUBJECT, claim_id)
    batch.state = B.PAYING
    batch.notice_starts_on, batch.notice_ends_on = today() - dt.timedelta(days=12), today() - dt.timedelta(days=1)
    operators = [make_user(setup, Role.OPERATOR) for _ in range(n)]
    setup.commit()
    pool_id, pairs = pool.id, [(u.id, f"GDRC-2026-{i:04d}") for i, u in enumerate(operators)]
    setup.close()

    def attempt(s, pair, barrier):
        operator_id, reference = pair
        claim, who = s.get(SubsidyClaim, claim_id), s.get(User, operator_id)
        barrier.wait()
        services.disburse(s, who, claim, reference=reference, paid_on=today())
        return "paid"

    outcomes = race(pairs, attempt, app=app)
    assert sorted(outcomes) == [ConcurrentChange.__name__] * (n - 1) + ["paid"], outcomes
    check = db.Session()
    try:
        claim = check.get(SubsidyClaim, claim_id)
        assert claim.state == C.DISBURSED and claim.payment_reference.startswith("GDRC-2026-")
        pays = check.scalars(sa.select(FundEntry).where(FundEntry.kind == FundEntryKind.PAY)).all()
        assert len(pays) == 1 and pays[0].amount == AMOUNT
        pool = check.get(FundPool, pool_id)
        assert (pool.paid, pool.committed) == (AMOUNT, 0)  # counted once
        assert verify_chain(check)[0]
    finally:
        check.close()
