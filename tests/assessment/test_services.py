"""Campaigns, filings, verification, ranking, publication, appeals and consequences through the services."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from incubator.assessment import consequences, scoring, services
from incubator.assessment.models import (
    AppealState,
    CampaignKind,
    CampaignState,
    CheckOutcome,
    ExitProposal,
    ExitProposalState,
    ExitReason,
    FilingState,
    Rectification,
    RectificationState,
    Result,
)
from incubator.companies.models import CompanyStatus
from incubator.core.calendar import add_working_days
from incubator.core.errors import DomainError, PermissionDenied, SegregationOfDuties
from incubator.core.formatting import today
from incubator.core.roles import Role
from incubator.leases.models import Lease, LeaseState, LeaseUnit, RentCharge
from incubator.subsidies import facts as subsidy_facts

from ..factories import make_company, make_unit, make_user
from .flow import FIGURES, STRONG, WEAK, file, filing_of, new_campaign, run, score_all, verify


def result_of(session, campaign, company) -> Result:
    return session.scalar(sa.select(Result).where(Result.campaign_id == campaign.id, Result.company_id == company.id,
                                                  Result.current))


# --- campaigns ----------------------------------------------------------------------------------------

def test_the_annual_campaign_takes_every_tenant_and_the_scheme_in_force(session, world):
    applicant = make_company(session, status=CompanyStatus.APPLICANT)
    campaign = new_campaign(session, world)
    companies = {f.company_id for f in session.scalars(sa.select(services.Filing).where(
        services.Filing.campaign_id == campaign.id))}
    assert {c.id for c in world.companies} <= companies and applicant.id not in companies
    assert campaign.scheme_id == world.scheme.id and campaign.state == CampaignState.OPEN


def test_one_annual_campaign_per_year_and_interim_reviews_need_companies(session, world):
    new_campaign(session, world, year=2025)
    with pytest.raises(DomainError, match="already an annual campaign for 2025"):
        new_campaign(session, world, year=2025, name="又一个")
    with pytest.raises(DomainError, match="at least one tenant"):
        new_campaign(session, world, kind=CampaignKind.INTERIM, name="中期")
    interim = new_campaign(session, world, kind=CampaignKind.INTERIM, name="中期", companies=[world.companies[1]])
    assert [f.company_id for f in session.scalars(sa.select(services.Filing).where(
        services.Filing.campaign_id == interim.id))] == [world.companies[1].id]


def test_only_editors_create_campaigns(session, world):
    with pytest.raises(PermissionDenied):
        services.create_campaign(session, world.lead, name="x", year=2025, kind=CampaignKind.ANNUAL,
                                 opens_on=today(), closes_on=today())


# --- filing -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("key, value, message", [
    ("revenue", Decimal("-1.00"), "cannot be negative"),
    ("tax_paid", Decimal("1.005"), "at most two decimal places"),
    ("financing", Decimal("1000000000000.00"), "at most two decimal places"),
    ("rd_expense", Decimal("NaN"), "Please enter a number"),
    ("headcount", -3, "whole number"),
    ("graduates", 10_000_000, "whole number"),
])
def test_save_filing_refuses_bad_figures(session, world, key, value, message):
    filing = filing_of(session, new_campaign(session, world), world.companies[0])
    with pytest.raises(DomainError, match=message) as exc:
        services.save_filing(session, world.members[0], filing, {**FIGURES, key: value})
    assert exc.value.field == key


def test_only_the_company_files_and_only_its_own(session, world):
    filing = filing_of(session, new_campaign(session, world), world.companies[0])
    for other in (world.members[1], world.operator):
        with pytest.raises(PermissionDenied):
            services.save_filing(session, other, filing, FIGURES)
    file(session, world.members[0], filing)
    assert filing.state == FilingState.SUBMITTED and filing.submitted_at is not None
    with pytest.raises(DomainError):  # submitted: no more changes
        services.save_filing(session, world.members[0], filing, FIGURES)


def test_return_resubmit_and_the_first_submission_is_kept(session, world):
    filing = filing_of(session, new_campaign(session, world), world.companies[0])
    file(session, world.members[0], filing)
    first = filing.submitted_at
    for key in services.pending_figures(filing):
        services.check_figure(session, world.operator, filing, key, CheckOutcome.ACCEPTED)
    services.check_figure(session, world.operator, filing, "tax_paid", CheckOutcome.RETURNED, reason="缺完税证明")
    services.return_filing(session, world.operator, filing, "请补充纳税凭证")
    assert filing.state == FilingState.RETURNED
    services.save_filing(session, world.members[0], filing,
                         {**FIGURES, "tax_paid": Decimal("90000.00"), "headcount": 26})
    services.submit_filing(session, world.members[0], filing)
    assert filing.state == FilingState.RESUBMITTED and filing.submitted_at == first and filing.resubmitted_at
    # the returned figure, and an accepted one the company changed meanwhile, need checking again
    assert services.pending_figures(filing) == ["tax_paid", "headcount"]


def test_verification_needs_every_figure_checked_and_a_correction_needs_a_reason(session, world):
    filing = filing_of(session, new_campaign(session, world), world.companies[0])
    file(session, world.members[0], filing)
    with pytest.raises(DomainError, match="Check every figure first"):
        services.verify_filing(session, world.operator, filing)
    with pytest.raises(DomainError, match="reason"):
        services.check_figure(session, world.operator, filing, "revenue", CheckOutcome.CORRECTED, Decimal("1000.00"))
    with pytest.raises(DomainError, match="accept it instead"):
        services.check_figure(session, world.operator, filing, "revenue", CheckOutcome.CORRECTED,
                              FIGURES["revenue"], "同值")
    with pytest.raises(DomainError, match="whole number"):
        services.check_figure(session, world.operator, filing, "headcount", CheckOutcome.CORRECTED, Decimal("2.5"), "x")
    verify(session, world.operator, filing, corrections={"tax_paid": Decimal("60000.00")})
    assert filing.state == FilingState.VERIFIED
    assert filing.tax_paid == FIGURES["tax_paid"]  # what the company filed is kept
    assert services.verified_figures(filing)["tax_paid"] == Decimal("60000.00")


def test_closing_filing_lapses_drafts_and_returns_are_then_refused(session, world):
    campaign = new_campaign(session, world)
    submitted = file(session, world.members[0], filing_of(session, campaign, world.companies[0]))
    services.close_filing(session, world.operator, campaign)
    assert filing_of(session, campaign, world.companies[1]).state == FilingState.LAPSED
    with pytest.raises(DomainError, match="Filing has closed"):
        services.return_filing(session, world.operator, submitted, "晚了")


def test_overdue_filings_are_visible(session, world):
    campaign = new_campaign(session, world, closes_on=today() - dt.timedelta(days=1))
    file(session, world.members[0], filing_of(session, campaign, world.companies[0]))
    overdue = session.scalars(sa.select(services.Filing).where(services.overdue_condition())).all()
    assert {f.company_id for f in overdue} == {world.companies[1].id, world.companies[2].id}
    assert services.is_overdue(filing_of(session, campaign, world.companies[1]))


# --- scoring and ranking -------------------------------------------------------------------------------------

def test_ranking_waits_for_verification_and_reviewer_sheets(session, world):
    campaign = new_campaign(session, world)
    for company, member in zip(world.companies, world.members, strict=True):
        file(session, member, filing_of(session, campaign, company))
    services.close_filing(session, world.operator, campaign)
    problems = scoring.ranking_blockers(session, campaign)
    assert any("not verified" in p for p in problems) and any("fewer than 2" in p for p in problems)
    with pytest.raises(DomainError):
        scoring.rank_results(session, world.operator, campaign)
    for company in world.companies:
        verify(session, world.operator, filing_of(session, campaign, company))
    score_all(session, world.reviewers, world.operator, campaign)
    assert scoring.ranking_blockers(session, campaign) == []


def test_a_campaign_scores_ranks_and_grades_with_the_arithmetic(session, world):
    a, b, c = world.companies
    campaign = run(session, world, {a.id: STRONG, c.id: WEAK}, publish=False)
    ra, rb, rc = (result_of(session, campaign, x) for x in (a, b, c))
    assert (ra.rank, rb.rank, rc.rank) == (1, 2, 3)
    assert ra.score > rb.score > rc.score
    assert rc.grade == "fail"
    tax = next(i for d in ra.breakdown["dimensions"] for i in d["indicators"] if i["key"] == "tax_paid")
    assert tax["points"] == "10.00" and tax["capped"] and "封顶" in tax["arithmetic"]
    assert ra.breakdown["ranking"]["of"] == 3 and ra.breakdown["ranking"]["places"] == 1


def test_a_lapsed_filing_scores_only_what_does_not_need_figures(session, world):
    a, b, _c = world.companies
    campaign = run(session, world, {b.id: None})
    rb = result_of(session, campaign, b)
    assert rb.grade == "fail"
    compliance = next(d for d in rb.breakdown["dimensions"] if d["key"] == "compliance")
    on_time = next(i for i in compliance["indicators"] if i["key"] == "on_time")
    assert on_time["points"] == "0.00" and on_time["note"] == "未报送，本项计 0 分"


def test_growth_uses_last_years_verified_filing_and_the_leased_area(session, world):
    a = world.companies[0]
    run(session, world, {}, year=2024, name="2024年度")
    unit = make_unit(session, area=Decimal("100.00"))
    lease = Lease(number="ZL-T-1", company_id=a.id, start_on=dt.date(2024, 1, 1), end_on=dt.date(2027, 12, 31),
                  rent_per_m2=Decimal("40"), property_fee_per_m2=Decimal("5"), deposit=Decimal("0"),
                  state=LeaseState.SIGNED)
    lease.units = [LeaseUnit(unit_id=unit.id, area=Decimal("100.00"))]
    session.add(lease)
    session.add(RentCharge(lease=lease, company_id=a.id, period_start=dt.date(2025, 12, 1),
                           period_end=dt.date(2025, 12, 31), due_on=dt.date(2025, 12, 11), rent_per_m2=lease.rent_per_m2,
                           rent=Decimal("4000.00"),
                           property_fee=Decimal("500.00"), paid=Decimal("0.00")))
    session.flush()
    campaign = run(session, world, {a.id: {**FIGURES, "revenue": Decimal("1500000.00")}}, year=2025, publish=False)
    points = {i["key"]: i for d in result_of(session, campaign, a).breakdown["dimensions"] for i in d["indicators"]}
    assert points["revenue_growth"]["points"] == "5.00"  # +25% over 2024's ¥1,200,000 × 0.2
    assert points["tax_per_m2"]["points"] == "9.00"  # ¥95,000 ÷ 100 m² = ¥950/m²
    assert points["rent_paid"]["points"] == "0.00" and "¥4,500.00" in points["rent_paid"]["arithmetic"]


def test_four_eyes_the_lead_who_ranked_does_not_confirm(session, world):
    both = make_user(session, Role.OPERATOR, Role.LEAD)
    campaign = run(session, world, {}, confirm=False)
    scoring.send_back(session, world.lead, campaign, "请复核")
    scoring.rank_results(session, both, campaign)
    with pytest.raises(SegregationOfDuties):
        scoring.confirm_results(session, both, campaign)
    scoring.confirm_results(session, world.lead2, campaign)
    assert campaign.state == CampaignState.CONFIRMED
    assert session.scalar(sa.select(sa.func.count()).select_from(Result).where(Result.campaign_id == campaign.id)) == 3


# --- publication and consequences --------------------------------------------------------------------------

def test_publication_opens_the_appeal_window_and_a_fail_brings_a_rectification(session, world):
    c = world.companies[2]
    campaign = run(session, world, {c.id: WEAK})
    assert campaign.published_on == today()
    assert campaign.appeals_close_on == add_working_days(today(), 10)
    rect = session.scalar(sa.select(Rectification).where(Rectification.company_id == c.id))
    assert rect.state == RectificationState.OPEN and rect.due_on == add_working_days(today(), 20)
    assert "总分" in rect.requirements and "不合格" in rect.requirements
    assert not session.scalars(sa.select(ExitProposal)).all()


def test_two_consecutive_failures_raise_an_exit_proposal_automatically(session, world):
    c = world.companies[2]
    run(session, world, {c.id: WEAK}, year=2024, name="2024年度")
    second = run(session, world, {c.id: WEAK}, year=2025)
    proposal = session.scalar(sa.select(ExitProposal).where(ExitProposal.company_id == c.id))
    assert proposal.reason == ExitReason.CONSECUTIVE_FAILURES and proposal.raised_by_id is None
    assert proposal.result_id == result_of(session, second, c).id
    assert "连续两次考核不合格" in proposal.detail
    # the second failure brings no second rectification: the exit proposal replaces it
    assert session.scalar(sa.select(sa.func.count()).select_from(Rectification)
                          .where(Rectification.company_id == c.id)) == 1


def test_a_fail_then_a_pass_then_a_fail_is_not_consecutive(session, world):
    c = world.companies[2]
    run(session, world, {c.id: WEAK}, year=2023, name="2023年度")
    run(session, world, {c.id: STRONG}, year=2024, name="2024年度")
    run(session, world, {c.id: WEAK}, year=2025)
    assert not session.scalars(sa.select(ExitProposal).where(ExitProposal.company_id == c.id)).all()


def test_the_operator_may_propose_exit_instead_of_rectification(session, world):
    c = world.companies[2]
    campaign = run(session, world, {c.id: WEAK})
    result = result_of(session, campaign, c)
    with pytest.raises(PermissionDenied):
        consequences.propose_exit(session, world.lead, result, "x")
    proposal = consequences.propose_exit(session, world.operator, result, "经营停滞，建议清退")
    assert proposal.reason == ExitReason.FAILED_ASSESSMENT and proposal.raised_by_id == world.operator.id
    rect = session.scalar(sa.select(Rectification).where(Rectification.company_id == c.id))
    assert rect.state == RectificationState.CANCELLED
    with pytest.raises(DomainError, match="already open"):
        consequences.propose_exit(session, world.operator, result, "再提一次")
    consequences.take_exit_proposal(session, world.operator, proposal)
    assert proposal.state == ExitProposalState.TAKEN


def test_a_failing_grade_blocks_rent_subsidies_until_a_later_pass(session, world):
    c = world.companies[2]
    assert consequences.latest_grade in subsidy_facts.GRADE_SOURCES
    assert subsidy_facts.last_grade(session, c.id) is None
    run(session, world, {c.id: WEAK}, year=2024, name="2024年度")
    facts = subsidy_facts.rent_facts(session, c, dt.date(2025, 1, 1), dt.date(2025, 6, 30), today())
    assert facts.last_grade == "fail"
    run(session, world, {c.id: STRONG}, year=2025)
    assert subsidy_facts.last_grade(session, c.id) in ("excellent", "good", "pass")


def test_unpublished_results_do_not_count(session, world):
    c = world.companies[2]
    run(session, world, {c.id: WEAK}, publish=False)
    assert consequences.latest_grade(session, c.id) is None


# --- appeals ----------------------------------------------------------------------------------------------------

def _failed(session, world):
    c, member = world.companies[2], world.members[2]
    campaign = run(session, world, {c.id: WEAK})
    return campaign, result_of(session, campaign, c), member


def test_only_the_owner_appeals_within_the_window_and_only_once(session, world):
    campaign, result, member = _failed(session, world)
    with pytest.raises(PermissionDenied):
        consequences.file_appeal(session, world.members[0], result, "不服")
    with pytest.raises(DomainError, match="appeal period"):
        consequences.file_appeal(session, member, result, "不服", on=campaign.appeals_close_on + dt.timedelta(days=1))
    with pytest.raises(DomainError, match="grounds"):
        consequences.file_appeal(session, member, result, "   ")
    consequences.file_appeal(session, member, result, "纳税额漏计一笔", on=campaign.appeals_close_on)
    with pytest.raises(DomainError, match="filed already"):
        consequences.file_appeal(session, member, result, "再申诉")


def test_an_upheld_appeal_adds_a_revision_keeps_the_old_and_lifts_the_consequences(session, world):
    campaign, result, member = _failed(session, world)
    appeal = consequences.file_appeal(session, member, result, "补充了融资与纳税凭证")
    adjustments = {"tax_paid": Decimal("10"), "financing": Decimal("4"), "revenue_growth": Decimal("10"),
                   "rd_ratio": Decimal("8"), "ip": Decimal("10"), "high_level": Decimal("8")}
    consequences.decide_appeal(session, world.lead, appeal, upheld=True, reason="凭证属实，予以调整",
                               adjustments=adjustments)
    assert appeal.state == AppealState.UPHELD and appeal.decided_by_id == world.lead.id
    revisions = session.scalars(sa.select(Result).where(Result.filing_id == result.filing_id)
                                .order_by(Result.revision)).all()
    assert [(r.revision, r.current) for r in revisions] == [(1, False), (2, True)]
    old, new = revisions
    assert new.score == old.score + Decimal("50.00") - sum(
        (Decimal(i["points"]) for d in old.breakdown["dimensions"] for i in d["indicators"] if i["key"] in adjustments),
        Decimal("0"))
    assert new.grade != "fail" and old.grade == "fail" and appeal.new_result_id == new.id
    assert session.scalar(sa.select(Rectification).where(Rectification.result_id == old.id)).state == \
        RectificationState.CANCELLED
    assert consequences.latest_grade(session, result.company_id) == new.grade.value


def test_a_dismissed_appeal_changes_nothing_and_needs_a_reason(session, world):
    campaign, result, member = _failed(session, world)
    appeal = consequences.file_appeal(session, member, result, "不服")
    with pytest.raises(DomainError, match="reason"):
        consequences.decide_appeal(session, world.lead, appeal, upheld=False, reason="")
    with pytest.raises(DomainError, match="dismiss it"):
        consequences.decide_appeal(session, world.lead, appeal, upheld=True, reason="x", adjustments={})
    with pytest.raises(DomainError, match="between 0 and the indicator's cap"):
        consequences.decide_appeal(session, world.lead, appeal, upheld=True, reason="x",
                                   adjustments={"tax_paid": Decimal("11")})
    consequences.decide_appeal(session, world.lead, appeal, upheld=False, reason="材料不足以改变评分")
    assert appeal.state == AppealState.DISMISSED and result.current


def test_a_lead_who_scored_the_company_does_not_decide_its_appeal(session, world):
    lead_reviewer = make_user(session, Role.LEAD, Role.REVIEWER)
    world.reviewers = [world.reviewers[0], lead_reviewer]
    campaign, result, member = _failed(session, world)
    appeal = consequences.file_appeal(session, member, result, "不服")
    with pytest.raises(SegregationOfDuties):
        consequences.decide_appeal(session, lead_reviewer, appeal, upheld=False, reason="驳回")


def test_closing_waits_for_the_appeal_window_and_open_appeals(session, world):
    campaign, result, member = _failed(session, world)
    appeal = consequences.file_appeal(session, member, result, "不服")
    with pytest.raises(DomainError, match="until"):
        scoring.close_campaign(session, world.operator, campaign)
    after = campaign.appeals_close_on + dt.timedelta(days=1)
    with pytest.raises(DomainError, match="waiting for a decision"):
        scoring.close_campaign(session, world.operator, campaign, on=after)
    consequences.decide_appeal(session, world.lead, appeal, upheld=False, reason="驳回")
    scoring.close_campaign(session, world.operator, campaign, on=after)
    assert campaign.state == CampaignState.CLOSED


def test_a_veto_fails_a_strong_company_and_can_be_lifted_on_appeal(session, world):
    a, member = world.companies[0], world.members[0]
    campaign = new_campaign(session, world)
    for company, m in zip(world.companies, world.members, strict=True):
        file(session, m, filing_of(session, campaign, company), STRONG if company is a else FIGURES)
    services.close_filing(session, world.operator, campaign)
    for company in world.companies:
        verify(session, world.operator, filing_of(session, campaign, company))
    with pytest.raises(DomainError, match="Describe the facts"):
        services.record_compliance(session, world.operator, filing_of(session, campaign, a), breach_note=None,
                                   vetoes={"false_materials": " "})
    services.record_compliance(session, world.operator, filing_of(session, campaign, a), breach_note=None,
                               vetoes={"false_materials": "营业收入凭证与税务数据不符"})
    score_all(session, world.reviewers, world.operator, campaign)
    scoring.rank_results(session, world.operator, campaign)
    scoring.confirm_results(session, world.lead, campaign)
    scoring.publish_results(session, world.operator, campaign)
    result = result_of(session, campaign, a)
    assert result.veto and result.grade == "fail" and result.rank == 3
    appeal = consequences.file_appeal(session, member, result, "数据差异系统计口径不同")
    consequences.decide_appeal(session, world.lead, appeal, upheld=True, reason="经核实非虚假材料", lift_vetoes=True)
    new = result_of(session, campaign, a)
    assert not new.veto and new.grade != "fail" and new.rank == 1 and new.score == result.score
