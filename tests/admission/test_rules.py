"""The pure admission rules, table by table: month arithmetic, checklist, conditions, scores, the panel."""
from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal

import pytest

from incubator.admission import rules
from incubator.admission.rules import DEFAULT_CONFIG, Sheet

D, day = Decimal, dt.date


@pytest.mark.parametrize(("start", "end", "months"), [
    (day(2024, 11, 23), day(2026, 11, 22), 23),  # the day before the anniversary
    (day(2024, 11, 22), day(2026, 11, 22), 24),
    (day(2026, 3, 15), day(2026, 3, 15), 0),
    (day(2026, 3, 15), day(2026, 4, 14), 0),
    (day(2026, 3, 15), day(2026, 4, 15), 1),
    (day(2025, 12, 20), day(2026, 1, 20), 1),  # across the year
    # month ends (民法典 art. 201: no corresponding day → the month's last day)
    (day(2026, 1, 31), day(2026, 2, 27), 0),
    (day(2026, 1, 31), day(2026, 2, 28), 1),
    (day(2024, 1, 31), day(2024, 2, 28), 0),
    (day(2024, 1, 31), day(2024, 2, 29), 1),  # leap year
    (day(2026, 1, 31), day(2026, 4, 30), 3),
    (day(2026, 3, 31), day(2026, 4, 30), 1),
    (day(2026, 4, 30), day(2026, 5, 30), 1),
    (day(2026, 4, 30), day(2026, 5, 29), 0),
    # leap days
    (day(2024, 2, 29), day(2025, 2, 28), 12),
    (day(2024, 2, 29), day(2025, 2, 27), 11),
    (day(2024, 2, 29), day(2025, 3, 1), 12),
    (day(2024, 2, 29), day(2028, 2, 29), 48),
    (day(2024, 2, 29), day(2024, 3, 28), 0),
    (day(2024, 2, 29), day(2024, 3, 29), 1),
])
def test_months_between(start, end, months):
    assert rules.months_between(start, end) == months


@pytest.mark.parametrize(("start", "months", "expected"), [
    (day(2024, 11, 22), 24, day(2026, 11, 22)),
    (day(2026, 1, 31), 1, day(2026, 2, 28)),
    (day(2024, 2, 29), 12, day(2025, 2, 28)),
    (day(2024, 2, 29), 48, day(2028, 2, 29)),
    (day(2026, 11, 30), 3, day(2027, 2, 28)),
    (day(2026, 3, 31), -1, day(2026, 2, 28)),
])
def test_add_months(start, months, expected):
    assert rules.add_months(start, months) == expected


def _keys(items):
    return [i["key"] for i in items]


BASE = ["business_licence", "legal_rep_id", "business_plan", "ip_certificate", "team_cvs",
        "qualification_certificate", "space_requirement"]
ON = day(2026, 11, 22)


@pytest.mark.parametrize(("founded_on", "factory", "expected"), [
    (day(2026, 1, 10), False, BASE),  # 10 months: no financial statements yet
    (day(2025, 11, 23), False, BASE),  # one day short of a year
    (day(2025, 11, 22), False, BASE[:3] + ["financial_statements"] + BASE[3:]),  # a year exactly
    (day(2022, 5, 1), False, BASE[:3] + ["financial_statements"] + BASE[3:]),
    (None, False, BASE),  # founding date unknown: the conditions check refuses it anyway
    (day(2026, 1, 10), True, BASE + ["env_safety_statement"]),
    (day(2024, 6, 1), True, BASE[:3] + ["financial_statements"] + BASE[3:] + ["env_safety_statement"]),
])
def test_required_materials(founded_on, factory, expected):
    items = rules.required_materials(DEFAULT_CONFIG, founded_on=founded_on, on=ON, factory=factory)
    assert _keys(items) == expected


def test_missing_materials_ignores_optional_items():
    items = rules.required_materials(DEFAULT_CONFIG, founded_on=day(2026, 1, 10), on=ON, factory=False)
    missing = rules.missing_materials(items, {"business_licence", "team_cvs"})
    assert _keys(missing) == ["legal_rep_id", "business_plan", "ip_certificate", "space_requirement"]
    assert rules.missing_materials(items, {i["key"] for i in items} - {"qualification_certificate"}) == []


def _config(**conditions):
    config = copy.deepcopy(DEFAULT_CONFIG)
    config["conditions"].update(conditions)
    return config


