"""The assessment pages: who may see what (a company only its own, a reviewer only assigned
companies), the staff steps through HTTP, and bad input on the filing form."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
import sqlalchemy as sa

from incubator.assessment import consequences, scoring, services
from incubator.assessment.models import (
    AssessmentScheme,
    CampaignState,
    CheckOutcome,
    FilingState,
    Result,
    ReviewerAssignment,
)
from incubator.assessment.models import AssignmentState as A
from incubator.core.formatting import today
from incubator.core.roles import Role

from ..factories import make_company, make_user
from .flow import FIGURES, WEAK, file, filing_of, new_campaign, run, verify

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def result_of(session, campaign, company) -> Result:
    return session.scalar(sa.select(Result).where(Result.campaign_id == campaign.id, Result.company_id == company.id,
                                                  Result.current))


# --- staff pages render --------------------------------------------------------------------------------

def test_staff_pages_render_for_readers(session, client, login, world):
    c = world.companies[2]
    campaign = run(session, world, {c.id: WEAK})
    result = result_of(session, campaign, c)
    consequences.file_appeal(session, world.members[2], result, "纳税额漏计")
    session.commit()
    filing = filing_of(session, campaign, c)
    for user in (world.operator, world.lead, world.supervisor):
        login(user)
        for url in ("/assessment/", f"/assessment/campaigns/{campaign.id}", f"/assessment/campaigns/{campaign.id}/ranking",
                    "/assessment/filings", "/assessment/filings?state=overdue", "/assessment/reviews-due",
                    "/assessment/schemes", f"/assessment/schemes/{world.scheme.id}", "/assessment/appeals",
                    "/assessment/consequences", "/assessment/consequences?tab=exits",
                    f"/assessment/filings/{filing.id}", f"/assessment/results/{result.id}"):
            resp = client.get(url)
            assert resp.status_code == 200, (user.display_name, url)
    page = client.get(f"/assessment/results/{result.id}").get_data(as_text=True)
    assert "纳税总额" in page and "每满 ¥30,000.00 计 1 分" in page and "Rectification notice" in page


def test_lists_have_empty_states_and_filters(session, client, login, world):
    login(world.operator)
    assert "No assessment campaigns match." in client.get("/assessment/?q=不存在").get_data(as_text=True)
    assert "No appeals." in client.get("/assessment/appeals").get_data(as_text=True)
    assert client.get("/assessment/filings?state=bogus").status_code == 404
    new_campaign(session, world)
    session.commit()
    body = client.get("/assessment/?state=open&year=2025").get_data(as_text=True)
    assert "2025年度绩效考核" in body


def test_the_operator_runs_a_campaign_through_http(session, client, login, world):
    login(world.operator)
    resp = client.post("/assessment/campaigns/new", data={
        "name": "2025年度绩效考核", "kind": "annual", "year": "2025", "opens_on": today().isoformat(),
        "closes_on": (today() + dt.timedelta(days=30)).isoformat()})
    assert resp.status_code == 303
    campaign_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    assert client.post(f"/assessment/campaigns/{campaign_id}/open").status_code == 303
    campaign = session.get(services.Campaign, campaign_id)
    session.refresh(campaign)
    assert campaign.state == CampaignState.OPEN
    filing = filing_of(session, campaign, world.companies[0])
    file(session, world.members[0], filing)
    session.commit()
    for key in services.FIGURES:
        assert client.post(f"/assessment/filings/{filing.id}/check",
                           data={"figure": key, "outcome": "accepted"}).status_code == 303
    resp = client.post(f"/assessment/filings/{filing.id}/check",
                       data={"figure": "tax_paid", "outcome": "corrected", "corrected": "６００００", "reason": "以完税证明为准"})
    assert resp.status_code == 303
    assert client.post(f"/assessment/filings/{filing.id}/verify").status_code == 303
    session.refresh(filing)
    assert filing.state == FilingState.VERIFIED
    assert services.verified_figures(filing)["tax_paid"] == Decimal("60000.00")
    # the lead cannot open, close or publish; a supervisor changes nothing
    login(world.lead)
    assert client.post(f"/assessment/campaigns/{campaign_id}/close_filing").status_code == 403
    login(world.supervisor)
    assert client.post(f"/assessment/campaigns/{campaign_id}/close_filing").status_code == 403
    assert client.post(f"/assessment/filings/{filing.id}/verify").status_code == 403


def test_a_refused_step_flashes_the_reason(session, client, login, world):
    campaign = new_campaign(session, world)
    session.commit()
    login(world.operator)
    resp = client.post(f"/assessment/campaigns/{campaign.id}/rank",
                       headers={"Referer": f"/assessment/campaigns/{campaign.id}"}, follow_redirects=True)
    assert resp.status_code == 200 and "not possible in the current state" in resp.get_data(as_text=True)


def test_the_lead_confirms_from_the_ranking_and_decides_appeals(session, client, login, world):
    c = world.companies[2]
    campaign = run(session, world, {c.id: WEAK}, confirm=False)
    session.commit()
    login(world.lead)
    body = client.get(f"/assessment/campaigns/{campaign.id}/ranking").get_data(as_text=True)
    assert "Confirm the results" in body
    assert client.post(f"/assessment/campaigns/{campaign.id}/confirm").status_code == 303
    scoring.publish_results(session, world.operator, campaign)
    result = result_of(session, campaign, c)
    appeal = consequences.file_appeal(session, world.members[2], result, "研发费用漏报")
    session.commit()
    assert "Record the decision" in client.get(f"/assessment/results/{result.id}").get_data(as_text=True)
    resp = client.post(f"/assessment/appeals/{appeal.id}/decide", data={
        "decision": "uphold", "reason": "补充凭证属实", "adjust_rd_ratio": "8", "adjust_tax_paid": "abc"})
    assert resp.status_code == 400 and "Please enter points" in resp.get_data(as_text=True)
    resp = client.post(f"/assessment/appeals/{appeal.id}/decide", data={
        "decision": "uphold", "reason": "补充凭证属实", "adjust_rd_ratio": "8"})
    assert resp.status_code == 303
    session.expire_all()
    new = result_of(session, campaign, c)
    assert new.revision == 2 and new.score == result.score + Decimal("8.00")
    body = client.get(f"/assessment/results/{new.id}").get_data(as_text=True)
    assert "Changed on appeal from 0.00: 补充凭证属实" in body and "Revision 1" in body


# --- the company sees only its own ------------------------------------------------------------------------

def test_a_company_sees_only_its_own_filing_and_result(session, client, login, world):
    a, b = world.companies[0], world.companies[1]
    campaign = run(session, world, {}, publish=False)
    ra, rb = result_of(session, campaign, a), result_of(session, campaign, b)
    fa, fb = filing_of(session, campaign, a), filing_of(session, campaign, b)
    session.commit()
    login(world.members[0])
    assert client.get(f"/assessment/filings/{fa.id}").status_code == 200
    assert client.get(f"/assessment/filings/{fb.id}").status_code == 404
    assert client.get(f"/assessment/results/{ra.id}").status_code == 404  # not published yet
    scoring.publish_results(session, world.operator, campaign)
    session.commit()
    assert client.get(f"/assessment/results/{ra.id}").status_code == 200
    assert client.get(f"/assessment/results/{rb.id}").status_code == 404
    assert client.post(f"/assessment/results/{rb.id}/appeal", data={"grounds": "x"}).status_code == 404
    assert client.get(f"/assessment/filings/{fb.id}/edit").status_code == 404
    mine = client.get("/assessment/mine").get_data(as_text=True)
    assert str(ra.score) in mine and b.name not in mine
    for url in ("/assessment/", f"/assessment/campaigns/{campaign.id}", f"/assessment/campaigns/{campaign.id}/ranking",
                "/assessment/appeals", "/assessment/reviews"):
        assert client.get(url).status_code == 403


def test_the_company_appeals_from_its_result_page(session, client, login, world):
    c = world.companies[2]
    campaign = run(session, world, {c.id: WEAK})
    result = result_of(session, campaign, c)
    session.commit()
    login(world.members[2])
    body = client.get(f"/assessment/results/{result.id}").get_data(as_text=True)
    assert "File the appeal" in body and "Rectification notice" in body and "Exit proposal" not in body
    assert client.post(f"/assessment/results/{result.id}/appeal", data={"grounds": ""}).status_code == 400
    assert client.post(f"/assessment/results/{result.id}/appeal", data={"grounds": "研发费用漏报"}).status_code == 303
    assert "Awaiting decision" in client.get(f"/assessment/results/{result.id}").get_data(as_text=True)


# --- reviewers see only assigned companies -------------------------------------------------------------------

def test_a_reviewer_sees_only_assigned_companies(session, client, login, world):
    campaign = new_campaign(session, world)
    fa, fb = (filing_of(session, campaign, x) for x in world.companies[:2])
    for f, m in ((fa, world.members[0]), (fb, world.members[1])):
        file(session, m, f)
    reviewer, other = world.reviewers
    scoring.assign_reviewers(session, world.operator, campaign, [fa.id], [reviewer.id])
    scoring.assign_reviewers(session, world.operator, campaign, [fb.id], [other.id])
    mine = session.scalar(sa.select(ReviewerAssignment).where(ReviewerAssignment.reviewer_id == reviewer.id))
    theirs = session.scalar(sa.select(ReviewerAssignment).where(ReviewerAssignment.reviewer_id == other.id))
    session.commit()
    login(reviewer)
    listing = client.get("/assessment/reviews").get_data(as_text=True)
    assert world.companies[0].name in listing and world.companies[1].name not in listing
    assert client.get(f"/assessment/reviews/{theirs.id}").status_code == 404
    # before declaring: no figures, and the filing page is closed
    body = client.get(f"/assessment/reviews/{mine.id}").get_data(as_text=True)
    assert "Conflict-of-interest declaration" in body and "Figures for" not in body
    assert client.get(f"/assessment/filings/{fa.id}").status_code == 404
    assert client.post(f"/assessment/reviews/{mine.id}", data={"step": "declare", "conflict": "none"}).status_code == 303
    assert "Figures for 2025" in client.get(f"/assessment/reviews/{mine.id}").get_data(as_text=True)
    assert client.get(f"/assessment/filings/{fa.id}").status_code == 200
    assert client.get(f"/assessment/filings/{fb.id}").status_code == 404
    resp = client.post(f"/assessment/reviews/{mine.id}", data={
        "step": "scores", "action": "submit", "score_technology": "7", "score_prospects": "2.5",
        "score_cooperation": "2"})
    assert resp.status_code == 400 and "At most 6 points" in resp.get_data(as_text=True)
    resp = client.post(f"/assessment/reviews/{mine.id}", data={
        "step": "scores", "action": "submit", "score_technology": "５.5", "score_prospects": "2.5",
        "score_cooperation": "2", "comment_technology": "技术领先"})
    assert resp.status_code == 303
    session.refresh(mine)
    assert mine.state == A.SUBMITTED and {s.indicator: s.score for s in mine.scores}["technology"] == Decimal("5.5")


def test_evidence_is_readable_by_the_owner_staff_and_assigned_reviewers_only(session, client, login, world):
    campaign = new_campaign(session, world)
    filing = filing_of(session, campaign, world.companies[0])
    session.commit()
    login(world.members[0])
    resp = client.post(f"/assessment/filings/{filing.id}/evidence", data={
        "category": "financial_statements", "title": "2025年审计报告", "file": (io.BytesIO(PDF), "audit.pdf")},
        content_type="multipart/form-data")
    assert resp.status_code == 303
    version_id = services.evidence(session, filing)[0].current.id
    url = f"/assessment/filings/{filing.id}/files/{version_id}"
    assert client.get(url).status_code == 200
    login(world.members[1])
    assert client.get(url).status_code == 404
    login(world.reviewers[0])
    assert client.get(url).status_code == 404
    login(world.operator)
    assert client.get(url).status_code == 200


# --- the filing form -----------------------------------------------------------------------------------------

@pytest.fixture
def form_url(session, world):
    filing = filing_of(session, new_campaign(session, world), world.companies[0])
    session.commit()
    return filing, f"/assessment/filings/{filing.id}/edit"


def _form(**overrides):
    data = {k: str(v) for k, v in FIGURES.items()}
    data.update(overrides)
    return data


@pytest.mark.parametrize("field, value, message", [
    ("revenue", "-100", "must not be negative"),
    ("tax_paid", "100.005", "At most 2 decimal places"),
    ("rd_expense", "NaN", "digits and a decimal point only"),
    ("financing", "1e9", "digits and a decimal point only"),
    ("revenue", "123456789012345", "too large"),
    ("headcount", "2.5", "whole number"),
    ("graduates", "-1", "whole number"),
    ("ip_invention", "99999999999", "whole number"),
])
def test_bad_figures_are_refused_with_a_message_and_nothing_is_saved(session, client, login, world, form_url,
                                                                      field, value, message):
    filing, url = form_url
    login(world.members[0])
    resp = client.post(url, data=_form(**{field: value}))
    assert resp.status_code == 400
    assert message in resp.get_data(as_text=True)
    session.refresh(filing)
    assert filing.revenue is None


def test_full_width_digits_and_blanks_are_understood(session, client, login, world, form_url):
    filing, url = form_url
    login(world.members[0])
    resp = client.post(url, data=_form(revenue="１,２００,０００．５０", headcount="２５", new_products=""))
    assert resp.status_code == 303
    session.refresh(filing)
    assert filing.revenue == Decimal("1200000.50") and filing.headcount == 25 and filing.new_products is None
    assert filing.state == FilingState.DRAFT


def test_save_and_submit_and_then_the_form_is_closed(session, client, login, world, form_url):
    filing, url = form_url
    login(world.members[0])
    assert client.post(url, data=_form(then="submit")).status_code == 303
    session.refresh(filing)
    assert filing.state == FilingState.SUBMITTED
    resp = client.get(url)
    assert resp.status_code == 302
    assert client.post(f"/assessment/filings/{filing.id}/submit").status_code == 303  # refused, flashed
    session.refresh(filing)
    assert filing.state == FilingState.SUBMITTED


def test_the_form_shows_last_years_figures_beside(session, client, login, world):
    run(session, world, {}, year=2024, name="2024年度")
    campaign = new_campaign(session, world, year=2025)
    filing = filing_of(session, campaign, world.companies[0])
    session.commit()
    login(world.members[0])
    body = client.get(f"/assessment/filings/{filing.id}/edit").get_data(as_text=True)
    assert "Last year (2024)" in body and "¥1,200,000.00" in body


# --- schemes ------------------------------------------------------------------------------------------------

def test_a_new_scheme_version_from_the_prefilled_form(session, client, login, world):
    login(world.operator)
    page = client.get("/assessment/schemes/new")
    assert page.status_code == 200 and "营业收入增长率" in page.get_data(as_text=True)
    form = {}
    from incubator.assessment.forms_scheme import SchemeForm
    with client.application.test_request_context():
        f = SchemeForm(formdata=None)
        f.fill(world.scheme.config)
        for field in f:
            if field.type == "FieldList":
                for entry in field:
                    for sub in entry.form:
                        form[sub.name] = "" if sub.data is None else str(sub.data)
            elif field.type not in ("CSRFTokenField",):
                form[field.name] = "" if field.data is None else str(field.data)
    form.update({"effective_from": today().isoformat(), "note": "提高纳税权重", "appeal_working_days": "15"})
    resp = client.post("/assessment/schemes/new", data=form)
    assert resp.status_code == 303, resp.get_data(as_text=True)[:2000]
    newest = session.scalar(sa.select(AssessmentScheme).order_by(AssessmentScheme.version.desc()).limit(1))
    assert newest.version == world.scheme.version + 1 and newest.config["appeal_working_days"] == 15
    assert [i["key"] for i in newest.config["indicators"]] == [i["key"] for i in world.scheme.config["indicators"]]
    form["dimensions-0-weight"] = "31"
    resp = client.post("/assessment/schemes/new", data=form)
    assert resp.status_code == 400 and "add up to 100" in resp.get_data(as_text=True)
    login(world.lead)
    assert client.get("/assessment/schemes/new").status_code == 403


def test_checks_are_kept_per_figure_and_shown(session, client, login, world):
    campaign = new_campaign(session, world)
    filing = filing_of(session, campaign, world.companies[0])
    file(session, world.members[0], filing)
    services.check_figure(session, world.operator, filing, "revenue", CheckOutcome.CORRECTED,
                          Decimal("1100000.00"), "以审计报告为准")
    session.commit()
    login(world.members[0])
    body = client.get(f"/assessment/filings/{filing.id}").get_data(as_text=True)
    assert "以审计报告为准" in body and "¥1,100,000.00" in body


def test_reviewers_are_assigned_from_the_campaign_page(session, client, login, world):
    campaign = new_campaign(session, world)
    filings = [filing_of(session, campaign, c) for c in world.companies]
    session.commit()
    login(world.operator)
    resp = client.post(f"/assessment/campaigns/{campaign.id}/reviewers",
                       data={"reviewer_ids": [str(r.id) for r in world.reviewers],
                             "filing_ids": [str(f.id) for f in filings[:2]]})
    assert resp.status_code == 303
    assert session.scalar(sa.select(sa.func.count()).select_from(ReviewerAssignment)) == 4
    member_reviewer = make_user(session, Role.REVIEWER, company=world.companies[2])
    session.commit()
    resp = client.post(f"/assessment/campaigns/{campaign.id}/reviewers",
                       data={"reviewer_ids": [str(member_reviewer.id)], "filing_ids": [str(filings[2].id)]},
                       headers={"Referer": f"/assessment/campaigns/{campaign.id}"}, follow_redirects=True)
    assert "cannot review it" in resp.get_data(as_text=True)


def test_verified_filings_cannot_be_checked_again_without_reopening(session, client, login, world):
    campaign = new_campaign(session, world)
    filing = filing_of(session, campaign, world.companies[0])
    file(session, world.members[0], filing)
    verify(session, world.operator, filing)
    session.commit()
    login(world.operator)
    resp = client.post(f"/assessment/filings/{filing.id}/check", data={"figure": "revenue", "outcome": "accepted"},
                       headers={"Referer": f"/assessment/filings/{filing.id}"}, follow_redirects=True)
    assert "only on a submitted filing" in resp.get_data(as_text=True)
    assert client.post(f"/assessment/filings/{filing.id}/reopen", data={"comment": "复核收入"}).status_code == 303
    session.refresh(filing)
    assert filing.state == FilingState.RESUBMITTED


def test_page_queries_do_not_grow_with_the_campaign(session, client, login, world, count_queries):
    small = run(session, world, {}, year=2023, name="2023年度")
    for i in range(6):
        world.companies.append(make_company(session, name=f"扩充科技有限公司{i}", moved_in_on=dt.date(2024, 3, 1)))
        world.members.append(make_user(session, Role.COMPANY, company=world.companies[-1]))
    big = run(session, world, {}, year=2024, name="2024年度")
    session.commit()
    login(world.operator)
    counts = {}
    for campaign in (small, big):
        for page in ("", "/ranking"):
            client.get(f"/assessment/campaigns/{campaign.id}{page}")  # warm up
            with count_queries() as n:
                assert client.get(f"/assessment/campaigns/{campaign.id}{page}").status_code == 200
            counts[(campaign.id, page)] = n()
    assert counts[(small.id, "")] == counts[(big.id, "")]
    assert counts[(small.id, "/ranking")] == counts[(big.id, "/ranking")]
