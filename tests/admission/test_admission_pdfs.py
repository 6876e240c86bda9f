"""The admission documents: 入驻通知书, 入驻证书, 评审意见汇总表, the application form (PDF text
extracted with pypdf), their verification pages and who may download them; the Excel export."""
from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from pypdf import PdfReader

from incubator.admission import services
from incubator.admission.models import ApplicationState as S
from incubator.admission.models import IntakeRound
from incubator.certificates.models import IssuedDocument
from incubator.companies.models import CompanyStatus
from incubator.core.formatting import today
from incubator.core.roles import Role
from incubator.documents.models import Document

from ..factories import make_company, make_user
from .flow import MINUTES, application_data, upload_materials
from .reviewing import COMMENTS, admit_with_lease, review_panel

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EVIL = '=HYPERLINK("http://evil.example/x","点我领取补贴")'


def pdf_text(data: bytes) -> str:
    """The text of every page, without the line breaks and spaces layout puts in."""
    return "".join("".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages)


def issued(session, kind: str, app_id: int) -> list[IssuedDocument]:
    return list(session.scalars(sa.select(IssuedDocument).where(
        IssuedDocument.kind == kind, IssuedDocument.subject_type == "application",
        IssuedDocument.subject_id == app_id).order_by(IssuedDocument.id)))


@pytest.fixture
def admitted(session, admission_world):
    admit_with_lease(session, admission_world, admission_world.app)
    return admission_world


def _get_pdf(client, path):
    resp = client.get(path)
    assert resp.status_code == 200, resp.data[:300]
    assert resp.mimetype == "application/pdf"
    return resp


def test_admission_notice(client, login, session, admitted):
    w = admitted
    login(w.member)
    resp = _get_pdf(client, f"/admission/{w.app.id}/notice.pdf")
    text = pdf_text(resp.data)
    [doc] = issued(session, "admission_notice", w.app.id)
    for expected in ("入驻通知书", w.company.name, doc.number, w.app.number, "工业视觉质检平台", "水乡科创中心",
                     "办公", "200.00m²", w.app.lease.number, "KC-1栋-101", "签订租赁合同", "15个工作日"):
        assert expected in text, expected
    assert doc.number.startswith("SX-RT-")

    # unchanged data: the stored document again, no new number
    again = _get_pdf(client, f"/admission/{w.app.id}/notice.pdf")
    assert again.data == resp.data
    assert len(issued(session, "admission_notice", w.app.id)) == 1
    page = client.get(f"/verify/{doc.verify_code}")
    assert page.status_code == 200 and doc.number in page.text and w.company.name in page.text


def test_admission_certificate_valid_while_tenant(client, login, session, admitted):
    w = admitted
    login(w.member)
    text = pdf_text(_get_pdf(client, f"/admission/{w.app.id}/certificate.pdf").data)
    [doc] = issued(session, "admission_certificate", w.app.id)
    for expected in ("入驻证书", w.company.name, w.company.credit_code, doc.number, "水乡科创中心", "数字经济",
                     "特发此证"):
        assert expected in text, expected
    assert doc.valid_until == w.app.lease.end_on

    w.company.status = CompanyStatus.EXITED
    session.commit()
    resp = client.get(f"/admission/{w.app.id}/certificate.pdf")
    assert resp.status_code == 409 and "left the community" in resp.text
    assert len(issued(session, "admission_certificate", w.app.id)) == 1


def test_review_summary_has_every_sheet(client, login, session, admitted):
    w = admitted
    login(w.operator)
    text = pdf_text(_get_pdf(client, f"/admission/{w.app.id}/review-summary.pdf").data)
    [doc] = issued(session, "review_summary", w.app.id)
    for expected in ("评审意见汇总表", w.company.name, doc.number, "专家1", "专家2", "专家3", "85.5", "72.0", "64.0",
                     *COMMENTS, "总体意见2", "73.83", "21.5", "达到合格线", "建议准予入驻", MINUTES, "准予入驻",
                     "同意入驻"):
        assert "".join(expected.split()) in text, expected


