"""Execution: the leases end on the exit date, rent stops after it, the units are vacant and can be
leased to a new company, the company leaves (exited or graduated), its admission certificate is
revoked (the verification page says so), subsidies within their lock-in are clawed back, and it
happens exactly once."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from incubator.companies.models import CompanyStatus, Qualification, QualificationKind
from incubator.core.errors import DomainError, TransitionNotAllowed
from incubator.core.formatting import today
from incubator.core.roles import Role
from incubator.exits import services
from incubator.exits.models import ExitState as S
from incubator.leases import ledger
from incubator.leases import services as leases
from incubator.leases.models import LeaseState
from incubator.spaces.models import UnitStatus
from incubator.subsidies.clawbacks import record_repayment
from incubator.subsidies.models import Clawback, ClawbackReason

from ..factories import make_company, make_user
from ..funds.data import make_paid_claim, make_pool
from .conftest import DEPOSIT, MONTHLY, RENT, tenant_with_lease
from .flow import breach, drive


def last_month_end() -> dt.date:
    return today().replace(day=1) - dt.timedelta(days=1)


def test_a_breach_exit_end_to_end(world, session):
    w = world
    case = breach(session, w)
    drive(session, w, case, S.EXECUTED, approved=False)
    assert case.state == S.EXECUTED and case.executed_on == today()
    session.refresh(w.lease)
    assert w.lease.state == LeaseState.TERMINATED and w.lease.ended_on == today()
    assert w.office1.status == UnitStatus.VACANT
    assert w.company.status == CompanyStatus.EXITED and w.company.left_on == today()
    assert w.certificate.revoked_at is not None and case.number in w.certificate.revoked_reason
    assert all(c.period_end <= today() for c in ledger.lease_charges(session, w.lease.id))
    with pytest.raises(TransitionNotAllowed):
        services.execute(session, w.operator, case)
    services.archive(session, w.operator, case, "已结清")
    assert case.state == S.ARCHIVED


def test_an_approved_early_exit_refunds_deposit_and_prepaid_rent(world, session):
    w = world
    exit_on = last_month_end()
    case = breach(session, w, exit_on=exit_on)
    drive(session, w, case, S.PREPARED, approved=True)
    # everything up to the exit date is paid; this month's rent (paid) is for after it
    assert (case.arrears, case.prepaid_refund, case.deposit_refund, case.forfeited) == (0, MONTHLY, DEPOSIT, 0)
    assert case.net == -(MONTHLY + DEPOSIT)
    drive_on(session, w, case)
    session.refresh(w.lease)
    assert (w.lease.state, w.lease.ended_on) == (LeaseState.TERMINATED, exit_on)
    # rent stops: the daily job charges nothing more on it
    assert ledger.generate_all_charges(session, w.operator, today() + dt.timedelta(days=90)) == 0
    assert not [c for c in ledger.lease_charges(session, w.lease.id) if c.period_start > exit_on and c.paid == 0]


def drive_on(session, w, case):
    services.review(session, w.lead, case)
    services.decide(session, w.commander, case, approve=True, reason="同意")
    services.execute(session, w.operator, case)


def test_leaving_without_approval_forfeits_both(world, session):
    w = world
    case = breach(session, w, exit_on=last_month_end())
    drive(session, w, case, S.PREPARED, approved=False, damage="1500.00", damage_note="墙面损坏")
    assert (case.deposit_refund, case.prepaid_refund, case.forfeited) == (0, 0, DEPOSIT + MONTHLY)
    assert (case.damage, case.net) == (Decimal("1500.00"), Decimal("1500.00"))
    assert case.settlement["damage_note"] == "墙面损坏"


def test_arrears_come_from_the_ledger_and_stay_there(world, session):
    w = world
    start = today().replace(day=1) - dt.timedelta(days=75)
    debtor, lease = tenant_with_lease(session, w.operator, w.office2, "欠租科技有限公司", start=start, paid=False)
    exit_on = last_month_end()
    case = services.raise_case(session, w.operator, debtor, kind="voluntary", reason="经营调整，申请退出",
                               planned_exit_on=exit_on)
    drive(session, w, case, S.PREPARED, member=make_user(session, Role.COMPANY, company=debtor))
    due = sum((c.amount for c in ledger.lease_charges(session, lease.id) if c.period_end <= exit_on), Decimal("0"))
    assert case.arrears == due > 0
    assert case.net == due - DEPOSIT
    drive_on(session, w, case)
    # the unpaid month after the exit date is dropped; what is owed stays on the ledger
    assert ledger.ledger_summary(session, today(), lease_id=lease.id).outstanding == case.arrears
    assert max(c.period_end for c in ledger.lease_charges(session, lease.id)) == exit_on


def test_units_are_free_afterwards_and_leasable_to_a_new_company(world, session):
    w = world
    drive(session, w, breach(session, w), S.EXECUTED)
    newcomer = make_company(session, name="新入驻科技有限公司", status=CompanyStatus.APPLICANT)
    lease = leases.create_lease(session, w.operator, newcomer, [w.office1], start_on=today() + dt.timedelta(days=1),
                                rent_per_m2=RENT)
    leases.sign_lease(session, w.operator, lease)
    assert w.office1.status == UnitStatus.LEASED and newcomer.status == CompanyStatus.TENANT
    with pytest.raises(DomainError, match="has left the community"):
        leases.create_lease(session, w.operator, w.company, [w.office2], start_on=today())


def test_the_verification_page_shows_the_certificate_no_longer_valid(world, session, client):
    w = world
    assert "Valid" in client.get(f"/verify/{w.certificate.verify_code}").get_data(as_text=True)
    case = breach(session, w)
    drive(session, w, case, S.EXECUTED)
    session.commit()
    page = client.get(f"/verify/{w.certificate.verify_code}").get_data(as_text=True)
    assert "Revoked" in page and case.number in page and "入驻证书不再有效" in page


def test_a_graduation_makes_the_company_graduated(world, session):
    w = world
    session.add(Qualification(company_id=w.company.id, kind=QualificationKind.HIGH_TECH, certificate_no="GR2025001",
                              obtained_on=today() - dt.timedelta(days=30)))
    session.flush()
    session.refresh(w.company)
    case = services.raise_case(session, w.operator, w.company, kind="graduation", reason="已认定为高新技术企业",
                               planned_exit_on=today())
    assert [c["key"] for c in case.basis["conditions"] if c["met"]] == ["high_tech"]
    drive(session, w, case, S.EXECUTED)
    assert w.company.status == CompanyStatus.GRADUATED and "毕业" in w.certificate.revoked_reason


def test_subsidies_within_their_lock_in_are_clawed_back(world, session):
    w = world
    pool = make_pool(session, w.operator)
    old = make_paid_claim(session, w.operator, w.company, pool, "3000.00", today() - dt.timedelta(days=800))
    recent = make_paid_claim(session, w.operator, w.company, pool, "60000.00", today() - dt.timedelta(days=200))
    case = breach(session, w)
    drive(session, w, case, S.PREPARED)
    assert case.clawback == Decimal("60000.00")
    assert [c["number"] for c in case.settlement["clawback"]["claims"]] == [recent.number]
    assert old.number in [c["number"] for c in case.settlement["clawback"]["excluded"]]
    drive_on(session, w, case)
    clawback = case.created_clawback
    assert (clawback.amount, clawback.reason, clawback.trigger_on) == (Decimal("60000.00"), ClawbackReason.BREACH,
                                                                      today())
    assert clawback.note == case.number and clawback.due_on > today()


def test_an_earlier_clawback_still_owed_counts_in_the_settlement(world, session):
    from incubator.subsidies.clawbacks import create_clawback

    w = world
    pool = make_pool(session, w.operator)
    make_paid_claim(session, w.operator, w.company, pool, "10000.00", today() - dt.timedelta(days=100))
    earlier = create_clawback(session, w.operator, w.company, ClawbackReason.BREACH, today())
    record_repayment(session, w.operator, earlier, "4000.00", today())
    case = breach(session, w)
    drive(session, w, case, S.EXECUTED)
    assert case.clawback == Decimal("6000.00") and case.created_clawback is None
    assert session.scalar(sa.select(sa.func.count()).select_from(Clawback)) == 1


def test_a_lease_expiry_exit_claws_back_as_an_exit(world, session):
    w = world
    pool = make_pool(session, w.operator)
    make_paid_claim(session, w.operator, w.company, pool, "5000.00", today() - dt.timedelta(days=30))
    case = services.raise_case(session, w.operator, w.company, kind="lease_expiry", reason="租约到期不续签",
                               planned_exit_on=today())
    drive(session, w, case, S.EXECUTED)
    assert case.created_clawback.reason == ClawbackReason.EXIT


def test_the_exit_date_must_have_come(world, session):
    w = world
    case = breach(session, w, exit_on=today() + dt.timedelta(days=10))
    drive(session, w, case, S.APPROVED)
    assert services.execution_plan(session, case)["due"]
    with pytest.raises(DomainError, match="has not come yet"):
        services.execute(session, w.operator, case)
    assert case.state == S.APPROVED and w.company.status == CompanyStatus.TENANT


def test_a_draft_lease_is_cancelled_and_its_unit_released(world, session):
    w = world
    draft = leases.create_lease(session, w.operator, w.company, [w.office2], start_on=today() + dt.timedelta(days=5))
    assert w.office2.status == UnitStatus.RESERVED
    case = breach(session, w)
    plan = services.execution_plan(session, case)
    assert (plan["terminate"], plan["cancel"], plan["certificates"]) == ([w.lease], [draft], [w.certificate])
    drive(session, w, case, S.EXECUTED)
    assert draft.state == LeaseState.TERMINATED and w.office2.status == UnitStatus.VACANT


def test_a_lease_past_its_term_is_ended_not_terminated(world, session):
    w = world
    start = today() - dt.timedelta(days=400)
    company, lease = tenant_with_lease(session, w.operator, w.office2, "到期科技有限公司", start=start)
    lease.end_on = today() - dt.timedelta(days=3)  # its term is over, nobody ended it yet
    session.flush()
    case = services.raise_case(session, w.operator, company, kind="lease_expiry", reason="租约到期",
                               planned_exit_on=today())
    drive(session, w, case, S.EXECUTED, member=make_user(session, Role.COMPANY, company=company))
    assert lease.state == LeaseState.ENDED
