"""Batches: creating one (with every refusal), closing the intake, the public notice of 7 working
days around a holiday, objections (upheld → the claim is rejected and its money released),
ending the notice, payment only afterwards, closing."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from incubator.core.errors import DomainError, PermissionDenied, TransitionNotAllowed
from incubator.core.formatting import today
from incubator.core.roles import Role
from incubator.funds.models import FundEntry, FundEntryKind
from incubator.subsidies import batches, services
from incubator.subsidies.models import BatchState as B
from incubator.subsidies.models import ClaimState as C
from incubator.subsidies.models import ObjectionOutcome

from ..factories import make_user
from .conftest import FULL_AMOUNT, end_notice, open_batch, tenant

DAY = dt.timedelta(days=1)


def _new(w, **over):
    day = today()
    data = dict(name="2026年下半年租金补贴", support_type=w.rent_type, fund_pool=w.pool, intake_opens_on=day,
                intake_closes_on=day + dt.timedelta(days=20), period_start=dt.date(2026, 7, 1),
                period_end=dt.date(2026, 10, 31))
    data.update(over)
    return batches.create_batch(w.session, w.operator, **data)


def test_create_a_batch(subsidy_world):
    w = subsidy_world
    batch = _new(w)
    assert batch.state == B.OPEN and batch.number.startswith(f"PC-{today().year}-")
    assert batch.number != w.batch.number


@pytest.mark.parametrize(("over", "field", "message"), [
    ({"name": "  "}, "name", "name"),
    ({"intake_closes_on": today() - dt.timedelta(days=30), "intake_opens_on": today() - dt.timedelta(days=40)},
     "intake_closes_on", "already ended"),
    ({"intake_closes_on": today() - DAY}, "intake_closes_on", "on or after"),
    ({"period_end": dt.date(2026, 6, 30)}, "period_end", "on or after its first day"),
    ({"period_start": dt.date(2025, 7, 1), "period_end": dt.date(2026, 6, 30)}, "period_start", "overlaps"),
    ({"period_start": dt.date(2025, 1, 1), "period_end": dt.date(2025, 12, 31)}, None, None),  # a year: fine
    ({"period_start": dt.date(2024, 1, 1), "period_end": dt.date(2025, 1, 1)}, "period_end", "at most one year"),
    ({"period_start": today() + dt.timedelta(days=5), "period_end": today() + dt.timedelta(days=50)},
     "period_start", "begin before the intake opens"),
    ({"intake_opens_on": dt.date(1999, 12, 31)}, "intake_opens_on", "between 2000 and 2100"),
    ({"support_type": None}, "support_type_id", "active support type"),
])
def test_create_refuses(subsidy_world, over, field, message):
    w = subsidy_world
    if message is None:
        assert _new(w, **over).state == B.OPEN
        return
    with pytest.raises(DomainError, match=message) as info:
        _new(w, **over)
    assert info.value.field == field


def test_create_refuses_an_inactive_pool_or_type_and_non_editors(subsidy_world):
    w = subsidy_world
    w.pool.active = False
    with pytest.raises(DomainError, match="active fund pool"):
        _new(w)
    w.pool.active, w.rent_type.active = True, False
    with pytest.raises(DomainError, match="active support type"):
        _new(w)
    w.rent_type.active = True
    for who in (w.lead, w.supervisor, w.member):
        with pytest.raises(PermissionDenied):
            batches.create_batch(w.session, who, name="x", support_type=w.rent_type, fund_pool=w.pool,
                                 intake_opens_on=today(), intake_closes_on=today(), period_start=dt.date(2026, 7, 1),
                                 period_end=dt.date(2026, 7, 31))


def test_close_intake_only_after_the_window_and_drafts_lapse(subsidy_world):
    w = subsidy_world
    draft, submitted = w.claim(), w.claim(company_member=w.other_member)
    services.submit(w.session, w.other_member, submitted)
    with pytest.raises(DomainError, match="runs until"):
        batches.close_intake(w.session, w.operator, w.batch)
    batches.close_intake(w.session, w.operator, w.batch, day=w.batch.intake_closes_on + DAY)
    assert w.batch.state == B.REVIEWING
    assert (draft.state, submitted.state) == (C.LAPSED, C.SUBMITTED)


def _reviewing_with(w, *states):
    """Claims of fresh tenants in the given states; the batch's intake closed."""
    claims = []
    for i, state in enumerate(states):
        member = make_user(w.session, Role.COMPANY, company=tenant(w.session, f"批次测试公司{i}"))
        claim = w.claim(company_member=member)
        w.to(claim, state, member=member)
        claims.append(claim)
    w.batch.intake_closes_on = today() - DAY
    w.session.flush()
    batches.close_intake(w.session, w.operator, w.batch)
    return claims


@pytest.mark.parametrize("pending", ["submitted", "resubmitted", "returned", "verified"])
def test_the_notice_waits_until_every_claim_is_decided(subsidy_world, pending):
    w = subsidy_world
    _approved, waiting = _reviewing_with(w, "approved", pending)
    with pytest.raises(DomainError, match="not decided yet"):
        batches.start_notice(w.session, w.operator, w.batch)
    assert waiting.state.value == pending and w.batch.state == B.REVIEWING


def test_notice_of_seven_working_days_around_national_day(subsidy_world):
    w = subsidy_world
    approved, rejected = _reviewing_with(w, "approved", "rejected")
    batches.start_notice(w.session, w.operator, w.batch, day=dt.date(2026, 9, 30))
    # 1–7 October are holidays, Saturday 10 October is a make-up working day
    assert (w.batch.notice_starts_on, w.batch.notice_ends_on) == (dt.date(2026, 9, 30), dt.date(2026, 10, 15))
    assert (approved.state, rejected.state) == (C.IN_NOTICE, C.REJECTED)
    with pytest.raises(DomainError, match="runs until 2026-10-15"):
        batches.finish_notice(w.session, w.operator, w.batch, day=dt.date(2026, 10, 15))
    batches.finish_notice(w.session, w.operator, w.batch, day=dt.date(2026, 10, 16))
    assert w.batch.state == B.PAYING


