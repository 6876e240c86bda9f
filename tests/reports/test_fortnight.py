"""The bi-weekly report's figures for a fortnight of the hand-built community."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from incubator.reports import rules, services

from .conftest import TODAY


def test_a_fortnight_of_the_community(session, community):
    data = services.fortnight_overview(session, rules.Fortnight(dt.date(2026, 4, 30)), TODAY, rules.parse_targets())
    assert (data["first"], data["last"], data["complete"]) == (dt.date(2026, 4, 30), dt.date(2026, 5, 13), True)
    # submitted 1 May: application 3; decided 30 April: application 2 (rejected)
    assert data["applications"]["count"] == 1 and data["applications"]["rows"][0].number == "SQ-BG-3"
    assert data["decisions"]["count"] == 1 and data["decisions"]["rows"][0].number == "SQ-BG-2"
    assert data["moved_in"]["count"] == 0
    # paid 10 May: E's ¥10,000; no rent payment fell in the fortnight
    assert (data["payments"]["count"], data["payments"]["total"]) == (1, Decimal("10000.00"))
    assert (data["payments"]["rent_count"], data["payments"]["rent_total"]) == (0, Decimal("0.00"))
    assert data["exits"]["count"] == 0 and data["assessment"]["published"] == []
    # waiting now: F's ¥150,000 claim for the deputy
    assert data["awaiting"]["claims_deputy"] == 1 and sum(data["awaiting"].values()) == 1
    # deadlines passed or in the next fortnight: D's claim correction (25 June, passed), application 5's
    # supplement (3 July), the objection to settle by the notice's end (8 July)
    assert [(a["kind"], a["number"], a["due"].isoformat(), a["overdue"]) for a in data["attention"]] == [
        ("claim_correction", "BT-BG-6", "2026-06-25", True), ("application_supplement", "SQ-BG-5", "2026-07-03", False),
        ("objection", "PC-BG-26", "2026-07-08", False)]
    # targets read on 13 May 2026: 6 companies (E moved in in January), 4 high-tech, 212 talents
    assert {p.indicator: p.actual for p in data["progress"]} == {"platforms": 2, "talents": 212, "companies": 6,
                                                                 "high_tech": 4}


def test_a_running_fortnight_stops_at_today(session, community):
    data = services.fortnight_overview(session, rules.Fortnight(dt.date(2026, 6, 20)), TODAY, rules.parse_targets())
    assert (data["last"], data["complete"]) == (TODAY, False)
    # application 5 was submitted on 20 June
    assert [r.number for r in data["applications"]["rows"]] == ["SQ-BG-5"]
    assert data["payments"]["rent_count"] == 0


def test_the_fortnight_picker():
    # aligned on Monday 1 January 2024: Monday 30 November 2026 is day 1,064 = 76 fortnights on
    assert rules.last_complete_fortnight(dt.date(2026, 11, 30)) == rules.Fortnight(dt.date(2026, 11, 16))
    assert rules.last_complete_fortnight(dt.date(2026, 11, 29)) == rules.Fortnight(dt.date(2026, 11, 2))
    assert services.parse_start("", dt.date(2026, 11, 30)).end == dt.date(2026, 11, 29)
    assert rules.Fortnight(dt.date(2026, 11, 16)).due_on == dt.date(2026, 11, 30)
    assert services.parse_start("２０２６－０６－０１", TODAY).start == dt.date(2026, 6, 1)  # full-width input


@pytest.mark.parametrize("raw", ["2026-13-01", "next monday", "2026-07-01", "1999-12-27"])
def test_a_malformed_or_future_start_is_refused(raw):
    with pytest.raises(ValueError):
        services.parse_start(raw, TODAY)
