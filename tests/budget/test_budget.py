"""Yearly budgets per category and the year-end figures (own pools and the special fund read from
its movements), every expected number worked out by hand in the comments."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from incubator.audit.models import AuditEntry
from incubator.budget import services
from incubator.core.errors import DomainError, PermissionDenied
from incubator.core.formatting import SHANGHAI
from incubator.funds import services as funds
from incubator.funds.models import FundEntry, FundEntryKind

from ..funds.data import make_pool
from .flow import approved, draft, paid, submitted

D = Decimal


def test_a_budget_is_set_raised_and_audited(world, session):
    line = services.set_budget(session, world.operator, world.year, world.publicity, "120000")
    assert (line.budget, line.committed, line.spent) == (D("120000.00"), D("0.00"), D("0.00"))
    services.set_budget(session, world.admin, world.year, world.publicity, "150000.50", note="管委会预算批复")
    assert (line.budget, line.note) == (D("150000.50"), "管委会预算批复")
    entries = session.execute(sa.select(AuditEntry.action, AuditEntry.before, AuditEntry.after)
                              .where(AuditEntry.action == "budget_line.set", AuditEntry.object_id == line.id)
                              .order_by(AuditEntry.id)).all()
    assert [(e.before["budget"], e.after["budget"]) for e in entries] == [(None, "120000.00"), ("120000.00", "150000.50")]


def test_a_budget_never_goes_below_what_is_approved_and_paid(world, session):
    paid(world, "20000.00")
    approved(world, "30000.00")
    with pytest.raises(DomainError, match="already has ¥50,000.00 approved or paid") as err:
        services.set_budget(session, world.operator, world.year, world.office, "49999.99")
    assert err.value.field == f"cat_{world.office.id}"
    line = services.set_budget(session, world.operator, world.year, world.office, "50000.00")
    assert (line.budget, line.remaining) == (D("50000.00"), D("0.00"))


@pytest.mark.parametrize("raw, message", [("-1", "must not be negative"), ("1.005", "At most 2 decimal places"),
                                          ("abc", "digits and a decimal point only"), ("", "Please enter a number")])
def test_bad_budget_amounts(world, session, raw, message):
    with pytest.raises(DomainError, match=message):
        services.set_budget(session, world.operator, world.year, world.publicity, raw)


@pytest.mark.parametrize("who", ["lead", "deputy", "commander", "supervisor", "reviewer"])
def test_only_the_operator_and_admin_set_budgets(world, session, who):
    with pytest.raises(PermissionDenied):
        services.set_budget(session, getattr(world, who), world.year, world.publicity, "1000")


def test_budgets_are_for_real_years_up_to_next_year(world, session):
    assert services.set_budget(session, world.operator, world.year + 1, world.publicity, "1000").year == world.year + 1
    with pytest.raises(DomainError, match="Please choose a year"):
        services.set_budget(session, world.operator, world.year + 2, world.publicity, "1000")
    # zero for a category without a line: nothing is written
    assert services.set_budget(session, world.operator, world.year, world.publicity, "0") is None
    assert services.line_for(session, world.year, world.publicity.id) is None


def test_the_check_constraint_is_the_last_line(world, session):
    line = services.line_for(session, world.year, world.travel.id)
    with pytest.raises(sa.exc.IntegrityError), session.begin_nested():
        session.execute(sa.update(type(line)).where(type(line).id == line.id).values(committed=D("80000.01")))


# --- year-end figures ---------------------------------------------------------------------------------------------

def _at(session, entry: FundEntry, year: int, month: int, day: int, hour: int = 10, minute: int = 0):
    session.execute(sa.update(FundEntry).where(FundEntry.id == entry.id)
                    .values(at=dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)))


def _entry(session, kind, object_id=None, pool=None) -> FundEntry:
    stmt = sa.select(FundEntry).where(FundEntry.kind == kind).order_by(FundEntry.id.desc())
    if object_id is not None:
        stmt = stmt.where(FundEntry.object_id == object_id)
    if pool is not None:
        stmt = stmt.where(FundEntry.pool_id == pool.id)
    return session.scalars(stmt).first()


@pytest.fixture
def special(world, session):
    """The special fund's movements over last year (Y-1) and this year (Y), dated by hand:
    Y-1: ¥1,000,000 allocated (Mar), claim 1 committed ¥200,000 (Jun) and paid (Sep), claim 2 committed
         ¥100,000 on 31 Dec at 23:30 Shanghai time;
    Y:   ¥500,000 allocated on 1 Jan at 00:10 Shanghai time (still 31 Dec in UTC), claim 2 paid (Feb),
         ¥20,000 of claim 1 clawed back (Mar), claim 3 committed ¥50,000 (Apr)."""
    y, op, K = world.year, world.operator, FundEntryKind
    pool = make_pool(session, op, allocated="1000000")
    _at(session, _entry(session, K.ALLOCATE, pool=pool), y - 1, 3, 1)
    _at(session, funds.commit(session, op, pool.id, "200000", funds.CLAIM, 1), y - 1, 6, 1)
    _at(session, funds.pay(session, op, funds.CLAIM, 1), y - 1, 9, 1)
    _at(session, funds.commit(session, op, pool.id, "100000", funds.CLAIM, 2), y - 1, 12, 31, 23, 30)
    _at(session, funds.allocate(session, op, pool, "500000"), y, 1, 1, 0, 10)
    _at(session, funds.pay(session, op, funds.CLAIM, 2), y, 2, 1)
    _at(session, funds.return_funds(session, op, pool.id, "20000", funds.REPAYMENT, 1), y, 3, 1)
    _at(session, funds.commit(session, op, pool.id, "50000", funds.CLAIM, 3), y, 4, 1)
    session.flush()
    return pool


def test_the_special_fund_last_year(world, session, special):
    f = services.special_fund_year(session, world.year - 1)
    # available 1,000,000 (nothing paid before); committed at the end 300,000 − 200,000 paid = 100,000;
    # paid 200,000; left 1,000,000 − 100,000 − 200,000 = 700,000 (the pool's balance on 31 Dec)
    assert (f["budget"], f["committed"], f["spent"], f["remaining"]) == (
        D("1000000.00"), D("100000.00"), D("200000.00"), D("700000.00"))
    assert f["allocated_in_year"] == D("1000000.00")


def test_the_special_fund_this_year(world, session, special):
    f = services.special_fund_year(session, world.year)
    # available 1,500,000 allocated by now − 200,000 paid before = 1,300,000; committed 350,000 − 300,000 paid
    # = 50,000; paid 100,000 − 20,000 returned = 80,000; left 1,300,000 − 50,000 − 80,000 = 1,170,000, which is
    # the pool's own figure: 1,500,000 − 50,000 − 300,000 + 20,000
    assert (f["budget"], f["committed"], f["spent"], f["remaining"]) == (
        D("1300000.00"), D("50000.00"), D("80000.00"), D("1170000.00"))
    assert f["allocated_in_year"] == D("500000.00")  # the top-up of 1 Jan 00:10 Shanghai time belongs to Y
    session.refresh(special)
    assert special.remaining == f["remaining"]


def test_year_figures_for_the_annual_report(world, session, special):
    s = session
    paid(world, "12000.00")
    approved(world, "30000.00")
    submitted(world, "5000.00", category=world.travel)
    draft(world, "1000.00", category=world.travel)  # never submitted: not counted
    rejected = submitted(world, "2000.00")
    services.reject(s, world.lead, rejected, "重复申请")
    draft(world, "7000.00", year=world.year + 1)  # next year's: not counted

    f = services.year_figures(s, world.year)
    assert f["year"] == world.year
    pools = {p["kind"]: p for p in f["pools"]}
    assert [p["kind"] for p in f["pools"]] == ["special", "office", "operations"]
    assert [p["name"] for p in f["pools"]] == ["专项政策经费", "日常办公经费", "运营管理经费"]
    # office: 500,000 (办公费) + 80,000 (差旅费); 30,000 committed; 12,000 paid; 538,000 left
    assert {k: pools["office"][k] for k in ("budget", "committed", "spent", "remaining")} == {
        "budget": D("580000.00"), "committed": D("30000.00"), "spent": D("12000.00"), "remaining": D("538000.00")}
    assert {k: pools["operations"][k] for k in ("budget", "committed", "spent", "remaining")} == {
        "budget": D("1000000.00"), "committed": D("0.00"), "spent": D("0.00"), "remaining": D("1000000.00")}
    assert (pools["special"]["budget"], pools["special"]["remaining"]) == (D("1300000.00"), D("1170000.00"))
    categories = {(c["pool"], c["category"]): (c["budget"], c["spent"]) for c in f["categories"]}
    assert categories[("office", "办公费")] == (D("500000.00"), D("12000.00"))
    assert categories[("office", "差旅费")] == (D("80000.00"), D("0.00"))
    assert categories[("office", "宣传推广费")] == (D("0.00"), D("0.00"))
    assert categories[("operations", "设施设备维护")] == (D("1000000.00"), D("0.00"))
    # submitted at least once: paid, approved, submitted, rejected; approved or paid: 12,000 + 30,000
    assert f["requests"] == {"count": 4, "approved": 2, "amount_approved": D("42000.00")}
    for p in f["pools"]:
        assert all(isinstance(p[k], Decimal) for k in ("budget", "committed", "spent", "remaining"))


def test_year_figures_of_a_year_without_anything(world, session):
    f = services.year_figures(session, 2001)
    assert all(p["budget"] == p["remaining"] == D("0.00") for p in f["pools"])
    assert f["requests"] == {"count": 0, "approved": 0, "amount_approved": D("0.00")}
