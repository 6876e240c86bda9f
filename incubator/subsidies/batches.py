"""Batches (批次): the intake window and covered rent period, then review, public notice (公示)
with its objections, payment and closing. Each service takes the acting user and never commits."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ..audit.services import record
from ..certificates.numbering import next_number
from ..core.calendar import add_working_days
from ..core.errors import ConcurrentChange, DomainError, PermissionDenied
from ..core.formatting import today
from ..core.roles import STAFF_EDITORS
from ..db import utcnow
from ..funds import services as funds
from ..funds.models import FundPool
from . import policies
from .models import BatchState as B
from .models import ClaimState as C
from .models import Objection, ObjectionOutcome, SubsidyBatch, SubsidyClaim, SupportType
from .workflow import BATCH_FLOW, CLAIM_FLOW, OPEN_CLAIMS

ZERO = Decimal("0.00")
MAX_PERIOD_DAYS = 366  # a batch covers at most a year of rent


def _require_editor(actor) -> None:
    if not actor.has_role(*STAFF_EDITORS):
        raise PermissionDenied(_("You are not allowed to do this."))


def _plausible(day, field: str) -> dt.date:
    if not isinstance(day, dt.date) or not 2000 <= day.year <= 2100:
        raise DomainError(_("Please enter a date between 2000 and 2100."), field=field)
    return day


def create_batch(session: Session, actor, *, name: str, support_type: SupportType | None, fund_pool: FundPool | None,
                 intake_opens_on: dt.date, intake_closes_on: dt.date, period_start: dt.date, period_end: dt.date,
                 note: str | None = None, day: dt.date | None = None) -> SubsidyBatch:
    _require_editor(actor)
    day = day or today()
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Please give the batch a name."), field="name")
    for field, value in (("intake_opens_on", intake_opens_on), ("intake_closes_on", intake_closes_on),
                         ("period_start", period_start), ("period_end", period_end)):
        _plausible(value, field)
    if intake_closes_on < intake_opens_on:
        raise DomainError(_("The intake must close on or after the day it opens."), field="intake_closes_on")
    if intake_closes_on < day:
        raise DomainError(_("The intake window has already ended."), field="intake_closes_on")
    if period_end < period_start:
        raise DomainError(_("The covered period must end on or after its first day."), field="period_end")
    if (period_end - period_start).days >= MAX_PERIOD_DAYS:
        raise DomainError(_("A batch covers at most one year of rent."), field="period_end")
    if period_start > intake_opens_on:
        raise DomainError(_("The covered period must begin before the intake opens."), field="period_start")
    if support_type is None or not support_type.active:
        raise DomainError(_("Please choose an active support type."), field="support_type_id")
    if fund_pool is None or not fund_pool.active:
        raise DomainError(_("Please choose an active fund pool."), field="fund_pool_id")
    # the same rent must never be claimed twice: periods of one support type do not overlap
    overlapping = session.scalar(sa.select(SubsidyBatch.number).where(
        SubsidyBatch.support_type_id == support_type.id, SubsidyBatch.period_start <= period_end,
        SubsidyBatch.period_end >= period_start).limit(1))
    if overlapping:
        raise DomainError(_("The covered period overlaps batch %(number)s of the same support type.",
                            number=overlapping), field="period_start")
    policies.policy_in_force(session, support_type, intake_opens_on)  # refuses when none is
    year = intake_opens_on.year
    batch = SubsidyBatch(number=f"PC-{year}-{next_number(session, 'subsidy_batch', year):02d}", name=name,
                         support_type_id=support_type.id, fund_pool_id=fund_pool.id, intake_opens_on=intake_opens_on,
                         intake_closes_on=intake_closes_on, period_start=period_start, period_end=period_end,
                         note=(note or "").strip() or None, created_by_id=actor.id)
    session.add(batch)
    session.flush()
    record(session, actor, "subsidy_batch.create", batch, summary=f"{batch.number} {name}", after={
        "name": name, "support_type": support_type.code, "fund_pool": fund_pool.name,
        "intake": [intake_opens_on, intake_closes_on], "period": [period_start, period_end]})
    return batch


def _claims(session: Session, batch: SubsidyBatch, *states: C) -> list[SubsidyClaim]:
    return list(session.scalars(sa.select(SubsidyClaim).where(SubsidyClaim.batch_id == batch.id,
                                                              SubsidyClaim.state.in_(states))
                                .order_by(SubsidyClaim.id)))


def _count_claims(session: Session, batch: SubsidyBatch, states) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(SubsidyClaim).where(
        SubsidyClaim.batch_id == batch.id, SubsidyClaim.state.in_(states)))


def _open_objections(session: Session, batch: SubsidyBatch) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(Objection).where(
        Objection.batch_id == batch.id, Objection.outcome == ObjectionOutcome.OPEN))


def step_blocker(session: Session, batch: SubsidyBatch, day: dt.date | None = None) -> str | None:
    """Why the batch's next step cannot be taken yet (None when it can): the intake window, claims
    still undecided, the notice period and its objections, claims not yet paid."""
    day = day or today()
    if batch.state == B.OPEN and day <= batch.intake_closes_on:
        return _("The intake runs until %(day)s; it can be closed after that.", day=batch.intake_closes_on.isoformat())
    if batch.state == B.REVIEWING and (pending := _count_claims(session, batch, OPEN_CLAIMS)):
        return _("%(n)s claim(s) of this batch are not decided yet (being checked, returned or awaiting approval).",
                 n=pending)
    if batch.state == B.NOTICE:
        if day <= batch.notice_ends_on:
            return _("The public notice runs until %(day)s; payment can start after that.",
                     day=batch.notice_ends_on.isoformat())
        if open_count := _open_objections(session, batch):
            return _("%(n)s objection(s) are not settled yet.", n=open_count)
    if batch.state == B.PAYING and (unpaid := _count_claims(session, batch, [C.IN_NOTICE])):
        return _("%(n)s approved claim(s) of this batch are not paid yet.", n=unpaid)
    return None


def _step(session: Session, actor, batch: SubsidyBatch, action: str, day: dt.date | None, **values) -> None:
    """The batch's next step once the table allows it and nothing blocks it."""
    BATCH_FLOW.check(session, actor, batch, action)
    if why := step_blocker(session, batch, day):
        raise DomainError(why)
    BATCH_FLOW.apply(session, actor, batch, action, values=values)


