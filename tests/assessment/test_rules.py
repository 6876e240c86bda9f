"""Scoring, ranking, grades and timing as pure functions (no database)."""
from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal as D

import pytest

from incubator.assessment import rules
from incubator.assessment.rules import DEFAULT_SCHEME, Facts

CONFIG = DEFAULT_SCHEME
DEADLINE = dt.date(2026, 3, 31)


def ind(key):
    return next(i for i in CONFIG["indicators"] if i["key"] == key)


def points(key, **facts):
    return rules.score_indicator(ind(key), Facts(**{"figures": {}, **facts}))


def test_the_default_scheme_is_valid_and_adds_up_to_100():
    assert rules.config_problems(CONFIG) == []
    assert rules.max_total(CONFIG) == 100
    assert [d["weight"] for d in CONFIG["dimensions"]] == [30, 30, 20, 10, 10]


@pytest.mark.parametrize("tax, expected", [
    ("0.00", "0.00"), ("29999.99", "0.00"), ("30000.00", "1.00"), ("95000.00", "3.00"),
    ("299999.99", "9.00"), ("300000.00", "10.00"), ("5000000.00", "10.00"),  # capped at 10
])
def test_one_point_per_full_30k_of_tax_capped_at_the_indicators_weight(tax, expected):
    s = points("tax_paid", figures={"tax_paid": D(tax)})
    assert s.points == D(expected)
    assert s.capped == (D(tax) >= D("330000"))
    assert "每满 ¥30,000.00 计 1 分" in s.arithmetic


@pytest.mark.parametrize("financing, expected", [("299999.99", "0.00"), ("950000.00", "3.00"),
                                                 ("1200000.00", "4.00"), ("9000000.00", "4.00")])
def test_one_point_per_full_300k_of_financing(financing, expected):
    assert points("financing", figures={"financing": D(financing)}).points == D(expected)


@pytest.mark.parametrize("inv, util, soft, expected", [(0, 0, 0, "0.00"), (1, 0, 0, "3.00"), (0, 2, 3, "5.00"),
                                                       (2, 1, 1, "8.00"), (3, 2, 0, "10.00"), (5, 0, 0, "10.00")])
def test_ip_weighted_invention_3_utility_1_software_1(inv, util, soft, expected):
    s = points("ip", figures={"ip_invention": inv, "ip_utility": util, "ip_software": soft})
    assert s.points == D(expected)
    assert f"发明专利 {inv} × 3" in s.arithmetic


@pytest.mark.parametrize("cur, prev, expected, note", [
    ("1200000.00", "1000000.00", "4.00", None),  # +20% × 0.2
    ("1000000.00", "1000000.00", "0.00", None),
    ("800000.00", "1000000.00", "0.00", "增长率为负，本项计 0 分"),
    ("3000000.00", "1000000.00", "10.00", None),  # +200% capped
    ("100.00", "0.00", "10.00", None),  # from nothing: the cap
])
def test_revenue_growth_against_last_years_filing(cur, prev, expected, note):
    s = points("revenue_growth", figures={"revenue": D(cur)}, previous={"revenue": D(prev)}, previous_year=2024)
    assert s.points == D(expected)
    assert s.note == note


def test_growth_without_a_previous_filing_scores_0_with_a_note():
    s = points("revenue_growth", figures={"revenue": D("100.00")})
    assert (s.points, s.note, s.missing) == (D("0.00"), "无上年数据可比，本项计 0 分", False)


@pytest.mark.parametrize("rd, revenue, expected", [("80000.00", "1000000.00", "8.00"), ("30000.00", "1000000.00", "3.00"),
                                                  ("500000.00", "1000000.00", "8.00"), ("1.00", "3.00", "8.00"),
                                                  ("10000.00", "0.00", "0.00")])
def test_rd_ratio_points_per_percent(rd, revenue, expected):
    assert points("rd_ratio", figures={"rd_expense": D(rd), "revenue": D(revenue)}).points == D(expected)


def test_tax_per_square_metre_uses_the_leased_area():
    s = points("tax_per_m2", figures={"tax_paid": D("95000.00")}, area=D("120.00"))
    assert s.points == D("7.00")
    assert "¥791.67/m²" in s.arithmetic
    assert points("tax_per_m2", figures={"tax_paid": D("95000.00")}).note == "无在租面积，本项计 0 分"


@pytest.mark.parametrize("key, figure", [("tax_paid", "tax_paid"), ("financing", "financing"), ("high_level", "high_level_talents"),
                                         ("revenue_growth", "revenue"), ("rd_ratio", "rd_expense"),
                                         ("new_products", "new_products")])
def test_a_missing_figure_scores_0_for_its_indicator_with_a_note(key, figure):
    s = points(key)
    assert (s.points, s.missing) == (D("0.00"), True)
    assert rules.FIGURE_LABELS[figure] in s.note and "本项计 0 分" in s.note


