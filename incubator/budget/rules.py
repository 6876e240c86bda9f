"""The HQ budget's rules (pure: no database, no Flask): which tier an amount needs, the years a
budget may be set for, and a line's arithmetic. Money is Decimal yuan to the fen; `config` is a
BudgetPolicy's."""
from __future__ import annotations

from decimal import Decimal

from ..subsidies.rules import required_role

ZERO = Decimal("0.00")
FIRST_YEAR, LAST_YEAR = 2000, 2100
YEARS_AHEAD = 1  # a budget (and a request) may be for next year, not further

# The plan's 经费审批 rule (四、工作保障): < ¥100,000 the work-group lead; ¥100,000 (含) to ¥300,000
# the deputy commander after the work-group meeting; ≥ ¥300,000 (含) the commander after the
# coordination meeting. Identical to version 1 shipped by migration 6c2f8d4b0e31 (a test checks it).
DEFAULT_POLICY: dict = {
    "approval_tiers": [{"below": "100000", "role": "lead"}, {"below": "300000", "role": "deputy"},
                       {"below": None, "role": "commander"}],
    # 资金保障: about ¥2,000,000 a year for the daily office fund; the operations fund has no figure
    "reference_budgets": {"office": "2000000.00", "operations": None},
}
# tiers whose approval waits for a meeting's resolution, and which meeting (the plan's words)
DELIBERATED = {"deputy": "work_group", "commander": "coordination"}


def required_tier(config: dict, amount: Decimal) -> str:
    """lead | deputy | commander: the first tier whose bound the amount stays below."""
    return required_role(config, amount)


def deliberated(tier: str) -> bool:
    return tier in DELIBERATED


def year_allowed(year, this_year: int) -> bool:
    return (isinstance(year, int) and not isinstance(year, bool)
            and FIRST_YEAR <= year <= min(LAST_YEAR, this_year + YEARS_AHEAD))


def remaining(budget: Decimal, committed: Decimal, spent: Decimal) -> Decimal:
    return budget - committed - spent


def fits(budget: Decimal, committed: Decimal, spent: Decimal, amount: Decimal) -> bool:
    return committed + spent + amount <= budget


def use_shares(budget: Decimal, committed: Decimal, spent: Decimal) -> tuple[Decimal, Decimal]:
    """(spent, committed) as percentages of the budget for the bar; over 100 is capped so a bar
    never spills (a line can only exceed its budget if the budget was never set, i.e. 0)."""
    if budget <= 0:
        return Decimal("0"), Decimal("0")
    pct = Decimal("100") / budget
    paid = min((spent * pct).quantize(Decimal("0.1")), Decimal("100"))
    held = min((committed * pct).quantize(Decimal("0.1")), Decimal("100") - paid)
    return paid, held
