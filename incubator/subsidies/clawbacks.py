"""Clawbacks (追回, SPEC §6): a company that exits or is cleared out within a subsidy's lock-in
period, or is found in breach, pays back what it received within that period. The amount is
computed from its paid claims, recorded, tracked until repaid, and each repayment goes back
into the fund pool the money came from."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from ..admission.rules import add_months
from ..audit.services import record
from ..certificates.numbering import next_number
from ..companies.models import Company
from ..core.errors import DomainError, PermissionDenied, SegregationOfDuties, TransitionNotAllowed
from ..core.formatting import format_money, today
from ..core.roles import STAFF_EDITORS, Role
from ..core.workflow import Workflow, rule
from ..funds import services as funds
from ..leases.rules import to_fen
from ..spaces.rules import parse_amount
from .models import ClaimState, Clawback, ClawbackReason, ClawbackRepayment, SubsidyClaim
from .models import ClawbackState as S

DEFAULT_LOCK_IN_YEARS = 2
OPEN_STATES = (S.OPEN, S.PARTLY_REPAID)

CLAWBACK_FLOW = Workflow("clawback", Clawback, [
    rule("repay_part", OPEN_STATES, S.PARTLY_REPAID, roles=STAFF_EDITORS),
    rule("repay", OPEN_STATES, S.REPAID, roles=STAFF_EDITORS),
    # waiving public money is the commander's call; the recorder may not waive (checked in waive())
    rule("waive", OPEN_STATES, S.WAIVED, roles=[Role.COMMANDER], needs_comment=True),
])

ACTION_LABELS = {"repay_part": _l("Repayment recorded"), "repay": _l("Repaid in full"), "waive": _l("Waived")}


def lock_in_until(claim: SubsidyClaim) -> dt.date:
    years = int((claim.policy.config or {}).get("lock_in_years", DEFAULT_LOCK_IN_YEARS))
    return add_months(claim.paid_on, 12 * years)


def compute_clawback(session: Session, company: Company, trigger_on: dt.date, reason) -> dict:
    """The basis of a clawback: the company's paid claims still within their lock-in period on
    `trigger_on` (paid_on + the policy's lock_in_years > trigger_on). A breach is held to the
    same window as an exit. Claims already counted in an earlier clawback (waived ones included:
    that decision was taken) are listed as excluded, so no yuan is claimed twice."""
    reason = ClawbackReason(reason)
    counted = {c["number"]: cb.number for cb in session.scalars(
        sa.select(Clawback).where(Clawback.company_id == company.id)) for c in cb.basis.get("claims", [])}
    claims = session.scalars(
        sa.select(SubsidyClaim).where(SubsidyClaim.company_id == company.id, SubsidyClaim.state == ClaimState.DISBURSED,
                                      SubsidyClaim.paid_on.is_not(None))
        .order_by(SubsidyClaim.paid_on, SubsidyClaim.number)).all()
    included, excluded = [], []
    for claim in claims:
        until = lock_in_until(claim)
        row = {"claim_id": claim.id, "number": claim.number, "batch": claim.batch.number,
               "fund_pool_id": claim.batch.fund_pool_id, "paid_on": claim.paid_on.isoformat(),
               "amount": str(to_fen(claim.amount or Decimal("0"))), "lock_in_until": until.isoformat()}
        if claim.number in counted:
            excluded.append({**row, "why": "counted", "clawback": counted[claim.number]})
        elif until <= trigger_on:
            excluded.append({**row, "why": "lock_in_over"})
        elif claim.amount:
            included.append(row)
    total = sum((Decimal(c["amount"]) for c in included), Decimal("0.00"))
    return {"reason": reason.value, "trigger_on": trigger_on.isoformat(), "claims": included, "excluded": excluded,
            "total": str(total)}


EXCLUDED_WHY = {"counted": _l("Already in an earlier clawback"),
                "lock_in_over": _l("Lock-in period over on the trigger date")}


def create_clawback(session: Session, actor, company: Company, reason, trigger_on: dt.date,
                    due_on: dt.date | None = None, note: str | None = None) -> Clawback:
    if not actor.role_set & STAFF_EDITORS:
        raise PermissionDenied(_("You are not allowed to do this."))
    reason = ClawbackReason(reason)
    if trigger_on > today():
        raise DomainError(_("The date of the exit, clearance or breach cannot be in the future."), field="trigger_on")
    if due_on is not None and due_on < trigger_on:
        raise DomainError(_("The repayment deadline cannot be before the trigger date."), field="due_on")
    # one clawback at a time per company: a second one computed at the same moment would count
    # the same claims again
    session.execute(sa.select(Company.id).where(Company.id == company.id).with_for_update())
    basis = compute_clawback(session, company, trigger_on, reason)
    total = Decimal(basis["total"])
    if total <= 0:
        raise DomainError(_("Nothing to claw back: %(company)s has no paid subsidy within its lock-in period on "
                            "%(day)s that is not in a clawback already.", company=company.name, day=trigger_on))
    year = today().year
    clawback = Clawback(number=f"ZH-{year}-{next_number(session, 'clawback', year):04d}", company_id=company.id,
                        reason=reason, trigger_on=trigger_on, amount=total, basis=basis, due_on=due_on,
                        note=(note or "").strip() or None, created_by_id=actor.id)
    session.add(clawback)
    session.flush()
    record(session, actor, "clawback.create", clawback,
           after={"reason": reason.value, "trigger_on": trigger_on, "amount": total, "due_on": due_on,
                  "claims": [c["number"] for c in basis["claims"]]},
           summary=f"{clawback.number} {company.name} {format_money(total)}")
    return clawback


def repayment_pool(clawback: Clawback) -> int:
    """Repayments go back to the pool of the first claim in the basis (the earliest paid).
    When the claims came from several pools this is a simplification, chosen because it is easy
    to explain and to check; the basis keeps every claim's pool. A pool never takes back more
    than it paid out (funds.return_funds refuses, with the figures, and nothing is recorded)."""
    return clawback.basis["claims"][0]["fund_pool_id"]


def record_repayment(session: Session, actor, clawback: Clawback, amount, paid_on: dt.date,
                     reference: str | None = None) -> ClawbackRepayment:
    CLAWBACK_FLOW.check(session, actor, clawback, "repay_part")
    amount = parse_amount(amount, "amount", positive=True, digits=14)
    if paid_on > today():
        raise DomainError(_("The payment date cannot be in the future."), field="paid_on")
    reference = (reference or "").strip()[:80] or None
    repaid = sa.func.round(Clawback.repaid + amount, 2)  # see funds.services._fen
    result = session.execute(sa.update(Clawback).where(Clawback.id == clawback.id, Clawback.state.in_(OPEN_STATES),
                                                       repaid <= Clawback.amount)
                             .values(repaid=repaid).execution_options(synchronize_session=False))
    session.refresh(clawback)
    if result.rowcount != 1:
        if clawback.state not in OPEN_STATES:
            raise TransitionNotAllowed(_("This clawback is closed (%(state)s).", state=clawback.state.label))
        raise DomainError(_("That is more than the outstanding %(outstanding)s.",
                            outstanding=format_money(clawback.outstanding)), field="amount")
    CLAWBACK_FLOW.apply(session, actor, clawback, "repay" if clawback.repaid >= clawback.amount else "repay_part")
    repayment = ClawbackRepayment(clawback_id=clawback.id, fund_pool_id=repayment_pool(clawback), amount=amount,
                                  paid_on=paid_on, reference=reference, recorded_by_id=actor.id)
    session.add(repayment)
    session.flush()
    funds.return_funds(session, actor, repayment.fund_pool_id, amount, funds.REPAYMENT, repayment.id,
                       note=clawback.number)
    record(session, actor, "clawback.repayment", repayment, company_id=clawback.company_id,
           after={"clawback": clawback.number, "amount": amount, "paid_on": paid_on, "reference": reference,
                  "fund_pool_id": repayment.fund_pool_id, "repaid": clawback.repaid},
           summary=f"{clawback.number} {format_money(amount)}")
    return repayment


def waive(session: Session, actor, clawback: Clawback, reason: str) -> Clawback:
    CLAWBACK_FLOW.check(session, actor, clawback, "waive")
    if clawback.created_by_id == actor.id:
        raise SegregationOfDuties(_("Four eyes: whoever recorded a clawback cannot waive it."))
    CLAWBACK_FLOW.apply(session, actor, clawback, "waive", comment=reason)
    return clawback


def actions_for(session: Session, actor, clawback: Clawback) -> set[str]:
    """What the actor may do on the clawback's page now ("repay", "waive")."""
    actions = set()
    if CLAWBACK_FLOW.can(session, actor, clawback, "repay_part"):
        actions.add("repay")
    if CLAWBACK_FLOW.can(session, actor, clawback, "waive") and clawback.created_by_id != actor.id:
        actions.add("waive")
    return actions


def companies_with_paid_claims(session: Session) -> list[tuple[int, str]]:
    return [(company_id, name) for company_id, name in session.execute(
        sa.select(Company.id, Company.name).where(Company.id.in_(
            sa.select(SubsidyClaim.company_id).where(SubsidyClaim.state == ClaimState.DISBURSED)))
        .order_by(Company.name, Company.id))]
