"""The subsidy pages through HTTP: one claim from the company's application to the payment as
the people would click it; the batch and claim lists with filters and totals; the batch page
with its notice and objections; refusals shown next to their fields; who may see what."""
from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from incubator.core.formatting import today
from incubator.core.inbox import tasks_for
from incubator.core.roles import Role
from incubator.demo import tiny_pdf
from incubator.funds.models import FundEntry, FundEntryKind, FundPool
from incubator.subsidies import services
from incubator.subsidies.models import BatchState as B
from incubator.subsidies.models import ClaimState as C
from incubator.subsidies.models import Objection, ObjectionOutcome, SubsidyBatch, SubsidyClaim

from ..factories import make_user
from .conftest import FULL_AMOUNT, end_notice, tenant

DONE = (302, 303)


def post(client, url, data=None, status=DONE, **kw):
    resp = client.post(url, data=data or {}, **kw)
    assert resp.status_code in (status if isinstance(status, tuple) else (status,)), \
        (url, resp.status_code, resp.get_data(as_text=True)[:3000])
    return resp


def page(client, url, status=200) -> str:
    resp = client.get(url)
    assert resp.status_code == status, (url, resp.status_code, resp.get_data(as_text=True)[:3000])
    return resp.get_data(as_text=True)


def reload(session, claim_id) -> SubsidyClaim:
    session.expire_all()
    return session.get(SubsidyClaim, claim_id)


def test_from_application_to_payment(subsidy_world, client, login):
    w = subsidy_world
    # the company applies in the open batch and sees the amount computed from its ledger
    login(w.member)
    mine = page(client, "/subsidies/mine")
    assert w.batch.number in mine and "Apply" in mine
    resp = post(client, f"/subsidies/batches/{w.batch.id}/apply")
    claim_id = int(re.search(r"/subsidies/claims/(\d+)", resp.headers["Location"]).group(1))
    html = page(client, f"/subsidies/claims/{claim_id}")
    assert "Preview" in html and "30,000.00" in html and html.count("5000.00") >= 6
    assert "Upload the payment evidence first." in html
    post(client, f"/subsidies/claims/{claim_id}/save", {"remarks": "银行回单共6张"})
    post(client, f"/subsidies/claims/{claim_id}/evidence", content_type="multipart/form-data",
         data={"file": (io.BytesIO(tiny_pdf("bank receipts")), "银行回单.pdf")})
    post(client, f"/subsidies/claims/{claim_id}/submit")
    claim = reload(w.session, claim_id)
    assert (claim.state, claim.contact_note) == (C.SUBMITTED, "银行回单共6张")
    # the operator checks and verifies: the amount and the tier are fixed
    login(w.operator)
    html = page(client, f"/subsidies/claims/{claim_id}")
    assert "Verify the amount" in html and "银行回单.pdf" in html
    post(client, f"/subsidies/claims/{claim_id}/verify")
    claim = reload(w.session, claim_id)
    assert (claim.state, claim.amount, claim.required_role) == (C.VERIFIED, FULL_AMOUNT, "lead")
    assert "Approve" not in page(client, f"/subsidies/claims/{claim_id}")  # four eyes: not the verifier
    # the work-group lead approves: the money is committed from the pool
    login(w.lead)
    html = page(client, f"/subsidies/claims/{claim_id}")
    assert "Fixed at verification" in html and "Approve ¥30,000.00" in html
    post(client, f"/subsidies/claims/{claim_id}/approve_lead")
    w.session.expire_all()
    assert reload(w.session, claim_id).state == C.APPROVED
    assert w.session.get(FundPool, w.pool.id).committed == FULL_AMOUNT
    # intake over: the operator closes it and publishes the approved list
    login(w.operator)
    w.session.get(SubsidyBatch, w.batch.id).intake_closes_on = today() - dt.timedelta(days=1)
    post(client, f"/subsidies/batches/{w.batch.id}/close_intake")
    post(client, f"/subsidies/batches/{w.batch.id}/start_notice")
    batch = w.session.get(SubsidyBatch, w.batch.id)
    assert batch.state == B.NOTICE and reload(w.session, claim_id).state == C.IN_NOTICE
    html = page(client, f"/subsidies/claims/{claim_id}")
    assert "Record the payment" not in html  # not during the notice
    post(client, f"/subsidies/batches/{w.batch.id}/finish_notice", status=DONE)
    assert w.session.get(SubsidyBatch, w.batch.id).state == B.NOTICE  # refused: the notice runs on
    end_notice(w.session, w.session.get(SubsidyBatch, w.batch.id))
    post(client, f"/subsidies/batches/{w.batch.id}/finish_notice")
    # the payment, with its reference and date, and the originals
    post(client, f"/subsidies/claims/{claim_id}/disburse", {"reference": "GDRC-2026-0001",
                                                          "paid_on": today().isoformat()})
    post(client, f"/subsidies/claims/{claim_id}/originals", {"received_on": today().isoformat()})
    claim = reload(w.session, claim_id)
    assert (claim.state, claim.payment_reference, claim.originals_received_on) == (C.DISBURSED, "GDRC-2026-0001",
                                                                                    today())
    pool = w.session.get(FundPool, w.pool.id)
    assert (pool.committed, pool.paid) == (0, FULL_AMOUNT)
    post(client, f"/subsidies/batches/{w.batch.id}/close")
    assert w.session.get(SubsidyBatch, w.batch.id).state == B.CLOSED
    # the company sees it paid, with its history
    login(w.member)
    html = page(client, f"/subsidies/claims/{claim_id}")
    assert "Paid" in html and "Approved by the work-group lead" in html and "Payment statement (PDF)" in html


