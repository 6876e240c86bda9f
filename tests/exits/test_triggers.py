"""The automatic proposals (daily job, CLI and the operator's "check now"): two consecutive failed
assessments, a tenancy ending within 90 days, graduation conditions met — on dates and grades — and
the withdrawals when the ground goes away."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from incubator import jobs
from incubator.admission.rules import add_months
from incubator.assessment import consequences
from incubator.assessment.models import (
    AssessmentScheme,
    Campaign,
    CampaignKind,
    CampaignState,
    ExitProposal,
    ExitProposalState,
    Filing,
    FilingState,
)
from incubator.companies.models import Qualification, QualificationKind
from incubator.core.errors import TransitionNotAllowed
from incubator.core.formatting import today
from incubator.core.roles import Role
from incubator.exits import services
from incubator.exits.models import ExitCase, ExitKind, ExitOrigin
from incubator.exits.models import ExitState as S
from incubator.exits.triggers import propose_exits
from incubator.leases import services as leases

from ..assessment import flow as assessment
from ..factories import make_user
from .flow import drive


def kinds(cases) -> list[tuple[str, ExitKind]]:
    return [(c.company.name, c.kind) for c in cases]


def test_nothing_to_propose(world, session):
    assert propose_exits(session) == ([], [])


# --- leases ending ------------------------------------------------------------------------------------------

def test_a_tenancy_ending_within_90_days_is_proposed_for_its_last_day(world, session):
    w = world
    w.lease.end_on = today() + dt.timedelta(days=91)
    session.flush()
    assert propose_exits(session) == ([], [])
    w.lease.end_on = today() + dt.timedelta(days=90)
    session.flush()
    [case], _ = propose_exits(session)
    assert (case.kind, case.origin, case.lease_id, case.planned_exit_on) == (
        ExitKind.LEASE_EXPIRY, ExitOrigin.SYSTEM, w.lease.id, w.lease.end_on)
    assert case.proposed_by_id is None and w.lease.number in case.reason and case.response_due_on > today()
    assert propose_exits(session) == ([], [])  # idempotent


def test_no_proposal_while_a_new_lease_is_drafted(world, session):
    w = world
    w.lease.end_on = today() + dt.timedelta(days=30)
    leases.create_lease(session, w.operator, w.company, [w.office2], start_on=w.lease.end_on + dt.timedelta(days=1))
    assert propose_exits(session) == ([], [])


def test_a_renewal_withdraws_the_case_and_a_closed_one_is_not_proposed_again(world, session):
    w = world
    w.lease.end_on = today() + dt.timedelta(days=60)
    session.flush()
    [case], _ = propose_exits(session)
    leases.renew_lease(session, w.operator, w.lease, today() + dt.timedelta(days=800), reason="续签两年")
    assert propose_exits(session) == ([], [case])
    assert case.state == S.WITHDRAWN
    # the same lease end is never proposed twice
    w.lease.end_on = today() + dt.timedelta(days=60)
    session.flush()
    assert propose_exits(session) == ([], [])


# --- graduation --------------------------------------------------------------------------------------------

def test_the_incubation_period_over(world, session):
    w = world
    w.company.moved_in_on = add_months(today(), -48) + dt.timedelta(days=1)
    session.flush()
    assert propose_exits(session) == ([], [])
    w.company.moved_in_on = add_months(today(), -48)
    session.flush()
    [case], _ = propose_exits(session)
    assert case.kind == ExitKind.GRADUATION and "孵化期满" in case.reason
    assert [c["key"] for c in case.basis["conditions"] if c["met"]] == ["incubation_over"]


def test_biomedicine_incubates_60_months(world, session):
    w = world
    w.company.moved_in_on, w.company.sub_field = add_months(today(), -50), "生物医药"
    session.flush()
    assert propose_exits(session) == ([], [])
    w.company.moved_in_on = add_months(today(), -60)
    session.flush()
    assert kinds(propose_exits(session)[0]) == [(w.company.name, ExitKind.GRADUATION)]


def test_high_tech_certification(world, session):
    w = world
    session.add(Qualification(company_id=w.company.id, kind=QualificationKind.HIGH_TECH, certificate_no="GR1",
                              obtained_on=today() - dt.timedelta(days=1)))
    session.flush()
    session.refresh(w.company)
    [case], _ = propose_exits(session)
    assert case.kind == ExitKind.GRADUATION and "高新技术企业" in case.reason


def filing(session, company, year, kind=CampaignKind.ANNUAL, state=FilingState.VERIFIED, **figures):
    scheme = session.scalar(sa.select(AssessmentScheme).where(AssessmentScheme.version == 1))
    campaign = Campaign(name=f"{year}年度-{company.id}-{kind.value}", year=year, kind=kind, scheme_id=scheme.id,
                        state=CampaignState.CLOSED, opens_on=dt.date(year + 1, 1, 1), closes_on=dt.date(year + 1, 3, 31))
    session.add(campaign)
    session.flush()
    session.add(Filing(campaign_id=campaign.id, company_id=company.id, state=state, **figures))
    session.flush()


def test_revenue_above_ten_million_two_years_running(world, session):
    w = world
    filing(session, w.company, 2023, revenue=Decimal("12000000.00"))
    filing(session, w.company, 2024, revenue=Decimal("11000000.00"), state=FilingState.SUBMITTED)  # not verified
    filing(session, w.company, 2025, revenue=Decimal("15000000.00"))
    assert propose_exits(session) == ([], [])
    filing(session, w.company, 2024, kind=CampaignKind.INTERIM, revenue=Decimal("10500000.00"))
    [case], _ = propose_exits(session)
    assert "连续2年营业收入" in case.reason and "2024、2025" in case.reason


def test_financing_counts_each_year_once(world, session):
    w = world
    filing(session, w.company, 2024, financing=Decimal("3000000.00"))
    filing(session, w.company, 2024, kind=CampaignKind.INTERIM, financing=Decimal("3000000.00"))  # the same year
    assert propose_exits(session) == ([], [])
    filing(session, w.company, 2025, financing=Decimal("2000000.01"))
    [case], _ = propose_exits(session)
    assert "累计融资5000000.01元" in case.reason


def test_a_rejected_graduation_waits_before_it_is_proposed_again(world, session):
    w = world
    w.company.moved_in_on = add_months(today(), -49)
    session.flush()
    [case], _ = propose_exits(session)
    drive(session, w, case, S.REJECTED)
    assert propose_exits(session) == ([], [])
    case.updated_at = case.updated_at - dt.timedelta(days=181)
    session.flush()
    assert kinds(propose_exits(session)[0]) == [(w.company.name, ExitKind.GRADUATION)]


# --- assessment grades -----------------------------------------------------------------------------------------

def assessment_world(w):
    return SimpleNamespace(companies=[w.company, w.other], members=[w.member, w.other_member], operator=w.operator,
                           lead=w.lead, reviewers=[w.reviewer, make_user(w.session, Role.REVIEWER)])


def grades(w) -> dict:
    """The world's tenant fails; the other one does well (without raising enough to graduate)."""
    return {w.company.id: assessment.WEAK, w.other.id: {**assessment.STRONG, "financing": Decimal("0.00")}}


