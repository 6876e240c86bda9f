"""Fund and paid-claim rows for the funds and clawback tests: pools through the real services,
claims written directly in the state a test needs (so these tests do not depend on the claims
workflow)."""
from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import sqlalchemy as sa

from incubator.funds import services as funds
from incubator.funds.models import FundPool, FundProgram, FundSource
from incubator.funds.rules import DEFAULT_PROGRAM_CONFIG
from incubator.subsidies.models import (
    BatchState,
    ClaimState,
    SubsidyBatch,
    SubsidyClaim,
    SubsidyPolicy,
    SupportType,
)

_seq = itertools.count(1)


def make_program(session, actor, name: str | None = None, **config) -> FundProgram:
    return funds.create_program(session, actor, name or f"专项政策经费{next(_seq)}",
                                {**DEFAULT_PROGRAM_CONFIG, **config})


def make_pool(session, actor, program: FundProgram | None = None, source=FundSource.CITY, phase: int = 1,
              allocated="1000000", name: str | None = None) -> FundPool:
    program = program or make_program(session, actor)
    return funds.open_pool(session, actor, program, source, phase, name or f"{source.value} phase {phase}",
                           allocated, dt.date(2025, 1, 1))


def rent_policy(session) -> SubsidyPolicy:
    """The rent policy shipped by the migration (version 1, lock-in 2 years)."""
    return session.scalar(sa.select(SubsidyPolicy).join(SupportType)
                          .where(SupportType.code == "rent", SubsidyPolicy.version == 1))


def make_batch(session, pool: FundPool, state=BatchState.CLOSED, **kw) -> SubsidyBatch:
    n = next(_seq)
    policy = rent_policy(session)
    data = dict(number=f"PC-T-{n:04d}", name=f"第{n}批租金补贴", support_type_id=policy.support_type_id,
                fund_pool_id=pool.id, intake_opens_on=dt.date(2025, 1, 1), intake_closes_on=dt.date(2025, 1, 31),
                period_start=dt.date(2024, 7, 1), period_end=dt.date(2024, 12, 31), state=state)
    data.update(kw)
    batch = SubsidyBatch(**data)
    session.add(batch)
    session.flush()
    return batch


def make_paid_claim(session, actor, company, pool: FundPool, amount, paid_on: dt.date, batch=None,
                    policy: SubsidyPolicy | None = None) -> SubsidyClaim:
    """A DISBURSED claim whose money went through the pool (committed, then paid)."""
    batch = batch or make_batch(session, pool)
    claim = SubsidyClaim(number=f"BT-T-{next(_seq):05d}", batch_id=batch.id, company_id=company.id,
                         state=ClaimState.DISBURSED, policy_id=(policy or rent_policy(session)).id,
                         amount=Decimal(amount), paid_on=paid_on, payment_reference="HK-TEST")
    session.add(claim)
    session.flush()
    funds.commit(session, actor, pool.id, claim.amount, funds.CLAIM, claim.id, note=claim.number)
    funds.pay(session, actor, funds.CLAIM, claim.id)
    return claim