def _in_state(w, state, name):
    member = make_user(w.session, Role.COMPANY, company=tenant(w.session, name))
    claim = w.claim(company_member=member)
    return w.to(claim, state, member=member)


def test_claim_list_filters_search_and_totals(subsidy_world, client, login):
    w = subsidy_world
    verified = _in_state(w, "verified", "甲科技有限公司")
    submitted = _in_state(w, "submitted", "乙科技有限公司")
    draft = _in_state(w, "draft", "丙科技有限公司")
    login(w.supervisor)
    html = page(client, "/subsidies/claims")
    assert all(c.number in html for c in (verified, submitted, draft))
    assert 'data-state="verified"' in html and 'data-state="submitted"' in html
    html = page(client, f"/subsidies/claims?state=verified&batch={w.batch.id}")
    assert verified.number in html and submitted.number not in html and "¥30,000.00" in html
    html = page(client, "/subsidies/claims?q=乙科技")
    assert submitted.number in html and verified.number not in html
    html = page(client, f"/subsidies/claims?q={draft.number}")
    assert draft.number in html and submitted.number not in html
    html = page(client, "/subsidies/claims?tier=lead")
    assert verified.number in html and submitted.number not in html
    html = page(client, "/subsidies/claims?queue=check")
    assert submitted.number in html and verified.number not in html and draft.number not in html
    html = page(client, "/subsidies/claims?state=nonsense&tier=x&queue=y&batch=abc&page=-3")
    assert verified.number in html  # unknown filters are ignored
    assert "No claims match." in page(client, "/subsidies/claims?q=没有这家公司")


def test_claim_list_query_count_does_not_grow_with_rows(subsidy_world, client, login, count_queries):
    w = subsidy_world
    login(w.operator)
    _in_state(w, "verified", "查询一公司")
    page(client, "/subsidies/claims")
    with count_queries() as few:
        page(client, "/subsidies/claims")
    for i in range(5):
        _in_state(w, "submitted", f"查询公司{i}")
    page(client, "/subsidies/claims")
    with count_queries() as many:
        page(client, "/subsidies/claims")
    assert many() == few()


def test_batch_list_and_new_batch(subsidy_world, client, login):
    w = subsidy_world
    login(w.operator)
    html = page(client, "/subsidies/")
    assert w.batch.number in html and 'data-state="open"' in html
    assert "No batches" in page(client, "/subsidies/?state=closed")
    assert "name=\"intake_opens_on\"" in page(client, "/subsidies/batches/new")
    form = {"name": "2026年下半年租金补贴", "support_type_id": str(w.rent_type.id), "fund_pool_id": str(w.pool.id),
            "intake_opens_on": today().isoformat(), "intake_closes_on": (today() + dt.timedelta(days=10)).isoformat(),
            "period_start": "2026-07-01", "period_end": "2026-10-31", "note": ""}
    html = post(client, "/subsidies/batches/new", dict(form, period_start="2026-06-01"), status=400).get_data(True)
    assert "overlaps batch" in html
    html = post(client, "/subsidies/batches/new", dict(form, intake_opens_on="2026-13-01"), status=400).get_data(True)
    assert "Not a valid date value" in html
    html = post(client, "/subsidies/batches/new", dict(form, support_type_id="0"), status=400).get_data(True)
    assert "active support type" in html
    resp = post(client, "/subsidies/batches/new", form)
    batch = w.session.scalars(sa.select(SubsidyBatch).where(SubsidyBatch.name == "2026年下半年租金补贴")).one()
    assert resp.headers["Location"].endswith(f"/subsidies/batches/{batch.id}")
    login(w.lead)
    assert client.get("/subsidies/batches/new").status_code == 403


