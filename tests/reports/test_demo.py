"""The demo community seen by the commander: every block of the dashboard has something to show, and
both reports come out (with the HQ budget and the meetings' agenda when those modules are there)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from incubator.accounts.models import User
from incubator.core.formatting import today
from incubator.demo import seed_demo

from ..pdfs import cjk, get_pdf, pdf_text


@pytest.fixture
def demo(session):
    seed_demo(session, today=today())
    session.commit()
    return session


def test_the_commander_sees_the_demo_community_and_downloads_its_reports(client, login, demo):
    login(demo.scalar(sa.select(User).where(User.username == "commander")))
    resp = client.get("/dashboard/")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    for block in ("targets", "occupancy", "pipeline", "funds", "grades", "exits", "operator-assessment"):
        section = page.split(f'id="{block}"', 1)[1][:6000]
        assert "<svg" in section, block  # a chart, not an empty state
    assert page.count('data-kpi="') == 4
    annual = get_pdf(client, f"/reports/annual.pdf?year={today().year}", "report-annual-demo")
    assert cjk(annual)
    text = pdf_text(annual)
    assert "社区年度运营报告" in text and "运营主体考核" in text and "附：统计口径" in text
    biweekly = pdf_text(get_pdf(client, "/reports/biweekly.pdf", "report-biweekly-demo"))
    assert "每两周工作进展报告" in biweekly and "需决策事项" in biweekly
