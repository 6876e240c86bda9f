"""The applying company's side through HTTP: the guided form, the checklist with uploads,
submission, a return with reasons and deadline, resubmission, withdrawal; bad input on every
field and upload; other companies' members, staff and exited companies kept out."""
from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from incubator.admission import services
from incubator.admission.models import Application
from incubator.admission.models import ApplicationState as S
from incubator.audit.models import AuditEntry
from incubator.companies.models import Agent, CompanyStatus, IndustryTrack
from incubator.core.calendar import working_days_between
from incubator.core.errors import DomainError
from incubator.core.formatting import today
from incubator.core.roles import Role
from incubator.demo import tiny_pdf
from incubator.documents.models import Document
from incubator.spaces.models import Carrier

from ..concurrency import race
from ..conftest import IS_PG
from ..factories import make_company, make_user
from .flow import application_data, pdf_upload

REQUIRED = ["business_licence", "legal_rep_id", "business_plan", "financial_statements", "ip_certificate",
            "team_cvs", "space_requirement"]


@pytest.fixture
def applicant(session, admission_world, login):
    """A second applicant (founded ~13 months ago: financial statements required) signed in, with no
    application yet; the carriers and staff of `admission_world`."""
    company = make_company(session, name="东莞水乡新申请科技有限公司", status=CompanyStatus.APPLICANT,
                           track=IndustryTrack.DIGITAL, founded_on=today() - dt.timedelta(days=400), headcount=12,
                           talents_bachelor=9, ip_invention=3)
    member = make_user(session, Role.COMPANY, company=company, display_name="新申请 陈晓")
    agent = Agent(name="东莞招商服务有限公司", active=True)
    retired = Agent(name="已停用中介", active=False)
    session.add_all([agent, retired])
    session.commit()
    login(member)
    return SimpleNamespace(company=company, member=member, agent=agent, retired=retired, w=admission_world)


def form_data(carrier: int, **over) -> dict:
    data = {"project_name": "工业视觉质检平台", "project_summary": "基于深度学习的缺陷检测。", "track": "digital",
            "carrier_id": str(carrier), "unit_type": "office", "area_requested": "200.50",
            "team_summary": "核心团队8人。", "revenue_last_year": "3,200,000.00", "tax_last_year": "150000",
            "rd_expense_last_year": "900000.5", "financing_total": "", "ip_summary": "发明专利2项。",
            "expected_jobs": "30", "agent_id": "0", "will_move_registration": "y"}
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def post_file(client, app_id: int, key: str, data: bytes | None = None, name: str | None = None):
    payload = {"category": key}
    if data is not False:
        payload["file"] = (io.BytesIO(tiny_pdf(key) if data is None else data), name or f"{key}.pdf")
    return client.post(f"/admission/{app_id}/materials", data=payload, content_type="multipart/form-data")


def set_language(client, lang: str) -> None:
    with client.session_transaction() as s:
        s["lang"] = lang


def page(client, url: str) -> str:
    resp = client.get(url)
    assert resp.status_code == 200, url
    return resp.get_data(as_text=True)


def item_documents(session, app_id: int, key: str) -> list[Document]:
    return list(session.scalars(sa.select(Document).where(Document.subject_type == "application",
                                                          Document.subject_id == app_id, Document.category == key)))


def audit_actions(session, object_id: int) -> list[str]:
    return list(session.scalars(sa.select(AuditEntry.action).where(AuditEntry.object_type == "applications",
                                                                   AuditEntry.object_id == object_id)
                                .order_by(AuditEntry.id)))


def create_draft(client, session, applicant, **over) -> Application:
    resp = client.post("/admission/new", data=form_data(applicant.w.kc.id, **over))
    assert resp.status_code == 303, resp.get_data(as_text=True)
    return session.scalar(sa.select(Application).where(Application.company_id == applicant.company.id))


# --- the whole path ------------------------------------------------------------------------------

