"""The rent-subsidy engine as pure functions, table by table. Expected figures are worked out by
hand (area × price × days/days-in-month, rounded to the fen; × rate, rounded to the fen)."""
from __future__ import annotations

import calendar
import copy
import datetime as dt
import importlib.util
import random
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from incubator.leases.rules import period_rent, to_fen
from incubator.subsidies import rules
from incubator.subsidies.rules import (
    DEFAULT_DECLARED_CONFIG,
    DEFAULT_RENT_CONFIG,
    ChargeFact,
    Facts,
    QualificationFact,
    UnitFact,
)

D, day = Decimal, dt.date
HIGH_TECH = (("high_tech", day(2020, 1, 1), None),)
TECH_SME = (("tech_sme", day(2020, 1, 1), None),)
NEW_YEAR = day(2026, 1, 1)


def unit(uid=1, area="100.00", kind="office") -> UnitFact:
    return UnitFact(uid, f"A-1栋-{uid:03d}", kind, D(area))


def months(lease, start, end, price, units, *, fee="0.00", unpaid=(), fee_unpaid=()) -> list[ChargeFact]:
    """Monthly charges over [start, end]; months (1-12) in `unpaid` paid nothing, in `fee_unpaid` rent only."""
    charges, current = [], start
    while current <= end:
        last = min(current.replace(day=calendar.monthrange(current.year, current.month)[1]), end)
        area = sum((u.area for u in units), D("0"))
        rent = period_rent(area, D(price), current, last)
        fees = period_rent(area, D(fee), current, last)
        paid = D("0.00") if current.month in unpaid else rent if current.month in fee_unpaid else rent + fees
        charges.append(ChargeFact(lease, current, last, D(price), tuple(units), rent, paid, rent + fees,
                                  last if paid >= rent + fees else None))
        current = last + dt.timedelta(days=1)
    return charges


def facts(charges, tenancy_start=NEW_YEAR, quals=HIGH_TECH, grade=None, overdue="0.00", granted=None):
    return Facts("测试科技有限公司", tenancy_start, tuple(charges),
                 tuple(QualificationFact(k, a, b) for k, a, b in quals), grade, D(overdue),
                 {y: D(v) for y, v in (granted or {}).items()})


def config(**overrides) -> dict:
    return {**copy.deepcopy(DEFAULT_RENT_CONFIG), **overrides}


def run(f: Facts, start, end, cfg=None) -> rules.Calculation:
    return rules.compute_rent(cfg or DEFAULT_RENT_CONFIG, f, start, end, policy_id=7, policy_version=2)


def lines(calc) -> list[tuple]:
    return [(x["from"], x["to"], x["months"], x["tenancy_year"], x["rate"], x["amount"]) for x in calc.lines]


def reasons(calc) -> list[tuple]:
    return [(x["from"], x["to"], x["reason"]) for x in calc.excluded]


def test_the_default_is_the_policy_the_migration_ships():
    path = next(Path(__file__).parents[2].glob("migrations/versions/*_df3d1790f42d_*.py"))
    spec = importlib.util.spec_from_file_location("shipped", path)
    shipped = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(shipped)
    assert DEFAULT_RENT_CONFIG == shipped.RENT_POLICY
    assert DEFAULT_DECLARED_CONFIG == {**shipped.COMMON, "max_amount": None}
    assert rules.validate_config(DEFAULT_RENT_CONFIG) == [] and rules.validate_config(DEFAULT_DECLARED_CONFIG) == []


def test_the_json_a_claim_stores():
    u = UnitFact(3, "1栋-301", "office", D("120.00"))
    f = facts(months("ZL-2024-0003", day(2026, 1, 1), day(2026, 1, 31), "65.00", [u]), tenancy_start=day(2024, 3, 15))
    assert run(f, day(2026, 1, 1), day(2026, 1, 31)).to_json() == {
        "policy_id": 7, "policy_version": 2, "support_type": "rent", "period": ["2026-01-01", "2026-01-31"],
        "tenancy_start": "2024-03-15",
        "lines": [{"from": "2026-01-01", "to": "2026-01-31", "lease": "ZL-2024-0003", "unit": "1栋-301",
                   "area": "120.00", "eligible_area": "120.00", "rent_per_m2": "65.00", "price_used": "65.00",
                   "months": "1", "rent": "7800.00", "base": "7800.00", "tenancy_year": 2, "year_rate": "0.50",
                   "band_rate": "1.00", "rate": "0.50", "amount": "3900.00", "category": "high_tech"}],
        "excluded": [], "adjustments": [], "blocked": None, "total": "3900.00"}


# --- tenancy years, partial months, leap years ------------------------------------------------------

U = [unit()]  # 100 m² at ¥50: ¥5,000 a whole month

