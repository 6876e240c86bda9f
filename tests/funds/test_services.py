"""Fund services on the real database: programmes, pools within the plan's rules, and the
arithmetic of commit / release / pay / return (a pool never goes below zero, nothing is paid twice)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from incubator.audit.models import AuditEntry
from incubator.core.errors import DomainError, NotFound, PermissionDenied
from incubator.core.roles import Role
from incubator.funds import services as funds
from incubator.funds.models import FundEntry, FundEntryKind, FundSource

from ..factories import make_user
from .data import make_pool, make_program

CITY, COMMITTEE = FundSource.CITY, FundSource.COMMITTEE


@pytest.fixture(autouse=True)
def _english(english):
    """Service messages in English so the assertions can read them."""


@pytest.fixture
def operator(session):
    return make_user(session, Role.OPERATOR)


@pytest.fixture
def pool(session, operator):
    return make_pool(session, operator, allocated="100000")


def totals(pool):
    return pool.allocated, pool.committed, pool.paid, pool.returned, pool.remaining


def entries(session, pool, kind=None):
    stmt = sa.select(FundEntry).where(FundEntry.pool_id == pool.id).order_by(FundEntry.id)
    return list(session.scalars(stmt.where(FundEntry.kind == kind) if kind else stmt))


# --- programmes -------------------------------------------------------------------------------

def test_create_program_stores_clean_config_and_audits(session, operator):
    program = funds.create_program(session, operator, " 水乡专项经费 ", {"phase_cap": "10000000.00",
                                                                    "max_city_phases": 3, "matching_ratio": "1"})
    assert program.name == "水乡专项经费"
    assert program.config == {"phase_cap": "10000000.00", "max_city_phases": 3, "matching_ratio": "1"}
    assert session.scalar(sa.select(AuditEntry.action).where(AuditEntry.object_type == "fund_programs",
                                                             AuditEntry.object_id == program.id)) == "fund_program.create"


def test_create_program_refusals(session, operator):
    funds.create_program(session, operator, "甲", {"phase_cap": "1", "max_city_phases": 1, "matching_ratio": "1"})
    with pytest.raises(DomainError, match="exists already"):
        make_program(session, operator, name="甲")
    with pytest.raises(DomainError, match="cap per city phase"):
        make_program(session, operator, phase_cap="-1")
    with pytest.raises(PermissionDenied):
        make_program(session, make_user(session, Role.COMMANDER))
    with pytest.raises(PermissionDenied):
        make_program(session, make_user(session, Role.SUPERVISOR))


def test_change_config_is_audited_and_keeps_existing_pools_within_the_rules(session, operator):
    program = make_program(session, operator)
    make_pool(session, operator, program, phase=2, allocated="8000000")
    with pytest.raises(DomainError, match="City phase 2 exists already") as exc:
        funds.change_config(session, operator, program, {**program.config, "max_city_phases": 1})
    assert exc.value.field == "max_city_phases"
    with pytest.raises(DomainError, match="more than this cap"):
        funds.change_config(session, operator, program, {**program.config, "phase_cap": "7999999.99"})
    funds.change_config(session, operator, program, {**program.config, "phase_cap": "8000000", "matching_ratio": "1.5"},
                        note="2026年调整")
    assert program.config["phase_cap"] == "8000000" and program.config["matching_ratio"] == "1.5"
    audit = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "fund_program.config"))
    assert audit.before["phase_cap"] == "10000000" and audit.after["phase_cap"] == "8000000"
    with pytest.raises(PermissionDenied):
        funds.change_config(session, make_user(session, Role.LEAD), program, program.config)


# --- pools ------------------------------------------------------------------------------------------

def test_open_pool_records_the_allocation(session, operator, pool):
    assert totals(pool) == (Decimal("100000.00"), 0, 0, 0, Decimal("100000.00"))
    (entry,) = entries(session, pool)
    assert entry.kind == FundEntryKind.ALLOCATE and entry.amount == Decimal("100000.00")
    assert entry.actor_id == operator.id and entry.object_type is None
    assert session.scalar(sa.select(AuditEntry.action).where(AuditEntry.object_type == "fund_pools",
                                                             AuditEntry.object_id == pool.id)) == "fund_pool.open"


def test_city_phases_are_capped_and_counted(session, operator):
    program = make_program(session, operator)
    with pytest.raises(DomainError, match="at most ¥10,000,000.00") as exc:
        make_pool(session, operator, program, allocated="10000000.01")
    assert exc.value.field == "allocated"
    for phase in (1, 2, 3):
        make_pool(session, operator, program, phase=phase, allocated="10000000")
    with pytest.raises(DomainError, match="at most 3 phases"):
        make_pool(session, operator, program, phase=4, allocated="1")
    with pytest.raises(DomainError, match="already has a pool"):
        make_pool(session, operator, program, phase=2, allocated="1")
    # the committee is not capped: it matches at least 1:1, and may put in more
    big = make_pool(session, operator, program, COMMITTEE, phase=1, allocated="35000000")
    assert big.allocated == Decimal("35000000.00")
    assert len(program.pools) == 4


@pytest.mark.parametrize("raw, message", [
    ("-100", "must be greater than zero"), ("0", "must be greater than zero"), ("100.001", "decimal places"),
    ("NaN", "digits and a decimal point"), ("1e5", "digits and a decimal point"), ("", "Please enter a number"),
    ("1000000000000.00", "too large"), ("abc", "digits and a decimal point"),
])
def test_bad_amounts_are_refused_with_a_message(session, operator, pool, raw, message):
    with pytest.raises(DomainError, match=message):
        funds.allocate(session, operator, pool, raw)
    with pytest.raises(DomainError, match=message):
        funds.commit(session, operator, pool.id, raw, funds.CLAIM, 1)
    assert totals(pool)[:2] == (Decimal("100000.00"), 0)


def test_full_width_digits_and_grouping_are_understood(session, operator, pool):
    funds.allocate(session, operator, pool, "１２，３４５．６７")
    assert pool.allocated == Decimal("112345.67")


def test_allocate_tops_up_within_the_cap(session, operator):
    pool = make_pool(session, operator, allocated="9000000")
    funds.allocate(session, operator, pool, "1000000", note="第二次拨付")
    assert pool.allocated == Decimal("10000000.00") and pool.version == 2
    with pytest.raises(DomainError, match="holds ¥10,000,000.00 already"):
        funds.allocate(session, operator, pool, "0.01")
    assert pool.allocated == Decimal("10000000.00")
    assert [e.amount for e in entries(session, pool)] == [Decimal("9000000.00"), Decimal("1000000.00")]
    with pytest.raises(PermissionDenied):
        funds.allocate(session, make_user(session, Role.COMMANDER), pool, "1")


# --- commit / release / pay / return ------------------------------------------------------------------

def test_commit_pay_and_return_arithmetic(session, operator, pool):
    lead = make_user(session, Role.LEAD)
    funds.commit(session, lead, pool.id, "30000.50", funds.CLAIM, 1)
    funds.commit(session, lead, pool.id, "20000", funds.CLAIM, 2)
    assert totals(pool) == (Decimal("100000.00"), Decimal("50000.50"), 0, 0, Decimal("49999.50"))
    paid = funds.pay(session, operator, funds.CLAIM, 1, note="HK-001")
    assert paid.amount == Decimal("30000.50") and paid.kind == FundEntryKind.PAY
    assert totals(pool) == (Decimal("100000.00"), Decimal("20000.00"), Decimal("30000.50"), 0, Decimal("49999.50"))
    released = funds.release(session, operator, funds.CLAIM, 2)
    assert released.amount == Decimal("20000.00")
    assert totals(pool) == (Decimal("100000.00"), 0, Decimal("30000.50"), 0, Decimal("69999.50"))
    funds.return_funds(session, operator, pool.id, "10000", funds.REPAYMENT, 7)
    assert totals(pool) == (Decimal("100000.00"), 0, Decimal("30000.50"), Decimal("10000.00"), Decimal("79999.50"))
    kinds = [e.kind for e in entries(session, pool)]
    assert kinds == [FundEntryKind.ALLOCATE, FundEntryKind.COMMIT, FundEntryKind.COMMIT, FundEntryKind.PAY,
                     FundEntryKind.RELEASE, FundEntryKind.RETURN]
    actions = session.scalars(sa.select(AuditEntry.action).where(AuditEntry.object_type == "fund_pools",
                                                                 AuditEntry.object_id == pool.id)
                              .order_by(AuditEntry.id)).all()
    assert actions == ["fund_pool.open", "fund_pool.commit", "fund_pool.commit", "fund_pool.pay",
                       "fund_pool.release", "fund_pool.return"]


def test_remaining_never_goes_below_zero(session, operator, pool):
    funds.commit(session, operator, pool.id, "60000", funds.CLAIM, 1)
    with pytest.raises(funds.InsufficientFunds, match="only ¥40,000.00 left, less than ¥40,000.01"):
        funds.commit(session, operator, pool.id, "40000.01", funds.CLAIM, 2)
    funds.commit(session, operator, pool.id, "40000", funds.CLAIM, 2)  # the exact balance
    assert pool.remaining == 0
    with pytest.raises(funds.InsufficientFunds):
        funds.commit(session, operator, pool.id, "0.01", funds.CLAIM, 3)
    assert len(entries(session, pool, FundEntryKind.COMMIT)) == 2
    with pytest.raises(NotFound):
        funds.commit(session, operator, 2**31 - 1, "1", funds.CLAIM, 4)


def test_paid_money_is_not_reused_and_a_return_makes_room_again(session, operator, pool):
    funds.commit(session, operator, pool.id, "100000", funds.CLAIM, 1)
    funds.pay(session, operator, funds.CLAIM, 1)
    with pytest.raises(funds.InsufficientFunds):
        funds.commit(session, operator, pool.id, "1", funds.CLAIM, 2)
    funds.return_funds(session, operator, pool.id, "500", funds.REPAYMENT, 1)
    funds.commit(session, operator, pool.id, "500", funds.CLAIM, 2)
    assert pool.remaining == 0


def test_nothing_is_committed_or_paid_twice(session, operator, pool):
    funds.commit(session, operator, pool.id, "1000", funds.CLAIM, 1)
    with pytest.raises(DomainError, match="committed for this already"):
        funds.commit(session, operator, pool.id, "1000", funds.CLAIM, 1)
    assert pool.committed == Decimal("1000.00")  # the refused attempt left no trace
    funds.pay(session, operator, funds.CLAIM, 1)
    with pytest.raises(DomainError, match="paid already"):
        funds.pay(session, operator, funds.CLAIM, 1)
    assert (pool.committed, pool.paid) == (0, Decimal("1000.00"))
    assert len(entries(session, pool, FundEntryKind.PAY)) == 1


def test_pay_needs_a_live_commitment(session, operator, pool):
    with pytest.raises(DomainError, match="No funds were committed"):
        funds.pay(session, operator, funds.CLAIM, 99)
    funds.commit(session, operator, pool.id, "1000", funds.CLAIM, 1)
    funds.release(session, operator, funds.CLAIM, 1)
    with pytest.raises(DomainError, match="were released"):
        funds.pay(session, operator, funds.CLAIM, 1)
    assert pool.paid == 0 and pool.remaining == Decimal("100000.00")


def test_release_is_idempotent_and_refused_after_payment(session, operator, pool):
    assert funds.release(session, operator, funds.CLAIM, 1) is None  # never committed
    funds.commit(session, operator, pool.id, "1000", funds.CLAIM, 1)
    assert funds.release(session, operator, funds.CLAIM, 1) is not None
    assert funds.release(session, operator, funds.CLAIM, 1) is None
    assert pool.committed == 0
    funds.commit(session, operator, pool.id, "1000", funds.CLAIM, 2)
    funds.pay(session, operator, funds.CLAIM, 2)
    with pytest.raises(DomainError, match="only a clawback"):
        funds.release(session, operator, funds.CLAIM, 2)


def test_a_pool_takes_back_no_more_than_it_paid(session, operator, pool):
    with pytest.raises(DomainError, match="cannot take back"):
        funds.return_funds(session, operator, pool.id, "0.01", funds.REPAYMENT, 1)
    funds.commit(session, operator, pool.id, "1000", funds.CLAIM, 1)
    funds.pay(session, operator, funds.CLAIM, 1)
    funds.return_funds(session, operator, pool.id, "999.99", funds.REPAYMENT, 1)
    with pytest.raises(DomainError, match="cannot take back"):
        funds.return_funds(session, operator, pool.id, "0.02", funds.REPAYMENT, 2)
    with pytest.raises(DomainError, match="returned to the fund already"):
        funds.return_funds(session, operator, pool.id, "0.01", funds.REPAYMENT, 1)
    funds.return_funds(session, operator, pool.id, "0.01", funds.REPAYMENT, 2)
    assert (pool.paid, pool.returned) == (Decimal("1000.00"), Decimal("1000.00"))


def test_cents_stay_exact(session, operator):
    pool = make_pool(session, operator, allocated="1.00")
    funds.commit(session, operator, pool.id, "0.10", funds.CLAIM, 1)
    funds.commit(session, operator, pool.id, "0.20", funds.CLAIM, 2)
    assert pool.remaining == Decimal("0.70") and pool.committed == Decimal("0.30")
    funds.pay(session, operator, funds.CLAIM, 1)
    funds.pay(session, operator, funds.CLAIM, 2)
    assert (pool.committed, pool.paid, pool.remaining) == (0, Decimal("0.30"), Decimal("0.70"))
    funds.commit(session, operator, pool.id, "0.70", funds.CLAIM, 3)
    assert pool.remaining == 0


def test_a_pool_used_to_the_last_fen_in_odd_cents(session, operator):
    pool = make_pool(session, operator, allocated="0.30")
    funds.commit(session, operator, pool.id, "0.10", funds.CLAIM, 1)
    funds.commit(session, operator, pool.id, "0.20", funds.CLAIM, 2)
    funds.pay(session, operator, funds.CLAIM, 1)
    funds.pay(session, operator, funds.CLAIM, 2)
    assert (pool.committed, pool.paid, pool.remaining) == (0, Decimal("0.30"), 0)


def test_program_summary_totals_and_matching(session, operator):
    program = make_program(session, operator)
    city1 = make_pool(session, operator, program, phase=1, allocated="10000000")
    make_pool(session, operator, program, phase=2, allocated="5000000")
    committee = make_pool(session, operator, program, COMMITTEE, phase=1, allocated="12000000")
    funds.commit(session, operator, city1.id, "9500000", funds.CLAIM, 1)
    funds.commit(session, operator, committee.id, "1000000", funds.CLAIM, 2)
    funds.pay(session, operator, funds.CLAIM, 2)
    s = funds.program_summary(session, program)
    assert s["city"]["allocated"] == Decimal("15000000.00") and s["committee"]["allocated"] == Decimal("12000000.00")
    assert s["total"]["remaining"] == Decimal("16500000.00")
    assert s["city_phases"] == 2 and s["max_city_phases"] == 3
    assert not s["matching"].met and s["matching"].shortfall == Decimal("3000000.00")
    by_pool = {p["pool"].id: p for p in s["pools"]}
    assert by_pool[city1.id]["low"] and by_pool[city1.id]["committed_pct"] == Decimal("95.0")
    assert by_pool[committee.id]["paid_pct"] == Decimal("8.3")
    make_pool(session, operator, program, COMMITTEE, phase=2, allocated="3000000")
    assert funds.program_summary(session, program)["matching"].met


def test_opened_on_and_dates(session, operator):
    pool = funds.open_pool(session, operator, make_program(session, operator), "committee", 2, "管委会配套第二批",
                           Decimal("500"), dt.date(2026, 3, 1), note="东水管〔2026〕1号")
    assert pool.source == COMMITTEE and pool.opened_on == dt.date(2026, 3, 1) and pool.note == "东水管〔2026〕1号"
    with pytest.raises(DomainError, match="whole number from 1 to 99"):
        funds.open_pool(session, operator, pool.program, COMMITTEE, 0, "x", "1", dt.date(2026, 3, 1))
    with pytest.raises(DomainError, match="Please enter a name"):
        funds.open_pool(session, operator, pool.program, COMMITTEE, 3, "  ", "1", dt.date(2026, 3, 1))