def close_intake(session: Session, actor, batch: SubsidyBatch, day: dt.date | None = None) -> SubsidyBatch:
    """After the window: review only; drafts never submitted lapse."""
    _step(session, actor, batch, "close_intake", day)
    for claim in _claims(session, batch, C.DRAFT):
        CLAIM_FLOW.apply(session, actor, claim, "lapse", comment=_("The intake closed before the claim was submitted."))
    return batch


def notice_ends_on(session: Session, batch: SubsidyBatch, start: dt.date) -> dt.date:
    config = policies.policy_in_force(session, batch.support_type, start).config
    return add_working_days(start, int(config.get("notice_working_days", 7)))


def start_notice(session: Session, actor, batch: SubsidyBatch, day: dt.date | None = None) -> SubsidyBatch:
    """Publish the approved claims (公示) for the policy's working days; every claim must be decided first."""
    day = day or today()
    _step(session, actor, batch, "start_notice", day, notice_starts_on=day,
          notice_ends_on=notice_ends_on(session, batch, day))
    for claim in _claims(session, batch, C.APPROVED):
        CLAIM_FLOW.apply(session, actor, claim, "notice")
    return batch


def objections(session: Session, batch: SubsidyBatch) -> list[Objection]:
    return list(session.scalars(sa.select(Objection).where(Objection.batch_id == batch.id)
                                .order_by(Objection.received_on, Objection.id)))