YEAR_CASES = {
    "whole months in year 1": (
        day(2026, 1, 1), day(2026, 1, 1), day(2026, 3, 31),
        [("2026-01-01", "2026-01-31", "1", 1, "1.00", "5000.00"), ("2026-02-01", "2026-02-28", "1", 1, "1.00", "5000.00"),
         ("2026-03-01", "2026-03-31", "1", 1, "1.00", "5000.00")], [], "15000.00"),
    "anniversary at a month start, mid-period": (
        day(2025, 4, 1), day(2026, 2, 1), day(2026, 5, 31),
        [("2026-02-01", "2026-02-28", "1", 1, "1.00", "5000.00"), ("2026-03-01", "2026-03-31", "1", 1, "1.00", "5000.00"),
         ("2026-04-01", "2026-04-30", "1", 2, "0.50", "2500.00"), ("2026-05-01", "2026-05-31", "1", 2, "0.50", "2500.00")],
        [], "15000.00"),
    "anniversary mid-month": (  # 5000 × 14/31 = 2258.06; 5000 × 17/31 = 2741.935… → 2741.94 × 0.5 = 1370.97
        day(2025, 3, 15), day(2026, 3, 1), day(2026, 3, 31),
        [("2026-03-01", "2026-03-14", "14/31", 1, "1.00", "2258.06"),
         ("2026-03-15", "2026-03-31", "17/31", 2, "0.50", "1370.97")], [], "3629.03"),
    "partial months at both ends": (  # 5000 × 22/31 = 3548.39; 5000 × 20/28 = 3571.43
        day(2026, 1, 1), day(2026, 1, 10), day(2026, 2, 20),
        [("2026-01-10", "2026-01-31", "22/31", 1, "1.00", "3548.39"),
         ("2026-02-01", "2026-02-20", "20/28", 1, "1.00", "3571.43")], [], "7119.82"),
    "year 3 then beyond": (
        day(2023, 7, 1), day(2026, 5, 1), day(2026, 7, 31),
        [("2026-05-01", "2026-05-31", "1", 3, "0.50", "2500.00"), ("2026-06-01", "2026-06-30", "1", 3, "0.50", "2500.00")],
        [("2026-07-01", "2026-07-31", "beyond_years")], "5000.00"),
    "before the tenancy starts": (  # 5000 × 14/28 = 2500
        day(2026, 2, 15), day(2026, 1, 1), day(2026, 2, 28),
        [("2026-02-15", "2026-02-28", "14/28", 1, "1.00", "2500.00")],
        [("2026-01-01", "2026-02-14", "before_tenancy")], "2500.00"),
    "leap day start: year 2 begins on 1 March": (
        day(2024, 2, 29), day(2025, 2, 1), day(2025, 3, 31),
        [("2025-02-01", "2025-02-28", "1", 1, "1.00", "5000.00"), ("2025-03-01", "2025-03-31", "1", 2, "0.50", "2500.00")],
        [], "7500.00"),
    "leap day start: year 4 is beyond": (
        day(2024, 2, 29), day(2027, 2, 1), day(2027, 3, 31),
        [("2027-02-01", "2027-02-28", "1", 3, "0.50", "2500.00")], [("2027-03-01", "2027-03-31", "beyond_years")],
        "2500.00"),
    "a leap February has 29 days": (  # 5000 × 15/29 = 2586.21
        day(2024, 2, 15), day(2024, 2, 1), day(2024, 2, 29),
        [("2024-02-15", "2024-02-29", "15/29", 1, "1.00", "2586.21")], [("2024-02-01", "2024-02-14", "before_tenancy")],
        "2586.21"),
}


@pytest.mark.parametrize("case", YEAR_CASES.values(), ids=YEAR_CASES.keys())
def test_tenancy_years_and_partial_months(case):
    tenancy, start, end, expected_lines, expected_excluded, total = case
    f = facts(months("ZL-1", start, end, "50.00", U), tenancy_start=tenancy)
    calc = run(f, start, end)
    assert lines(calc) == expected_lines
    assert reasons(calc) == expected_excluded
    assert calc.total == D(total)


@pytest.mark.parametrize(("start", "on", "year"), [
    (day(2024, 3, 15), day(2025, 3, 14), 1), (day(2024, 3, 15), day(2025, 3, 15), 2),
    (day(2024, 2, 29), day(2025, 2, 28), 1), (day(2024, 2, 29), day(2025, 3, 1), 2),
    (day(2024, 2, 29), day(2028, 2, 28), 4), (day(2024, 2, 29), day(2028, 2, 29), 5),
    (day(2025, 12, 31), day(2026, 12, 30), 1), (day(2025, 12, 31), day(2026, 12, 31), 2),
])
def test_tenancy_year(start, on, year):
    assert rules.tenancy_year(start, on) == year


