"""The whole admission through HTTP, as the people would click it: from sign-up to a signed
lease with the notice, certificate and review summary verifiable; then a rejection and a lapse."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from incubator.accounts.models import User
from incubator.admission import services
from incubator.admission.models import Application
from incubator.admission.models import ApplicationState as S
from incubator.admission.models import AssignmentState as A
from incubator.audit.models import AuditEntry
from incubator.certificates.models import IssuedDocument
from incubator.companies.models import Company, CompanyStatus
from incubator.companies.services import COUNT_FIELDS
from incubator.core.formatting import today
from incubator.core.roles import Role
from incubator.demo import tiny_pdf
from incubator.leases.models import LeaseState
from incubator.spaces.models import UnitStatus

from ..factories import credit_code
from .flow import GOOD_SCORES, MINUTES

DONE = (302, 303)


def post(client, url, data=None, status=DONE, **kw):
    resp = client.post(url, data=data or {}, **kw)
    assert resp.status_code in (status if isinstance(status, tuple) else (status,)), \
        (url, resp.status_code, resp.get_data(as_text=True)[:2000])
    return resp


def upload(client, app_id, key, content=None, name=None, status=DONE):
    return post(client, f"/admission/{app_id}/materials", status=status, content_type="multipart/form-data",
                data={"category": key, "file": (io.BytesIO(content or tiny_pdf(f"{key} for {app_id}")),
                                                name or f"{key}.pdf")})


def reload(session, app_id) -> Application:
    session.expire_all()
    return session.get(Application, app_id)


def pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def review_as(client, login, session, reviewer, app, scores=GOOD_SCORES, overall="整体良好，建议入驻。"):
    """The reviewer opens the file (sent to declare first), declares no conflict and submits scores."""
    login(reviewer)
    assignment = next(a for a in reload(session, app.id).assignments if a.reviewer_id == reviewer.id)
    resp = client.get(f"/admission/{app.id}")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/admission/reviews/{assignment.id}")
    post(client, f"/admission/reviews/{assignment.id}", {"step": "declare", "conflict": "none"})
    assert client.get(f"/admission/{app.id}").status_code == 200  # the file, once declared
    sheet = {"step": "scores", "action": "submit", "overall": overall}
    for key, value in scores.items():
        sheet[f"score_{key}"], sheet[f"comment_{key}"] = str(value), f"{key}：评语"
    post(client, f"/admission/reviews/{assignment.id}", sheet)
    session.expire_all()
    assert session.get(type(assignment), assignment.id).state == A.SUBMITTED


def test_from_sign_up_to_a_signed_lease(client, session, login, admission_world):
    w = admission_world  # the staff, the reviewers and the units; the new company signs up below
    day = today()

    # 1. sign up: the company (an applicant) and its first member, signed in
    code = credit_code()
    post(client, "/register", {"company_name": "东莞水乡视觉智能科技有限公司", "credit_code": code,
                               "contact_name": "陈晓", "contact_phone": "13912345678",
                               "contact_email": "chen@example.cn", "username": "chenxiao",
                               "password": "Sxzn@20261", "confirm": "Sxzn@20261"})
    company = session.scalar(sa.select(Company).where(Company.credit_code == code))
    member = session.scalar(sa.select(User).where(User.username == "chenxiao"))
    assert company.status == CompanyStatus.APPLICANT and member.company_id == company.id

    # 2. complete the profile (founded 14 months ago, so two years' statements are asked for)
    founded = day - dt.timedelta(days=430)
    profile = {"name": company.name, "credit_code": code, "legal_rep": "陈晓", "registered_capital": "5,000,000",
               "founded_on": founded.isoformat(), "track": "digital", "sub_field": "人工智能",
               "description": "工业视觉检测", "contact_name": "陈晓", "contact_phone": "13912345678",
               "contact_email": "chen@example.cn", "address": "东莞市麻涌镇", "version": company.version,
               **{name: "3" for name in COUNT_FIELDS}}
    post(client, f"/companies/{company.id}/edit", profile)
    session.expire_all()
    assert session.get(Company, company.id).founded_on == founded

    # 3. the guided application: the draft is saved, the checklist shows what is missing
    assert client.get("/admission/new").status_code == 200
    resp = post(client, "/admission/new", {
        "project_name": "工业视觉质检平台", "project_summary": "基于深度学习的缺陷检测。", "track": "digital",
        "carrier_id": w.kc.id, "unit_type": "office", "area_requested": "190", "team_summary": "核心团队8人",
        "revenue_last_year": "3,200,000.00", "tax_last_year": "150000", "rd_expense_last_year": "900000",
        "financing_total": "", "ip_summary": "发明专利2项", "expected_jobs": "30", "agent_id": "0",
        "will_move_registration": "y"})
    app = session.scalar(sa.select(Application).where(Application.company_id == company.id))
    assert resp.headers["Location"].endswith(f"/admission/{app.id}#materials")
    assert app.state == S.DRAFT and app.area_requested == Decimal("190.00") and app.financing_total is None
    required = [i["key"] for i in services.materials(session, app) if i.get("required")]
    assert "financial_statements" in required
    post(client, f"/admission/{app.id}/submit", status=400)  # nothing uploaded yet
    assert reload(session, app.id).state == S.DRAFT

    # 4. upload every material (a disguised executable is refused), then submit
    upload(client, app.id, "business_licence", content=b"MZ\x90\x00" + b"\x00" * 200, name="licence.pdf", status=400)
    for key in required:
        upload(client, app.id, key)
    assert not [i for i in services.materials(session, reload(session, app.id)) if i["missing"]]
    post(client, f"/admission/{app.id}/submit")
    app = reload(session, app.id)
    assert app.state == S.SUBMITTED and app.snapshot["application"]["project_name"] == "工业视觉质检平台"

    # 5. the operator returns one item for supplement with a reason; the company sees it and the deadline
    login(w.operator)
    page = client.get(f"/admission/{app.id}").get_data(as_text=True)
    assert "工业视觉质检平台" in page
    post(client, f"/admission/{app.id}/return", {"comment": "请补充商业计划书", "reason_business_plan": "缺少三年财务预测"})
    app = reload(session, app.id)
    assert app.state == S.RETURNED and app.supplement_items == {"business_plan": "缺少三年财务预测"}
    assert app.supplement_due_on > day
    login(member)
    page = client.get(f"/admission/{app.id}").get_data(as_text=True)
    assert "缺少三年财务预测" in page and "请补充商业计划书" in page
    assert app.supplement_due_on.isoformat() in page

    # 6. the company uploads the supplement (a new version of the item) and resubmits
    upload(client, app.id, "business_plan", content=tiny_pdf("business plan with forecast"))
    plan = next(i for i in services.materials(session, reload(session, app.id)) if i["key"] == "business_plan")
    assert plan["documents"][-1].current_version_no == 2
    post(client, f"/admission/{app.id}/submit")
    assert reload(session, app.id).state == S.RESUBMITTED

    # 7. the operator accepts, assigns three reviewers and starts the review
    login(w.operator)
    post(client, f"/admission/{app.id}/accept")
    post(client, f"/admission/{app.id}/reviewers", {"reviewer_ids": [r.id for r in w.reviewers]})
    post(client, f"/admission/{app.id}/start-review")
    app = reload(session, app.id)
    assert app.state == S.EXPERT_REVIEW and [a.reviewer_id for a in app.assignments] == [r.id for r in w.reviewers]

    # 8. each reviewer declares no conflict and submits the scores
    for reviewer in w.reviewers:
        review_as(client, login, session, reviewer, app)

    # 9. the operator closes the review, the lead recommends with minutes, the deputy admits
    login(w.operator)
    post(client, f"/admission/{app.id}/close-review")
    login(w.lead)
    post(client, f"/admission/{app.id}/recommend", {"recommendation": "admit", "minutes": MINUTES})
    login(w.deputy)
    post(client, f"/admission/{app.id}/decide", {"decision": "admit", "reason": "同意入驻"})
    app = reload(session, app.id)
    assert app.state == S.ADMITTED and app.joint_minutes == MINUTES and app.decision_reason == "同意入驻"

    # 10. the operator allocates two vacant offices (only those are offered) and signs the lease
    login(w.operator)
    page = client.get(f"/admission/{app.id}/allocate").get_data(as_text=True)
    assert w.offices[0].number in page and w.factory.number not in page
    chosen = w.offices[:2]
    post(client, f"/admission/{app.id}/allocate", {
        "unit_ids": [u.id for u in chosen], "start_on": (day + dt.timedelta(days=10)).isoformat(), "term_years": "3",
        "rent_per_m2": "45.00", "property_fee_per_m2": "6.50", "deposit": "20,000.00", "billing_cycle": "quarterly"})
    app = reload(session, app.id)
    lease = app.lease
    assert lease.state == LeaseState.DRAFT and lease.deposit == Decimal("20000.00")
    assert lease.end_on == lease.start_on.replace(year=lease.start_on.year + 3) - dt.timedelta(days=1)
    assert {lu.unit.status for lu in lease.units} == {UnitStatus.RESERVED}
    post(client, f"/admission/{app.id}/sign-lease")
    app = reload(session, app.id)
    assert app.lease.state == LeaseState.SIGNED
    assert {lu.unit.status for lu in app.lease.units} == {UnitStatus.LEASED}
    assert app.company.status == CompanyStatus.TENANT and app.company.moved_in_on == day

    # 11. the documents: PDFs for staff and (notice, certificate) for the company, each verifiable
    texts = {}
    for name in ("notice", "certificate", "review-summary"):
        resp = client.get(f"/admission/{app.id}/{name}.pdf")
        assert resp.status_code == 200 and resp.mimetype == "application/pdf", name
        texts[name] = pdf_text(resp.data)
    assert company.name in texts["certificate"] and company.name in texts["notice"]
    assert all(r.display_name in texts["review-summary"] for r in w.reviewers)
    login(member)
    for name in ("notice", "certificate"):
        resp = client.get(f"/admission/{app.id}/{name}.pdf")
        assert resp.status_code == 200 and resp.mimetype == "application/pdf", name
    docs = session.scalars(sa.select(IssuedDocument).where(IssuedDocument.subject_type == "application",
                                                           IssuedDocument.subject_id == app.id)).all()
    assert len(docs) == 3 and all(d.company_id == company.id for d in docs)
    for doc in docs:
        assert doc.number in texts["notice"] + texts["certificate"] + texts["review-summary"]
        page = client.get(f"/verify/{doc.verify_code}")
        assert page.status_code == 200 and "Genuine document" in page.get_data(as_text=True)
        assert ">Valid<" in page.get_data(as_text=True)

    # every step is in the application's history and the audit log
    actions = set(session.scalars(sa.select(AuditEntry.action).where(AuditEntry.object_type == "applications",
                                                                     AuditEntry.object_id == app.id)))
    assert {"application.create", "application.submit", "application.return", "application.resubmit",
            "application.accept", "application.assign_reviewers", "application.start_review",
            "application.close_review", "application.recommend", "application.admit",
            "application.allocate"} <= actions


def test_rejection_through_the_pages(client, session, login, admission_world):
    w = admission_world
    app = w.advance(S.JOINT_REVIEW)
    login(w.lead)
    post(client, f"/admission/{app.id}/recommend", {"recommendation": "reject", "minutes": ""}, status=400)
    post(client, f"/admission/{app.id}/recommend", {"recommendation": "reject", "minutes": "均分未达合格线，建议不予入驻。"})
    login(w.lead)
    post(client, f"/admission/{app.id}/decide", {"decision": "reject", "reason": "x"}, status=403)
    login(w.deputy)
    post(client, f"/admission/{app.id}/decide", {"decision": "reject", "reason": "  "}, status=400)
    assert reload(session, app.id).state == S.DECISION
    post(client, f"/admission/{app.id}/decide", {"decision": "reject", "reason": "与社区主导产业契合度不足"})
    app = reload(session, app.id)
    assert app.state == S.REJECTED and app.decision_reason == "与社区主导产业契合度不足"

    login(w.member)
    page = client.get(f"/admission/{app.id}").get_data(as_text=True)
    assert "与社区主导产业契合度不足" in page
    assert "均分未达合格线" not in page  # the joint review's internal minutes are not the company's
    for name in ("notice", "certificate"):
        assert client.get(f"/admission/{app.id}/{name}.pdf").status_code == 409
    post(client, f"/admission/{app.id}/withdraw", status=409)
    assert client.get("/admission/new").status_code == 200  # a rejected company may apply again
    login(w.operator)
    post(client, f"/admission/{app.id}/allocate", {"unit_ids": [w.offices[0].id], "start_on": today().isoformat(),
                                                   "term_years": "3"}, status=400)
    assert w.offices[0].status == UnitStatus.VACANT and reload(session, app.id).lease_id is None


def test_lapse_through_the_pages_and_the_nightly_job(app, client, session, login, admission_world):
    w = admission_world
    login(w.member)
    post(client, f"/admission/{w.app.id}/submit")
    login(w.operator)
    post(client, f"/admission/{w.app.id}/return", {"comment": "材料不全", "reason_team_cvs": "缺少学历证明"})
    due = reload(session, w.app.id).supplement_due_on
    assert due > today()

    runner = app.test_cli_runner()
    assert "0 application(s) lapsed" in runner.invoke(args=["lapse-applications"]).output
    assert reload(session, w.app.id).state == S.RETURNED
    # the deadline passes without a supplement
    session.execute(sa.update(Application).where(Application.id == w.app.id)
                    .values(supplement_due_on=today() - dt.timedelta(days=1)))
    session.commit()
    result = runner.invoke(args=["lapse-applications"])
    assert f"1 application(s) lapsed: {w.app.number}" in result.output
    lapsed = reload(session, w.app.id)
    assert lapsed.state == S.LAPSED

    login(w.member)
    page = client.get(f"/admission/{w.app.id}").get_data(as_text=True)
    assert "Lapsed" in page
    post(client, f"/admission/{w.app.id}/submit", status=(400, 409))
    upload(client, w.app.id, "team_cvs", status=(400, 403, 409))
    assert reload(session, w.app.id).state == S.LAPSED
    assert client.get("/admission/new").status_code == 200  # the company may start again


@pytest.mark.parametrize("who", ["other_member", "reviewer", "supervisor"])
def test_outsiders_cannot_take_the_steps(client, session, login, admission_world, who):
    from ..factories import make_user

    w = admission_world
    app = w.advance(S.SUBMITTED)
    user = {"other_member": lambda: make_user(session, Role.COMPANY),
            "reviewer": lambda: w.reviewers[0],
            "supervisor": lambda: make_user(session, Role.SUPERVISOR)}[who]()
    login(user)
    for url, data in ((f"/admission/{app.id}/accept", {}), (f"/admission/{app.id}/return", {"comment": "x"}),
                      (f"/admission/{app.id}/withdraw", {})):
        assert client.post(url, data=data).status_code in (403, 404), (who, url)
    assert reload(session, app.id).state == S.SUBMITTED