@pytest.mark.parametrize(("config", "founded_on", "on", "moves", "unmet"), [
    (DEFAULT_CONFIG, day(2024, 11, 22), day(2026, 11, 22), True, []),  # exactly 24 months
    (DEFAULT_CONFIG, day(2024, 11, 23), day(2026, 11, 22), True, []),  # 23 months
    (DEFAULT_CONFIG, day(2024, 11, 21), day(2026, 11, 22), True, ["company_age"]),  # 24 months and a day
    (DEFAULT_CONFIG, day(2024, 10, 22), day(2026, 11, 22), True, ["company_age"]),  # 25 months
    (DEFAULT_CONFIG, day(2024, 2, 29), day(2026, 2, 28), True, []),  # leap-day founding: 24 months on 28 Feb
    (DEFAULT_CONFIG, day(2024, 2, 29), day(2026, 3, 1), True, ["company_age"]),
    (DEFAULT_CONFIG, day(2026, 11, 1), day(2026, 11, 22), True, []),
    (DEFAULT_CONFIG, None, day(2026, 11, 22), True, ["company_age"]),
    (DEFAULT_CONFIG, day(2026, 1, 1), day(2026, 11, 22), False, ["registration_move"]),
    (DEFAULT_CONFIG, None, day(2026, 11, 22), False, ["company_age", "registration_move"]),
    (_config(max_company_age_months=None), None, day(2026, 11, 22), True, []),  # HQ carriers: no age limit
    (_config(max_company_age_months=None), day(2010, 1, 1), day(2026, 11, 22), True, []),
    (_config(max_company_age_months=36), day(2023, 11, 22), day(2026, 11, 22), True, []),
    (_config(max_company_age_months=36), day(2023, 11, 21), day(2026, 11, 22), True, ["company_age"]),
    (_config(require_registration_move=False), day(2026, 1, 1), day(2026, 11, 22), False, []),
])
def test_unmet_conditions(config, founded_on, on, moves, unmet):
    assert rules.unmet_conditions(config, founded_on=founded_on, on=on, will_move_registration=moves) == unmet


FULL = {"technology": D("20"), "team": D("15.5"), "fit": D("16"), "market": D("12"), "operations": D("8"),
        "contribution": D("7")}


@pytest.mark.parametrize(("change", "errors"), [
    ({}, {}),
    ({"technology": D("25")}, {}),  # the item's maximum
    ({"technology": D("0")}, {}),
    ({"technology": D("25.1")}, {"technology": "range"}),
    ({"team": D("21")}, {"team": "range"}),
    ({"market": D("-0.5")}, {"market": "range"}),
    ({"market": D("Infinity")}, {"market": "range"}),
    ({"market": D("NaN")}, {"market": "range"}),
    ({"fit": D("12.25")}, {"fit": "precision"}),
    ({"fit": D("12.50")}, {}),  # trailing zeros are not extra precision
    ({"operations": None}, {"operations": "missing"}),
    ({"operations": None, "team": D("99")}, {"operations": "missing", "team": "range"}),
])
def test_score_errors(change, errors):
    assert rules.score_errors(DEFAULT_CONFIG, {**FULL, **change}) == errors


def test_score_errors_for_an_empty_sheet_names_every_item():
    assert rules.score_errors(DEFAULT_CONFIG, {}) == {i["key"]: "missing" for i in DEFAULT_CONFIG["rubric"]}


def test_rubric_max_and_sheet_total():
    assert rules.rubric_max(DEFAULT_CONFIG) == D("100")
    assert rules.sheet_total(FULL) == D("78.50")
    assert Sheet("a", FULL).total == D("78.50")


def sheet(total: str, overall: str = "", reviewer: str = "r") -> Sheet:
    """A sheet whose items add up to `total` (all in `technology` beyond the others' fixed 50)."""
    rest = {"team": D("15"), "fit": D("15"), "market": D("10"), "operations": D("5"), "contribution": D("5")}
    return Sheet(reviewer, {"technology": D(total) - D("50"), **rest}, overall=overall)


def test_panel_means_are_exact_decimals():
    sheets = [
        Sheet("a", {"technology": D("20"), "team": D("16"), "fit": D("16"), "market": D("12"), "operations": D("8"),
                    "contribution": D("8")}),
        Sheet("b", {"technology": D("19.5"), "team": D("15"), "fit": D("17"), "market": D("11"),
                    "operations": D("7"), "contribution": D("6")}),
        Sheet("c", {"technology": D("18"), "team": D("14.3"), "fit": D("15"), "market": D("10"), "operations": D("7"),
                    "contribution": D("6")}),
    ]
    summary = rules.panel_summary(DEFAULT_CONFIG, sheets)
    assert summary.totals == [D("80.00"), D("75.50"), D("70.30")]
    assert summary.mean == D("75.27")  # 225.8 / 3 = 75.2666…, half-up
    assert summary.item_means == {"technology": D("19.17"), "team": D("15.10"), "fit": D("16.00"),
                                  "market": D("11.00"), "operations": D("7.33"), "contribution": D("6.67")}
    assert all(isinstance(v, Decimal) for v in [summary.mean, summary.spread, *summary.item_means.values()])
    assert summary.spread == D("9.70")
    assert summary.passes and summary.reasons == []