def test_review_summary_only_after_the_expert_review(client, login, session, admission_world):
    w = admission_world
    review_panel(session, w, w.app, close=False)
    login(w.operator)
    resp = client.get(f"/admission/{w.app.id}/review-summary.pdf")
    assert resp.status_code == 409
    assert issued(session, "review_summary", w.app.id) == []
    services.close_review(session, w.operator, w.app)
    session.commit()
    assert "评审意见汇总表" in pdf_text(_get_pdf(client, f"/admission/{w.app.id}/review-summary.pdf").data)


def test_application_form_as_submitted(client, login, session, admission_world):
    w = admission_world
    login(w.member)
    assert client.get(f"/admission/{w.app.id}/form.pdf").status_code == 409  # still a draft
    w.company.name = "<b>粗体</b>{{ 7*7 }}科技有限公司"
    w.advance(S.SUBMITTED)
    text = pdf_text(_get_pdf(client, f"/admission/{w.app.id}/form.pdf").data)
    [doc] = issued(session, "application_form", w.app.id)
    licence = session.scalar(sa.select(Document).where(Document.subject_id == w.app.id,
                                                       Document.category == "business_licence"))
    for expected in ("入驻申请表", doc.number, w.app.number, "<b>粗体</b>{{7*7}}科技有限公司", "工业视觉质检平台",
                     "¥3,200,000.00", "营业执照", "商业计划书", licence.versions[-1].sha256[:16], "承诺将工商"):
        assert expected in text, expected
    assert "49" not in text.split("科技有限公司")[0]  # the name is data, never evaluated

    # the form shows the file as submitted: a later change of the company's name does not alter it
    w.company.name = "改名后的公司"
    session.commit()
    assert _get_pdf(client, f"/admission/{w.app.id}/form.pdf").data
    assert len(issued(session, "application_form", w.app.id)) == 1


ROUTES = ["notice", "certificate", "review-summary", "form"]


@pytest.mark.parametrize("name", ROUTES)
def test_pdf_access(name, client, login, session, admitted):
    w = admitted
    path = f"/admission/{w.app.id}/{name}.pdf"
    assert "/login" in client.get(path).headers.get("Location", "")
    outsider = make_user(session, Role.COMPANY, company=make_company(session))
    login(outsider)
    assert client.get(path).status_code == (403 if name == "review-summary" else 404)
    login(w.reviewers[0])  # even an assigned reviewer
    assert client.get(path).status_code == 403
    login(w.member)
    assert client.get(path).status_code == (403 if name == "review-summary" else 200)
    login(make_user(session, Role.SUPERVISOR))
    assert client.get(path).status_code == 200


def test_pdf_of_unknown_application(client, login, session, admission_world):
    login(admission_world.operator)
    assert client.get("/admission/999999/notice.pdf").status_code == 404
    assert client.get("/admission/99999999999/notice.pdf").status_code == 404


def test_notice_only_after_admission(client, login, session, admission_world):
    w = admission_world
    w.advance(S.DECISION)
    login(w.member)
    assert client.get(f"/admission/{w.app.id}/notice.pdf").status_code == 409
    assert client.get(f"/admission/{w.app.id}/certificate.pdf").status_code == 409


# --- Excel ----------------------------------------------------------------------------------------------

def _second_application(session, w, name=EVIL):
    company = make_company(session, name=name, status=CompanyStatus.APPLICANT, founded_on=today())
    member = make_user(session, Role.COMPANY, company=company)
    app = services.create_application(session, member, company, application_data(w.kc.id))
    upload_materials(session, member, app)
    services.submit_application(session, member, app)
    session.commit()
    return app


def _workbook(client, query=""):
    resp = client.get(f"/admission/export.xlsx{query}")
    assert resp.status_code == 200, resp.data[:300]
    assert resp.mimetype == XLSX
    return load_workbook(io.BytesIO(resp.data))


