"""Clawbacks as services: the amount from paid claims within their lock-in period, recording,
repayments back into the fund pool, and the commander's four-eyes waiver."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask import g

from incubator.audit.models import AuditEntry
from incubator.core.errors import DomainError, PermissionDenied, SegregationOfDuties, TransitionNotAllowed
from incubator.core.formatting import today
from incubator.core.models import WorkflowEvent
from incubator.core.roles import Role
from incubator.funds.models import FundEntry, FundEntryKind, FundSource
from incubator.subsidies import clawbacks
from incubator.subsidies.models import ClawbackReason, ClawbackRepayment, SubsidyPolicy
from incubator.subsidies.models import ClawbackState as S

from ..factories import make_company, make_user
from ..funds.data import make_paid_claim, make_pool, rent_policy

D = dt.date


@pytest.fixture(autouse=True)
def english_messages(app, english, monkeypatch):
    """Service messages in English too (the package's `english` only sets the pages' language)."""
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "en")
    g.pop("_flask_babel", None)


@pytest.fixture
def w(session):
    """A company with two paid claims from the city pool: ¥60,000 paid 2024-06-01 and ¥40,000.50
    paid 2025-03-01 (the shipped rent policy: 2 years' lock-in)."""
    operator = make_user(session, Role.OPERATOR, display_name="运营 王敏")
    pool = make_pool(session, operator, allocated="1000000", name="市第一期")
    company = make_company(session, name="东莞追回科技有限公司")
    first = make_paid_claim(session, operator, company, pool, "60000", D(2024, 6, 1))
    second = make_paid_claim(session, operator, company, pool, "40000.50", D(2025, 3, 1))
    return SimpleNamespace(session=session, operator=operator, pool=pool, company=company, first=first, second=second,
                           commander=make_user(session, Role.COMMANDER, display_name="指挥长 陈强"))


def numbers(basis):
    return [c["number"] for c in basis["claims"]]


# --- the amount -----------------------------------------------------------------------------------

def test_claims_within_their_lock_in_are_counted(w):
    basis = clawbacks.compute_clawback(w.session, w.company, D(2026, 5, 31), ClawbackReason.EXIT)
    assert numbers(basis) == [w.first.number, w.second.number] and basis["total"] == "100000.50"
    first = basis["claims"][0]
    assert first == {"claim_id": w.first.id, "number": w.first.number, "batch": w.first.batch.number,
                     "fund_pool_id": w.pool.id, "paid_on": "2024-06-01", "amount": "60000.00",
                     "lock_in_until": "2026-06-01"}
    assert basis["excluded"] == [] and basis["reason"] == "exit" and basis["trigger_on"] == "2026-05-31"


@pytest.mark.parametrize("trigger, counted, total", [
    (D(2026, 6, 1), ["second"], "40000.50"),   # the first claim's two years end that day
    (D(2027, 2, 28), ["second"], "40000.50"),
    (D(2027, 3, 1), [], "0.00"),
    (D(2024, 1, 1), ["first", "second"], "100000.50"),  # paid after the trigger: within too
])
def test_lock_in_boundaries(w, trigger, counted, total):
    basis = clawbacks.compute_clawback(w.session, w.company, trigger, "cleared")
    assert numbers(basis) == [getattr(w, c).number for c in counted] and basis["total"] == total
    assert {e["why"] for e in basis["excluded"]} <= {"lock_in_over"}
    assert len(basis["excluded"]) == 2 - len(counted)


def test_a_breach_uses_the_same_window(w):
    basis = clawbacks.compute_clawback(w.session, w.company, D(2026, 6, 1), ClawbackReason.BREACH)
    assert numbers(basis) == [w.second.number] and basis["reason"] == "breach"


def test_the_lock_in_comes_from_each_claims_policy(w, session):
    shipped = rent_policy(session)
    longer = SubsidyPolicy(support_type_id=shipped.support_type_id, version=99, effective_from=D(2024, 1, 1),
                           config={**shipped.config, "lock_in_years": 3})
    session.add(longer)
    session.flush()
    w.first.policy_id = longer.id
    session.flush()
    session.expire(w.first)
    basis = clawbacks.compute_clawback(session, w.company, D(2027, 5, 31), "exit")
    assert numbers(basis) == [w.first.number] and basis["claims"][0]["lock_in_until"] == "2027-06-01"


def test_leap_day_lock_in(w, session):
    company = make_company(session)
    claim = make_paid_claim(session, w.operator, company, w.pool, "100", D(2024, 2, 29))
    basis = clawbacks.compute_clawback(session, company, D(2026, 2, 27), "exit")
    assert basis["claims"][0]["lock_in_until"] == "2026-02-28" and numbers(basis) == [claim.number]
    assert clawbacks.compute_clawback(session, company, D(2026, 2, 28), "exit")["total"] == "0.00"


def test_only_paid_claims_of_that_company_count(w, session):
    other = make_company(session)
    make_paid_claim(session, w.operator, other, w.pool, "999", D(2025, 6, 1))
    w.second.state = "in_notice"
    session.flush()
    assert numbers(clawbacks.compute_clawback(session, w.company, D(2026, 1, 1), "exit")) == [w.first.number]


# --- recording ------------------------------------------------------------------------------------

def test_create_clawback(w, session):
    cb = clawbacks.create_clawback(session, w.operator, w.company, "exit", D(2026, 5, 31), due_on=D(2026, 7, 31),
                                   note="提前退出")
    assert cb.number == f"ZH-{today().year}-0001" and cb.amount == Decimal("100000.50")
    assert cb.state == S.OPEN and cb.repaid == 0 and cb.outstanding == Decimal("100000.50")
    assert cb.created_by_id == w.operator.id and cb.due_on == D(2026, 7, 31) and cb.note == "提前退出"
    assert numbers(cb.basis) == [w.first.number, w.second.number]
    audit = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "clawback.create"))
    assert audit.company_id == w.company.id and audit.after["amount"] == "100000.50"
    # the same claims are never claimed twice
    with pytest.raises(DomainError, match="Nothing to claw back"):
        clawbacks.create_clawback(session, w.operator, w.company, "breach", D(2026, 5, 31))
    basis = clawbacks.compute_clawback(session, w.company, D(2026, 5, 31), "breach")
    assert [(e["why"], e["clawback"]) for e in basis["excluded"]] == [("counted", cb.number)] * 2