def test_ratio_with_the_base_missing_is_missing_too():
    s = points("degree_share", figures={"graduates": 10})
    assert s.missing and "从业人员" in s.note


def test_compliance_on_time_late_and_not_filed():
    on_time = points("on_time", submitted_on=dt.date(2026, 3, 31), deadline=DEADLINE)
    late = points("on_time", submitted_on=dt.date(2026, 4, 1), deadline=DEADLINE)
    unfiled = points("on_time", filed=False, deadline=DEADLINE)
    assert [on_time.points, late.points, unfiled.points] == [D("3.00"), D("0.00"), D("0.00")]
    assert late.note == "逾期报送，本项计 0 分" and unfiled.note == "未报送，本项计 0 分"


def test_compliance_rent_arrears_and_breach():
    assert points("rent_paid", arrears=D("0.00")).points == D("3.00")
    owing = points("rent_paid", arrears=D("1234.50"), arrears_as_of=dt.date(2026, 1, 1))
    assert owing.points == D("0.00") and "¥1,234.50" in owing.arithmetic
    assert points("no_breach").points == D("2.00")
    assert points("no_breach", breach="擅自转租").points == D("0.00")


def test_reviewer_items_are_the_mean_of_the_submitted_sheets():
    s = points("technology", reviewer_scores={"technology": [D("5.0"), D("4.5")]})
    assert s.points == D("4.75") and "平均 = 4.75 分" in s.arithmetic
    assert points("technology").missing


def full_marks() -> Facts:
    return Facts(
        figures={"revenue": D("3000000.00"), "tax_paid": D("400000.00"), "rd_expense": D("300000.00"),
                 "financing": D("2000000.00"), "headcount": 40, "graduates": 40, "high_level_talents": 4,
                 "ip_invention": 4, "ip_utility": 0, "ip_software": 0, "new_qualifications": 2, "new_products": 3},
        previous={"revenue": D("1000000.00"), "headcount": 20}, previous_year=2024, area=D("100.00"),
        submitted_on=dt.date(2026, 3, 1), deadline=DEADLINE,
        reviewer_scores={"technology": [D("6")], "prospects": [D("3")], "cooperation": [D("2")]})


def test_dimension_sums_and_total_of_a_perfect_filing():
    outcome = rules.score_filing(CONFIG, full_marks(), 1)
    assert outcome.total == D("100.00")
    assert [d["score"] for d in outcome.dimensions] == ["30.00", "30.00", "20.00", "10.00", "10.00"]
    data = outcome.to_json()
    assert data["total"] == "100.00" and data["scheme_version"] == 1
    assert data["dimensions"][0]["indicators"][0]["arithmetic"].startswith("营业收入")


def test_a_veto_item_fails_whatever_the_score():
    facts = full_marks()
    vetoed = Facts(**{**facts.__dict__, "vetoes": {"false_materials": "提交伪造的纳税证明"}})
    outcome = rules.score_filing(CONFIG, vetoed)
    assert outcome.total == D("100.00") and outcome.veto
    assert outcome.vetoes == [{"key": "false_materials", "label": "提供虚假材料", "note": "提交伪造的纳税证明"}]
    assert rules.grade_for(CONFIG, outcome.total, 1, 1, outcome.veto) == "fail"


@pytest.mark.parametrize("entries, expected", [
    ({1: (D("90"), False), 2: (D("80"), False), 3: (D("80"), False), 4: (D("70"), False)}, {1: 1, 2: 2, 3: 2, 4: 4}),
    ({1: (D("60"), False), 2: (D("60"), False), 3: (D("60"), False)}, {1: 1, 2: 1, 3: 1}),
    ({1: (D("95"), True), 2: (D("70"), False), 3: (D("50"), False)}, {1: 3, 2: 1, 3: 2}),  # veto ranked last
    ({1: (D("95"), True), 2: (D("90"), True)}, {1: 1, 2: 2}),
])
def test_competition_ranking_with_ties(entries, expected):
    assert rules.competition_ranks(entries) == expected


@pytest.mark.parametrize("n, places", [(0, 0), (1, 1), (3, 1), (4, 1), (5, 1), (9, 1), (10, 2), (12, 2), (14, 2),
                                       (15, 3), (100, 20), (1000, 200)])
def test_top_20_percent_places_floor_but_at_least_one(n, places):
    assert rules.excellent_places(CONFIG, n) == places


def test_small_campaign_of_three_still_has_one_excellent_place():
    ranked = rules.rank_campaign(CONFIG, {1: (D("85"), False), 2: (D("82"), False), 3: (D("50"), False)})
    assert [ranked[i]["grade"] for i in (1, 2, 3)] == ["excellent", "good", "fail"]
    assert ranked[2]["explanation"].endswith("排名未进入优秀名额；等次为良好")