def test_the_company_applies_is_returned_resubmits_and_withdraws(client, session, applicant):
    text = page(client, "/admission/mine")
    assert "Your company has not applied yet." in text and 'href="/admission/new"' in text

    text = page(client, "/admission/new")
    for section in ("Project", "Requested space", "Team", "Financials", "Intellectual property",
                    "Referring agent", "Commitment", "东莞招商服务有限公司"):
        assert section in text
    assert "已停用中介" not in text  # only active agents are offered
    assert f'href="/companies/{applicant.company.id}/edit"' in text  # headcount etc. live in the profile

    resp = client.post("/admission/new", data=form_data(applicant.w.kc.id, area_requested="２００．５０",
                                                        financing_total="５，０００，０００",
                                                        agent_id=str(applicant.agent.id)))
    assert resp.status_code == 303
    app = session.scalar(sa.select(Application).where(Application.company_id == applicant.company.id))
    assert resp.headers["Location"].endswith(f"/admission/{app.id}#materials")
    assert app.state == S.DRAFT and app.area_requested == Decimal("200.50")
    assert app.revenue_last_year == Decimal("3200000.00") and app.rd_expense_last_year == Decimal("900000.50")
    assert app.financing_total == Decimal("5000000.00") and app.expected_jobs == 30
    assert app.agent_id == applicant.agent.id and app.will_move_registration is True
    assert audit_actions(session, app.id) == ["application.create"]

    text = page(client, f"/admission/{app.id}")
    assert "Materials checklist" in text and f"{len(REQUIRED)} missing" in text
    assert "env_safety_statement" not in text  # an office applicant: no environmental statement

    resp = client.post(f"/admission/{app.id}/submit")
    assert resp.status_code == 400
    assert "Please upload the missing materials first" in resp.get_data(as_text=True)
    assert "营业执照" in resp.get_data(as_text=True)
    session.refresh(app)
    assert app.state == S.DRAFT

    for n, key in enumerate(REQUIRED, 1):
        resp = post_file(client, app.id, key)
        assert resp.status_code == 303, key
        text = page(client, f"/admission/{app.id}")
        assert (f"{len(REQUIRED) - n} missing" in text) if n < len(REQUIRED) else ("Complete" in text)
    assert [d.title for d in item_documents(session, app.id, "business_licence")] == ["营业执照"]

    resp = client.post(f"/admission/{app.id}/submit")
    assert resp.status_code == 303
    session.refresh(app)
    assert app.state == S.SUBMITTED and app.snapshot["company"]["headcount"] == 12
    text = page(client, f"/admission/{app.id}")
    assert "Submitted" in text and "The operator is checking that the application is complete." in text
    assert f'action="/admission/{app.id}/materials"' not in text  # no uploads while the operator checks

    services.return_application(session, applicant.w.operator, app, "请补充商业计划书的财务预测部分",
                                {"business_plan": "缺少未来三年财务预测"})
    session.commit()
    due = app.supplement_due_on
    left = working_days_between(today(), due)
    assert left == 10
    text = page(client, f"/admission/{app.id}")
    assert "Returned for supplement" in text and "缺少未来三年财务预测" in text and "请补充商业计划书的财务预测部分" in text
    assert due.isoformat() in text and f"{left} working days left" in text
    set_language(client, "zh_CN")
    assert f"{due.year}年{due.month}月{due.day}日" in page(client, f"/admission/{app.id}")
    set_language(client, "en")
    text = page(client, "/admission/mine")
    assert app.number in text and f"{left} working days left" in text

    resp = post_file(client, app.id, "business_plan", tiny_pdf("plan v2"), "商业计划书（修订）.pdf")
    assert resp.status_code == 303
    documents = item_documents(session, app.id, "business_plan")
    assert len(documents) == 1 and documents[0].current_version_no == 2
    assert documents[0].current.display_name == "商业计划书（修订）.pdf"
    assert "商业计划书（修订）.pdf" in page(client, f"/admission/{app.id}")

    resp = client.post(f"/admission/{app.id}/submit")
    assert resp.status_code == 303
    session.refresh(app)
    assert app.state == S.RESUBMITTED and app.supplement_due_on is None

    text = page(client, f"/admission/{app.id}")
    assert "data-confirm" in text and f'action="/admission/{app.id}/withdraw"' in text
    resp = client.post(f"/admission/{app.id}/withdraw", data={"reason": "公司战略调整，暂不入驻"})
    assert resp.status_code == 303
    session.refresh(app)
    assert app.state == S.WITHDRAWN
    assert "公司战略调整，暂不入驻" in page(client, f"/admission/{app.id}")
    assert audit_actions(session, app.id) == ["application.create", "application.submit", "application.return",
                                              "application.resubmit", "application.withdraw"]
    text = page(client, "/admission/mine")
    assert "Withdrawn" in text and 'href="/admission/new"' in text  # a new application may be started


