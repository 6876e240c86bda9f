"""The budget rules: the plan's approval tiers at their exact boundaries, the years a budget may be
for, a line's arithmetic; and the shipped policy and categories."""
from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from incubator.budget import rules
from incubator.budget.models import BudgetCategory, BudgetPolicy, PoolKind

D = Decimal


@pytest.mark.parametrize("amount, tier", [
    ("0.01", "lead"), ("99999.99", "lead"),  # 10万元以下: the work-group lead
    ("100000.00", "deputy"), ("299999.99", "deputy"),  # 10万元（含）至30万元: the deputy commander
    ("300000.00", "commander"), ("300000.01", "commander"), ("9999999.99", "commander"),  # 30万元（含）以上
])
def test_the_tier_an_amount_needs(amount, tier):
    assert rules.required_tier(rules.DEFAULT_POLICY, D(amount)) == tier


def test_only_the_deputy_and_commander_tiers_wait_for_a_meeting():
    assert [t for t in ("lead", "deputy", "commander") if rules.deliberated(t)] == ["deputy", "commander"]


@pytest.mark.parametrize("year, ok", [(2026, True), (2027, True), (2028, False), (2000, True), (1999, False),
                                      ("2026", False), (True, False), (None, False)])
def test_years_run_up_to_next_year(year, ok):
    assert rules.year_allowed(year, 2026) is ok


def test_a_line_fits_up_to_its_budget_to_the_fen():
    assert rules.fits(D("100000.00"), D("60000.00"), D("30000.00"), D("10000.00"))
    assert not rules.fits(D("100000.00"), D("60000.00"), D("30000.00"), D("10000.01"))
    assert rules.remaining(D("100000.00"), D("60000.00"), D("30000.00")) == D("10000.00")


def test_use_shares_for_the_bar():
    # 30,000 spent and 12,500 committed of 50,000: 60% and 25%
    assert rules.use_shares(D("50000.00"), D("12500.00"), D("30000.00")) == (D("60.0"), D("25.0"))
    assert rules.use_shares(D("0.00"), D("0.00"), D("0.00")) == (D("0"), D("0"))


def test_the_shipped_policy_is_the_plans_rule(session):
    v1 = session.scalar(sa.select(BudgetPolicy).where(BudgetPolicy.version == 1))
    assert v1.config == rules.DEFAULT_POLICY
    assert "10万元以下由现场工作组分管领导审批" in v1.note


def test_the_shipped_categories_are_the_plans(session):
    rows = session.execute(sa.select(BudgetCategory.pool, BudgetCategory.name)
                           .order_by(BudgetCategory.position)).all()
    office = [name for pool, name in rows if pool == PoolKind.OFFICE]
    # 日常办公经费: 主要用于现场指挥部日常办公、宣传推广、人员费、差旅费、项目评审等费用
    assert office == ["办公费", "宣传推广费", "人员费", "差旅费", "项目评审费"]
    assert any(pool == PoolKind.OPERATIONS for pool, _name in rows)