def _rows(ws) -> list[dict]:
    header = [c.value for c in ws[1]]
    return [dict(zip(header, row, strict=True)) for row in ws.iter_rows(min_row=2, values_only=True)]


def test_export_contents(client, login, session, admitted):
    w = admitted
    other = _second_application(session, w)
    login(w.operator)
    wb = _workbook(client)
    assert wb.sheetnames == ["申请汇总", "评分明细"]
    rows = {r["申请编号"]: r for r in _rows(wb["申请汇总"])}
    row = rows[w.app.number]
    assert row["企业名称"] == w.company.name and row["统一社会信用代码"] == w.company.credit_code
    assert row["载体"] == "水乡科创中心" and row["产业方向"] == "数字经济" and row["状态"] == "准予入驻"
    assert (row["专家1总分"], row["专家2总分"], row["专家3总分"]) == (85.5, 72, 64)
    assert row["技术与创新（均分）"] == pytest.approx(19.17) and row["平均分"] == pytest.approx(73.83)
    assert row["极差"] == 21.5 and row["是否达标"] == "是"
    assert (row["联合评审建议"], row["决定"], row["决定理由"]) == ("建议准予入驻", "准予入驻", "同意入驻")
    assert rows[other.number]["状态"] == "已提交" and rows[other.number]["专家1总分"] is None

    details = _rows(wb["评分明细"])
    assert len(details) == 3 * 7  # six criteria and the overall line per reviewer
    first = next(d for d in details if d["评审专家"] == "专家1" and d["评分项"] == "技术与创新")
    assert (first["满分"], first["得分"], first["评语"]) == (25, 22.5, COMMENTS[0])


def test_export_neutralises_formulas(client, login, session, admitted):
    w = admitted
    other = _second_application(session, w)
    a = w.app.assignments[0]
    a.overall_comment = "@SUM(1+1) 请复核"
    a.scores[0].comment = "-2+3 分差较大"
    session.commit()
    login(w.operator)
    wb = _workbook(client)
    summary = wb["申请汇总"]
    cell = next(c for c in summary["B"] if c.value and "HYPERLINK" in c.value)
    assert cell.value == "'" + EVIL and cell.data_type == "s"
    assert summary.cell(row=cell.row, column=1).value == other.number
    texts = [c.value for row in wb["评分明细"].iter_rows() for c in row if isinstance(c.value, str)]
    assert "'@SUM(1+1) 请复核" in texts and "'-2+3 分差较大" in texts
    assert not any(t.startswith(("=", "+", "-", "@")) for t in texts)


def test_export_filters(client, login, session, admitted):
    w = admitted
    other = _second_application(session, w, name="第二申请科技有限公司")
    intake = IntakeRound(name="2026年第四批", opens_on=today(), closes_on=today())
    session.add(intake)
    session.flush()
    other.round_id = intake.id
    session.commit()
    login(w.operator)

    def numbers(query):
        return [r["申请编号"] for r in _rows(_workbook(client, query)["申请汇总"])]

    assert sorted(numbers("")) == sorted([w.app.number, other.number])
    assert numbers(f"?round={intake.id}") == [other.number]
    assert numbers("?state=admitted") == [w.app.number]
    assert numbers(f"?carrier={w.zt.id}") == []
    assert numbers("?track=new_energy") == []
    assert sorted(numbers("?state=nonsense&carrier=abc&round=x")) == sorted([w.app.number, other.number])


def test_export_access(client, login, session, admission_world):
    w = admission_world
    w.advance(S.SUBMITTED)
    assert "/login" in client.get("/admission/export.xlsx").headers.get("Location", "")
    for who in (w.member, w.reviewers[0]):
        login(who)
        assert client.get("/admission/export.xlsx").status_code == 403
    login(make_user(session, Role.SUPERVISOR))
    wb = _workbook(client)
    assert [r["申请编号"] for r in _rows(wb["申请汇总"])] == [w.app.number]
