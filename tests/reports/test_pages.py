"""The dashboard and the reports page as the HQ sees them."""
from __future__ import annotations

import re

import pytest

from incubator.core.roles import Role
from incubator.reports import views

from ..factories import make_company
from .conftest import TODAY


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(views, "today", lambda: TODAY)


def text(resp) -> str:
    return re.sub(r"\s+", " ", resp.get_data(as_text=True))


def tile(page: str, key: str) -> str:
    return page.split(f'data-kpi="{key}"', 1)[1].split("</a>", 1)[0]


def test_the_commander_sees_where_the_community_stands(client, login, community):
    login(community.commander)
    resp = client.get("/dashboard/")
    assert resp.status_code == 200
    page = text(resp)
    # the first entry of the staff navigation
    nav = page.split('<ul class="navbar-nav">', 1)[1]
    assert nav.index("/dashboard/") < nav.index("/companies/")
    # the year's tiles: figure, target, gap, share and status (hand-worked in test_kpis.py)
    talents = tile(page, "talents")
    assert "212" in talents and "target &gt; 2,000 · 1,789 to go · 10.6%" in talents
    assert 'data-status="behind"' in talents
    companies = tile(page, "companies")
    assert ">6<" in companies and "94 to go" in companies and "Behind" in companies
    assert "No target" in tile(page, "platforms")
    assert 'href="/companies/?qualification=high_tech"' in page
    # every target year in the table: 2024 met for platforms, missed otherwise
    table = page.split('id="targets-table"', 1)[1].split("</table>", 1)[0]
    assert "70 / ≥ 200" in table and "2 / ≥ 5" in table and "Met" in table and "Missed" in table
    # each block links to what it summarises
    assert f'href="/spaces/units?carrier={community.carrier.id}"' in page
    assert 'href="/admission/?state=returned"' in page
    assert f'href="/funds/pools/{community.city.id}"' in page
    assert f'href="/assessment/campaigns/{community.campaign25.id}/ranking"' in page
    assert 'href="/exits/?year=2026"' in page
    assert 'href="/reports/annual.pdf?year=2026"' in page
    # charts are inline SVG with text a screen reader can read
    assert page.count("<svg") >= 7 and "<title" in page and "<desc" in page
    assert "85.7%" in page and "¥870,000.00" in page and "45.0 days" in page


def test_the_operator_sees_its_own_assessment_first(client, login, community):
    login(community.operator)
    page = text(client.get("/dashboard/"))
    assert page.index('id="operator-assessment"') < page.index('id="targets"')
    assert "Your assessment" in page
    block = page.split('id="operator-assessment"', 1)[1].split('id="targets"', 1)[0]
    assert 'data-indicator="collection"' in block and "81.0%" in block and "Received (¥11,300.00)" in block
    login(community.commander)
    page = text(client.get("/dashboard/"))
    assert page.index('id="targets"') < page.index('id="operator-assessment"')
    assert "Your assessment" not in page


def test_a_past_year(client, login, community):
    login(community.deputy)
    page = text(client.get("/dashboard/?year=2025"))
    assert "Year 2025, as of 2025-12-31" in page
    assert ">197<" in tile(page, "talents") and "Missed" in tile(page, "talents")
    assert "28.6%" in page  # occupancy under the leases in force on 31 Dec 2025
    assert 'href="/reports/annual.pdf?year=2025"' in page


@pytest.mark.parametrize("year", ["abc", "1990", "2031", "２０２５x"])
def test_an_unknown_year_shows_this_year(client, login, community, year):
    login(community.supervisor)
    resp = client.get(f"/dashboard/?year={year}")
    assert resp.status_code == 200 and "As of today, 2026-06-30" in text(resp)


@pytest.mark.parametrize("role", [Role.COMPANY, Role.REVIEWER])
def test_companies_and_reviewers_are_refused(client, login, community, role):
    login(role)
    assert client.get("/dashboard/").status_code == 403
    assert client.get("/reports/annual.pdf").status_code == 403