def test_a_quarterly_charge_is_split_at_calendar_months():
    rent = D("15000.00")
    charge = ChargeFact("ZL-1", day(2026, 1, 1), day(2026, 3, 31), D("50.00"), (unit(),), rent, rent, rent, None)
    calc = run(facts([charge]), day(2026, 1, 1), day(2026, 3, 31))
    assert [(x["from"], x["months"], x["amount"]) for x in calc.lines] == [
        ("2026-01-01", "1", "5000.00"), ("2026-02-01", "1", "5000.00"), ("2026-03-01", "1", "5000.00")]


def test_the_period_clips_charges_and_a_charge_outside_it_is_listed():
    charges = months("ZL-1", day(2025, 12, 1), day(2026, 2, 28), "50.00", U)
    calc = run(facts(charges), day(2026, 1, 16), day(2026, 1, 31))  # 5000 × 16/31 = 2580.65
    assert lines(calc) == [("2026-01-16", "2026-01-31", "16/31", 1, "1.00", "2580.65")]
    assert reasons(calc) == [("2025-12-01", "2025-12-31", "outside_period"), ("2026-02-01", "2026-02-28", "outside_period")]


# --- what does not count ---------------------------------------------------------------------------

def test_only_settled_charges_count():
    charges = months("ZL-1", day(2026, 1, 1), day(2026, 4, 30), "50.00", U, fee="5.00", unpaid={2}, fee_unpaid={3})
    calc = run(facts(charges), day(2026, 1, 1), day(2026, 4, 30))
    assert [x["from"] for x in calc.lines] == ["2026-01-01", "2026-04-01"]
    assert reasons(calc) == [("2026-02-01", "2026-02-28", "unpaid"), ("2026-03-01", "2026-03-31", "unpaid")]
    assert calc.excluded[1]["detail"] == "该期应缴租金及物业费5500.00元，已缴5000.00元，未缴清"
    assert calc.total == D("10000.00")  # the property fee itself never counts


def test_only_eligible_unit_types_count():
    units = [unit(1, "100.00", "office"), unit(2, "300.00", "factory"), unit(3, "50.00", "lab")]
    calc = run(facts(months("ZL-1", day(2026, 1, 1), day(2026, 1, 31), "50.00", units)), day(2026, 1, 1),
               day(2026, 1, 31))
    assert [x["unit"] for x in calc.lines] == ["A-1栋-001", "A-1栋-003"]
    assert [(x["unit"], x["reason"], x["detail"]) for x in calc.excluded] == [
        ("A-1栋-002", "unit_type", "单元用途为厂房，不在补贴范围")]
    assert calc.total == D("7500.00")
    apartments = config(eligible_unit_types=["office", "lab", "factory"])
    assert run(facts(months("ZL-1", day(2026, 1, 1), day(2026, 1, 31), "50.00", units)), day(2026, 1, 1),
               day(2026, 1, 31), apartments).total == D("22500.00")


def test_without_a_tenancy_start_nothing_counts():
    calc = run(facts(months("ZL-1", day(2026, 1, 1), day(2026, 1, 31), "50.00", U), tenancy_start=None),
               day(2026, 1, 1), day(2026, 1, 31))
    assert calc.lines == [] and reasons(calc) == [("2026-01-01", "2026-01-31", "before_tenancy")]
    assert calc.total == D("0.00")


CATEGORY_CASES = {
    # tech SME until 10 Feb, nothing, high-tech from 1 April: 5000 × 10/28 = 1785.71
    "qualification lapses and another comes": (
        (("tech_sme", day(2024, 1, 1), day(2026, 2, 10)), ("high_tech", day(2026, 4, 1), None)),
        [("2026-01-01", "tech_sme", "5000.00"), ("2026-02-01", "tech_sme", "1785.71"),
         ("2026-04-01", "high_tech", "5000.00")], [("2026-02-11", "2026-03-31", "category")], "11785.71"),
    "high-tech from mid-March splits the month": (  # 5000 × 14/31 = 2258.06; × 17/31 = 2741.94
        (("tech_sme", day(2024, 1, 1), None), ("high_tech", day(2026, 3, 15), None)),
        [("2026-01-01", "tech_sme", "5000.00"), ("2026-02-01", "tech_sme", "5000.00"),
         ("2026-03-01", "tech_sme", "2258.06"), ("2026-03-15", "high_tech", "2741.94"),
         ("2026-04-01", "high_tech", "5000.00")], [], "20000.00"),
    "a qualification that is no category does not split": (
        (("high_tech", day(2024, 1, 1), None), ("gazelle", day(2026, 2, 14), None)),
        [(f"2026-0{m}-01", "high_tech", "5000.00") for m in range(1, 5)], [], "20000.00"),
    "above-scale high-tech": (
        (("high_tech", day(2024, 1, 1), None), ("above_scale", day(2026, 3, 1), None)),
        [("2026-01-01", "high_tech", "5000.00"), ("2026-02-01", "high_tech", "5000.00"),
         ("2026-03-01", "above_scale_high_tech", "5000.00"), ("2026-04-01", "above_scale_high_tech", "5000.00")],
        [], "20000.00"),
    "above-scale alone is no category": (
        (("above_scale", day(2024, 1, 1), None), ("specialized", day(2024, 1, 1), None)),
        [], [("2026-01-01", "2026-04-30", "category")], "0.00"),
}


