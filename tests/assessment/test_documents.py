"""The assessment documents: a company's 绩效考核报告 (every indicator's arithmetic, the dimension chart,
last year and the campaign median), the 排名表, the 年度优秀入驻企业 certificate, the 整改通知书, the
campaign's Excel export, and who may fetch them. Campaigns, filings and results are built directly
as rows (breakdowns computed by the pure scoring rules, the way ranking stores them); PDF text is
extracted with pypdf and each PDF is also rendered to PNG under test-artifacts/ for a look."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from pypdf import PdfReader

from incubator.assessment import rules
from incubator.assessment.models import (
    FIGURES,
    Appeal,
    AppealState,
    Campaign,
    CampaignKind,
    CheckOutcome,
    FigureCheck,
    Filing,
    Grade,
    Rectification,
    RectificationState,
    Result,
)
from incubator.assessment.models import CampaignState as C
from incubator.assessment.models import FilingState as F
from incubator.certificates.models import IssuedDocument
from incubator.core.calendar import add_working_days
from incubator.core.formatting import format_date
from incubator.core.roles import Role

from ..factories import make_company, make_user
from ..pdfs import ARTIFACTS, cjk, get_pdf, issued, nospace, pdf_text

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EVIL = '=HYPERLINK("http://evil.example/x","点我查看考核结果")'
D = Decimal


def figures(revenue, tax, rd, financing, headcount, graduates, talents, invention, utility, software, quals,
            products) -> dict:
    return dict(zip(FIGURES, (D(revenue), D(tax), D(rd), D(financing), headcount, graduates, talents, invention,
                              utility, software, quals, products), strict=True))


STRONG = figures("5200000.00", "410000.00", "620000.00", "3000000.00", 62, 50, 5, 3, 2, 3, 1, 3)
STRONG_2024 = figures("4000000.00", "300000.00", "400000.00", "1000000.00", 50, 38, 3, 1, 1, 1, 1, 1)
GOOD = figures("4800000.00", "380000.00", "450000.00", "2400000.00", 58, 44, 4, 2, 2, 2, 1, 3)
GOOD_2024 = figures("4100000.00", "300000.00", "300000.00", "900000.00", 50, 36, 3, 1, 1, 1, 0, 1)
MID = figures("1200000.00", "95000.00", "80000.00", "950000.00", 25, 15, 3, 1, 1, 0, 1, 2)
WEAK = figures("100000.00", "1000.00", "0.00", "0.00", 5, 1, 0, 0, 0, 0, 0, 0)
EXPERTS = {"technology": [D("5.5"), D("5.0")], "prospects": [D("2.5"), D("3.0")], "cooperation": [D("2.0"), D("2.0")]}
LOW_EXPERTS = {"technology": [D("1.0"), D("1.5")], "prospects": [D("1.0"), D("1.0")], "cooperation": [D("1.0"), D("1.5")]}


def _at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{hour:02d}:00:00+08:00")


def _campaign(session, scheme, name, year, state, published_on, kind=CampaignKind.ANNUAL) -> Campaign:
    campaign = Campaign(name=name, year=year, kind=kind, scheme_id=scheme.id, state=state,
                        opens_on=dt.date(year + 1, 1, 1), closes_on=dt.date(year + 1, 3, 31), published_on=published_on,
                        appeals_close_on=add_working_days(published_on, 10) if published_on else None)
    session.add(campaign)
    session.flush()
    return campaign


def _rank(session, campaign, entries: list[tuple]) -> dict:
    """entries: (company, figures or None (not filed), previous figures, experts, vetoes) → {company id: Result},
    scored by the scheme and ranked the way ranking stores results."""
    config = campaign.scheme.config
    filings, outcomes = {}, {}
    for company, figs, previous, experts, vetoes in entries:
        filed = figs is not None
        filing = Filing(campaign_id=campaign.id, company_id=company.id, state=F.VERIFIED if filed else F.LAPSED,
                        **(figs or {}), vetoes=vetoes or None,
                        submitted_at=_at(f"{campaign.year + 1}-03-20") if filed else None,
                        verified_at=_at(f"{campaign.year + 1}-04-02") if filed else None)
        session.add(filing)
        session.flush()
        filings[company.id] = filing
        facts = rules.Facts(figures=figs or {}, previous=previous, previous_year=campaign.year - 1 if previous else None,
                            area=D("120.00"), filed=filed,
                            submitted_on=dt.date(campaign.year + 1, 3, 20) if filed else None,
                            deadline=campaign.closes_on, arrears=D("0.00"), arrears_as_of=dt.date(campaign.year + 1, 1, 1),
                            vetoes=vetoes or {}, reviewer_scores=experts if filed else {})
        outcomes[company.id] = rules.score_filing(config, facts, campaign.scheme.version)
    placed = rules.rank_campaign(config, {cid: (o.total, o.veto) for cid, o in outcomes.items()})
    results = {}
    for cid, outcome in outcomes.items():
        p = placed[cid]
        results[cid] = Result(campaign_id=campaign.id, filing_id=filings[cid].id, company_id=cid, revision=1,
                              score=outcome.total, rank=p["rank"], grade=Grade(p["grade"]), veto=outcome.veto,
                              breakdown={**outcome.to_json(), "ranking": p})
        session.add(results[cid])
    session.flush()
    return results


@pytest.fixture
def docs(session, scheme):
    """Six tenants assessed for 2025 (published): 优秀, 良好 (≥ 80 but not in the top place), one revised on
    an upheld appeal, one failing with a rectification notice, one vetoed, one that did not file;
    the first two also have a published 2024 result."""
    w = SimpleNamespace(scheme=scheme)
    names = ["东莞水乡智造科技有限公司", "麻涌新材料有限公司", "望牛墩数字科技有限公司", "道滘生物医药有限公司", EVIL,
             "洪梅新能源有限公司"]
    w.a, w.b, w.c, w.d, w.e, w.f = companies = [make_company(session, name=n, moved_in_on=dt.date(2023, 6, 1))
                                                for n in names]
    w.members = {c.id: make_user(session, Role.COMPANY, company=c) for c in companies}
    w.operator = make_user(session, Role.OPERATOR, display_name="运营 王敏")
    w.supervisor = make_user(session, Role.SUPERVISOR)

    w.last = _campaign(session, scheme, "2024年度绩效考核", 2024, C.CLOSED, dt.date(2025, 4, 18))
    _rank(session, w.last, [(w.a, STRONG_2024, None, EXPERTS, None), (w.b, GOOD_2024, None, EXPERTS, None),
                            (w.c, MID, None, LOW_EXPERTS, None)])
    w.campaign = _campaign(session, scheme, "2025年度绩效考核", 2025, C.PUBLISHED, dt.date(2026, 4, 20))
    results = _rank(session, w.campaign, [
        (w.a, STRONG, STRONG_2024, EXPERTS, None), (w.b, GOOD, GOOD_2024, EXPERTS, None),
        (w.c, MID, MID, LOW_EXPERTS, None), (w.d, WEAK, None, LOW_EXPERTS, None),
        (w.e, GOOD, None, EXPERTS, {"false_materials": "审计报告与税务记录不符"}), (w.f, None, None, None, None)])
    w.ra, w.rb, w.rc1, w.rd, w.re, w.rf = (results[c.id] for c in companies)
    # the filing keeps what the company filed; the operator's correction (scored) lives in its check
    session.get(Filing, w.ra.filing_id).tax_paid = D("420000.00")
    session.add(FigureCheck(filing_id=w.ra.filing_id, figure="tax_paid", outcome=CheckOutcome.CORRECTED,
                            filed_value=D("420000.00"), corrected_value=D("410000.00"), reason="按完税证明更正"))

    # 望牛墩's appeal is upheld: 技术创新水平 raised from the reviewers' mean, a second revision in force
    reason = "申诉复核：补充提交的发明专利授权证书属实，技术创新水平调整为 5.00 分"
    revised = rules.revise(w.rc1.breakdown, {"technology": D("5.00")}, reason=reason, lift_vetoes=False)
    total = D(revised["total"])
    others = [(r.score, r.veto) for r in results.values() if r is not w.rc1]
    rank = rules.rank_among(total, False, others)
    places = rules.excellent_places(scheme.config, 6)
    grade = rules.grade_for(scheme.config, total, rank, places, False)
    revised["ranking"] = {"rank": rank, "of": 6, "places": places, "grade": grade,
                          "explanation": rules.grade_explanation(scheme.config, total, rank, 6, places, False)}
    w.rc1.current = False
    w.rc = Result(campaign_id=w.campaign.id, filing_id=w.rc1.filing_id, company_id=w.c.id, revision=2, score=total,
                  rank=rank, grade=Grade(grade), veto=False, breakdown=revised, reason=reason)
    session.add(w.rc)
    session.flush()
    session.add(Appeal(filing_id=w.rc1.filing_id, company_id=w.c.id, result_id=w.rc1.id, new_result_id=w.rc.id,
                       state=AppealState.UPHELD, grounds="技术创新水平评分未考虑2025年新授权的发明专利。",
                       filed_at=_at("2026-04-23"), decided_at=_at("2026-04-30"), decision_reason=reason))

    w.rect = Rectification(company_id=w.d.id, result_id=w.rd.id, issued_on=dt.date(2026, 4, 21),
                           due_on=add_working_days(dt.date(2026, 4, 21), 20),
                           requirements=f"2025年度绩效考核总分 {w.rd.score} 分，等次为不合格。请针对以下方面制定并落实整改措施：\n"
                                        "1. 研发投入强度（得分 0.00/8.00）\n2. 新增知识产权（得分 0.00/10.00）")
    session.add(w.rect)
    session.flush()
    return w


# --- 绩效考核报告 ------------------------------------------------------------------------------------------

def test_report_shows_scores_arithmetic_chart_and_comparisons(client, login, session, docs):
    w = docs
    login(w.members[w.a.id])
    data = get_pdf(client, f"/assessment/results/{w.ra.id}/report.pdf", "assessment-report")
    text = pdf_text(data)
    [doc] = issued(session, "assessment_report", "assessment_filing", w.ra.filing_id)
    assert doc.number.startswith("SX-KH-") and doc.company_id == w.a.id
    b = w.ra.breakdown
    assert w.ra.grade == Grade.EXCELLENT and w.ra.rank == 1
    for expected in ("绩效考核报告", doc.number, w.a.name, w.a.credit_code, "2025年度绩效考核", "年度考核",
                     "考核方案第1版", "2026年4月20日", "2026年3月20日报送", "总分", str(w.ra.score), "优秀", "1/6",
                     b["ranking"]["explanation"], "第1版", "本企业得分", "上年得分", "社区中位数",
                     "2024年度绩效考核", "纳税总额", "每满¥30,000.00计1分", "单位面积税收（亩产论英雄）",
                     "专家评分5.5、5.0，平均=5.25分", "封顶", "可于2026年5月7日前"):
        assert nospace(expected) in text, expected
    for d in b["dimensions"]:  # every dimension and indicator with its points and arithmetic
        assert f"{d['label']}（满分{d['weight']}）{d['score']}" in text, d["label"]
        for i in d["indicators"]:
            assert nospace(i["arithmetic"]) in text, i["key"]
            assert f"{i['cap']}{i['points']}" in text, i["key"]
    # last year and the campaign median, per dimension and in total
    last = {d["key"]: d["score"] for d in session.get(Result, _result_of(session, w.last, w.a).id).breakdown["dimensions"]}
    economic = next(d for d in b["dimensions"] if d["key"] == "economic")
    change = D(economic["score"]) - D(last["economic"])
    assert f"{economic['score']}{D(economic['score']) / D(economic['weight']) * 100:.1f}%{last['economic']}{change:+.2f}" in text
    scores = sorted(r.score for r in session.scalars(sa.select(Result).where(Result.campaign_id == w.campaign.id,
                                                                             Result.current)))
    median = (scores[2] + scores[3]) / 2
    assert f"{median:.2f}" in text and f"+{w.ra.score - median:.2f}" in text
    assert "审计报告与税务记录不符" not in text  # another company's veto facts never appear
    assert cjk(data)

    # the same data: the stored document again
    assert get_pdf(client, f"/assessment/results/{w.ra.id}/report.pdf") == data


def _result_of(session, campaign, company) -> Result:
    return session.scalar(sa.select(Result).where(Result.campaign_id == campaign.id, Result.company_id == company.id,
                                                  Result.current))


def test_report_of_a_revised_result_shows_the_appeal(client, login, session, docs):
    w = docs
    login(w.members[w.c.id])
    text = pdf_text(get_pdf(client, f"/assessment/results/{w.rc.id}/report.pdf", "assessment-report-revised"))
    for expected in (w.c.name, "第2版（经申诉复核修订", f"第1版为{w.rc1.score}分", str(w.rc.score),
                     rules.GRADE_LABELS[w.rc.grade.value], "申诉情况", "技术创新水平评分未考虑2025年新授权的发明专利。",
                     "申诉成立，结果已修订", "2026年4月30日", "申诉复核调整：原1.25分，调整为5.00分"):
        assert nospace(expected) in text, expected
    assert "上年结果：2024年度绩效考核" in text
    # the earlier revision is not printed any more
    assert client.get(f"/assessment/results/{w.rc1.id}/report.pdf").status_code == 409


def test_report_only_once_published(client, login, session, docs):
    w = docs
    w.campaign.state = C.CONFIRMED
    login(w.members[w.a.id])
    assert client.get(f"/assessment/results/{w.ra.id}/report.pdf").status_code == 404  # not visible to them yet
    login(w.operator)
    resp = client.get(f"/assessment/results/{w.ra.id}/report.pdf")
    assert resp.status_code == 409 and "published" in resp.text
    assert issued(session, "assessment_report", "assessment_filing", w.ra.filing_id) == []


def test_report_of_a_vetoed_company_names_the_item(client, login, session, docs):
    w = docs
    login(w.members[w.e.id])
    text = pdf_text(get_pdf(client, f"/assessment/results/{w.re.id}/report.pdf", "assessment-report-veto"))
    assert "一票否决事项：提供虚假材料" in text and "不合格" in text
    assert w.re.rank == 6 and "6/6" in text  # after every company without a veto, even the one that did not file
    assert "审计报告与税务记录不符" not in text  # the facts found stay with the staff


def test_report_of_a_company_that_did_not_file(client, login, session, docs):
    w = docs
    login(w.operator)
    text = pdf_text(get_pdf(client, f"/assessment/results/{w.rf.id}/report.pdf", "assessment-report-lapsed"))
    for expected in (w.f.name, "截止2026年3月31日未报送考核材料", "未填报营业收入，本项计0分", "未报送，本项计0分",
                     f"{w.rf.score}", "不合格", "本企业无上一年度已公布的考核结果，不作比较"):
        assert nospace(expected) in text, expected


# --- 年度优秀入驻企业 ----------------------------------------------------------------------------------------

def test_certificate_for_an_excellent_company(client, login, session, docs):
    w = docs
    login(w.members[w.a.id])
    data = get_pdf(client, f"/assessment/results/{w.ra.id}/certificate.pdf", "assessment-certificate")
    text = pdf_text(data)
    [doc] = issued(session, "excellence_certificate", "assessment_filing", w.ra.filing_id)
    for expected in ("荣誉证书", doc.number, "兹授予", w.a.name, w.a.credit_code, "2025年度优秀入驻企业",
                     f"综合得分{w.ra.score}分", "在6家参评企业中排名第1名", "考核等次为优秀", "2026年4月20日"):
        assert nospace(expected) in text, expected
    assert doc.number.startswith("SX-YX-") and cjk(data)
    page = client.get(f"/verify/{doc.verify_code}")
    assert page.status_code == 200 and doc.number in page.text


def test_certificate_refused_below_excellent(client, login, session, docs):
    w = docs
    assert w.rb.grade == Grade.GOOD and w.rb.score >= 80  # good enough on points, not in the top place
    login(w.members[w.b.id])
    resp = client.get(f"/assessment/results/{w.rb.id}/certificate.pdf")
    assert resp.status_code == 409 and "Excellent" in resp.text
    login(w.operator)
    for r in (w.rb, w.rd, w.re):
        assert client.get(f"/assessment/results/{r.id}/certificate.pdf").status_code == 409
    w.campaign.kind = CampaignKind.INTERIM
    assert client.get(f"/assessment/results/{w.ra.id}/certificate.pdf").status_code == 409
    assert session.scalar(sa.select(sa.func.count()).select_from(IssuedDocument).where(
        IssuedDocument.kind == "excellence_certificate")) == 0


# --- 整改通知书 ---------------------------------------------------------------------------------------------

def test_rectification_notice(client, login, session, docs):
    w = docs
    login(w.members[w.d.id])
    data = get_pdf(client, f"/assessment/rectifications/{w.rect.id}/notice.pdf", "assessment-rectification")
    text = pdf_text(data)
    [doc] = issued(session, "rectification_notice", "assessment_rectification", w.rect.id)
    for expected in ("整改通知书", doc.number, f"{w.d.name}：", "2025年度绩效考核", f"考核总分为{w.rd.score}分",
                     "不合格", "1.研发投入强度（得分0.00/8.00）", "2.新增知识产权（得分0.00/10.00）",
                     f"整改期限：2026年4月21日至{format_date(w.rect.due_on)}（20个工作日）", "连续两次考核不合格的，予以清退",
                     "回执", "签收人"):
        assert nospace(expected) in text, expected
    assert doc.number.startswith("SX-ZG-") and doc.company_id == w.d.id and cjk(data)

    w.rect.state = RectificationState.COMPLETED  # still printable: the notice itself does not change
    assert get_pdf(client, f"/assessment/rectifications/{w.rect.id}/notice.pdf") == data
    w.rect.state = RectificationState.CANCELLED
    login(w.operator)
    assert client.get(f"/assessment/rectifications/{w.rect.id}/notice.pdf").status_code == 409


# --- 排名表 -------------------------------------------------------------------------------------------------

def test_ranking_table(client, login, session, docs):
    w = docs
    login(w.supervisor)
    data = get_pdf(client, f"/assessment/campaigns/{w.campaign.id}/ranking.pdf", "assessment-ranking")
    text = pdf_text(data)
    [doc] = issued(session, "assessment_ranking", "assessment_campaign", w.campaign.id)
    assert doc.number.startswith("SX-PM-") and doc.company_id is None
    for expected in ("绩效考核排名表", doc.number, "内部资料", "2025年度绩效考核", "已公布", "优秀良好合格不合格合计",
                     "经济效益", "创新能力", "人才集聚", "成长潜力", "合规与配合", "前20%", "即前1名",
                     "经申诉复核修订（第2版）", "中位数", "是"):
        assert nospace(expected) in text, expected
    current = sorted((w.ra, w.rb, w.rc, w.rd, w.re, w.rf), key=lambda r: (r.rank, -r.score))
    positions = [text.index(nospace(r.company.name)) for r in current]
    assert positions == sorted(positions)  # in rank order, the vetoed company after the others
    for r in current:
        dims = "".join(d["score"] for d in r.breakdown["dimensions"])
        assert f"{r.rank}{nospace(r.company.name)}" in text and dims + str(r.score) in text, r.company.name
    counts = {g: sum(1 for r in current if r.grade.value == g) for g in rules.GRADES}
    assert f"{counts['excellent']}{counts['good']}{counts['pass']}{counts['fail']}6" in text
    assert str(w.rc1.score) + rules.GRADE_LABELS[w.rc1.grade.value] not in text or w.rc1.score == w.rc.score
    assert cjk(data)


def test_a_long_ranking_repeats_its_header_on_every_page(client, login, session, docs):
    w = docs
    campaign = _campaign(session, w.scheme, "2025年度绩效考核（扩大）", 2025, C.CONFIRMED, None)
    companies = [make_company(session, name=f"排名表第{n}号智能装备科技有限公司") for n in range(1, 61)]
    _rank(session, campaign, [(c, MID, None, LOW_EXPERTS if n % 2 else EXPERTS, None) for n, c in enumerate(companies)])
    login(w.operator)
    data = get_pdf(client, f"/assessment/campaigns/{campaign.id}/ranking.pdf", "assessment-ranking-long")
    pages = ["".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages]
    assert len(pages) >= 3
    assert all("排名企业名称经济效益" in p for p in pages[1:])
    assert "已经工作组组长确认，待公布" in pages[0] and "中位数" in pages[-1] and "确认（工作组组长）" in pages[-1]


def test_ranking_only_once_ranked(client, login, session, docs):
    w = docs
    w.campaign.state = C.REVIEWING
    login(w.operator)
    assert client.get(f"/assessment/campaigns/{w.campaign.id}/ranking.pdf").status_code == 409
    w.campaign.state = C.RANKED
    text = pdf_text(get_pdf(client, f"/assessment/campaigns/{w.campaign.id}/ranking.pdf"))
    assert "已评分排名，待工作组组长确认" in text
    w.campaign.state = C.CONFIRMED  # the state is part of the table: the earlier one is superseded
    assert "已经工作组组长确认，待公布" in pdf_text(get_pdf(client, f"/assessment/campaigns/{w.campaign.id}/ranking.pdf"))
    first, second = issued(session, "assessment_ranking", "assessment_campaign", w.campaign.id)
    assert first.superseded_by_id == second.id


# --- who may fetch them -------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["report", "certificate"])
def test_result_documents_access(name, client, login, session, docs):
    w = docs
    path = f"/assessment/results/{w.ra.id}/{name}.pdf"
    assert "/login" in client.get(path).headers.get("Location", "")
    login(w.members[w.b.id])  # another company
    assert client.get(path).status_code == 404
    login(make_user(session, Role.REVIEWER))
    assert client.get(path).status_code == 403
    login(make_user(session, Role.COMPANY, company=w.a))
    assert client.get(path).status_code == 200
    login(w.supervisor)
    assert client.get(path).status_code == 200
    assert client.get(f"/assessment/results/999999/{name}.pdf").status_code == 404


def test_rectification_and_campaign_documents_access(client, login, session, docs):
    w = docs
    notice = f"/assessment/rectifications/{w.rect.id}/notice.pdf"
    ranking = f"/assessment/campaigns/{w.campaign.id}/ranking.pdf"
    export = f"/assessment/campaigns/{w.campaign.id}/export.xlsx"
    for path in (notice, ranking, export):
        assert "/login" in client.get(path).headers.get("Location", "")
    login(w.members[w.a.id])
    assert client.get(notice).status_code == 404
    assert client.get(ranking).status_code == 403 and client.get(export).status_code == 403
    login(make_user(session, Role.REVIEWER))
    assert [client.get(p).status_code for p in (notice, ranking, export)] == [403, 403, 403]
    login(w.supervisor)
    assert [client.get(p).status_code for p in (notice, ranking, export)] == [200, 200, 200]
    assert client.get("/assessment/campaigns/999999/export.xlsx").status_code == 404
    assert client.get("/assessment/rectifications/999999/notice.pdf").status_code == 404


# --- Excel ----------------------------------------------------------------------------------------------------

def _rows(ws) -> list[dict]:
    header = [c.value for c in ws[1]]
    return [dict(zip(header, row, strict=True)) for row in ws.iter_rows(min_row=2, values_only=True)]


def test_export_of_a_campaign(client, login, session, docs):
    w = docs
    login(w.operator)
    resp = client.get(f"/assessment/campaigns/{w.campaign.id}/export.xlsx")
    assert resp.status_code == 200 and resp.mimetype == XLSX
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "assessment-campaign.xlsx").write_bytes(resp.data)
    wb = load_workbook(io.BytesIO(resp.data))
    assert wb.sheetnames == ["填报数据", "考核结果", "指标明细"]

    filings = {r["企业名称"]: r for r in _rows(wb["填报数据"])}
    assert len(filings) == 6
    a = filings[w.a.name]
    assert (a["统一社会信用代码"], a["填报状态"], a["营业收入（元）"], a["纳税总额（元）"], a["从业人员"], a["发明专利"]) == (
        w.a.credit_code, "已核实", 5200000, 420000, 62, 3)  # as filed; the correction beside it
    assert a["核查更正"] == "纳税总额：¥420,000.00 → ¥410,000.00（按完税证明更正）"
    assert a["首次报送时间"] == dt.datetime(2026, 3, 20, 10, 0)
    lapsed = filings[w.f.name]
    assert lapsed["填报状态"] == "逾期未报送" and all(lapsed[h] is None for h in ("营业收入（元）", "从业人员"))
    assert filings["'" + EVIL]["一票否决事项"] == "提供虚假材料：审计报告与税务记录不符"
    money = wb["填报数据"]["D2"]
    assert money.data_type == "n" and money.number_format == "#,##0.00"

    results = _rows(wb["考核结果"])
    assert [r["企业名称"] for r in results] == [r.company.name if r.company is not w.e else "'" + EVIL for r in sorted(
        (w.ra, w.rb, w.rc, w.rd, w.re, w.rf), key=lambda r: (r.rank, -r.score, r.company_id))]
    top = results[0]
    assert (top["排名"], top["总分"], top["等次"], top["一票否决"], top["结果版本"]) == (1, float(w.ra.score), "优秀", "否", 1)
    dims = {d["label"]: d for d in w.ra.breakdown["dimensions"]}
    assert top["经济效益（30.00分）"] == float(dims["经济效益"]["score"])
    revised = next(r for r in results if r["企业名称"] == w.c.name)
    assert revised["结果版本"] == 2 and revised["修订理由"].startswith("申诉复核")
    assert next(r for r in results if r["企业名称"] == "'" + EVIL)["一票否决"] == "是"

    lines = _rows(wb["指标明细"])
    assert len(lines) == 6 * len(w.scheme.config["indicators"])
    for r in results:  # the indicator points add up to each total
        points = sum(D(str(x["得分"])) for x in lines if x["企业名称"] == r["企业名称"])
        assert points == D(str(r["总分"])).quantize(D("0.01")), r["企业名称"]
    tax = next(x for x in lines if x["企业名称"] == w.a.name and x["指标"] == "纳税总额")
    assert tax["计算过程"].startswith("纳税总额 ¥410,000.00，每满 ¥30,000.00 计 1 分") and tax["封顶"] == "是"
    adjusted = next(x for x in lines if x["企业名称"] == w.c.name and x["指标"] == "技术创新水平")
    assert (adjusted["得分"], adjusted["申诉调整前得分"], adjusted["计分方式"]) == (5, 1.25, "专家评分")


def test_export_neutralises_formulas(client, login, session, docs):
    w = docs
    filing = session.get(Filing, w.ra.filing_id)
    filing.company_note = "+86 769 说明"
    filing.breach_note = "@SUM(1+1)"
    login(w.operator)
    wb = load_workbook(io.BytesIO(client.get(f"/assessment/campaigns/{w.campaign.id}/export.xlsx").data))
    texts = [c.value for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "'" + EVIL in texts and "'+86 769 说明" in texts and "'@SUM(1+1)" in texts
    assert not any(t.startswith(("=", "+", "-", "@")) for t in texts)