def test_two_consecutive_failures_become_an_exit_case(world, session):
    w = world
    a = assessment_world(w)
    assessment.run(session, a, grades(w), year=2024, name="2024年度")
    assert propose_exits(session) == ([], [])  # one failure brings a rectification, not an exit
    assessment.run(session, a, grades(w), year=2025)
    proposal = session.scalar(sa.select(ExitProposal).where(ExitProposal.company_id == w.company.id))
    [case], _ = propose_exits(session)
    assert (case.kind, case.assessment_proposal_id, case.reason) == (ExitKind.CONSECUTIVE_FAILURES, proposal.id,
                                                                     proposal.detail)
    assert case.planned_exit_on == today() + dt.timedelta(days=30)
    assert proposal.state == ExitProposalState.OPEN  # taken up only when the exit is executed
    drive(session, w, case, S.EXECUTED, exit_on=today())
    assert proposal.state == ExitProposalState.TAKEN


def test_the_operators_exit_proposal_after_one_failure(world, session):
    w = world
    campaign = assessment.run(session, assessment_world(w), grades(w), year=2025)
    result = session.scalar(sa.select(consequences.Result).where(consequences.Result.campaign_id == campaign.id,
                                                                  consequences.Result.company_id == w.company.id))
    consequences.propose_exit(session, w.operator, result, "经营停滞，视情况清退")
    [case], _ = propose_exits(session)
    assert case.kind == ExitKind.FAILED_ASSESSMENT and case.reason == "经营停滞，视情况清退"


def test_a_proposal_dismissed_on_appeal_withdraws_the_case_and_blocks_execution(world, session):
    w = world
    campaign = assessment.run(session, assessment_world(w), grades(w), year=2025)
    result = session.scalar(sa.select(consequences.Result).where(consequences.Result.campaign_id == campaign.id,
                                                                  consequences.Result.company_id == w.company.id))
    proposal = consequences.propose_exit(session, w.operator, result, "建议清退")
    [case], _ = propose_exits(session)
    drive(session, w, case, S.APPROVED, exit_on=today())
    consequences.dismiss_exit_proposal(session, w.lead, proposal, "申诉成立，等次调整为合格")
    with pytest.raises(TransitionNotAllowed, match="withdraw the case"):
        services.execute(session, w.operator, case)
    assert propose_exits(session) == ([], [])  # an approved case is left to the people who approved it
    services.withdraw(session, w.commander, case, "申诉成立，不再清退")
    assert case.state == S.WITHDRAWN


def test_a_dismissed_proposal_withdraws_a_case_not_yet_approved(world, session):
    w = world
    campaign = assessment.run(session, assessment_world(w), grades(w), year=2025)
    result = session.scalar(sa.select(consequences.Result).where(consequences.Result.campaign_id == campaign.id,
                                                                  consequences.Result.company_id == w.company.id))
    proposal = consequences.propose_exit(session, w.operator, result, "建议清退")
    [case], _ = propose_exits(session)
    consequences.dismiss_exit_proposal(session, w.lead, proposal, "申诉成立")
    assert propose_exits(session) == ([], [case])
    assert case.state == S.WITHDRAWN


def test_an_open_case_blocks_other_proposals(world, session):
    w = world
    services.request_exit(session, w.member, reason="搬迁", planned_exit_on=today())
    w.company.moved_in_on = add_months(today(), -60)
    w.lease.end_on = today() + dt.timedelta(days=10)
    session.flush()
    assert propose_exits(session) == ([], [])


# --- the command and the daily job --------------------------------------------------------------------------

def test_the_command_and_the_daily_job(world, session, app):
    w = world
    w.lease.end_on = today() + dt.timedelta(days=20)
    session.commit()
    result = app.test_cli_runner().invoke(args=["propose-exits"])
    assert result.exit_code == 0, result.output
    number = session.scalar(sa.select(ExitCase.number))
    assert f"1 exit case(s) proposed: {number}" in result.output
    assert "0 exit case(s) proposed." in app.test_cli_runner().invoke(args=["propose-exits"]).output
    w.other.moved_in_on = add_months(today(), -48)
    session.commit()
    assert jobs.huey.immediate
    jobs.propose_exits_daily()
    assert session.scalar(sa.select(ExitCase.kind).where(ExitCase.company_id == w.other.id)) == ExitKind.GRADUATION