@pytest.mark.parametrize("case", CATEGORY_CASES.values(), ids=CATEGORY_CASES.keys())
def test_category_changes(case):
    quals, expected_lines, expected_excluded, total = case
    calc = run(facts(months("ZL-1", day(2026, 1, 1), day(2026, 4, 30), "50.00", U), quals=quals), day(2026, 1, 1),
               day(2026, 4, 30))
    assert [(x["from"], x["category"], x["amount"]) for x in calc.lines] == expected_lines
    assert reasons(calc) == expected_excluded
    assert calc.total == D(total)


def test_eligible_categories_come_from_the_policy():
    sme_only = config(eligible_categories=["tech_sme"])
    quals = (("tech_sme", day(2024, 1, 1), None), ("high_tech", day(2024, 1, 1), None))
    calc = run(facts(months("ZL-1", day(2026, 1, 1), day(2026, 1, 31), "50.00", U), quals=quals), day(2026, 1, 1),
               day(2026, 1, 31), sme_only)
    assert [x["category"] for x in calc.lines] == ["tech_sme"]
    calc = run(facts(months("ZL-1", day(2026, 1, 1), day(2026, 1, 31), "50.00", U)), day(2026, 1, 1),
               day(2026, 1, 31), sme_only)
    assert calc.excluded[0]["detail"] == "该时段未持有有效的科技型中小企业资质"
    calc = run(facts(months("ZL-1", day(2026, 1, 1), day(2026, 1, 31), "50.00", U), quals=()), day(2026, 1, 1),
               day(2026, 1, 31))
    assert calc.excluded[0]["detail"] == "该时段未持有有效的科技型中小企业、高新技术企业资质"


# --- area cap, unit-price cap, bands -------------------------------------------------------------------

def _one_month(units_by_lease: dict, cfg=None, price="50.00") -> rules.Calculation:
    charges = [c for lease, units in units_by_lease.items()
               for c in months(lease, day(2026, 1, 1), day(2026, 1, 31), price, units)]
    return run(facts(charges), day(2026, 1, 1), day(2026, 1, 31), cfg)


def _areas(calc) -> list[tuple]:
    return [(x["lease"], x["unit"], x["eligible_area"], x["rate"], x["amount"]) for x in calc.lines]


def test_the_area_cap_is_shared_in_unit_order():
    calc = _one_month({"ZL-2": [unit(1, "800.00")], "ZL-1": [unit(3, "300.00"), unit(2, "100.00")]})
    assert _areas(calc) == [("ZL-1", "A-1栋-002", "100.00", "1.00", "5000.00"),
                            ("ZL-1", "A-1栋-003", "300.00", "1.00", "15000.00"),
                            ("ZL-2", "A-1栋-001", "600.00", "1.00", "30000.00")]
    assert [(x["unit"], x["reason"], x["detail"]) for x in calc.excluded] == [
        ("A-1栋-001", "area_cap", "同期补贴面积合计不超过1000.00平方米，超出部分200.00平方米不补贴")]
    assert calc.total == D("50000.00")


def test_units_held_on_different_days_do_not_share_the_cap():
    first = months("ZL-1", day(2026, 3, 1), day(2026, 3, 15), "50.00", [unit(1, "800.00")])
    second = months("ZL-2", day(2026, 3, 16), day(2026, 3, 31), "50.00", [unit(2, "800.00")])
    calc = run(facts(first + second), day(2026, 3, 1), day(2026, 3, 31))
    assert calc.excluded == []  # 40000 × 15/31 = 19354.84; 40000 × 16/31 = 20645.16
    assert [(x["from"], x["to"], x["eligible_area"], x["amount"]) for x in calc.lines] == [
        ("2026-03-01", "2026-03-15", "800.00", "19354.84"), ("2026-03-16", "2026-03-31", "800.00", "20645.16")]


def test_the_cap_binds_only_on_the_days_both_units_are_held():
    first = months("ZL-1", day(2026, 3, 1), day(2026, 3, 31), "50.00", [unit(1, "800.00")])
    second = months("ZL-2", day(2026, 3, 16), day(2026, 3, 31), "50.00", [unit(2, "800.00")])
    calc = run(facts(first + second), day(2026, 3, 1), day(2026, 3, 31))
    # unit 1 the whole month (40000); unit 2 only 200 m² for 16 days: 10000 × 16/31 = 5161.29
    assert [(x["unit"], x["from"], x["to"], x["eligible_area"], x["amount"]) for x in calc.lines] == [
        ("A-1栋-001", "2026-03-01", "2026-03-31", "800.00", "40000.00"),
        ("A-1栋-002", "2026-03-16", "2026-03-31", "200.00", "5161.29")]
    assert [(x["unit"], x["from"], x["reason"]) for x in calc.excluded] == [("A-1栋-002", "2026-03-16", "area_cap")]


