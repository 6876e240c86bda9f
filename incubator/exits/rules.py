"""Exit rules (pure): which graduation conditions a company meets and why, and the settlement
arithmetic. Money is Decimal yuan to the fen; `config` is an ExitPolicy's."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from ..admission.rules import add_months, months_between
from ..leases.rules import FEN, period_rent

ZERO = Decimal("0.00")
EVENTS = ("acquired", "listed", "larger_space")  # graduation grounds the operator declares with evidence


# --- graduation -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class GraduationFacts:
    moved_in_on: dt.date | None
    sub_field: str | None
    high_tech: bool
    financing_total: Decimal  # raised while in the community (verified annual filings)
    revenue_by_year: dict[int, Decimal]  # verified revenue per assessed year
    events: frozenset[str] = field(default_factory=frozenset)  # declared: acquired, listed, larger_space


@dataclass(frozen=True)
class Condition:
    key: str  # incubation_over | high_tech | financing | revenue | acquired | listed | larger_space
    met: bool
    values: dict  # the figures that explain it (shown on the page, kept in the case's basis)


def incubation_months(config: dict, sub_field: str | None) -> int:
    """48 months, or 60 when the sub-field names one of the policy's long-incubation fields."""
    g = config["graduation"]
    long = any(word in (sub_field or "") for word in g.get("long_incubation_fields", []))
    return int(g["long_incubation_months"] if long else g["incubation_months"])


def _revenue_run(revenue_by_year: dict[int, Decimal], over: Decimal, years: int) -> list[int]:
    """The latest run of `years` consecutive years each with revenue above `over` ([] if none)."""
    run: list[int] = []
    best: list[int] = []
    for year in sorted(revenue_by_year):
        if revenue_by_year[year] > over:
            run = [*run, year] if run and run[-1] == year - 1 else [year]
            if len(run) >= years:
                best = run[-years:]
        else:
            run = []
    return best


def graduation_conditions(config: dict, facts: GraduationFacts, on: dt.date) -> list[Condition]:
    """Every graduation condition of the policy with whether it is met on `on`."""
    g = config["graduation"]
    months = incubation_months(config, facts.sub_field)
    conditions = []
    if facts.moved_in_on is not None:
        ends_on = add_months(facts.moved_in_on, months)
        conditions.append(Condition("incubation_over", on >= ends_on, {
            "moved_in_on": facts.moved_in_on.isoformat(), "months": months, "ends_on": ends_on.isoformat(),
            "elapsed": months_between(facts.moved_in_on, on) if on >= facts.moved_in_on else 0}))
    else:
        conditions.append(Condition("incubation_over", False, {"months": months}))
    if g.get("high_tech"):
        conditions.append(Condition("high_tech", facts.high_tech, {}))
    over = Decimal(str(g["financing_over"]))
    conditions.append(Condition("financing", facts.financing_total > over,
                                {"total": str(facts.financing_total), "over": str(over)}))
    over, years = Decimal(str(g["revenue_over"])), int(g["revenue_years"])
    run = _revenue_run(facts.revenue_by_year, over, years)
    conditions.append(Condition("revenue", bool(run), {
        "over": str(over), "years": years, "run": run,
        "by_year": {str(y): str(v) for y, v in sorted(facts.revenue_by_year.items())}}))
    for event in g.get("events", []):
        conditions.append(Condition(event, event in facts.events, {}))
    return conditions


def met(conditions: Iterable[Condition]) -> list[str]:
    return [c.key for c in conditions if c.met]


# --- settlement ------------------------------------------------------------------------------------------

def _money(value: Decimal, name: str) -> Decimal:
    """Refuse anything that is not a finite, non-negative amount in whole fen (a programming error:
    the views parse what people type with spaces.rules.parse_amount)."""
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0 or value != value.quantize(FEN):
        raise ValueError(f"{name} must be a non-negative Decimal in whole fen, not {value!r}")
    return value.quantize(FEN)


def due_through(area: Decimal, rent_per_m2: Decimal, fee_per_m2: Decimal, start: dt.date, end: dt.date,
                last_day: dt.date) -> Decimal:
    """Rent and property fee of the billing period [start, end] for the days up to `last_day`."""
    if start > last_day:
        return ZERO
    end = min(end, last_day)
    return period_rent(area, rent_per_m2, start, end) + period_rent(area, fee_per_m2, start, end)


@dataclass(frozen=True)
class LedgerLine:
    due: Decimal  # what the period costs for the days up to the exit date (0 for a period after it)
    paid: Decimal


def ledger_position(lines: Iterable[LedgerLine]) -> tuple[Decimal, Decimal]:
    """(owed up to the exit date, paid in advance for the time after it). Each period stands on
    its own: money paid on one period does not settle another's arrears here (the ledger books
    payments per period; the settlement nets the totals)."""
    owed = prepaid = ZERO
    for line in lines:
        due, paid = _money(line.due, "due"), _money(line.paid, "paid")
        owed += max(due - paid, ZERO)
        prepaid += max(paid - due, ZERO)
    return owed, prepaid


@dataclass(frozen=True)
class Figures:
    arrears: Decimal
    clawback: Decimal
    damage: Decimal
    deposit: Decimal
    prepaid: Decimal
    deposit_refund: Decimal
    prepaid_refund: Decimal
    forfeited: Decimal
    owed_by_company: Decimal
    owed_to_company: Decimal
    net: Decimal  # > 0: the company pays the community; < 0: the community pays the company

    def as_dict(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.__dict__.items()}


def settle(*, arrears: Decimal, clawback: Decimal, damage: Decimal, deposit: Decimal, prepaid: Decimal,
           departure_approved: bool) -> Figures:
    """SPEC §8: an approved departure refunds the deposit and the rent paid for after the exit
    date; leaving without approval forfeits both. Arrears, subsidy clawback and damage are owed
    either way; the net says who pays whom."""
    arrears, clawback, damage = _money(arrears, "arrears"), _money(clawback, "clawback"), _money(damage, "damage")
    deposit, prepaid = _money(deposit, "deposit"), _money(prepaid, "prepaid")
    deposit_refund, prepaid_refund = (deposit, prepaid) if departure_approved else (ZERO, ZERO)
    forfeited = ZERO if departure_approved else deposit + prepaid
    owed_by_company = arrears + clawback + damage
    owed_to_company = deposit_refund + prepaid_refund
    return Figures(arrears=arrears, clawback=clawback, damage=damage, deposit=deposit, prepaid=prepaid,
                   deposit_refund=deposit_refund, prepaid_refund=prepaid_refund, forfeited=forfeited,
                   owed_by_company=owed_by_company, owed_to_company=owed_to_company,
                   net=owed_by_company - owed_to_company)
