"""The claim services: starting, evidence, submission, the first check and its deadline,
verification, tiered approval, payment and the paper originals."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from incubator import jobs
from incubator.companies.models import CompanyStatus
from incubator.core.errors import ConcurrentChange, DomainError, PermissionDenied, TransitionNotAllowed
from incubator.core.formatting import today
from incubator.core.models import WorkflowEvent
from incubator.core.roles import Role
from incubator.funds.models import FundEntry, FundEntryKind
from incubator.funds.services import InsufficientFunds
from incubator.leases.models import Lease, RentCharge
from incubator.subsidies import batches, rules, services
from incubator.subsidies.models import BatchState as B
from incubator.subsidies.models import ClaimState as C
from incubator.subsidies.models import SubsidyPolicy

from ..factories import make_user
from .conftest import FULL_AMOUNT, end_notice, evidence_file, open_batch, tenant


def test_the_whole_path_through_the_services(subsidy_world):
    w = subsidy_world
    claim = w.claim()
    w.to(claim, "disbursed")
    assert claim.state == C.DISBURSED and claim.amount == FULL_AMOUNT and claim.required_role == "lead"
    w.session.refresh(w.pool)
    assert w.pool.paid == FULL_AMOUNT and w.pool.committed == 0
    kinds = w.session.scalars(sa.select(FundEntry.kind).where(FundEntry.object_id == claim.id,
                                                              FundEntry.object_type == "subsidy_claim")).all()
    assert sorted(kinds) == sorted([FundEntryKind.COMMIT, FundEntryKind.PAY])



# --- starting a claim ----------------------------------------------------------------------------------

def test_only_a_tenants_member_starts_one_claim_per_batch_while_the_intake_is_open(subsidy_world):
    w = subsidy_world
    with pytest.raises(DomainError, match="in residence"):
        services.start_claim(w.session, w.applicant_member, w.batch)
    for staff in (w.operator, w.lead, w.supervisor):
        with pytest.raises(PermissionDenied):
            services.start_claim(w.session, staff, w.batch)
    claim = services.start_claim(w.session, w.member, w.batch)
    assert claim.state == C.DRAFT and claim.number.startswith(f"BT-{today().year}-")
    assert claim.policy.version == 1 and claim.amount is None
    with pytest.raises(DomainError, match="already has a claim"):
        services.start_claim(w.session, w.member, w.batch)
    with pytest.raises(DomainError, match="takes applications from"):
        services.start_claim(w.session, w.other_member, w.batch, day=w.batch.intake_closes_on + dt.timedelta(days=1))
    with pytest.raises(DomainError, match="takes applications from"):
        services.start_claim(w.session, w.other_member, w.batch, day=w.batch.intake_opens_on - dt.timedelta(days=1))
    w.batch.state = B.REVIEWING
    with pytest.raises(DomainError, match="takes applications from"):
        services.start_claim(w.session, w.other_member, w.batch)


def test_the_preview_is_the_engine_on_the_ledger(subsidy_world):
    w = subsidy_world
    claim = w.claim()
    calc = services.preview(w.session, claim)
    assert calc.total == FULL_AMOUNT and len(calc.lines) == 6
    assert {line["rate"] for line in calc.lines} == {"1.00"}
    assert claim.calculation is None  # nothing is frozen before verification


# --- submission ----------------------------------------------------------------------------------------

def test_submission_needs_payment_evidence(subsidy_world):
    w = subsidy_world
    claim = w.claim(files=0)
    with pytest.raises(DomainError, match="payment evidence"):
        services.submit(w.session, w.member, claim)
    services.upload_evidence(w.session, w.member, claim, evidence_file())
    services.submit(w.session, w.member, claim)
    assert claim.state == C.SUBMITTED and claim.submitted_at is not None


def test_nothing_to_claim_is_refused_with_the_reason(subsidy_world):
    w = subsidy_world
    unqualified = tenant(w.session, "无资质科技有限公司", qualified=False)
    member = make_user(w.session, Role.COMPANY, company=unqualified)
    claim = w.claim(company_member=member)
    with pytest.raises(DomainError, match="No eligible qualification"):
        services.submit(w.session, member, claim)
    assert claim.state == C.DRAFT


def test_arrears_block_the_claim(subsidy_world):
    w = subsidy_world
    claim = w.claim()
    lease = w.session.scalars(sa.select(Lease).where(Lease.company_id == w.company.id)).one()
    w.session.add(RentCharge(lease_id=lease.id, company_id=w.company.id, period_start=dt.date(2026, 7, 1),
                             period_end=dt.date(2026, 7, 31), due_on=dt.date(2026, 7, 11), rent_per_m2=lease.rent_per_m2,
                             rent=Decimal("5000.00"),
                             property_fee=Decimal("500.00"), paid=Decimal("0.00")))
    w.session.flush()
    with pytest.raises(DomainError, match="5500.00"):  # the engine's detail: overdue rent and fees
        services.submit(w.session, w.member, claim)


def test_submission_closes_with_the_intake(subsidy_world):
    w = subsidy_world
    claim = w.claim()
    with pytest.raises(DomainError, match="closed on"):
        services.submit(w.session, w.member, claim, day=w.batch.intake_closes_on + dt.timedelta(days=1))


def test_evidence_and_changes_only_by_the_owner_while_editable(subsidy_world):
    w = subsidy_world
    claim = w.claim()
    with pytest.raises(PermissionDenied):
        services.upload_evidence(w.session, w.other_member, claim, evidence_file())
    with pytest.raises(PermissionDenied):
        services.save_claim(w.session, w.operator, claim, remarks="x")
    services.save_claim(w.session, w.member, claim, remarks="  3月回单另附  ")
    assert claim.contact_note == "3月回单另附"
    services.submit(w.session, w.member, claim)
    with pytest.raises(DomainError, match="only as a draft or when returned"):
        services.upload_evidence(w.session, w.member, claim, evidence_file("late"))
    with pytest.raises(DomainError, match="only as a draft or when returned"):
        services.save_claim(w.session, w.member, claim, remarks="改")


def test_an_exited_company_changes_nothing(subsidy_world):
    w = subsidy_world
    claim = w.claim()
    w.company.status = CompanyStatus.EXITED
    w.session.flush()
    with pytest.raises(DomainError, match="read-only"):
        services.submit(w.session, w.member, claim)
    with pytest.raises(DomainError, match="read-only"):
        services.withdraw(w.session, w.member, claim)


@pytest.mark.parametrize(("raw", "message"), [
    ("NaN", "such as 120.50"),
    ("Infinity", "such as 120.50"),
    ("1e5", "such as 120.50"),
    ("-500", "greater than zero"),
    ("0", "greater than zero"),
    ("100.005", "decimal places"),
    ("1000000000000", "too large"),
    ("99999999999999999999", "too large"),
    ("12万", "such as 120.50"),
])
def test_bad_declared_amounts(subsidy_world, raw, message):
    w = subsidy_world
    claim = w.claim(batch=open_batch(w.session, w.operator, w.declared_type, w.pool, name="研发投入补贴"))
    with pytest.raises(DomainError, match=message) as info:
        services.save_claim(w.session, w.member, claim, remarks=None, declared_amount=raw)
    assert info.value.field == "declared_amount" and claim.declared_amount is None


def test_declared_amounts_accept_full_width_digits_and_thousands(subsidy_world):
    w = subsidy_world
    claim = w.claim(batch=open_batch(w.session, w.operator, w.declared_type, w.pool, name="研发投入补贴"))
    services.save_claim(w.session, w.member, claim, remarks=None, declared_amount="１２３，４５６．７")
    assert claim.declared_amount == Decimal("123456.70")
    with pytest.raises(DomainError, match="amount you claim"):
        services.save_claim(w.session, w.member, claim, remarks=None, declared_amount="")
        services.submit(w.session, w.member, claim)
    services.save_claim(w.session, w.member, claim, remarks=None, declared_amount="88000")
    services.submit(w.session, w.member, claim)
    services.verify(w.session, w.operator, claim)
    assert (claim.amount, claim.required_role) == (Decimal("88000.00"), "lead")


def test_a_rent_claim_has_nothing_to_declare(subsidy_world):
    w = subsidy_world
    claim = w.claim()
    with pytest.raises(DomainError, match="nothing to declare|no amount to declare"):
        services.save_claim(w.session, w.member, claim, remarks=None, declared_amount="1000")


# --- return, deadline, lapse ---------------------------------------------------------------------------

def test_return_gives_ten_working_days_around_national_day_then_lapses(subsidy_world, app):
    w = subsidy_world
    claim = w.claim()
    services.submit(w.session, w.member, claim)
    services.return_claim(w.session, w.operator, claim, "请补充3月银行回单", day=dt.date(2026, 9, 30))
    # 1–7 October are holidays and Saturday 10 October a make-up working day: the tenth is 20 October
    assert (claim.state, claim.due_on, claim.return_reason) == (C.RETURNED, dt.date(2026, 10, 20), "请补充3月银行回单")
    assert services.lapse_overdue(w.session, day=dt.date(2026, 10, 20)) == []
    with pytest.raises(DomainError, match="deadline \\(2026-10-20\\) has passed"):
        services.resubmit(w.session, w.member, claim, day=dt.date(2026, 10, 21))
    assert services.lapse_overdue(w.session, day=dt.date(2026, 10, 21)) == [claim]
    assert claim.state == C.LAPSED
    event = w.session.scalars(sa.select(WorkflowEvent).where(WorkflowEvent.object_id == claim.id,
                                                             WorkflowEvent.action == "lapse")).one()
    assert event.actor_id is None and "2026-10-20" in event.comment


def test_resubmitted_in_time(subsidy_world):
    w = subsidy_world
    claim = w.claim()
    w.to(claim, "returned")
    services.upload_evidence(w.session, w.member, claim, evidence_file("march"))
    services.resubmit(w.session, w.member, claim)
    assert (claim.state, claim.due_on) == (C.RESUBMITTED, None)
    services.verify(w.session, w.operator, claim)
    assert claim.state == C.VERIFIED


def test_the_lapse_command_and_the_daily_job(subsidy_world, app):
    w = subsidy_world
    late, on_time = w.claim(), w.claim(company_member=w.other_member)
    w.to(late, "returned")
    w.to(on_time, "returned", member=w.other_member)
    late.due_on, on_time.due_on = today() - dt.timedelta(days=1), today()
    w.session.commit()
    result = app.test_cli_runner().invoke(args=["lapse-subsidy-claims"])
    assert result.exit_code == 0, result.output
    assert f"1 subsidy claim(s) lapsed: {late.number}" in result.output
    w.session.expire_all()
    assert (late.state, on_time.state) == (C.LAPSED, C.RETURNED)
    on_time.due_on = today() - dt.timedelta(days=1)
    w.session.commit()
    assert jobs.huey.immediate
    jobs.lapse_subsidy_claims_daily()
    w.session.expire_all()
    assert on_time.state == C.LAPSED


# --- verification freezes the calculation -------------------------------------------------------------

def test_verification_freezes_the_calculation_and_the_policy_version(subsidy_world):
    w = subsidy_world
    claim = w.claim()
    w.to(claim, "verified")
    frozen = dict(claim.calculation)
    assert frozen["total"] == "30000.00" and frozen["policy_version"] == 1 and len(frozen["lines"]) == 6
    # a later version of the policy (half the rate) does not change the verified claim
    config = dict(rules.DEFAULT_RENT_CONFIG, year_rates=["0.50", "0.50", "0.50"])
    w.session.add(SubsidyPolicy(support_type_id=w.rent_type.id, version=2, effective_from=today(), config=config))
    w.session.flush()
    assert services.preview(w.session, claim).total == Decimal("15000.00")
    w.session.refresh(claim)
    assert claim.calculation == frozen and claim.amount == FULL_AMOUNT
    services.approve(w.session, w.lead, claim)
    assert claim.calculation == frozen


def test_verification_refuses_a_zero_amount_and_says_why(subsidy_world):
    w = subsidy_world
    claim = w.claim()
    services.submit(w.session, w.member, claim)
    w.session.execute(sa.update(RentCharge).where(RentCharge.company_id == w.company.id).values(paid=0))
    with pytest.raises(DomainError, match="¥0.00"):
        services.verify(w.session, w.operator, claim)


# --- approval and funds ----------------------------------------------------------------------------------

def test_approval_commits_from_the_batch_pool_and_refuses_an_overdraw(subsidy_world):
    w = subsidy_world
    claim = w.claim()
    w.to(claim, "verified")
    w.pool.allocated = Decimal("29999.99")
    w.session.flush()
    with pytest.raises(InsufficientFunds):
        services.approve(w.session, w.lead, claim)
    w.session.rollback()
    w.session.refresh(claim)
    assert claim.state == C.VERIFIED
    services.approve(w.session, w.lead, claim)
    w.session.refresh(w.pool)
    assert (claim.state, w.pool.committed) == (C.APPROVED, FULL_AMOUNT)
    assert claim.decided_at is not None


# --- payment ---------------------------------------------------------------------------------------------

def _paying(w):
    claim = w.claim()
    w.to(claim, "in_notice")
    end_notice(w.session, w.batch)
    batches.finish_notice(w.session, w.operator, w.batch)
    return claim


@pytest.mark.parametrize(("reference", "paid_on", "field", "message"), [
    ("", "today", "reference", "payment reference"),
    ("   ", "today", "reference", "payment reference"),
    ("X" * 81, "today", "reference", "At most 80"),
    ("GDRC-1", None, "paid_on", "payment date"),
    ("GDRC-1", "tomorrow", "paid_on", "future"),
    ("GDRC-1", "notice_end", "paid_on", "after the public notice ended"),
])
def test_disbursement_refusals(subsidy_world, reference, paid_on, field, message):
    w = subsidy_world
    claim = _paying(w)
    day = {"today": today(), "tomorrow": today() + dt.timedelta(days=1), "notice_end": w.batch.notice_ends_on,
           None: None}[paid_on]
    with pytest.raises(DomainError, match=message) as info:
        services.disburse(w.session, w.operator, claim, reference=reference, paid_on=day)
    assert info.value.field == field and claim.state == C.IN_NOTICE


def test_paid_once(subsidy_world):
    w = subsidy_world
    claim = _paying(w)
    with pytest.raises(PermissionDenied):
        services.disburse(w.session, w.lead, claim, reference="GDRC-1", paid_on=today())
    services.disburse(w.session, w.operator, claim, reference=" GDRC-2026-0042 ", paid_on=today())
    assert (claim.state, claim.payment_reference, claim.paid_on) == (C.DISBURSED, "GDRC-2026-0042", today())
    with pytest.raises(TransitionNotAllowed):
        services.disburse(w.session, w.operator, claim, reference="GDRC-2026-0043", paid_on=today())
    w.session.refresh(w.pool)
    assert (w.pool.paid, w.pool.committed) == (FULL_AMOUNT, 0)
    pays = w.session.scalars(sa.select(FundEntry).where(FundEntry.kind == FundEntryKind.PAY)).all()
    assert len(pays) == 1 and pays[0].amount == FULL_AMOUNT


# --- paper originals and withdrawal ------------------------------------------------------------------------

def test_originals_are_recorded_once(subsidy_world):
    w = subsidy_world
    claim = w.claim()
    with pytest.raises(TransitionNotAllowed):
        services.record_originals(w.session, w.operator, claim, today())
    services.submit(w.session, w.member, claim)
    with pytest.raises(PermissionDenied):
        services.record_originals(w.session, w.lead, claim, today())
    with pytest.raises(DomainError, match="future"):
        services.record_originals(w.session, w.operator, claim, today() + dt.timedelta(days=1))
    with pytest.raises(DomainError, match="before the claim was submitted"):
        services.record_originals(w.session, w.operator, claim, today() - dt.timedelta(days=3))
    services.record_originals(w.session, w.operator, claim, today())
    assert (claim.originals_received_on, claim.originals_received_by_id) == (today(), w.operator.id)
    with pytest.raises(ConcurrentChange, match="already recorded"):
        services.record_originals(w.session, w.operator, claim, today())
    assert "originals" not in services.claim_actions(w.session, w.operator, claim)


def test_withdrawal_by_the_owner_before_a_decision(subsidy_world):
    w = subsidy_world
    claim = w.claim()
    with pytest.raises(PermissionDenied):
        services.withdraw(w.session, w.other_member, claim)
    services.submit(w.session, w.member, claim)
    services.withdraw(w.session, w.member, claim, "资料不全，下批再报")
    assert claim.state == C.WITHDRAWN
    verified = w.claim(company_member=w.other_member)
    w.to(verified, "verified", member=w.other_member)
    with pytest.raises(TransitionNotAllowed):
        services.withdraw(w.session, w.other_member, verified)