def test_no_area_cap():
    calc = _one_month({"ZL-1": [unit(1, "1500.00")]}, config(max_area=None))
    assert calc.excluded == [] and calc.total == D("75000.00")


def test_unit_price_cap():
    calc = _one_month({"ZL-1": [unit(1, "120.00")]}, config(unit_price_cap="80"), price="95.00")
    line = calc.lines[0]
    assert (line["rent_per_m2"], line["price_used"], line["rent"], line["base"], line["amount"]) == (
        "95.00", "80.00", "11400.00", "9600.00", "9600.00")
    under = _one_month({"ZL-1": [unit(1, "120.00")]}, config(unit_price_cap="80"), price="65.00")
    assert under.lines[0]["price_used"] == "65.00" and under.total == D("7800.00")


BANDS = [{"up_to": "1000", "rate": "0.90"}, {"up_to": "5000", "rate": "0.50"}]

BAND_CASES = {
    "one unit across two bands": (
        {"ZL-1": [unit(1, "1200.00")]}, config(max_area="5000", area_bands=BANDS),
        [("ZL-1", "A-1栋-001", "1000.00", "0.90", "45000.00"), ("ZL-1", "A-1栋-001", "200.00", "0.50", "5000.00")],
        [], "50000.00"),
    "bands fill in unit order": (
        {"ZL-1": [unit(1, "600.00"), unit(2, "600.00")]}, config(max_area="5000", area_bands=BANDS),
        [("ZL-1", "A-1栋-001", "600.00", "0.90", "27000.00"), ("ZL-1", "A-1栋-002", "400.00", "0.90", "18000.00"),
         ("ZL-1", "A-1栋-002", "200.00", "0.50", "5000.00")], [], "50000.00"),
    "area above the last bounded band is not subsidised": (
        {"ZL-1": [unit(1, "6000.00")]}, config(max_area=None, area_bands=BANDS),
        [("ZL-1", "A-1栋-001", "1000.00", "0.90", "45000.00"), ("ZL-1", "A-1栋-001", "4000.00", "0.50", "100000.00")],
        ["area_cap"], "145000.00"),
    "an open last band": (
        {"ZL-1": [unit(1, "1500.00")]},
        config(max_area=None, area_bands=[{"up_to": "1000", "rate": "1"}, {"up_to": None, "rate": "0.25"}]),
        [("ZL-1", "A-1栋-001", "1000.00", "1.00", "50000.00"), ("ZL-1", "A-1栋-001", "500.00", "0.25", "6250.00")],
        [], "56250.00"),
    "the area cap comes before the bands": (
        {"ZL-1": [unit(1, "1200.00")]}, config(max_area="1100", area_bands=BANDS),
        [("ZL-1", "A-1栋-001", "1000.00", "0.90", "45000.00"), ("ZL-1", "A-1栋-001", "100.00", "0.50", "2500.00")],
        ["area_cap"], "47500.00"),
}


@pytest.mark.parametrize("case", BAND_CASES.values(), ids=BAND_CASES.keys())
def test_area_bands(case):
    leases, cfg, expected, excluded, total = case
    calc = _one_month(leases, cfg)
    assert _areas(calc) == expected
    assert [x["reason"] for x in calc.excluded] == excluded
    assert calc.total == D(total)


def test_band_rate_times_year_rate():
    f = facts(months("ZL-1", day(2026, 1, 1), day(2026, 1, 31), "50.00", [unit(1, "1200.00")]),
              tenancy_start=day(2025, 1, 1))
    calc = run(f, day(2026, 1, 1), day(2026, 1, 31), config(max_area="5000", area_bands=BANDS))
    assert [(x["year_rate"], x["band_rate"], x["rate"], x["base"], x["amount"]) for x in calc.lines] == [
        ("0.50", "0.90", "0.45", "50000.00", "22500.00"), ("0.50", "0.50", "0.25", "10000.00", "2500.00")]


# --- yearly caps ---------------------------------------------------------------------------------------

def _half_year(quals=TECH_SME, **kw) -> Facts:
    # tenancy year 2 (50%): ¥2,500 a month, ¥15,000 for January to June
    return facts(months("ZL-1", day(2026, 1, 1), day(2026, 6, 30), "50.00", U), tenancy_start=day(2025, 1, 1),
                 quals=quals, **kw)