@pytest.mark.parametrize(("totals", "notes", "mean", "passes", "reasons"), [
    (["70", "70", "70"], [], D("70.00"), True, []),
    (["69.9", "70", "70.1"], [], D("70.00"), True, []),
    (["69.99", "69.99", "69.99"], [], D("69.99"), False, ["mean_below_pass"]),
    (["69.9", "70", "70"], [], D("69.97"), False, ["mean_below_pass"]),
    (["95", "95", "49.9"], [], D("79.97"), False, ["low_score_without_note"]),
    (["95", "95", "49.9"], ["", "", "团队经验不足，技术路线存疑"], D("79.97"), True, []),
    (["95", "95", "49.9"], ["", "", "   "], D("79.97"), False, ["low_score_without_note"]),  # blank is no note
    (["95", "95", "50"], [], D("80.00"), True, []),  # 50 itself is not below 50
    (["60", "60", "45"], [], D("55.00"), False, ["mean_below_pass", "low_score_without_note"]),
    (["90", "80"], [], D("85.00"), False, ["too_few_reviewers"]),
    (["90", "80", "70", "60"], [], D("75.00"), True, []),
])
def test_panel_verdict(totals, notes, mean, passes, reasons):
    notes = notes or [""] * len(totals)
    summary = rules.panel_summary(DEFAULT_CONFIG, [sheet(t, n) for t, n in zip(totals, notes, strict=True)])
    assert summary.mean == mean
    assert summary.passes is passes
    assert summary.reasons == reasons
    assert summary.spread == max(D(t) for t in totals) - min(D(t) for t in totals)


def test_panel_without_sheets():
    summary = rules.panel_summary(DEFAULT_CONFIG, [])
    assert (summary.mean, summary.spread, summary.passes) == (None, None, False)
    assert summary.reasons == ["too_few_reviewers"]


def test_panel_follows_the_policy_thresholds():
    config = {**copy.deepcopy(DEFAULT_CONFIG), "min_reviewers": 5, "min_mean": 60, "low_score": 40}
    summary = rules.panel_summary(config, [sheet("62"), sheet("61"), sheet("45"), sheet("70"), sheet("65")])
    assert summary.passes and summary.mean == D("60.60")
    assert rules.panel_summary(config, [sheet("62")] * 4).reasons == ["too_few_reviewers"]


def _broken(**changes):
    config = copy.deepcopy(DEFAULT_CONFIG)
    for path, value in changes.items():
        target = config
        *parents, last = path.split("__")
        for p in parents:
            target = target[int(p)] if p.isdigit() else target[p]
        if value is KeyError:
            del target[last]
        else:
            target[int(last) if last.isdigit() else last] = value
    return config


@pytest.mark.parametrize(("config", "problem"), [
    (_broken(rubric__1__key="technology"), "rubric items need distinct keys"),
    (_broken(rubric=[]), "rubric items need distinct keys"),
    (_broken(rubric__0__weight=0), "rubric weights must be positive"),
    (_broken(rubric__0__weight=-5), "rubric weights must be positive"),
    (_broken(min_mean=0), "the passing mean must be between 0 and the rubric's maximum"),
    (_broken(min_mean=100.5), "the passing mean must be between 0 and the rubric's maximum"),
    (_broken(low_score=-1), "the low-score threshold must be between 0 and the rubric's maximum"),
    (_broken(low_score=101), "the low-score threshold must be between 0 and the rubric's maximum"),
    (_broken(min_reviewers=0), "between 1 and 15 reviewers"),
    (_broken(min_reviewers=16), "between 1 and 15 reviewers"),
    (_broken(supplement_working_days=0), "the supplement period must be 1 to 60 working days"),
    (_broken(supplement_working_days=61), "the supplement period must be 1 to 60 working days"),
    (_broken(materials__1__key="business_licence"), "materials need distinct keys"),
    (_broken(conditions__max_company_age_months=0), "the company age limit must be 1 to 600 months"),
    (_broken(conditions__max_company_age_months=601), "the company age limit must be 1 to 600 months"),
])
def test_config_problems(config, problem):
    assert problem in rules.config_problems(config)


@pytest.mark.parametrize("config", [
    _broken(rubric=KeyError), _broken(min_mean=KeyError), _broken(conditions=KeyError), _broken(materials=KeyError),
    _broken(rubric__0__weight="heavy"), _broken(min_reviewers="three"), _broken(rubric__0__key=KeyError),
])
def test_config_problems_reports_malformed_settings(config):
    problems = rules.config_problems(config)
    assert problems and problems[-1].startswith("missing or malformed setting")


@pytest.mark.parametrize("config", [
    DEFAULT_CONFIG,
    _broken(conditions__max_company_age_months=None),
    _broken(min_mean=100, low_score=0, min_reviewers=1, supplement_working_days=60),
    _broken(rubric__0__weight="25.5", min_mean="70.5"),
])
def test_config_problems_accepts_valid_settings(config):
    assert rules.config_problems(config) == []