def test_payment_is_refused_before_the_notice_ends(subsidy_world):
    w = subsidy_world
    claim = w.claim()
    w.to(claim, "in_notice")
    with pytest.raises(DomainError, match="once the batch's public notice has ended"):
        services.disburse(w.session, w.operator, claim, reference="GDRC-1", paid_on=today())
    assert claim.state == C.IN_NOTICE
    assert not w.session.scalar(sa.select(FundEntry.id).where(FundEntry.kind == FundEntryKind.PAY))


def _objection(w, claim=None, **over):
    data = dict(raised_by="匿名来信", received_on=w.batch.notice_starts_on, content="该企业存在转租行为。", claim=claim)
    data.update(over)
    return batches.record_objection(w.session, w.operator, w.batch, **data)


def test_an_upheld_objection_rejects_the_claim_and_releases_its_funds(subsidy_world):
    w = subsidy_world
    claim, kept = _reviewing_with(w, "approved", "approved")
    batches.start_notice(w.session, w.operator, w.batch)
    w.session.refresh(w.pool)
    assert w.pool.committed == 2 * FULL_AMOUNT
    objection = _objection(w, claim)
    dismissed = _objection(w, kept, raised_by="某公司", content="金额有误")
    with pytest.raises(DomainError, match="objection"):
        end_notice(w.session, w.batch)
        batches.finish_notice(w.session, w.operator, w.batch)
    batches.resolve_objection(w.session, w.operator, objection, upheld=True, resolution="经核查属实，取消补贴。")
    batches.resolve_objection(w.session, w.operator, dismissed, upheld=False, resolution="经核查金额无误。")
    assert (objection.outcome, dismissed.outcome) == (ObjectionOutcome.UPHELD, ObjectionOutcome.DISMISSED)
    assert (claim.state, kept.state) == (C.REJECTED, C.IN_NOTICE)
    w.session.refresh(w.pool)
    assert w.pool.committed == FULL_AMOUNT and w.pool.remaining == Decimal("1000000.00") - FULL_AMOUNT
    release = w.session.scalars(sa.select(FundEntry).where(FundEntry.kind == FundEntryKind.RELEASE)).one()
    assert (release.object_id, release.amount) == (claim.id, FULL_AMOUNT)
    with pytest.raises(DomainError, match="already settled"):
        batches.resolve_objection(w.session, w.operator, objection, upheld=False, resolution="再议")
    batches.finish_notice(w.session, w.operator, w.batch)
    with pytest.raises(DomainError, match="not paid yet"):
        batches.close_batch(w.session, w.operator, w.batch)
    services.disburse(w.session, w.operator, kept, reference="GDRC-2026-0007", paid_on=today())
    batches.close_batch(w.session, w.operator, w.batch)
    assert (w.batch.state, w.batch.closed_on) == (B.CLOSED, today())
    summary = batches.batch_summary(w.session, w.batch)
    assert summary["counts"][C.DISBURSED] == 1 and summary["counts"][C.REJECTED] == 1
    assert (summary["approved"], summary["paid"], summary["to_pay"]) == (FULL_AMOUNT, FULL_AMOUNT, 0)


@pytest.mark.parametrize(("over", "message"), [
    ({"raised_by": " "}, "who raised"),
    ({"content": ""}, "what the objection says"),
    ({"received_on": today() + DAY}, "future"),
    ({"received_on": dt.date(2026, 1, 1)}, "during the notice"),
])
def test_objection_refusals(subsidy_world, over, message):
    w = subsidy_world
    _reviewing_with(w, "approved")
    batches.start_notice(w.session, w.operator, w.batch)
    with pytest.raises(DomainError, match=message):
        _objection(w, **over)


def test_objections_only_during_the_notice_and_on_its_claims(subsidy_world):
    w = subsidy_world
    (claim,) = _reviewing_with(w, "approved")
    with pytest.raises(DomainError, match="during the public notice"):
        batches.record_objection(w.session, w.operator, w.batch, raised_by="x", received_on=today(), content="y")
    batches.start_notice(w.session, w.operator, w.batch)
    other_batch_claim = w.claim(batch=open_batch(w.session, w.operator, w.declared_type, w.pool))
    with pytest.raises(DomainError, match="published in this batch"):
        _objection(w, other_batch_claim)
    general = _objection(w)  # about the batch as a whole
    batches.resolve_objection(w.session, w.operator, general, upheld=True, resolution="已补充公示说明。")
    assert claim.state == C.IN_NOTICE


def test_a_claim_in_notice_is_rejected_only_through_an_objection(subsidy_world):
    w = subsidy_world
    claim = w.claim()
    w.to(claim, "in_notice")
    with pytest.raises(TransitionNotAllowed):
        services.reject(w.session, w.operator, claim, "不予支持")


def test_summary_counts_and_amounts(subsidy_world):
    w = subsidy_world
    _reviewing_with(w, "approved", "rejected", "withdrawn")
    summary = batches.batch_summary(w.session, w.batch)
    assert summary["total"] == 3
    assert (summary["counts"][C.APPROVED], summary["counts"][C.REJECTED], summary["counts"][C.WITHDRAWN]) == (1, 1, 1)
    assert summary["approved"] == FULL_AMOUNT and summary["pool_remaining"] == Decimal("970000.00")