CAP_CASES = {
    "no caps": ({}, None, [], "15000.00"),
    "under the cap": ({"tech_sme": "20000"}, None, [], "15000.00"),
    "over the cap": ({"tech_sme": "10000"}, None, [(2, "10000.00", "0.00", "-5000.00")], "10000.00"),
    "granted earlier counts": ({"tech_sme": "10000"}, {2: "6000.00"}, [(2, "10000.00", "6000.00", "-11000.00")],
                               "4000.00"),
    "granted in another year does not": ({"tech_sme": "10000"}, {1: "9000.00"},
                                         [(2, "10000.00", "0.00", "-5000.00")], "10000.00"),
    "cap used up already": ({"tech_sme": "10000"}, {2: "12000.00"}, [(2, "10000.00", "12000.00", "-15000.00")],
                            "0.00"),
    "another category's cap does not apply": ({"high_tech": "1000"}, None, [], "15000.00"),
}


@pytest.mark.parametrize("case", CAP_CASES.values(), ids=CAP_CASES.keys())
def test_yearly_caps(case):
    caps, granted, adjustments, total = case
    calc = run(_half_year(granted=granted), day(2026, 1, 1), day(2026, 6, 30), config(yearly_caps=caps))
    assert [(a["tenancy_year"], a["cap"], a["already"], a["amount"]) for a in calc.adjustments] == adjustments
    assert all(a["reason"] == "yearly_cap" for a in calc.adjustments)
    assert calc.total == D(total)


def test_the_year_takes_the_cap_of_its_best_category():
    quals = (("tech_sme", day(2020, 1, 1), None), ("high_tech", day(2026, 4, 1), None))
    calc = run(_half_year(quals), day(2026, 1, 1), day(2026, 6, 30),
               config(yearly_caps={"tech_sme": "5000", "high_tech": "12000"}))
    assert [(a["cap"], a["amount"]) for a in calc.adjustments] == [("12000.00", "-3000.00")]
    assert calc.total == D("12000.00")


def test_caps_apply_per_tenancy_year():
    f = facts(months("ZL-1", day(2026, 1, 1), day(2026, 6, 30), "50.00", U), tenancy_start=day(2025, 4, 1),
              quals=(("tech_sme", day(2020, 1, 1), None),))
    calc = run(f, day(2026, 1, 1), day(2026, 6, 30), config(yearly_caps={"tech_sme": "12000"}))
    # year 1: January–March at 100% = 15000 → capped at 12000; year 2: April–June at 50% = 7500
    assert [(a["tenancy_year"], a["amount"]) for a in calc.adjustments] == [(1, "-3000.00")]
    assert calc.total == D("19500.00")


# --- blocks --------------------------------------------------------------------------------------------

BLOCK_CASES = {
    "overdue rent": ({"overdue": "100.00"}, {}, "arrears"),
    "overdue rent, but the policy does not mind": ({"overdue": "100.00"}, {"require_no_arrears": False}, None),
    "failed assessment": ({"grade": "fail"}, {}, "failed_assessment"),
    "failed assessment, but the policy does not mind": ({"grade": "fail"}, {"exclude_failed_assessment": False}, None),
    "passed assessment": ({"grade": "pass"}, {}, None),
    "nothing overdue": ({"overdue": "0.00"}, {}, None),
}


@pytest.mark.parametrize("case", BLOCK_CASES.values(), ids=BLOCK_CASES.keys())
def test_blocks(case):
    fact_kw, cfg, reason = case
    calc = run(facts(months("ZL-1", day(2026, 1, 1), day(2026, 1, 31), "50.00", U), **fact_kw), day(2026, 1, 1),
               day(2026, 1, 31), config(**cfg))
    assert len(calc.lines) == 1 and calc.lines[0]["amount"] == "5000.00"  # kept for information
    if reason:
        assert calc.blocked["reason"] == reason and calc.total == D("0.00")
    else:
        assert calc.blocked is None and calc.total == D("5000.00")


def test_arrears_are_named_in_the_block():
    calc = run(facts([], overdue="1234.50"), day(2026, 1, 1), day(2026, 1, 31))
    assert calc.blocked == {"reason": "arrears", "detail": "有逾期未缴的租金及物业费1234.50元，缴清后方可享受补贴"}


# --- exactness -----------------------------------------------------------------------------------------

def _walk(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v)
    else:
        yield value


