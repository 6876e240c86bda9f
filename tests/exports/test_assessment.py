"""The assessment exports: the campaigns list's (its filters and order), and a campaign's (it
existed), whose filings follow the campaign page's filters and whose results follow the ranking's."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from incubator.assessment.models import AssessmentScheme, Campaign, CampaignKind, Filing, Grade, Result
from incubator.assessment.models import CampaignState as C
from incubator.assessment.models import FilingState as F
from incubator.core.roles import Role

from ..factories import make_company, make_user
from .conftest import EVIL, assert_neutralised, audit_entries, order_on_page, read

DIMENSIONS = (("economic", "经济效益"), ("innovation", "创新能力"), ("talent", "人才集聚"), ("growth", "成长潜力"),
              ("compliance", "合规与配合"))


def _breakdown(scores: list[str]) -> dict:
    return {"dimensions": [{"key": key, "label": label, "score": score, "indicators": [
        {"label": f"{label}指标", "kind": "linear", "cap": "30", "points": score, "arithmetic": f"得分 {score}"}]}
        for (key, label), score in zip(DIMENSIONS, scores, strict=True)]}


@pytest.fixture
def campaigns(session):
    """2025 (published: 甲 excellent, 乙 fail, 丙 did not file), an interim review named like a
    formula (open, past its deadline), and 2024 (closed)."""
    w = SimpleNamespace(operator=make_user(session, Role.OPERATOR))
    scheme = session.scalar(sa.select(AssessmentScheme).where(AssessmentScheme.version == 1))

    def campaign(name, year, kind, state, opens, closes):
        made = Campaign(name=name, year=year, kind=kind, scheme_id=scheme.id, state=state, opens_on=opens,
                        closes_on=closes)
        session.add(made)
        session.flush()
        return made

    w.k1 = campaign("2025年度绩效考核", 2025, CampaignKind.ANNUAL, C.PUBLISHED, dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    w.k2 = campaign(EVIL[1], 2026, CampaignKind.INTERIM, C.OPEN, dt.date(2026, 6, 1), dt.date(2026, 6, 30))
    w.k3 = campaign("2024年度绩效考核", 2024, CampaignKind.ANNUAL, C.CLOSED, dt.date(2025, 1, 1), dt.date(2025, 3, 31))
    w.a, w.b = make_company(session, name="东莞甲科技有限公司"), make_company(session, name="东莞乙科技有限公司")
    w.c = make_company(session, name=EVIL[2])

    def filing(campaign, company, state, **figures):
        made = Filing(campaign_id=campaign.id, company_id=company.id, state=state, **figures)
        session.add(made)
        session.flush()
        return made

    filed = {"submitted_at": dt.datetime(2026, 3, 20, 2, 0, tzinfo=dt.UTC), "revenue": Decimal("1250000.00"),
             "headcount": 18}
    fa = filing(w.k1, w.a, F.VERIFIED, **filed, company_note=EVIL[3])
    fb = filing(w.k1, w.b, F.VERIFIED, **filed)
    filing(w.k1, w.c, F.LAPSED)
    for company in (w.a, w.b):
        filing(w.k2, company, F.DRAFT if company is w.a else F.SUBMITTED)  # 甲 is overdue
    filing(w.k2, w.c, F.VERIFIED)
    session.add_all([
        Result(campaign_id=w.k1.id, filing_id=fa.id, company_id=w.a.id, score=Decimal("92.50"), rank=1,
               grade=Grade.EXCELLENT, breakdown=_breakdown(["28.00", "27.50", "18.00", "9.00", "10.00"])),
        Result(campaign_id=w.k1.id, filing_id=fb.id, company_id=w.b.id, score=Decimal("55.00"), rank=2,
               grade=Grade.FAIL, breakdown=_breakdown(["15.00", "12.00", "10.00", "8.00", "10.00"]))])
    session.flush()
    return w


def test_campaigns_export(client, login, session, campaigns):
    w = campaigns
    login(w.operator)
    ws, rows = read(client.get("/assessment/export.xlsx"))
    assert ws.title == "绩效考核"
    # the latest filing window first, as the list
    assert [r["考核名称"] for r in rows] == ["'" + EVIL[1], "2025年度绩效考核", "2024年度绩效考核"]
    page = client.get("/assessment/").text
    names = [EVIL[1], "2025年度绩效考核", "2024年度绩效考核"]
    assert order_on_page(page, names) == names
    interim = rows[0]
    assert (interim["类型"], interim["考核年度"], interim["状态"], interim["填报开始日期"], interim["填报截止日期"]) == (
        "Interim review", 2026, "Filing open", dt.datetime(2026, 6, 1), dt.datetime(2026, 6, 30))
    # three companies, two filed (submitted, verified), one verified, 甲's draft past the deadline
    assert (interim["参评企业数"], interim["已报送"], interim["已核实"], interim["逾期未报"]) == (3, 2, 1, 1)
    assert (rows[1]["参评企业数"], rows[1]["已报送"], rows[1]["已核实"], rows[1]["逾期未报"]) == (3, 2, 2, 0)
    assert_neutralised(ws, EVIL[1])

    def names_of(query):
        return [r["考核名称"] for r in read(client.get("/assessment/export.xlsx" + query))[1]]

    assert names_of("?year=2025") == ["2025年度绩效考核"]
    assert names_of("?kind=annual&q=年度") == ["2025年度绩效考核", "2024年度绩效考核"]
    assert names_of("?state=closed") == ["2024年度绩效考核"]
    assert audit_entries(session, "export.campaigns")[-1].after == {"filters": {"state": "closed"}, "rows": 1}


def test_campaign_export_follows_the_campaign_and_ranking_filters(client, login, session, campaigns):
    w = campaigns
    login(make_user(session, Role.LEAD))
    path = f"/assessment/campaigns/{w.k1.id}/export.xlsx"

    def sheets(query=""):
        resp = client.get(path + query)
        return [[r["企业名称"] for r in read(resp, sheet)[1]] for sheet in ("填报数据", "考核结果", "指标明细")]

    everything = sheets()
    # by company name (in code-point order 乙 U+4E59 comes before 甲 U+7532), as the campaign page
    assert everything[0] == ["'" + EVIL[2], w.b.name, w.a.name]
    assert everything[1] == [w.a.name, w.b.name]  # by rank, as the ranking
    assert everything[2] == [w.a.name] * 5 + [w.b.name] * 5  # one indicator per dimension here
    page = client.get(f"/assessment/campaigns/{w.k1.id}").text
    assert order_on_page(page, [w.a.name, w.b.name, EVIL[2]]) == [EVIL[2], w.b.name, w.a.name]

    assert sheets("?state=verified&q=甲科技")[0] == [w.a.name]
    assert sheets("?state=lapsed")[0] == ["'" + EVIL[2]]
    filings, results, indicators = sheets("?grade=fail")
    assert (filings, results, indicators) == (["'" + EVIL[2], w.b.name, w.a.name], [w.b.name], [w.b.name] * 5)

    _ws, results = read(client.get(path), "考核结果")
    first = results[0]
    assert (first["排名"], first["经济效益（30.00分）"], first["创新能力（30.00分）"], first["总分"], first["等次"]) == (
        1, 28, 27.5, 92.5, "优秀")
    ws, filed = read(client.get(path + "?state=verified&q=甲科技"), "填报数据")
    assert (filed[0]["营业收入（元）"], filed[0]["首次报送时间"]) == (1250000, dt.datetime(2026, 3, 20, 10, 0))
    assert_neutralised(ws, EVIL[3])
    entry = audit_entries(session, "export.assessment_campaign")[-1]
    assert (entry.object_type, entry.object_id, entry.after) == (
        "assessment_campaigns", w.k1.id, {"filters": {"state": "verified", "q": "甲科技"}, "rows": 1})