def test_draft_is_edited_and_the_carrier_is_fixed_after_a_return(client, session, applicant):
    app = create_draft(client, session, applicant)
    text = page(client, f"/admission/{app.id}/edit")
    assert 'value="工业视觉质检平台"' in text and 'value="200.50"' in text
    resp = client.post(f"/admission/{app.id}/edit", data=form_data(applicant.w.zt.id, project_name="新能源电池检测",
                                                                   unit_type="factory", area_requested="800"))
    assert resp.status_code == 303
    session.refresh(app)
    assert (app.project_name, app.carrier_id, app.area_requested) == ("新能源电池检测", applicant.w.zt.id,
                                                                      Decimal("800.00"))
    assert "环评/安全生产说明" in page(client, f"/admission/{app.id}")  # a factory adds the statement

    for key in [*REQUIRED, "env_safety_statement"]:
        assert post_file(client, app.id, key).status_code == 303
    assert client.post(f"/admission/{app.id}/submit").status_code == 303
    resp = client.post(f"/admission/{app.id}/edit", data=form_data(applicant.w.zt.id, project_name="提交后改名"))
    assert resp.status_code == 303  # submitted: the form is closed, back to the application
    assert client.get(f"/admission/{app.id}/edit").status_code == 303
    session.refresh(app)
    assert app.project_name == "新能源电池检测"
    services.return_application(session, applicant.w.operator, app, "请补正")
    session.commit()
    text = page(client, f"/admission/{app.id}/edit")
    assert 'name="carrier_id"' not in text and 'name="track"' not in text and "中铁水乡科技智造中心" in text
    resp = client.post(f"/admission/{app.id}/edit", data=form_data(applicant.w.kc.id, carrier_id=None, track=None,
                                                                   unit_type="factory", area_requested="900"))
    assert resp.status_code == 303
    session.refresh(app)
    assert app.carrier_id == applicant.w.zt.id and app.area_requested == Decimal("900.00")


def test_submission_needs_the_registration_commitment(client, session, applicant):
    app = create_draft(client, session, applicant, will_move_registration=None)
    assert app.will_move_registration is False
    for key in REQUIRED:
        post_file(client, app.id, key)
    resp = client.post(f"/admission/{app.id}/submit")
    assert resp.status_code == 400
    assert "move its business registration, tax and statistics" in resp.get_data(as_text=True)
    session.refresh(app)
    assert app.state == S.DRAFT


def test_a_second_open_application_is_not_started(client, session, applicant):
    app = create_draft(client, session, applicant)
    resp = client.get("/admission/new")
    assert resp.status_code == 303 and resp.headers["Location"].endswith(f"/admission/{app.id}")
    assert client.post("/admission/new", data=form_data(applicant.w.kc.id)).status_code == 303
    assert session.scalar(sa.select(sa.func.count()).select_from(Application)
                          .where(Application.company_id == applicant.company.id)) == 1


def test_withdrawal_is_refused_after_the_decision(client, session, admission_world, login):
    app = admission_world.advance(S.ADMITTED)
    login(admission_world.member)
    text = page(client, f"/admission/{app.id}")
    assert "Admitted" in text and "/withdraw" not in text
    resp = client.post(f"/admission/{app.id}/withdraw", data={"reason": "改变主意"})
    assert resp.status_code == 409
    session.refresh(app)
    assert app.state == S.ADMITTED


def test_markup_is_shown_as_text(client, session, applicant):
    app = create_draft(client, session, applicant, project_name="<script>alert(1)</script>{{ 7*7 }}")
    text = page(client, "/admission/mine")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;{{ 7*7 }}" in text and "<script>alert(1)" not in text
    assert app.project_name.startswith("<script>")