def test_companies_tied_on_the_last_excellent_place_all_get_it():
    ranked = rules.rank_campaign(CONFIG, {1: (D("85"), False), 2: (D("85"), False), 3: (D("70"), False)})
    assert [ranked[i]["grade"] for i in (1, 2, 3)] == ["excellent", "excellent", "good"]


@pytest.mark.parametrize("score, rank, places, veto, grade", [
    ("80.00", 1, 1, False, "excellent"), ("79.99", 1, 1, False, "good"), ("95.00", 2, 1, False, "good"),
    ("70.00", 5, 1, False, "good"), ("69.99", 5, 1, False, "pass"), ("60.00", 5, 1, False, "pass"),
    ("59.99", 5, 1, False, "fail"), ("99.00", 1, 1, True, "fail"),
])
def test_grade_bands(score, rank, places, veto, grade):
    assert rules.grade_for(CONFIG, D(score), rank, places, veto) == grade


def test_rank_among_others_for_a_revised_result():
    others = [(D("90"), False), (D("75"), False), (D("75"), False), (D("40"), True)]
    assert rules.rank_among(D("80"), False, others) == 2
    assert rules.rank_among(D("75"), False, others) == 2
    assert rules.rank_among(D("10"), False, others) == 4
    assert rules.rank_among(D("99"), True, others) == 4  # after the unvetoed, ahead of the vetoed 40
    assert rules.rank_among(D("30"), True, others) == 5


def test_revise_changes_points_keeps_the_arithmetic_and_marks_the_change():
    outcome = rules.score_filing(CONFIG, Facts(figures={"tax_paid": D("95000.00")}, vetoes={"false_materials": "x"}))
    before = outcome.to_json()
    after = rules.revise(before, {"tax_paid": D("6.00")}, reason="补充纳税证明", lift_vetoes=True)
    tax = next(i for d in after["dimensions"] for i in d["indicators"] if i["key"] == "tax_paid")
    assert tax["points"] == "6.00" and tax["adjusted"] == {"from": "3.00", "reason": "补充纳税证明"}
    assert D(after["total"]) == D(before["total"]) + 3
    assert after["vetoes"] == [] and after["vetoes_lifted"]["vetoes"][0]["key"] == "false_materials"
    assert before["vetoes"]  # the old breakdown is untouched


@pytest.mark.parametrize("moved_in, results, due", [
    (None, [], None),
    (dt.date(2025, 1, 31), [], dt.date(2025, 8, 31)),  # month 7
    (dt.date(2025, 1, 15), [(dt.date(2025, 8, 20), "pass")], dt.date(2026, 8, 20)),  # then every 12
    (dt.date(2025, 1, 15), [(dt.date(2025, 8, 20), "fail")], dt.date(2026, 2, 20)),  # 6 after a failure
    (dt.date(2025, 1, 15), [(dt.date(2025, 8, 20), "fail"), (dt.date(2026, 2, 25), "good")], dt.date(2027, 2, 25)),
    (dt.date(2025, 1, 15), [(dt.date(2024, 6, 1), "fail")], dt.date(2025, 8, 15)),  # before move-in: ignored
])
def test_next_review_due(moved_in, results, due):
    assert rules.next_review_due(moved_in, results, CONFIG["timing"]) == due


@pytest.mark.parametrize("grades, n", [([], 0), (["fail"], 1), (["fail", "pass"], 0), (["pass", "fail", "fail"], 2)])
def test_consecutive_failures(grades, n):
    assert rules.consecutive_failures(grades) == n


def broken(change) -> dict:
    config = copy.deepcopy(CONFIG)
    change(config)
    return config


@pytest.mark.parametrize("change, problem", [
    (lambda c: c["dimensions"][0].update(weight=31), "add up to 100"),
    (lambda c: c["indicators"][0].update(cap=11), "caps must add up"),
    (lambda c: c["indicators"][0]["rule"].update(type="magic"), "unknown rule type"),
    (lambda c: c["indicators"][1]["rule"].update(figure="profit"), "unknown figure"),
    (lambda c: c["grades"]["good"].update(min_score=85), "grade bands"),
    (lambda c: c["grades"]["excellent"].update(top_share="1.5"), "top share"),
    (lambda c: c.update(appeal_working_days=0), "appeal_working_days"),
    (lambda c: c.pop("timing"), "missing or malformed"),
])
def test_config_problems(change, problem):
    assert any(problem in p for p in rules.config_problems(broken(change)))


def test_reviewer_score_errors():
    errors = rules.score_errors(CONFIG, {"technology": D("6.5"), "prospects": D("1.25"), "cooperation": None})
    assert errors == {"technology": "range", "prospects": "precision", "cooperation": "missing"}