def test_batch_page_objections_through_the_pages(subsidy_world, client, login):
    w = subsidy_world
    claim = w.claim()
    w.to(claim, "in_notice")
    login(w.operator)
    html = page(client, f"/subsidies/batches/{w.batch.id}")
    assert "Record an objection" in html and claim.number in html and "¥30,000.00" in html
    html = post(client, f"/subsidies/batches/{w.batch.id}/objections",
                {"claim_id": str(claim.id), "raised_by": "", "received_on": today().isoformat(), "content": "x"},
                status=400).get_data(True)
    assert "This field is required." in html
    post(client, f"/subsidies/batches/{w.batch.id}/objections",
         {"claim_id": str(claim.id), "raised_by": "匿名来信", "received_on": today().isoformat(),
          "content": "该企业将部分场地转租。"})
    objection = w.session.scalars(sa.select(Objection)).one()
    html = page(client, f"/subsidies/batches/{w.batch.id}")
    assert "匿名来信" in html and "Settle the objection" in html
    post(client, f"/subsidies/objections/{objection.id}/resolve", {"outcome": "upheld", "resolution": ""}, status=400)
    post(client, f"/subsidies/objections/{objection.id}/resolve",
         {"outcome": "upheld", "resolution": "经现场核查属实，取消补贴。"})
    w.session.expire_all()
    assert w.session.get(Objection, objection.id).outcome == ObjectionOutcome.UPHELD
    assert reload(w.session, claim.id).state == C.REJECTED
    assert w.session.get(FundPool, w.pool.id).committed == 0
    release = w.session.scalars(sa.select(FundEntry).where(FundEntry.kind == FundEntryKind.RELEASE)).one()
    assert release.object_id == claim.id
    login(w.member)
    assert "经现场核查属实，取消补贴。" in page(client, f"/subsidies/claims/{claim.id}")


def test_return_and_reject_need_reasons_and_payment_its_reference(subsidy_world, client, login):
    w = subsidy_world
    claim = w.claim()
    w.to(claim, "submitted")
    login(w.operator)
    html = post(client, f"/subsidies/claims/{claim.id}/return", {"reason": "  "}, status=400).get_data(True)
    assert "Please give the reason for the return." in html
    post(client, f"/subsidies/claims/{claim.id}/return", {"reason": "请补充3月回单"})
    claim = reload(w.session, claim.id)
    assert claim.state == C.RETURNED and claim.due_on > today()
    login(w.member)
    html = page(client, f"/subsidies/claims/{claim.id}")
    assert "请补充3月回单" in html and "working days left" in html and "Resubmit" in html
    post(client, f"/subsidies/claims/{claim.id}/submit")
    login(w.operator)
    post(client, f"/subsidies/claims/{claim.id}/reject", {"reason": ""}, status=400)
    post(client, f"/subsidies/claims/{claim.id}/reject", {"reason": "不符合申报条件"})
    assert reload(w.session, claim.id).state == C.REJECTED


@pytest.mark.parametrize(("data", "message"), [
    ({"reference": "", "paid_on": "today"}, "Please enter the payment reference"),
    ({"reference": "GDRC-9", "paid_on": ""}, "Please enter a date."),
    ({"reference": "GDRC-9", "paid_on": "tomorrow"}, "The payment date cannot be in the future."),
    ({"reference": "GDRC-9", "paid_on": "2026-02-30"}, "Not a valid date value"),
])
def test_payment_form_refusals(subsidy_world, client, login, data, message):
    w = subsidy_world
    claim = w.claim()
    w.to(claim, "in_notice")
    end_notice(w.session, w.batch)
    w.batch.state = B.PAYING
    w.session.commit()
    login(w.operator)
    days = {"today": today().isoformat(), "tomorrow": (today() + dt.timedelta(days=1)).isoformat()}
    data = {k: days.get(v, v) for k, v in data.items()}
    html = post(client, f"/subsidies/claims/{claim.id}/disburse", data, status=400).get_data(True)
    assert message in html
    assert reload(w.session, claim.id).state == C.IN_NOTICE


