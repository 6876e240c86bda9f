"""Concurrent approvals, payments and top-ups on PostgreSQL: a pool is never overdrawn, an
approval is paid once, a city phase never passes its cap."""
from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from incubator.accounts.models import User
from incubator.audit.models import AuditEntry
from incubator.audit.services import verify_chain
from incubator.core.roles import Role
from incubator.db import db
from incubator.funds import services as funds
from incubator.funds.models import FundEntry, FundEntryKind, FundPool

from ..concurrency import race
from ..conftest import IS_PG
from ..factories import make_user
from .data import make_pool

pytestmark = pytest.mark.skipif(not IS_PG, reason="real row locks: PostgreSQL only")


def _setup(allocated: str, commitments: dict[int, str] | None = None) -> tuple[int, int]:
    s = db.Session()
    operator = make_user(s, Role.OPERATOR)
    pool = make_pool(s, operator, allocated=allocated)
    for claim_id, amount in (commitments or {}).items():
        funds.commit(s, operator, pool.id, amount, funds.CLAIM, claim_id)
    s.commit()
    ids = pool.id, operator.id
    s.close()
    return ids


def _check():
    return db.Session()


def _entries(s, pool_id: int, kind: FundEntryKind) -> list[FundEntry]:
    return list(s.scalars(sa.select(FundEntry).where(FundEntry.pool_id == pool_id, FundEntry.kind == kind)))


def test_eight_approvals_at_once_never_overdraw_the_pool(committed_db):
    pool_id, operator_id = _setup("100000")

    def attempt(s, claim_id, barrier):
        actor = s.get(User, operator_id)
        barrier.wait()
        funds.commit(s, actor, pool_id, "30000", funds.CLAIM, claim_id)
        return "ok"

    outcomes = race(list(range(1, 9)), attempt)
    assert sorted(outcomes) == ["InsufficientFunds"] * 5 + ["ok"] * 3, outcomes  # no constraint violations
    s = _check()
    try:
        pool = s.get(FundPool, pool_id)
        assert (pool.committed, pool.remaining) == (Decimal("90000.00"), Decimal("10000.00"))
        assert len(_entries(s, pool_id, FundEntryKind.COMMIT)) == 3
        assert s.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                        .where(AuditEntry.action == "fund_pool.commit")) == 3
        assert verify_chain(s)[0]
    finally:
        s.close()


def test_one_approval_paid_by_five_at_once_is_paid_once(committed_db):
    pool_id, operator_id = _setup("100000", {1: "40000", 2: "40000"})

    def attempt(s, _n, barrier):
        actor = s.get(User, operator_id)
        barrier.wait()
        funds.pay(s, actor, funds.CLAIM, 1, note="HK-1")
        return "ok"

    outcomes = race(range(5), attempt)
    assert sorted(outcomes) == ["DuplicateMovement"] * 4 + ["ok"], outcomes
    s = _check()
    try:
        pool = s.get(FundPool, pool_id)
        assert (pool.committed, pool.paid, pool.remaining) == (Decimal("40000.00"), Decimal("40000.00"),
                                                              Decimal("20000.00"))
        (paid,) = _entries(s, pool_id, FundEntryKind.PAY)
        assert paid.object_id == 1 and paid.amount == Decimal("40000.00")
    finally:
        s.close()


def test_payment_and_release_of_one_approval_at_once(committed_db):
    """A rejection racing the payment: exactly one of them happens."""
    pool_id, operator_id = _setup("100000", {1: "25000"})

    def attempt(s, step, barrier):
        actor = s.get(User, operator_id)
        barrier.wait()
        if step.startswith("pay"):
            funds.pay(s, actor, funds.CLAIM, 1)
        else:
            assert funds.release(s, actor, funds.CLAIM, 1) is not None
        return step.rstrip("0123456789")

    outcomes = race(["pay1", "release1", "pay2", "release2"], attempt)
    s = _check()
    try:
        pool = s.get(FundPool, pool_id)
        paid, released = _entries(s, pool_id, FundEntryKind.PAY), _entries(s, pool_id, FundEntryKind.RELEASE)
        assert len(paid) + len(released) == 1, outcomes
        assert pool.committed == 0
        assert pool.paid == (Decimal("25000.00") if paid else 0)
        assert outcomes.count("pay") + outcomes.count("release") == 1
        assert all(o in ("pay", "release", "DomainError", "DuplicateMovement") or o.startswith("AssertionError")
                   for o in outcomes), outcomes
    finally:
        s.close()


def test_top_ups_at_once_stay_within_the_phase_cap(committed_db):
    pool_id, operator_id = _setup("8000000")

    def attempt(s, _n, barrier):
        actor = s.get(User, operator_id)
        target = s.get(FundPool, pool_id)
        barrier.wait()
        funds.allocate(s, actor, target, "1000000")
        return "ok"

    outcomes = race(range(4), attempt)
    assert sorted(outcomes) == ["DomainError"] * 2 + ["ok"] * 2, outcomes
    s = _check()
    try:
        assert s.get(FundPool, pool_id).allocated == Decimal("10000000.00")
        assert len(_entries(s, pool_id, FundEntryKind.ALLOCATE)) == 3
    finally:
        s.close()