def _random_case(rng: random.Random):
    """A company with 1–3 leases of 1–3 units each (odd areas and prices), paid or not, over a
    period starting and ending mid-month; random qualifications, bands and caps."""
    tenancy = day(2023, 1, 1) + dt.timedelta(days=rng.randrange(1200))
    start = day(2025, 1, 1) + dt.timedelta(days=rng.randrange(300))
    end = start + dt.timedelta(days=rng.randrange(20, 500))
    charges, uid = [], 0
    for n in range(rng.randint(1, 3)):
        units = []
        for _ in range(rng.randint(1, 3)):
            uid += 1
            units.append(unit(uid, f"{rng.randint(1000, 90000) / 100:.2f}", rng.choice(["office", "lab", "factory"])))
        lease_start = start + dt.timedelta(days=rng.randrange(60))
        charges += months(f"ZL-2025-{n + 1:04d}", lease_start, end, f"{rng.randint(2000, 12000) / 100:.2f}", units,
                          fee="3.50", unpaid={rng.randint(1, 12)})
    quals = [(k, start + dt.timedelta(days=rng.randrange(-100, 200)), None)
             for k in rng.sample(["tech_sme", "high_tech", "above_scale"], rng.randint(0, 3))]
    cfg = config(max_area=rng.choice([None, "1000", "777.77"]), unit_price_cap=rng.choice([None, "80", "45.55"]),
                 year_rates=rng.choice([["1.00", "0.50", "0.50"], ["0.9", "0.6667", "0.3333"]]),
                 area_bands=rng.choice([[], BANDS, [{"up_to": "500.5", "rate": "0.95"}, {"up_to": None, "rate": "0.7"}]]),
                 yearly_caps=rng.choice([{}, {"tech_sme": "30000", "high_tech": "60000.50"}]))
    return facts(charges, tenancy_start=tenancy, quals=quals, granted={2: "1234.56"}), start, end, cfg


@pytest.mark.parametrize("seed", range(60))
def test_every_line_recomputes_by_hand_and_adds_up_exactly(seed):
    f, start, end, cfg = _random_case(random.Random(seed))
    calc = run(f, start, end, cfg)
    stored = calc.to_json()
    assert not any(isinstance(v, float) for v in _walk(stored))
    for line in stored["lines"]:
        share = Fraction(line["months"])
        base = to_fen(D(line["eligible_area"]) * D(line["price_used"]) * share.numerator / share.denominator)
        assert D(line["base"]) == base
        assert D(line["rate"]) == D(line["year_rate"]) * D(line["band_rate"])
        assert D(line["amount"]) == to_fen(base * D(line["rate"]))
        assert D(line["price_used"]) == min(D(line["rent_per_m2"]), D(cfg["unit_price_cap"] or line["rent_per_m2"]))
        assert D(line["eligible_area"]) <= D(line["area"])
    summed = sum((D(x["amount"]) for x in (*stored["lines"], *stored["adjustments"])), D("0.00"))
    assert D(stored["total"]) == max(summed, D("0.00"))
    assert isinstance(calc.total, Decimal) and calc.total.as_tuple().exponent == -2
    # on no day does the subsidised area exceed the cap
    limit = cfg["max_area"] or "1000000"
    by_day: dict = {}
    for line in stored["lines"]:
        d = dt.date.fromisoformat(line["from"])
        while d <= dt.date.fromisoformat(line["to"]):
            by_day[d] = by_day.get(d, D("0")) + D(line["eligible_area"])
            d += dt.timedelta(days=1)
    assert all(area <= D(limit) for area in by_day.values())


# --- declared amounts and approval tiers ----------------------------------------------------------------

def test_declared_amounts_up_to_the_maximum():
    calc = rules.compute_declared({**DEFAULT_DECLARED_CONFIG, "max_amount": "50000"}, D("62000.5"), policy_id=3,
                                  policy_version=1, period_start=day(2026, 1, 1), period_end=day(2026, 6, 30))
    assert calc.to_json()["lines"] == [{"from": "2026-01-01", "to": "2026-06-30", "declared": "62000.50",
                                        "max_amount": "50000.00", "amount": "50000.00"}]
    assert calc.total == D("50000.00") and calc.to_json()["support_type"] == "declared"
    unlimited = rules.compute_declared(DEFAULT_DECLARED_CONFIG, D("62000.50"), policy_id=3, policy_version=1,
                                       period_start=day(2026, 1, 1), period_end=day(2026, 6, 30))
    assert unlimited.total == D("62000.50")
    with pytest.raises(ValueError):
        rules.compute_declared(DEFAULT_DECLARED_CONFIG, D("-1"), policy_id=3, policy_version=1,
                               period_start=day(2026, 1, 1), period_end=day(2026, 6, 30))


@pytest.mark.parametrize(("amount", "role"), [
    ("0.00", "lead"), ("99999.99", "lead"), ("100000.00", "deputy"), ("299999.99", "deputy"),
    ("300000.00", "commander"), ("9999999.99", "commander"),
])
def test_required_role(amount, role):
    assert rules.required_role(DEFAULT_RENT_CONFIG, D(amount)) == role


def test_required_role_follows_the_policy():
    tiers = [{"below": "50000.50", "role": "lead"}, {"below": None, "role": "commander"}]
    assert rules.required_role(config(approval_tiers=tiers), D("50000.49")) == "lead"
    assert rules.required_role(config(approval_tiers=tiers), D("50000.50")) == "commander"


# --- validating a configuration ---------------------------------------------------------------------------

