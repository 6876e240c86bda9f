"""The pure exit rules: graduation conditions (with why) and the settlement arithmetic, table-driven."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from incubator.exits import rules
from incubator.exits.rules import GraduationFacts, LedgerLine

CONFIG = {"graduation": {"incubation_months": 48, "long_incubation_months": 60,
                         "long_incubation_fields": ["生物", "医药", "集成电路", "芯片", "关键电子元器件", "农业"],
                         "high_tech": True, "financing_over": "5000000.00", "revenue_over": "10000000.00",
                         "revenue_years": 2, "events": ["acquired", "listed", "larger_space"]}}
ON = dt.date(2026, 6, 30)


def facts(**kw) -> GraduationFacts:
    data = dict(moved_in_on=dt.date(2023, 1, 1), sub_field="人工智能", high_tech=False, financing_total=D("0.00"),
                revenue_by_year={}, events=frozenset())
    data.update(kw)
    return GraduationFacts(**data)


def met(**kw) -> list[str]:
    return rules.met(rules.graduation_conditions(CONFIG, facts(**kw), kw.pop("on", ON)))


@pytest.mark.parametrize("moved_in, sub_field, over", [
    (dt.date(2022, 6, 30), "人工智能", True),  # exactly 48 months on ON
    (dt.date(2022, 7, 1), "人工智能", False),  # one day short
    (dt.date(2022, 6, 30), "生物医药", False),  # biomedicine: 60 months
    (dt.date(2021, 6, 30), "生物医药", True),
    (dt.date(2022, 1, 1), "集成电路设计", False),  # integrated circuits
    (dt.date(2022, 1, 1), "关键电子元器件", False),  # the community's chips sub-field
    (dt.date(2022, 1, 1), "现代农业", False),
    (dt.date(2022, 1, 1), None, True),
])
def test_incubation_period_by_sub_field(moved_in, sub_field, over):
    assert ("incubation_over" in met(moved_in_on=moved_in, sub_field=sub_field)) is over


def test_the_incubation_condition_explains_itself():
    [c] = [c for c in rules.graduation_conditions(CONFIG, facts(moved_in_on=dt.date(2021, 3, 15), sub_field="芯片"), ON)
           if c.key == "incubation_over"]
    assert c.values == {"moved_in_on": "2021-03-15", "months": 60, "ends_on": "2026-03-15", "elapsed": 63}


def test_a_company_never_moved_in_has_no_incubation_period():
    assert met(moved_in_on=None) == []


@pytest.mark.parametrize("total, ok", [(D("5000000.00"), False), (D("5000000.01"), True), (D("0"), False)])
def test_financing_must_exceed_the_threshold(total, ok):
    assert ("financing" in met(moved_in_on=ON, financing_total=total)) is ok


@pytest.mark.parametrize("by_year, run", [
    ({2024: D("12000000"), 2025: D("11000000")}, [2024, 2025]),
    ({2023: D("12000000"), 2025: D("11000000")}, []),  # not consecutive
    ({2024: D("10000000.00"), 2025: D("11000000")}, []),  # "over" ¥10M: exactly ¥10M is not enough
    ({2022: D("2e7"), 2023: D("2e7"), 2024: D("3e6"), 2025: D("2e7")}, [2022, 2023]),
    ({2023: D("2e7"), 2024: D("2e7"), 2025: D("2e7")}, [2024, 2025]),  # the latest run
    ({2025: D("9e7")}, []),  # one year only
])
def test_revenue_two_years_running(by_year, run):
    [c] = [c for c in rules.graduation_conditions(CONFIG, facts(moved_in_on=ON, revenue_by_year=by_year), ON)
           if c.key == "revenue"]
    assert (c.met, c.values["run"]) == (bool(run), run)


def test_high_tech_and_declared_events():
    assert met(moved_in_on=ON, high_tech=True) == ["high_tech"]
    assert met(moved_in_on=ON, events=frozenset({"listed", "larger_space"})) == ["listed", "larger_space"]
    no_high_tech = {"graduation": {**CONFIG["graduation"], "high_tech": False}}
    keys = [c.key for c in rules.graduation_conditions(no_high_tech, facts(high_tech=True), ON)]
    assert "high_tech" not in keys


# --- settlement ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lines, owed, prepaid", [
    ([], "0.00", "0.00"),
    ([("5422.50", "5422.50")], "0.00", "0.00"),
    ([("5422.50", "0.00")], "5422.50", "0.00"),
    ([("5422.50", "2000.00"), ("0.00", "5422.50")], "3422.50", "5422.50"),  # owed this month, next month prepaid
    ([("2624.60", "5422.50")], "0.00", "2797.90"),  # a month cut at the exit date, paid in full
    ([("0.01", "0.00"), ("0.00", "0.01")], "0.01", "0.01"),  # periods do not net each other
])
def test_ledger_position(lines, owed, prepaid):
    assert rules.ledger_position(LedgerLine(D(d), D(p)) for d, p in lines) == (D(owed), D(prepaid))


SETTLE = [
    # arrears, clawback, damage, deposit, prepaid, approved → refund deposit, refund prepaid, forfeited, net
    ("0.00", "0.00", "0.00", "10845.00", "0.00", True, "10845.00", "0.00", "0.00", "-10845.00"),
    ("0.00", "0.00", "0.00", "10845.00", "0.00", False, "0.00", "0.00", "10845.00", "0.00"),
    ("5422.50", "0.00", "0.00", "10845.00", "0.00", True, "10845.00", "0.00", "0.00", "-5422.50"),
    ("0.00", "100000.50", "0.00", "10845.00", "2797.90", True, "10845.00", "2797.90", "0.00", "86357.60"),
    ("0.00", "0.00", "0.00", "10845.00", "2797.90", False, "0.00", "0.00", "13642.90", "0.00"),
    ("3000.00", "60000.00", "1500.00", "10845.00", "0.00", False, "0.00", "0.00", "10845.00", "64500.00"),
    ("0.01", "0.00", "0.00", "0.01", "0.00", True, "0.01", "0.00", "0.00", "0.00"),
    ("999999999999.99", "0.00", "0.00", "0.00", "0.00", True, "0.00", "0.00", "0.00", "999999999999.99"),
]


@pytest.mark.parametrize("arrears, clawback, damage, deposit, prepaid, approved, dep_refund, pre_refund, forfeited, net",
                         SETTLE)
def test_settlement_arithmetic(arrears, clawback, damage, deposit, prepaid, approved, dep_refund, pre_refund,
                               forfeited, net):
    f = rules.settle(arrears=D(arrears), clawback=D(clawback), damage=D(damage), deposit=D(deposit),
                     prepaid=D(prepaid), departure_approved=approved)
    assert (f.deposit_refund, f.prepaid_refund, f.forfeited, f.net) == (D(dep_refund), D(pre_refund), D(forfeited),
                                                                       D(net))
    assert f.owed_by_company - f.owed_to_company == f.net
    assert f.as_dict()["net"] == net


@pytest.mark.parametrize("bad", [D("-0.01"), D("0.001"), D("NaN"), D("Infinity"), 1.5, "10", None])
def test_settlement_refuses_what_is_not_money(bad):
    with pytest.raises(ValueError):
        rules.settle(arrears=bad, clawback=D("0"), damage=D("0"), deposit=D("0"), prepaid=D("0"),
                     departure_approved=True)


@pytest.mark.parametrize("start, end, last, due", [
    (dt.date(2026, 1, 1), dt.date(2026, 1, 31), dt.date(2026, 1, 31), "5422.50"),
    (dt.date(2026, 1, 1), dt.date(2026, 1, 31), dt.date(2026, 1, 15), "2623.79"),  # 15/31
    (dt.date(2026, 2, 1), dt.date(2026, 2, 28), dt.date(2026, 1, 31), "0.00"),
    (dt.date(2026, 1, 1), dt.date(2026, 3, 31), dt.date(2026, 2, 14), "8133.75"),  # a quarter: Jan + 14/28 Feb
])
def test_due_through_the_exit_date(start, end, last, due):
    assert rules.due_through(D("120.50"), D("45.00"), D("0.00"), start, end, last) == D(due)