# --- bad input ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("field", "value", "message"), [
    ("area_requested", "-5", "The number must be greater than zero."),
    ("area_requested", "0", "The number must be greater than zero."),
    ("area_requested", "", "This field is required."),
    ("area_requested", "12.345", "At most 2 decimal places"),
    ("area_requested", "两百", "Please enter a number such as"),
    ("area_requested", "NaN", "Please enter a number such as"),
    ("area_requested", "1e3", "Please enter a number such as"),
    ("area_requested", "100000000", "The number is too large"),
    ("revenue_last_year", "-1", "The number must not be negative."),
    ("revenue_last_year", "Infinity", "Please enter a number such as"),
    ("tax_last_year", "一万", "Please enter a number such as"),
    ("rd_expense_last_year", "1.001", "At most 2 decimal places"),
    ("financing_total", "1" + "0" * 15, "The number is too large"),
    ("expected_jobs", "abc", "Please enter a whole number (0 or more)."),
    ("expected_jobs", "-3", "Please enter a whole number (0 or more)."),
    ("expected_jobs", "99999999", "Please enter a whole number (0 or more)."),
    ("project_name", "", "This field is required."),
    ("project_name", "   ", "This field is required."),
    ("project_name", "长" * 121, "Field cannot be longer than 120 characters."),
    ("project_summary", "x" * 5001, "Field cannot be longer than 5000 characters."),
    ("carrier_id", "999999", "Not a valid choice."),
    ("carrier_id", "abc", "Please choose a carrier."),
    ("carrier_id", "0", "Please choose a carrier."),
    ("carrier_id", "", "Please choose a carrier."),
    ("unit_type", "castle", "Not a valid choice."),
    ("track", "mining", "Not a valid choice."),
    ("agent_id", "retired", "Not a valid choice."),
])
def test_bad_input_is_refused_with_a_message(client, session, applicant, field, value, message):
    if value == "retired":
        value = str(applicant.retired.id)
    resp = client.post("/admission/new", data=form_data(applicant.w.kc.id, **{field: value}))
    assert resp.status_code == 400
    assert message in resp.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(Application)
                          .where(Application.company_id == applicant.company.id)) == 0


def test_bad_input_on_edit_changes_nothing(client, session, applicant):
    app = create_draft(client, session, applicant)
    resp = client.post(f"/admission/{app.id}/edit", data=form_data(applicant.w.kc.id, area_requested="-1",
                                                                   project_name="改过的名字"))
    assert resp.status_code == 400 and "The number must be greater than zero." in resp.get_data(as_text=True)
    session.refresh(app)
    assert app.project_name == "工业视觉质检平台" and app.area_requested == Decimal("200.50")


@pytest.mark.parametrize(("key", "data", "name", "message"), [
    ("business_licence", b"<html><body>licence</body></html>", "营业执照.pdf", "This file type is not accepted"),
    ("business_licence", b"MZ\x90\x00\x03" + b"\0" * 100, "营业执照.pdf", "This file type is not accepted"),
    ("business_licence", b"", "营业执照.pdf", "The file is empty."),
    ("business_licence", False, None, "Please choose a file."),
    ("nonsense", None, None, "This item is not on the application&#39;s checklist."),
    ("env_safety_statement", None, None, "This item is not on the application&#39;s checklist."),
    ("", None, None, "This item is not on the application&#39;s checklist."),
    ("x" * 41, None, None, "This item is not on the application&#39;s checklist."),
])
def test_bad_uploads_into_the_checklist_are_refused(client, session, applicant, key, data, name, message):
    app = create_draft(client, session, applicant)
    resp = post_file(client, app.id, key, data, name)
    assert resp.status_code == 400
    assert message in resp.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(Document)
                          .where(Document.company_id == applicant.company.id)) == 0


def test_an_overlong_withdrawal_reason_is_refused(client, session, applicant):
    app = create_draft(client, session, applicant)
    resp = client.post(f"/admission/{app.id}/withdraw", data={"reason": "长" * 2001})
    assert resp.status_code == 400 and "at most 2000 characters" in resp.get_data(as_text=True)
    session.refresh(app)
    assert app.state == S.DRAFT


def test_oversized_upload_is_refused(client, session, applicant, app, monkeypatch):
    application = create_draft(client, session, applicant)
    monkeypatch.setitem(app.config, "MAX_UPLOAD_MB", 1)
    resp = post_file(client, application.id, "business_plan", tiny_pdf("big") + b"\0" * (1024 * 1024 + 1))
    assert resp.status_code == 400 and "larger than 1 MB" in resp.get_data(as_text=True)
    assert item_documents(session, application.id, "business_plan") == []


def test_a_failed_reupload_keeps_the_current_version(client, session, applicant):
    app = create_draft(client, session, applicant)
    post_file(client, app.id, "business_plan")
    resp = post_file(client, app.id, "business_plan", b"GIF89a....", "plan.pdf")
    assert resp.status_code == 400
    (document,) = item_documents(session, app.id, "business_plan")
    session.refresh(document)
    assert document.current_version_no == 1


# --- who may reach these pages -------------------------------------------------------------------

def _company_routes(app_id: int) -> list[tuple[str, str]]:
    return [("GET", f"/admission/{app_id}"), ("GET", f"/admission/{app_id}/edit"),
            ("POST", f"/admission/{app_id}/edit"), ("POST", f"/admission/{app_id}/materials"),
            ("POST", f"/admission/{app_id}/submit"), ("POST", f"/admission/{app_id}/withdraw")]


