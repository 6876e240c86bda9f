"""The demo's assessment (incubator/demo_assessment.py): last year's campaign finished with every
grade, an upheld appeal, rectifications and an exit proposal after two failures in a row; an
interim campaign open now with filings in every state; company1 files, sees its result and report;
a failing company's rent subsidy is blocked without touching any claim of the subsidy demo."""
from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
import sqlalchemy as sa

from incubator.accounts.models import User
from incubator.assessment import services
from incubator.assessment.models import (
    Appeal,
    AppealState,
    Campaign,
    CampaignKind,
    CampaignState,
    CheckOutcome,
    ExitProposal,
    ExitProposalState,
    ExitReason,
    Filing,
    FilingState,
    Rectification,
    RectificationState,
    Result,
)
from incubator.audit.services import verify_chain
from incubator.core.formatting import local, today
from incubator.core.models import WorkflowEvent
from incubator.demo import seed_demo
from incubator.subsidies import policies
from incubator.subsidies.models import BatchState, SubsidyBatch, SubsidyClaim

F = FilingState


@pytest.fixture
def demo(session):
    seed_demo(session, today=today())
    session.commit()
    return session


def _users(session) -> dict[str, User]:
    return {u.username: u for u in session.scalars(sa.select(User))}


def _campaigns(session) -> dict[str, Campaign]:
    rows = session.scalars(sa.select(Campaign).order_by(Campaign.year, Campaign.id)).all()
    earlier, last = [c for c in rows if c.kind == CampaignKind.ANNUAL]
    return {"earlier": earlier, "last": last, "open": next(c for c in rows if c.kind == CampaignKind.INTERIM)}


def _current(session, campaign: Campaign) -> list[Result]:
    return list(session.scalars(sa.select(Result).where(Result.campaign_id == campaign.id, Result.current)))


def test_the_demo_holds_a_finished_campaign_and_an_open_one(demo):
    session, day = demo, today()
    found = _campaigns(session)
    earlier, last, open_ = found["earlier"], found["last"], found["open"]
    assert (earlier.year, earlier.state) == (last.year - 1, CampaignState.CLOSED)
    assert last.state == CampaignState.CLOSED and last.year == (day.year - 1 if day.month >= 7 else day.year - 2)
    assert open_.state == CampaignState.OPEN and open_.opens_on <= day <= open_.closes_on

    # filed in the first quarter after the year, published in spring, closed after the appeals window
    filings = session.scalars(sa.select(Filing).where(Filing.campaign_id == last.id)).all()
    filed = [f for f in filings if f.state != F.LAPSED]
    assert {f.state for f in filed} == {F.VERIFIED} and [f.state for f in filings].count(F.LAPSED) == 1
    assert all(last.opens_on <= local(f.submitted_at).date() <= last.closes_on for f in filed)
    assert dt.date(last.year + 1, 4, 1) <= last.published_on < last.appeals_close_on < day
    published = session.scalar(sa.select(WorkflowEvent).where(WorkflowEvent.object_type == "assessment_campaign",
                                                              WorkflowEvent.object_id == last.id,
                                                              WorkflowEvent.action == "publish"))
    assert local(published.at).date() == last.published_on

    # every grade, each result with its arithmetic, every filing scored by at least two reviewers
    results = _current(session, last)
    grades = Counter(r.grade.value for r in results)
    assert set(grades) == {"excellent", "good", "pass", "fail"}
    assert len(results) == len(filings) and all(r.breakdown["dimensions"] for r in results)
    assert all(len([a for a in f.assignments if a.state.value == "submitted"]) >= 2 for f in filed)

    # company1's appeal was upheld: revision 2 is in force, revision 1 kept
    users = _users(session)
    company1 = users["company1"].company
    appeal = session.scalar(sa.select(Appeal).where(Appeal.company_id == company1.id))
    assert appeal.state == AppealState.UPHELD and appeal.decided_by_id == users["lead"].id
    revisions = session.scalars(sa.select(Result).where(Result.filing_id == appeal.filing_id)
                                .order_by(Result.revision)).all()
    assert [(r.revision, r.current) for r in revisions] == [(1, False), (2, True)]
    assert revisions[1].score > revisions[0].score and revisions[1].reason

    # the company failing twice in a row is proposed for exit (the exit demo took the proposal up);
    # the one that did not file rectified
    proposal = session.scalar(sa.select(ExitProposal))
    assert proposal.reason == ExitReason.CONSECUTIVE_FAILURES and proposal.raised_by_id is None
    assert proposal.state in (ExitProposalState.OPEN, ExitProposalState.TAKEN)
    failed = {r.company_id for r in _current(session, earlier) if r.grade.value == "fail"}
    assert proposal.company_id in failed and proposal.result.campaign_id == last.id
    lapsed = next(f for f in filings if f.state == F.LAPSED)
    rect = session.scalar(sa.select(Rectification).where(Rectification.company_id == lapsed.company_id))
    assert rect.state == RectificationState.COMPLETED and rect.issued_on == last.published_on
    assert rect.issued_on < rect.closed_on <= rect.due_on

    # the open campaign: filings in every state an open campaign holds; company1's still a draft
    states = {f.company_id: f.state for f in session.scalars(sa.select(Filing).where(Filing.campaign_id == open_.id))}
    assert {F.DRAFT, F.SUBMITTED, F.RETURNED, F.RESUBMITTED, F.VERIFIED} <= set(states.values())
    assert states[company1.id] == F.DRAFT
    assert verify_chain(session)[0]


def test_failing_companies_are_blocked_from_rent_subsidy_but_no_claim_changes(demo):
    session = demo
    last = _campaigns(session)["last"]
    failing = [r.company for r in _current(session, last) if r.grade.value == "fail"]
    assert failing
    claimants = set(session.scalars(sa.select(SubsidyClaim.company_id)))
    assert not claimants & {c.id for c in failing}
    batch = session.scalar(sa.select(SubsidyBatch).where(SubsidyBatch.state == BatchState.OPEN))
    for company in failing:
        calc = policies.calculate(session, company, batch)[1]
        assert calc.blocked["reason"] == "failed_assessment" and calc.total == 0


def test_company1_files_sees_its_result_and_report(demo, client, login):
    session = demo
    users = _users(session)
    found = _campaigns(session)
    company1 = users["company1"].company
    login(users["company1"])
    mine = client.get("/assessment/mine")
    assert mine.status_code == 200 and found["last"].name in mine.text and found["open"].name in mine.text
    result = session.scalar(sa.select(Result).where(Result.company_id == company1.id, Result.current,
                                                    Result.campaign_id == found["last"].id))
    page = client.get(f"/assessment/results/{result.id}")
    assert page.status_code == 200 and str(result.score) in page.text
    pdf = client.get(f"/assessment/results/{result.id}/report.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")

    filing = session.scalar(sa.select(Filing).where(Filing.campaign_id == found["open"].id,
                                                    Filing.company_id == company1.id))
    assert client.get(f"/assessment/filings/{filing.id}/edit").status_code == 200
    assert client.post(f"/assessment/filings/{filing.id}/submit").status_code in (302, 303)
    session.refresh(filing)
    assert filing.state == F.SUBMITTED
    operator = users["operator"]
    for key in services.pending_figures(filing):
        services.check_figure(session, operator, filing, key, CheckOutcome.ACCEPTED)
    services.verify_filing(session, operator, filing)
    assert filing.state == F.VERIFIED

    login(operator)
    for campaign in found.values():
        assert client.get(f"/assessment/campaigns/{campaign.id}").status_code == 200
    assert client.get(f"/assessment/campaigns/{found['last'].id}/ranking").status_code == 200