def test_a_refused_step_is_flashed_and_changes_nothing(subsidy_world, client, login):
    w = subsidy_world
    claim = w.claim()
    w.to(claim, "in_notice")
    login(w.operator)
    resp = client.post(f"/subsidies/claims/{claim.id}/disburse",
                       data={"reference": "GDRC-1", "paid_on": today().isoformat()})
    assert resp.status_code == 400 and "public notice has ended" in resp.get_data(True)
    resp = client.post(f"/subsidies/batches/{w.batch.id}/close", headers={"Referer": f"/subsidies/batches/{w.batch.id}"})
    assert resp.status_code == 303
    html = page(client, f"/subsidies/batches/{w.batch.id}")
    assert "This action is not possible in the current state (Public notice)." in html
    assert "The public notice runs until" in html  # why the next step must wait, instead of its button
    assert reload(w.session, claim.id).state == C.IN_NOTICE


def test_who_may_see_and_do_what(subsidy_world, client, login):
    w = subsidy_world
    claim = w.claim()
    w.to(claim, "verified")
    for who in (w.supervisor, w.lead, w.deputy, w.commander, w.admin):
        login(who)
        assert claim.number in page(client, "/subsidies/claims")
        assert client.get(f"/subsidies/claims/{claim.id}").status_code == 200
    login(w.supervisor)
    assert "Your next step" not in page(client, f"/subsidies/claims/{claim.id}")
    assert client.post(f"/subsidies/claims/{claim.id}/approve_lead").status_code == 403
    assert client.post(f"/subsidies/batches/{w.batch.id}/close_intake").status_code == 403
    login(w.reviewer)
    for url in ("/subsidies/", "/subsidies/claims", f"/subsidies/batches/{w.batch.id}"):
        assert client.get(url).status_code == 403
    assert client.get(f"/subsidies/claims/{claim.id}").status_code == 404
    login(w.deputy)  # a deputy may approve a lead-tier claim, with the lead tier's action only
    assert client.post(f"/subsidies/claims/{claim.id}/approve_deputy").status_code == 303
    assert reload(w.session, claim.id).state == C.VERIFIED
    post(client, f"/subsidies/claims/{claim.id}/approve_lead")
    assert reload(w.session, claim.id).state == C.APPROVED
    assert client.get("/subsidies/claims/99999999999").status_code == 404


def test_the_inbox(subsidy_world, client, login):
    w = subsidy_world
    submitted = _in_state(w, "submitted", "待审公司")
    verified = _in_state(w, "verified", "待批公司")
    draft = w.claim()
    titles = lambda user: {t.title: t for t in tasks_for(w.session, user)}  # noqa: E731
    with client.application.test_request_context():
        operator = titles(w.operator)
        assert operator["Subsidy claims: To check"].count == 1
        lead = titles(w.lead)
        assert lead["Subsidy claims to approve at the Work-group lead tier"].count == 1
        assert not any("approve" in t for t in titles(w.deputy))  # not a deputy-tier claim
        company = titles(w.member)
        assert company[f"Finish and submit subsidy claim {draft.number}"].due == w.batch.intake_closes_on
        verifier_lead = make_user(w.session, Role.OPERATOR, Role.LEAD)
        services.verify(w.session, verifier_lead, submitted)
        assert titles(verifier_lead)["Subsidy claims to approve at the Work-group lead tier"].count == 1  # not its own
        assert titles(w.lead)["Subsidy claims to approve at the Work-group lead tier"].count == 2
    assert verified.state == C.VERIFIED
    w.to(draft, "returned")
    with client.application.test_request_context():
        task = titles(w.member)[f"Correct subsidy claim {draft.number} and resubmit it"]
        assert task.due == draft.due_on and task.level == "warning"
        draft.due_on = today() - dt.timedelta(days=1)
        assert "Subsidy claims: Returned, correction deadline passed" in titles(w.operator)
    w.batch.intake_closes_on = today() - dt.timedelta(days=1)
    with client.application.test_request_context():
        assert any("close the intake" in t for t in titles(w.operator))


def test_the_decimal_total_is_exact(subsidy_world, client, login):
    """Sub-cent rents stay exact through the page: 33.33 m² × ¥50 = ¥1,666.50 a month."""
    w = subsidy_world
    member = make_user(w.session, Role.COMPANY, company=tenant(w.session, "小面积公司", area=Decimal("33.33")))
    claim = w.claim(company_member=member)
    login(member)
    assert "¥9,999.00" in page(client, f"/subsidies/claims/{claim.id}")