BAD_CONFIGS = {
    "a rate above 1": ({"year_rates": ["1.5"]}, "rate for each tenancy year"),
    "a negative rate": ({"year_rates": ["1.00", "-0.5"]}, "rate for each tenancy year"),
    "a float rate": ({"year_rates": [0.5]}, "rate for each tenancy year"),
    "a NaN rate": ({"year_rates": ["NaN"]}, "rate for each tenancy year"),
    "no rates": ({"year_rates": []}, "rate for each tenancy year"),
    "too many decimals": ({"year_rates": ["0.33333"]}, "rate for each tenancy year"),
    "zero area cap": ({"max_area": "0"}, "area cap"),
    "area cap in thousandths": ({"max_area": "10.005"}, "area cap"),
    "negative unit-price cap": ({"unit_price_cap": "-80"}, "unit-price cap"),
    "huge unit-price cap": ({"unit_price_cap": "1e40"}, "unit-price cap"),
    "text as unit-price cap": ({"unit_price_cap": "eighty"}, "unit-price cap"),
    "unknown category": ({"eligible_categories": ["tech_sme", "gazelle"]}, "eligible category"),
    "no category": ({"eligible_categories": []}, "eligible category"),
    "a category twice": ({"eligible_categories": ["tech_sme", "tech_sme"]}, "eligible category"),
    "unknown unit type": ({"eligible_unit_types": ["garage"]}, "eligible unit type"),
    "a cap for an unknown category": ({"yearly_caps": {"gazelle": "100000"}}, "Yearly caps"),
    "a zero yearly cap": ({"yearly_caps": {"tech_sme": "0"}}, "Yearly caps"),
    "bands going down": ({"area_bands": [{"up_to": "5000", "rate": "0.5"}, {"up_to": "1000", "rate": "0.9"}]},
                         "Area bands"),
    "an open band in the middle": ({"area_bands": [{"up_to": None, "rate": "0.5"}, {"up_to": "1000", "rate": "0.9"}]},
                                   "Area bands"),
    "a band rate above 1": ({"area_bands": [{"up_to": None, "rate": "2"}]}, "Area bands"),
    "tiers not ascending": ({"approval_tiers": [{"below": "300000", "role": "lead"}, {"below": "100000", "role": "deputy"},
                                                {"below": None, "role": "commander"}]}, "Approval tiers"),
    "tiers without an open end": ({"approval_tiers": [{"below": "100000", "role": "lead"}]}, "Approval tiers"),
    "an unknown role": ({"approval_tiers": [{"below": "100000", "role": "mayor"}, {"below": None, "role": "commander"}]},
                        "Approval tiers"),
    "a negative threshold": ({"approval_tiers": [{"below": "-1", "role": "lead"}, {"below": None, "role": "commander"}]},
                             "Approval tiers"),
    "zero working days": ({"return_working_days": 0}, "correction period"),
    "too many working days": ({"notice_working_days": 61}, "public notice"),
    "working days as text": ({"notice_working_days": "7"}, "public notice"),
    "a lock-in of 11 years": ({"lock_in_years": 11}, "lock-in period"),
    "a flag that is not yes/no": ({"require_no_arrears": "yes"}, "yes/no"),
    "an unknown setting": ({"max_aera": "1000"}, "Unknown settings: max_aera"),
}


@pytest.mark.parametrize("case", BAD_CONFIGS.values(), ids=BAD_CONFIGS.keys())
def test_bad_configurations_are_named(case):
    overrides, message = case
    problems = rules.validate_config(config(**overrides))
    assert len(problems) == 1 and message in problems[0]


def test_missing_settings_and_other_shapes():
    cfg = config()
    del cfg["year_rates"]
    assert rules.validate_config(cfg, "rent") == ["Settings are missing: year_rates."]
    assert rules.validate_config(["not", "a", "dict"]) == ["The policy settings are malformed."]
    assert rules.validate_config({**DEFAULT_DECLARED_CONFIG, "max_amount": "-5"}) == [
        "The maximum amount must be a positive amount in yuan, or empty for none."]
    assert rules.validate_config({**DEFAULT_DECLARED_CONFIG, "max_amount": "50000"}) == []
    good = config(unit_price_cap="80", yearly_caps={"tech_sme": "100000", "high_tech": "200000",
                                                    "above_scale_high_tech": "300000"},
                  area_bands=[{"up_to": "1000", "rate": "0.90"}, {"up_to": "5000", "rate": "0.50"}], max_area=None)
    assert rules.validate_config(good) == []


def test_reasons_have_labels():
    codes = {"unpaid", "category", "unit_type", "beyond_years", "before_tenancy", "area_cap", "outside_period"}
    assert codes <= set(rules.REASONS)
    assert set(rules.UNIT_TYPE_ZH) == {"office", "factory", "apartment", "lab"}