def _request(client, method: str, url: str):
    if url.endswith("/materials"):
        return client.post(url, data={"category": "business_plan", "file": (io.BytesIO(tiny_pdf("x")), "x.pdf")},
                           content_type="multipart/form-data")
    if url.endswith("/edit") and method == "POST":
        return client.post(url, data={"project_name": "偷改", "area_requested": "1"})
    return client.open(url, method=method, data={"reason": "x"} if method == "POST" else None)


def test_another_companys_member_gets_404_everywhere(client, session, admission_world, login):
    app = admission_world.app
    login(Role.COMPANY)
    for method, url in _company_routes(app.id):
        assert _request(client, method, url).status_code == 404, (method, url)
    for missing in (999999, 2**40):
        assert client.get(f"/admission/{missing}/edit").status_code == 404
    session.refresh(app)
    assert app.state == S.DRAFT and app.project_name == "工业视觉质检平台"
    assert audit_actions(session, app.id) == ["application.create"]


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.REVIEWER, Role.LEAD, Role.DEPUTY, Role.SUPERVISOR, Role.ADMIN])
def test_staff_do_not_use_the_company_pages(client, session, admission_world, login, role):
    app = admission_world.app
    login(role)
    assert client.get("/admission/mine").status_code == 403
    assert client.get("/admission/new").status_code == 403
    for method, url in _company_routes(app.id)[1:]:
        assert _request(client, method, url).status_code == 403, (method, url)
    session.refresh(app)
    assert app.state == S.DRAFT


def test_pages_are_read_only_after_the_company_left(client, session, admission_world, login):
    w = admission_world
    w.advance(S.SUBMITTED)
    w.company.status = CompanyStatus.EXITED
    session.commit()
    login(w.member)
    text = page(client, "/admission/mine")
    assert "can be read but no longer changed" in text and 'href="/admission/new"' not in text
    text = page(client, f"/admission/{w.app.id}")
    assert w.app.number in text and "Materials checklist" in text
    assert "/withdraw" not in text and "/submit" not in text and 'name="file"' not in text
    assert client.get("/admission/new").status_code == 403
    for method, url in _company_routes(w.app.id)[1:]:
        assert _request(client, method, url).status_code == 403, (method, url)
    session.refresh(w.app)
    assert w.app.state == S.SUBMITTED
    with pytest.raises(DomainError, match="read-only"):
        services.withdraw_application(session, w.member, w.app, "x")


def test_the_company_sees_only_comments_addressed_to_it(client, session, admission_world, login):
    w = admission_world
    app = w.advance(S.DECISION)
    login(w.member)
    text = page(client, f"/admission/{app.id}")
    assert "Awaiting decision" in text or "Waiting for the deputy commander" in text
    assert "综合统筹组会同市科技局联合评审" not in text  # the joint review's minutes are internal
    assert re.search(r"Submitted", text)


# --- concurrency ----------------------------------------------------------------------------------

@pytest.mark.skipif(not IS_PG, reason="real row locks: PostgreSQL only")
def test_simultaneous_first_uploads_make_one_document_with_versions(app, committed_db):
    """Four colleagues upload the business plan at the same instant: one document, four versions."""
    from incubator.accounts.models import User
    from incubator.db import db

    n = 4
    setup = db.Session()
    kc = Carrier(code="KC", name="水乡科创中心", total_area=Decimal("1000"), startup_area=Decimal("500"))
    setup.add(kc)
    setup.flush()
    company = make_company(setup, status=CompanyStatus.APPLICANT, founded_on=today() - dt.timedelta(days=100))
    members = [make_user(setup, Role.COMPANY, company=company) for _ in range(n)]
    draft = services.create_application(setup, members[0], company, application_data(kc.id))
    setup.commit()
    app_id, member_ids = draft.id, [m.id for m in members]
    setup.close()

    def attempt(s, user_id, barrier):
        user, application = s.get(User, user_id), s.get(Application, app_id)
        barrier.wait()
        services.upload_material(s, user, application, "business_plan", pdf_upload(f"plan {user_id}"))
        return "ok"

    outcomes = race(member_ids, attempt, app=app)
    assert outcomes == ["ok"] * n
    check = db.Session()
    try:
        (document,) = check.scalars(sa.select(Document).where(Document.subject_id == app_id)).all()
        assert document.current_version_no == n and [v.version_no for v in document.versions] == list(range(1, n + 1))
    finally:
        check.close()