def record_objection(session: Session, actor, batch: SubsidyBatch, *, raised_by: str, received_on: dt.date,
                     content: str, claim: SubsidyClaim | None = None, day: dt.date | None = None) -> Objection:
    _require_editor(actor)
    day = day or today()
    if batch.state != B.NOTICE:
        raise DomainError(_("Objections are recorded during the public notice."))
    raised_by, content = (raised_by or "").strip(), (content or "").strip()
    if not raised_by:
        raise DomainError(_("Please say who raised the objection."), field="raised_by")
    if not content:
        raise DomainError(_("Please record what the objection says."), field="content")
    _plausible(received_on, "received_on")
    if received_on > day:
        raise DomainError(_("The date received cannot be in the future."), field="received_on")
    if not batch.notice_starts_on <= received_on <= batch.notice_ends_on:
        raise DomainError(_("Only objections received during the notice (%(start)s – %(end)s) are recorded.",
                            start=batch.notice_starts_on.isoformat(), end=batch.notice_ends_on.isoformat()),
                          field="received_on")
    if claim is not None and (claim.batch_id != batch.id or claim.state != C.IN_NOTICE):
        raise DomainError(_("Choose a claim published in this batch's notice."), field="claim_id")
    objection = Objection(batch_id=batch.id, claim_id=claim.id if claim else None, raised_by=raised_by,
                          received_on=received_on, content=content, recorded_by_id=actor.id)
    session.add(objection)
    session.flush()
    record(session, actor, "subsidy_objection.record", objection, company_id=claim.company_id if claim else None,
           after={"batch": batch.number, "claim": claim.number if claim else None, "raised_by": raised_by,
                  "received_on": received_on, "content": content}, summary=batch.number)
    return objection


def resolve_objection(session: Session, actor, objection: Objection, *, upheld: bool, resolution: str) -> Objection:
    """Settle an objection; upheld against a claim, the claim is rejected and its funds released."""
    _require_editor(actor)
    resolution = (resolution or "").strip()
    if not resolution:
        raise DomainError(_("Please record how the objection was settled."), field="resolution")
    batch = session.get(SubsidyBatch, objection.batch_id)
    if batch.state != B.NOTICE:
        raise DomainError(_("Objections are settled during the public notice."))
    outcome = ObjectionOutcome.UPHELD if upheld else ObjectionOutcome.DISMISSED
    done = session.execute(sa.update(Objection).where(Objection.id == objection.id,
                                                      Objection.outcome == ObjectionOutcome.OPEN)
                           .values(outcome=outcome, resolution=resolution, resolved_by_id=actor.id,
                                   resolved_at=utcnow(), version=Objection.version + 1))
    if done.rowcount != 1:
        raise ConcurrentChange(_("This objection was already settled."))
    session.refresh(objection)
    claim = objection.claim
    if upheld and claim is not None and claim.state == C.IN_NOTICE:  # not one an earlier objection rejected
        CLAIM_FLOW.apply(session, actor, claim, "reject", comment=resolution, values={"decided_at": utcnow()})
        funds.release(session, actor, "subsidy_claim", claim.id, note=_("Objection upheld: %(text)s", text=resolution))
    record(session, actor, "subsidy_objection.resolve", objection, company_id=claim.company_id if claim else None,
           before={"outcome": ObjectionOutcome.OPEN.value},
           after={"outcome": outcome.value, "resolution": resolution, "claim": claim.number if claim else None},
           summary=batch.number)
    return objection


def finish_notice(session: Session, actor, batch: SubsidyBatch, day: dt.date | None = None) -> SubsidyBatch:
    """The notice has run its full length and every objection is settled: payment may start."""
    _step(session, actor, batch, "finish_notice", day)
    return batch


def close_batch(session: Session, actor, batch: SubsidyBatch, day: dt.date | None = None) -> SubsidyBatch:
    _step(session, actor, batch, "close", day, closed_on=day or today())
    return batch


def batch_summary(session: Session, batch: SubsidyBatch) -> dict:
    """Claims and amounts per state, what is approved and paid, what the pool has left."""
    rows = session.execute(sa.select(SubsidyClaim.state, sa.func.count(), sa.func.sum(SubsidyClaim.amount))
                           .where(SubsidyClaim.batch_id == batch.id).group_by(SubsidyClaim.state)).all()
    counts = {state: 0 for state in C}
    amounts = {state: ZERO for state in C}
    for state, n, total in rows:
        counts[state], amounts[state] = n, Decimal(total or 0).quantize(ZERO)
    approved_states = (C.APPROVED, C.IN_NOTICE, C.DISBURSED)
    open_objections = _open_objections(session, batch)
    return {"counts": counts, "amounts": amounts, "total": sum(counts.values()),
            "approved": sum((amounts[s] for s in approved_states), ZERO), "paid": amounts[C.DISBURSED],
            "to_pay": amounts[C.IN_NOTICE], "open_objections": open_objections,
            "pool_remaining": batch.fund_pool.remaining}
