"""The figures of the hand-built community (tests/reports/conftest.py), each worked out by hand
from the fixture's rows — the comments show the sums."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from incubator.reports import kpis, rules, services

from .conftest import TODAY

D = Decimal
END24, END25 = dt.date(2024, 12, 31), dt.date(2025, 12, 31)


def test_cumulative_counts_follow_the_counting_rules(session, community):
    counts = kpis.cumulative_counts(session, [END24, END25, TODAY])
    # moved in by the day, leavers kept, the applicant never: A B C | + D F | + E
    assert [counts[d]["companies"] for d in (END24, END25, TODAY)] == [3, 5, 6]
    # platforms A (2024) and D (2025; graduated since, still counted)
    assert [counts[d]["platforms"] for d in (END24, END25, TODAY)] == [1, 2, 2]
    # 2024: A, C (B's certificate comes in 2025); 2025: A, B, C (judged on the day it left), F lapsed in
    # October; today: A, B, C, E
    assert [counts[d]["high_tech"] for d in (END24, END25, TODAY)] == [2, 3, 4]
    # in residence today: A B E F (C and D left); of them high-tech A B E
    assert (counts[TODAY]["resident"], counts[TODAY]["resident_high_tech"]) == (4, 3)


def test_talents_use_the_last_verified_filing_else_the_profile(session, community):
    people = kpis.talents(session, [END24, END25, TODAY])
    # 2024: A 35 (corrected from 30) + 4 = 39, B profile 20 + 2 = 22, C 8 + 1 = 9
    assert people[END24] == {"talents": 39 + 22 + 9, "high_level": 4 + 2 + 1}
    # 2025: A 50 + 6 (the annual filing, not the interim 999), B 22, C 9 (its 2024 filing), D 70 + 12,
    # F 25 + 3 (its 2025 filing was never verified)
    assert people[END25] == {"talents": 56 + 22 + 9 + 82 + 28, "high_level": 6 + 2 + 1 + 12 + 3}
    # today: E joins with its profile 15 + 0
    assert people[TODAY] == {"talents": 197 + 15, "high_level": 24}


def test_occupancy_live_and_at_a_past_year_end(session, community):
    live = {(r["type"]): (r["lettable"], r["leased"]) for r in kpis.occupancy(session, TODAY, live=True)}
    # the lab is out of service: not lettable
    assert live == {"office": (D("150.00"), D("100.00")), "factory": (D("200.00"), D("200.00"))}
    past = {(r["type"]): r["leased"] for r in kpis.occupancy(session, END25, live=False)}
    # on 31 Dec 2025 only A's office lease was in force (C's factory lease ended in June, E's starts 2026)
    assert past == {"office": D("100.00"), "factory": D("0.00")}
    early = {(r["type"]): r["leased"] for r in kpis.occupancy(session, END24, live=False)}
    assert early == {"office": D("100.00"), "factory": D("200.00")}


def test_admission_funnel_counts_the_year_cohort(session, community):
    funnel = kpis.admission_funnel(session, dt.date(2026, 1, 1), TODAY)
    # first submitted in 2026: apps 1, 2, 3, 5 (app 4 was submitted in 2025)
    assert funnel == {"submitted": 4, "accepted": 2, "expert_review": 2, "joint_review": 2, "decision": 2,
                      "admitted": 1, "returned": 2, "lapsed": 0, "rejected": 1, "withdrawn": 1}
    # decided in 2026: app 1 after 30 days, app 2 after 60 (from its first submission)
    assert kpis.decision_times(session, dt.date(2026, 1, 1), TODAY) == {"decided": 2, "admitted": 1,
                                                                       "mean_days": D("45.0")}


def test_fund_use_from_the_entries(session, community):
    city, committee = kpis.fund_use(session, dt.date(2026, 1, 1), TODAY)
    # committed 100k + 50k + 30k − 30k released − 150k paid = 0; remaining 1,000k − 150k + 20k returned
    assert {k: city[k] for k in ("allocated", "committed", "paid", "returned", "remaining")} == {
        "allocated": D("1000000.00"), "committed": D("0.00"), "paid": D("150000.00"), "returned": D("20000.00"),
        "remaining": D("870000.00")}
    assert city["year"] == {"allocated": D("0.00"), "committed": D("50000.00"), "paid": D("50000.00"),
                            "returned": D("20000.00")}
    assert (committee["paid"], committee["remaining"], committee["year"]["committed"]) == (
        D("10000.00"), D("990000.00"), D("10000.00"))
    # up to today the entries add up to what the pools hold
    assert (city["paid"], city["returned"]) == (community.city.paid, community.city.returned)
    # at the end of 2025: 100k paid, nothing committed; the committee's pool held its allocation only
    city25, committee25 = kpis.fund_use(session, dt.date(2025, 1, 1), END25)
    assert (city25["paid"], city25["committed"], city25["remaining"], city25["year"]["paid"]) == (
        D("100000.00"), D("0.00"), D("900000.00"), D("100000.00"))
    assert (committee25["allocated"], committee25["paid"]) == (D("1000000.00"), D("0.00"))
    # the committee's pool opened in 2025: not part of 2024
    assert [p["name"] for p in kpis.fund_use(session, dt.date(2024, 1, 1), END24)] == ["市科技局专项经费第一期"]


def test_grades_and_exits_by_year(session, community):
    grades = {g["year"]: g["grades"] for g in kpis.grades_by_year(session, 2026)}
    # the interim campaign does not count; A's replaced 2025 result neither
    assert grades == {2024: {"good": 1, "fail": 1}, 2025: {"excellent": 1, "good": 1}}
    exits = kpis.exits_by_year(session, 2026)
    assert exits["left"] == {2025: {"exited": 1, "graduated": 0}, 2026: {"exited": 0, "graduated": 1}}
    assert exits["executed"] == {2025: {"breach": 1}, 2026: {"graduation": 1}}
    assert exits["open"] == {"proposed": 1}
    assert kpis.exits_by_year(session, 2025)["left"] == {2025: {"exited": 1, "graduated": 0}}


def test_operator_figures(session, community):
    assert kpis.latest_filed_year(session, 2026) == 2025
    assert kpis.latest_filed_year(session, 2023) is None
    filed = kpis.filing_totals(session, 2025)
    # A and D filed 2025 (F's filing is not verified): IP 2+3+1 + 1+0+4 = 11; financing A 3,000,000;
    # like for like only A (D has no 2024 filing): 12,000,000 against 10,000,000
    assert filed == {"year": 2025, "companies": 2, "ip": 11, "financing": D("3000000.00"), "financed": 1,
                     "revenue": D("17000000.00"), "like_for_like": 1, "revenue_both": D("12000000.00"),
                     "revenue_prev": D("10000000.00")}
    # paid in 2026: 50,000 after 30 days and 10,000 after 10 days
    assert kpis.claim_turnaround(session, dt.date(2026, 1, 1), TODAY) == {"paid": 2, "amount": D("60000.00"),
                                                                         "mean_days": D("20.0")}
    # due in 2026 before today: 3 × 4,650 = 13,950; paid 4,650 + 4,650 + 2,000 = 11,300
    assert kpis.rent_collection(session, dt.date(2026, 1, 1), TODAY, TODAY) == {"charged": D("13950.00"),
                                                                                "received": D("11300.00")}
    # paid by 4 March only the first two
    assert kpis.rent_collection(session, dt.date(2026, 1, 1), TODAY, dt.date(2026, 3, 4))["received"] == D("9300.00")


def test_year_overview_judges_the_targets(session, community):
    data = services.year_overview(session, 2026, TODAY, rules.parse_targets(), budget=False)
    by_key = {p.indicator: p for p in data["headline"]}
    # 2026 has no platform target; the others are behind their straight line from the 2025 targets:
    # companies 50 + 50 × 181/365 = 74.8 expected, 6 counted; talents 500 + 1,501 × 181/365 = 1,244.3;
    # high-tech 20 + 30 × 181/365 = 34.9
    assert by_key["platforms"].status == rules.Status.NO_TARGET and by_key["platforms"].actual == 2
    companies = by_key["companies"]
    assert (companies.actual, companies.gap, companies.pct, companies.expected, companies.status) == (
        6, 94, D("6.0"), D("74.8"), rules.Status.BEHIND)
    assert (by_key["talents"].actual, by_key["talents"].gap, by_key["talents"].pct, by_key["talents"].expected) == (
        212, 1789, D("10.6"), D("1244.3"))
    assert (by_key["high_tech"].actual, by_key["high_tech"].gap, by_key["high_tech"].pct,
            by_key["high_tech"].expected) == (4, 46, D("8.0"), D("34.9"))
    table = {t["year"]: {p.indicator: (p.actual, p.status.value) for p in t["rows"]} for t in data["table"]}
    assert table[2024] == {"platforms": (1, "met"), "talents": (70, "missed"), "companies": (3, "missed"),
                           "high_tech": (2, "missed")}
    assert table[2025]["platforms"] == (2, "missed") and table[2025]["talents"] == (197, "missed")
    occupancy = data["occupancy"]["total"]
    assert (occupancy["lettable"], occupancy["leased"], occupancy["rate"]) == (D("350.00"), D("300.00"), D("85.7"))

    operator = {i["key"]: i["value"] for d in data["operator"] for i in d["indicators"]}
    assert operator == {
        "platforms": 2, "ip_per_company": D("5.50"), "high_tech_share": D("75.0"),  # 3 of 4 tenants
        "talents": 212, "talent_growth": D("7.6"),  # (212 − 197) / 197
        "high_level": 24, "revenue_growth": D("20.0"), "financing": D("3000000.00"), "graduations": 1,
        "decision_days": D("45.0"), "claim_days": D("20.0"), "occupancy": D("85.7"),
        "collection": D("81.0")}  # 11,300 / 13,950


def test_a_past_year_is_read_on_its_last_day(session, community):
    data = services.year_overview(session, 2025, TODAY, rules.parse_targets(), budget=False)
    assert data["as_of"] == END25 and not data["live"]
    assert [(p.indicator, p.actual, p.status.value) for p in data["headline"]] == [
        ("platforms", 2, "missed"), ("talents", 197, "missed"), ("companies", 5, "missed"), ("high_tech", 3, "missed")]
    # occupancy under the leases in force on 31 Dec: 100 of 350 m²
    assert data["occupancy"]["total"]["rate"] == D("28.6")
    operator = {i["key"]: i for d in data["operator"] for i in d["indicators"]}
    # 2025 against 2024: (197 − 70) / 70 = 181.4%; paid in 2025: one claim, 61 days (1 Apr 00:00 → 1 Jun)
    assert operator["talent_growth"]["value"] == D("181.4")
    assert operator["claim_days"]["value"] == D("61.0")
    assert operator["graduations"]["value"] == 0