def test_create_refusals(w, session):
    long_ago = make_company(session, name="早年受补贴科技有限公司")
    make_paid_claim(session, w.operator, long_ago, w.pool, "5000", D(2023, 1, 1))
    with pytest.raises(DomainError, match="Nothing to claw back") as exc:
        clawbacks.create_clawback(session, w.operator, long_ago, "exit", D(2025, 1, 1))
    assert "早年受补贴科技有限公司" in exc.value.message
    with pytest.raises(DomainError, match="cannot be in the future") as exc:
        clawbacks.create_clawback(session, w.operator, w.company, "exit", today() + dt.timedelta(days=1))
    assert exc.value.field == "trigger_on"
    with pytest.raises(DomainError, match="deadline cannot be before") as exc:
        clawbacks.create_clawback(session, w.operator, w.company, "exit", D(2026, 1, 1), due_on=D(2025, 12, 31))
    for role in (Role.COMMANDER, Role.SUPERVISOR, Role.LEAD, Role.COMPANY):
        with pytest.raises(PermissionDenied):
            clawbacks.create_clawback(session, make_user(session, role), w.company, "exit", D(2026, 1, 1))
    with pytest.raises(ValueError):
        clawbacks.create_clawback(session, w.operator, w.company, "bankrupt", D(2026, 1, 1))


# --- repayments -------------------------------------------------------------------------------------

@pytest.fixture
def cb(w, session):
    return clawbacks.create_clawback(session, w.operator, w.company, "exit", D(2026, 5, 31))


def test_partial_then_full_repayment_goes_back_to_the_pool(w, session, cb):
    assert w.pool.paid == Decimal("100000.50") and w.pool.remaining == Decimal("899999.50")
    r1 = clawbacks.record_repayment(session, w.operator, cb, "30000", D(2026, 6, 10), " HK-2026-01 ")
    assert (cb.state, cb.repaid, cb.outstanding) == (S.PARTLY_REPAID, Decimal("30000.00"), Decimal("70000.50"))
    assert r1.fund_pool_id == w.pool.id and r1.reference == "HK-2026-01" and r1.recorded_by_id == w.operator.id
    session.refresh(w.pool)
    assert w.pool.returned == Decimal("30000.00") and w.pool.remaining == Decimal("929999.50")
    clawbacks.record_repayment(session, w.operator, cb, "７００００．５０", D(2026, 6, 20))
    assert (cb.state, cb.repaid, cb.outstanding) == (S.REPAID, Decimal("100000.50"), 0)
    session.refresh(w.pool)
    assert w.pool.returned == Decimal("100000.50") and w.pool.remaining == Decimal("1000000.00")
    returns = session.scalars(sa.select(FundEntry).where(FundEntry.kind == FundEntryKind.RETURN)
                              .order_by(FundEntry.id)).all()
    assert [(e.object_type, e.amount, e.note) for e in returns] == [
        ("clawback_repayment", Decimal("30000.00"), cb.number), ("clawback_repayment", Decimal("70000.50"), cb.number)]
    actions = session.scalars(sa.select(WorkflowEvent.action).where(WorkflowEvent.object_type == "clawback",
                                                                    WorkflowEvent.object_id == cb.id)
                              .order_by(WorkflowEvent.id)).all()
    assert actions == ["repay_part", "repay"]
    with pytest.raises(TransitionNotAllowed):
        clawbacks.record_repayment(session, w.operator, cb, "1", D(2026, 6, 21))


