"""Expense requests through the services: what people type, who may ask, the tiers at the exact
boundaries, four eyes, the budget line that is never overdrawn, payment, cancellation, return."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from incubator.audit.models import AuditEntry
from incubator.budget import services
from incubator.budget.models import ExpenseRequest
from incubator.budget.models import RequestState as S
from incubator.core.errors import (
    DomainError,
    PermissionDenied,
    SegregationOfDuties,
    TransitionNotAllowed,
)
from incubator.core.formatting import today
from incubator.core.roles import Role
from incubator.meetings.gate import AwaitingDeliberation

from ..factories import make_user
from .flow import approved, draft, submitted

D = Decimal


def _line(w, category=None):
    line = services.line_for(w.session, w.year, (category or w.office).id)
    w.session.refresh(line)
    return line


# --- what people type ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, message", [
    ("", "Please enter a number."),
    ("-100", "greater than zero"),
    ("0", "greater than zero"),
    ("0.00", "greater than zero"),
    ("12.345", "At most 2 decimal places"),
    ("NaN", "digits and a decimal point only"),
    ("Infinity", "digits and a decimal point only"),
    ("1e5", "digits and a decimal point only"),
    ("十万", "digits and a decimal point only"),
    ("1000000000000", "too large"),
])
def test_bad_amounts_are_refused_with_a_clear_message(world, raw, message):
    with pytest.raises(DomainError, match=message) as err:
        draft(world, raw)
    assert err.value.field == "amount"
    assert world.session.scalar(sa.select(sa.func.count()).select_from(ExpenseRequest)) == 0


@pytest.mark.parametrize("raw, amount", [("１２０００．５０", "12000.50"), ("12,000.5", "12000.50"), (" 800 ", "800.00")])
def test_full_width_digits_and_thousands_separators_are_read(world, raw, amount):
    assert draft(world, raw).amount == D(amount)


def test_a_float_amount_is_a_programming_error(world):
    with pytest.raises(TypeError):
        draft(world, 12000.5)


@pytest.mark.parametrize("field, value, message", [
    ("title", "  ", "Please enter a title."),
    ("title", "标" * 201, "At most 200 characters"),
    ("purpose", "", "Please say what the money is for."),
    ("payee", "", "Please enter who is paid."),
    ("payee", "收" * 201, "At most 200 characters"),
])
def test_text_fields_are_checked(world, field, value, message):
    with pytest.raises(DomainError, match=message) as err:
        draft(world, **{field: value})
    assert err.value.field == field


def test_the_year_and_category_are_checked(world, session):
    with pytest.raises(DomainError, match="Please choose a year") as err:
        draft(world, year=world.year + 2)
    assert err.value.field == "year"
    with pytest.raises(DomainError, match="Please choose a year"):
        draft(world, year=1999)
    missing = type("Missing", (), {"id": 99999})()
    with pytest.raises(DomainError, match="choose a category") as err:
        draft(world, category=missing)
    assert err.value.field == "category_id"
    world.publicity.active = False
    session.flush()
    with pytest.raises(DomainError, match="choose a category"):
        draft(world, category=world.publicity)


@pytest.mark.parametrize("who", ["operator", "lead", "deputy"])
def test_hq_staff_may_request(world, who):
    req = draft(world, by=getattr(world, who))
    assert (req.state, req.requested_by_id, req.number[:8]) == (S.DRAFT, getattr(world, who).id, f"ZC-{today().year}-")


@pytest.mark.parametrize("who", ["commander", "supervisor", "admin", "reviewer", "member"])
def test_others_may_not_request(world, who):
    with pytest.raises(PermissionDenied):
        draft(world, by=getattr(world, who))


def test_numbers_run_on(world):
    first, second = draft(world), draft(world)
    assert int(second.number[-4:]) == int(first.number[-4:]) + 1


# --- tiers at the exact boundaries --------------------------------------------------------------------------

@pytest.mark.parametrize("amount, tier", [("99999.99", "lead"), ("100000.00", "deputy"), ("299999.99", "deputy"),
                                          ("300000.00", "commander")])
def test_the_tier_is_fixed_from_the_amount(world, amount, tier):
    req = submitted(world, amount)
    assert req.tier == tier
    assert req.policy.version == 1


def test_99999_99_is_approved_by_the_lead_without_a_meeting(world):
    req = submitted(world, "99999.99")
    services.approve(world.session, world.lead, req, "同意")
    assert (req.state, req.decided_by_id, req.decision_reason) == (S.APPROVED, world.lead.id, "同意")
    assert _line(world).committed == D("99999.99")


@pytest.mark.parametrize("amount", ["100000.00", "299999.99", "300000.00"])
def test_the_lead_may_not_approve_from_100000(world, amount):
    req = submitted(world, amount)
    with pytest.raises(PermissionDenied):
        services.approve(world.session, world.lead, req)
    assert req.state == S.SUBMITTED


def test_the_deputy_may_not_approve_300000(world):
    req = submitted(world, "300000.00")
    with pytest.raises(PermissionDenied):
        services.approve(world.session, world.deputy, req)


@pytest.mark.parametrize("amount, who", [("100000.00", "deputy"), ("299999.99", "deputy"),
                                         ("299999.99", "commander"), ("300000.00", "commander")])
def test_tiered_approvals_wait_for_the_meeting(world, amount, who):
    req = submitted(world, amount)
    with pytest.raises(AwaitingDeliberation):
        services.approve(world.session, getattr(world, who), req)
    world.session.refresh(req)
    assert req.state == S.SUBMITTED
    assert _line(world).committed == D("0.00")


@pytest.mark.parametrize("who", ["deputy", "commander"])
def test_higher_tiers_may_approve_lower_ones(world, who):
    req = submitted(world, "99999.99")
    services.approve(world.session, getattr(world, who), req)
    assert req.state == S.APPROVED


def test_the_tier_follows_a_corrected_amount(world):
    req = submitted(world, "99999.99")
    services.return_request(world.session, world.lead, req, "请补充报价单")
    services.update_request(world.session, world.operator, req, year=world.year, category_id=world.office.id,
                            title=req.title, purpose=req.purpose + "（已补充报价单）", payee=req.payee,
                            amount="100000.00")
    assert req.tier == "deputy"
    services.submit(world.session, world.operator, req)
    assert (req.state, req.tier) == (S.SUBMITTED, "deputy")
    with pytest.raises(PermissionDenied):
        services.approve(world.session, world.lead, req)


# --- four eyes and who does what ----------------------------------------------------------------------------

def test_nobody_decides_a_request_they_drafted(world, session):
    both = make_user(session, Role.OPERATOR, Role.LEAD)
    req = submitted(world, "5000.00", by=both)
    for step in (lambda: services.approve(session, both, req), lambda: services.reject(session, both, req, "不同意"),
                 lambda: services.return_request(session, both, req, "补充")):
        with pytest.raises(SegregationOfDuties):
            step()
    services.approve(session, world.lead, req)
    assert req.state == S.APPROVED


def test_a_deputy_who_asked_may_not_approve_their_own_lead_tier_request(world, session):
    req = submitted(world, "5000.00", by=world.deputy)
    with pytest.raises(SegregationOfDuties):
        services.approve(session, world.deputy, req)
    services.approve(session, world.deputy2, req)


def test_only_the_requester_submits_edits_and_withdraws(world, session):
    req = draft(world)
    for step in (lambda: services.submit(session, world.operator2, req),
                 lambda: services.withdraw(session, world.operator2, req),
                 lambda: services.update_request(session, world.operator2, req, year=world.year,
                                                 category_id=world.office.id, title="改", purpose="改", payee="改",
                                                 amount="1")):
        with pytest.raises(PermissionDenied):
            step()
    assert services.actions_for(session, world.operator2, req) == []
    assert set(services.actions_for(session, world.operator, req)) == {"submit", "withdraw", "edit"}


def test_return_and_reject_need_a_reason_and_the_tier(world, session):
    req = submitted(world, "150000.00")
    with pytest.raises(DomainError, match="A reason is required"):
        services.reject(session, world.deputy, req, " ")
    with pytest.raises(PermissionDenied):
        services.reject(session, world.lead, req, "不同意")
    with pytest.raises(PermissionDenied):
        services.return_request(session, world.lead, req, "补充")
    # returning and rejecting do not wait for the meeting
    services.reject(session, world.deputy, req, "超出年度计划")
    assert (req.state, req.decision_reason, req.decided_by_id) == (S.REJECTED, "超出年度计划", world.deputy.id)


def test_an_edit_is_only_for_drafts_and_returned_requests(world, session):
    req = submitted(world)
    with pytest.raises(DomainError, match="Only a draft or a returned request"):
        services.update_request(session, world.operator, req, year=world.year, category_id=world.office.id,
                                title="改", purpose="改", payee="改", amount="1")


# --- the budget line ----------------------------------------------------------------------------------------

def test_a_request_without_a_budget_is_refused_at_submission(world, session):
    req = draft(world, category=world.publicity)
    with pytest.raises(services.InsufficientBudget, match="No budget is set"):
        services.submit(session, world.operator, req)
    assert req.state == S.DRAFT


def test_a_request_over_what_is_left_is_refused_at_submission(world, session):
    req = draft(world, "80000.01", category=world.travel)
    with pytest.raises(services.InsufficientBudget, match="only ¥80,000.00 left"):
        services.submit(session, world.operator, req)
    services.update_request(session, world.operator, req, year=world.year, category_id=world.travel.id,
                            title=req.title, purpose=req.purpose, payee=req.payee, amount="80000.00")
    services.submit(session, world.operator, req)
    services.approve(session, world.lead, req)
    line = _line(world, world.travel)
    assert (line.committed, line.remaining) == (D("80000.00"), D("0.00"))


def test_two_approvals_that_do_not_both_fit(world, session):
    first = submitted(world, "50000.00", category=world.travel)
    second = submitted(world, "40000.00", category=world.travel)  # each fits alone
    services.approve(session, world.lead, first)
    with pytest.raises(services.InsufficientBudget, match="only ¥30,000.00 left"):
        services.approve(session, world.lead2, second)
    session.refresh(second)
    assert second.state == S.SUBMITTED
    assert _line(world, world.travel).committed == D("50000.00")


def test_approval_and_payment_move_the_money_and_are_audited(world, session):
    req = approved(world, "12345.67")
    line = _line(world)
    assert (line.committed, line.spent, line.remaining) == (D("12345.67"), D("0.00"), D("487654.33"))
    services.pay(session, world.operator2, req, reference="HK-2026-0099", paid_on=today())
    line = _line(world)
    assert (line.committed, line.spent, line.remaining) == (D("0.00"), D("12345.67"), D("487654.33"))
    assert (req.state, req.payment_reference, req.paid_on) == (S.PAID, "HK-2026-0099", today())
    actions = session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    for action in ("expense_request.create", "expense_request.submit", "expense_request.approve_lead",
                   "budget_line.commit", "expense_request.pay", "budget_line.pay"):
        assert action in actions
    with pytest.raises(TransitionNotAllowed):
        services.pay(session, world.operator2, req, reference="again", paid_on=today())


@pytest.mark.parametrize("reference, paid_on, message", [
    (" ", "today", "payment reference"),
    ("HK-1", "tomorrow", "cannot be in the future"),
    ("HK-1", "last year", "cannot be before the approval"),
    ("HK-1", None, "Please enter the payment date"),
])
def test_bad_payments_are_refused(world, session, reference, paid_on, message):
    req = approved(world)
    day = {"today": today(), "tomorrow": today() + dt.timedelta(days=1),
           "last year": today() - dt.timedelta(days=366), None: None}[paid_on]
    with pytest.raises(DomainError, match=message):
        services.pay(session, world.operator, req, reference=reference, paid_on=day)
    session.refresh(req)
    assert req.state == S.APPROVED
    assert _line(world).spent == D("0.00")


def test_only_the_operator_pays(world, session):
    req = approved(world)
    for who in ("lead", "deputy", "commander", "supervisor"):
        with pytest.raises(PermissionDenied):
            services.pay(session, getattr(world, who), req, reference="HK-1", paid_on=today())
    services.pay(session, world.admin, req, reference="HK-1", paid_on=today())


def test_cancelling_an_approved_request_gives_the_money_back(world, session):
    req = approved(world, "30000.00")
    with pytest.raises(DomainError, match="A reason is required"):
        services.cancel(session, world.operator, req, "")
    services.cancel(session, world.operator, req, "活动取消，不再支付")
    assert req.state == S.WITHDRAWN
    assert _line(world).committed == D("0.00")
    assert "budget_line.release" in session.scalars(sa.select(AuditEntry.action)).all()


@pytest.mark.parametrize("state", ["draft", "submitted", "returned"])
def test_the_requester_withdraws_before_the_decision(world, session, state):
    req = draft(world) if state == "draft" else submitted(world)
    if state == "returned":
        services.return_request(session, world.lead, req, "补充材料")
    services.withdraw(session, world.operator, req, "不再需要")
    assert req.state == S.WITHDRAWN
    with pytest.raises(TransitionNotAllowed):
        services.submit(session, world.operator, req)


def test_an_approved_request_is_not_withdrawn_by_its_requester(world, session):
    req = approved(world)
    with pytest.raises(TransitionNotAllowed):
        services.withdraw(session, world.operator, req)
