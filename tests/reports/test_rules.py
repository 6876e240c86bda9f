"""The targets as data and how progress is judged (pure)."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from incubator.reports import rules
from incubator.reports.rules import Status, Target

D = Decimal


def test_the_plan_targets_are_the_default():
    targets = rules.parse_targets()
    assert list(targets.years) == [2024, 2025, 2026]
    assert targets.for_year(2024) == {"platforms": Target(1), "talents": Target(200), "companies": Target(30),
                                      "high_tech": Target(5)}
    assert targets.for_year(2025)["high_tech"] == Target(20)
    # 2026: "more than 2,000" talents, no platform target
    assert targets.for_year(2026)["talents"] == Target(2000, strict=True)
    assert targets.for_year(2026)["talents"].needed == 2001 and str(targets.for_year(2026)["talents"]) == "> 2,000"
    assert "platforms" not in targets.for_year(2026)
    assert targets.plan_start == dt.date(2024, 1, 1)


@pytest.mark.parametrize("config, problem", [
    ({"plan_start": "2024-01-01", "years": {"2024": {"companies": ">=30", "offices": ">=3"}}}, "unknown indicator"),
    ({"plan_start": "2024-01-01", "years": {"2024": {"companies": "<30"}}}, "write '>=N' or '>N'"),
    ({"plan_start": "2024-01-01", "years": {"2024": {"companies": ">=-1"}}}, "write '>=N' or '>N'"),
    ({"plan_start": "2024-01-01", "years": {"24": {"companies": ">=30"}}}, "not a year"),
    ({"plan_start": "soon", "years": {"2024": {"companies": ">=30"}}}, "'plan_start' must be a date"),
    ({"plan_start": "2024-01-01", "years": {}}, "'years' must map"),
    ("{not json", "not valid JSON"),
])
def test_bad_target_configurations_are_refused(config, problem):
    assert any(problem in p for p in rules.targets_problems(config))
    with pytest.raises(ValueError):
        rules.parse_targets(config)


def test_a_community_sets_its_own_targets_as_json():
    config = json.dumps({"version": 2, "plan_start": "2025-01-01", "years": {"2027": {"companies": ">= 150"}}})
    targets = rules.parse_targets(config)
    assert (targets.version, list(targets.years), targets.for_year(2027)) == (2, [2027], {"companies": Target(150)})


def _judge(indicator, year, actual, day):
    return rules.progress(rules.parse_targets(), indicator, year, actual, dt.date.fromisoformat(day))


def test_progress_in_the_first_year_runs_from_zero_at_the_plan_start():
    # 2024 companies ≥ 30; 1 July 2024 is 183 of the 366 days from 31 Dec 2023: 15.0 expected
    on_track = _judge("companies", 2024, 15, "2024-07-01")
    assert (on_track.expected, on_track.status, on_track.gap, on_track.pct) == (
        D("15.0"), Status.ON_TRACK, 15, D("50.0"))
    assert _judge("companies", 2024, 14, "2024-07-01").status == Status.BEHIND
    assert _judge("companies", 2024, 30, "2024-02-01").status == Status.MET  # met early
    assert _judge("companies", 2024, 29, "2024-12-31").status == Status.MISSED


def test_later_years_run_from_the_previous_target():
    # 2025 talents ≥ 500 from 200 at the end of 2024; 2 July 2025 is day 183 of 365: 200 + 300 × 183/365 = 350.4
    p = _judge("talents", 2025, 351, "2025-07-02")
    assert (p.expected, p.status) == (D("350.4"), Status.ON_TRACK)
    assert _judge("talents", 2025, 350, "2025-07-02").status == Status.BEHIND
    # "more than 2,000": 2,000 is not enough, 2,001 is
    assert _judge("talents", 2026, 2000, "2026-12-31").status == Status.MISSED
    assert _judge("talents", 2026, 2001, "2026-12-31").status == Status.MET
    assert _judge("talents", 2026, 2000, "2026-12-31").pct == D("100.0")
    # no platform target in 2026
    p = _judge("platforms", 2026, 4, "2026-03-01")
    assert (p.status, p.gap, p.pct, p.expected) == (Status.NO_TARGET, None, None, None)


def test_a_future_year_is_judged_by_where_its_line_starts():
    # in 2025 the 2026 line has not started: the 2025 target (50) is what is expected
    assert rules.expected_by(rules.parse_targets(), "companies", 2026, dt.date(2025, 6, 30)) == D("50.0")


def test_ratios_round_half_up():
    assert rules.percent(1, 8) == D("12.5") and rules.percent(2, 3) == D("66.7") and rules.percent(1, 0) is None
    assert rules.growth(212, 197) == D("7.6") and rules.growth(5, 0) is None and rules.growth(None, 3) is None
    assert rules.per(11, 2) == D("5.50") and rules.per(1, 3) == D("0.33") and rules.per(5, 0) is None
    assert rules.as_of(2025, dt.date(2026, 6, 30)) == dt.date(2025, 12, 31)
    assert rules.as_of(2026, dt.date(2026, 6, 30)) == dt.date(2026, 6, 30)