def test_over_repayment_is_refused(w, session, cb):
    clawbacks.record_repayment(session, w.operator, cb, "100000", D(2026, 6, 10))
    with pytest.raises(DomainError, match="more than the outstanding ¥0.50") as exc:
        clawbacks.record_repayment(session, w.operator, cb, "0.51", D(2026, 6, 10))
    assert exc.value.field == "amount"
    assert (cb.repaid, cb.state) == (Decimal("100000.00"), S.PARTLY_REPAID)
    assert session.scalar(sa.select(sa.func.count()).select_from(ClawbackRepayment)) == 1


@pytest.mark.parametrize("raw, message", [
    ("-1", "greater than zero"), ("0", "greater than zero"), ("0.001", "decimal places"), ("NaN", "digits"),
    ("1e3", "digits"), ("1000000000000", "too large"), ("", "Please enter a number"),
])
def test_bad_repayment_amounts(w, session, cb, raw, message):
    with pytest.raises(DomainError, match=message):
        clawbacks.record_repayment(session, w.operator, cb, raw, D(2026, 6, 10))
    assert cb.repaid == 0 and cb.state == S.OPEN


def test_repayment_date_and_who_may_record(w, session, cb):
    with pytest.raises(DomainError, match="cannot be in the future"):
        clawbacks.record_repayment(session, w.operator, cb, "1", today() + dt.timedelta(days=1))
    for role in (Role.COMMANDER, Role.SUPERVISOR, Role.COMPANY):
        with pytest.raises(PermissionDenied):
            clawbacks.record_repayment(session, make_user(session, role, company=w.company), cb, "1", D(2026, 6, 1))
    assert cb.repaid == 0


def test_repayments_go_to_the_pool_of_the_first_claim(w, session):
    program_pool2 = make_pool(session, w.operator, w.pool.program, FundSource.COMMITTEE, allocated="500000",
                              name="管委会配套")
    make_paid_claim(session, w.operator, make_company(session), program_pool2, "10000", D(2025, 1, 1))
    company = make_company(session)
    later = make_paid_claim(session, w.operator, company, w.pool, "1000", D(2025, 9, 1))
    earlier = make_paid_claim(session, w.operator, company, program_pool2, "2000", D(2025, 5, 1))
    cb = clawbacks.create_clawback(session, w.operator, company, "cleared", D(2026, 1, 1))
    assert numbers(cb.basis) == [earlier.number, later.number]
    repayment = clawbacks.record_repayment(session, w.operator, cb, "2500", D(2026, 2, 1))
    assert repayment.fund_pool_id == program_pool2.id
    session.refresh(program_pool2)
    assert program_pool2.returned == Decimal("2000.00") + Decimal("500.00")


# --- waiving ----------------------------------------------------------------------------------------

def test_only_a_commander_who_did_not_record_it_may_waive(w, session, cb):
    for role in (Role.OPERATOR, Role.ADMIN, Role.DEPUTY, Role.LEAD):
        with pytest.raises(PermissionDenied):
            clawbacks.waive(session, make_user(session, role), cb, "企业已注销")
    with pytest.raises(DomainError, match="reason is required"):
        clawbacks.waive(session, w.commander, cb, "  ")
    clawbacks.record_repayment(session, w.operator, cb, "100", D(2026, 6, 1))
    assert clawbacks.actions_for(session, w.commander, cb) == {"waive"}
    assert clawbacks.actions_for(session, w.operator, cb) == {"repay"}
    clawbacks.waive(session, w.commander, cb, "企业已注销，无可执行财产")
    assert cb.state == S.WAIVED and cb.repaid == Decimal("100.00")
    event = session.scalar(sa.select(WorkflowEvent).where(WorkflowEvent.object_type == "clawback",
                                                          WorkflowEvent.action == "waive"))
    assert event.actor_id == w.commander.id and event.comment == "企业已注销，无可执行财产"
    assert clawbacks.actions_for(session, w.commander, cb) == set()
    with pytest.raises(TransitionNotAllowed):
        clawbacks.record_repayment(session, w.operator, cb, "1", D(2026, 6, 1))


def test_the_recorder_cannot_waive_even_as_commander(w, session):
    both = make_user(session, Role.ADMIN, Role.COMMANDER)
    cb = clawbacks.create_clawback(session, both, w.company, "exit", D(2026, 5, 31))
    assert clawbacks.actions_for(session, both, cb) == {"repay"}
    with pytest.raises(SegregationOfDuties):
        clawbacks.waive(session, both, cb, "自己记录的")
    assert cb.state == S.OPEN
    clawbacks.waive(session, w.commander, cb, "另一位指挥长")
    assert cb.state == S.WAIVED