def test_the_dashboard_does_not_query_per_company(client, login, community, session, count_queries):
    login(community.commander)
    client.get("/dashboard/")
    with count_queries() as before:
        client.get("/dashboard/")
    for n in range(30):
        make_company(session, name=f"东莞加量科技有限公司{n}", moved_in_on=TODAY, talents_bachelor=3)
    with count_queries() as after:
        resp = client.get("/dashboard/")
    assert ">36<" in tile(text(resp), "companies")
    assert after() == before()


def test_the_reports_page_offers_the_last_complete_fortnight(client, login, community):
    login(community.lead)
    page = text(client.get("/reports/"))
    # today 30 June 2026 is in the fortnight from 29 June: the last complete one began on 15 June
    assert 'name="start" value="2026-06-15"' in page
    assert 'href="/reports/biweekly.pdf?start=2026-06-01"' in page
    assert "due 2026-06-29" in page
    assert '<option value="2026" selected' in page and '<option value="2024"' in page


@pytest.mark.parametrize("path", ["/reports/annual.pdf?year=2031", "/reports/annual.pdf?year=x",
                                  "/reports/biweekly.pdf?start=2026-02-30", "/reports/biweekly.pdf?start=2026-07-01",
                                  "/reports/biweekly.pdf?start=1999-01-01"])
def test_bad_report_requests_get_a_clear_answer(client, login, community, path):
    login(community.commander)
    resp = client.get(path)
    assert resp.status_code == 400
    assert "Choose a year from 2024 to 2026." in text(resp) or "first day as a date" in text(resp)


def test_a_community_sets_its_own_targets(app, client, login, community, monkeypatch):
    monkeypatch.setitem(app.config, "REPORT_TARGETS", {"version": 2, "plan_start": "2024-01-01",
                                                      "years": {"2026": {"companies": ">=5", "platforms": ">=3"}}})
    login(community.commander)
    page = text(client.get("/dashboard/"))
    assert "Met" in tile(page, "companies") and "target ≥ 5" in tile(page, "companies")
    assert "target ≥ 3 · 1 to go" in tile(page, "platforms")
    assert "no target set for 2026" in tile(page, "talents")


def test_a_broken_targets_setting_falls_back_to_the_plan(app, client, login, community, monkeypatch):
    monkeypatch.setitem(app.config, "REPORT_TARGETS", '{"years": {"2026": {"companies": "lots"}}}')
    login(community.commander)
    resp = client.get("/dashboard/")
    assert resp.status_code == 200 and "target ≥ 100" in tile(text(resp), "companies")


@pytest.mark.parametrize("day, shown", [("2026-06-29", True), ("2026-06-30", False)])
def test_the_bi_weekly_report_is_in_the_inbox_on_its_monday(client, login, community, monkeypatch, day, shown):
    import datetime as dt

    from incubator.reports import tasks

    monkeypatch.setattr(tasks, "today", lambda: dt.date.fromisoformat(day))
    for user, sees in ((community.lead, shown), (community.operator, shown), (community.commander, False)):
        login(user)
        page = text(client.get("/"))
        assert ("Bi-weekly progress report due before noon (2026-06-15 – 2026-06-28)" in page) == sees
        assert ('href="/reports/biweekly.pdf?start=2026-06-15"' in page) == sees


def test_the_home_page_of_those_who_steer_shows_the_targets(client, login, community, monkeypatch):
    from incubator.reports import services

    monkeypatch.setattr(services, "shanghai_today", lambda: TODAY)
    login(community.commander)
    page = text(client.get("/"))
    strip = page.split('id="home-targets"', 1)[1].split("</div> </div>", 1)[0]
    assert "Targets 2026" in strip and "/dashboard/" in strip and "/reports/annual.pdf?year=2026" in strip
    # the same figures as the dashboard's tiles (hand-worked in test_kpis.py)
    assert "Talents" in strip and "212 / &gt; 2,000" in strip and "Behind" in strip
    login(community.operator)  # the operator's home stays its work list; the dashboard is in the nav
    assert 'id="home-targets"' not in text(client.get("/"))
