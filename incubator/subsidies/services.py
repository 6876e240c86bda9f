"""Subsidy claims (补贴申请): the company's claim in a batch with its payment evidence, the
operator's first check and verification (核定), approval at the tier the amount requires,
payment and the receipt of the paper originals. Each service takes the acting user and never
commits; money moves only through funds.services."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..audit.services import record
from ..certificates.numbering import next_number
from ..companies.models import Company, CompanyStatus
from ..core.calendar import add_working_days
from ..core.errors import ConcurrentChange, DomainError, PermissionDenied, TransitionNotAllowed
from ..core.formatting import format_money, local, today
from ..core.roles import STAFF_EDITORS, Role
from ..core.system import SYSTEM
from ..db import utcnow
from ..documents.models import Document
from ..documents.rules import DocumentCategory
from ..documents.services import upload_document
from ..funds import services as funds
from ..meetings import gate
from ..spaces.rules import parse_amount
from . import policies, rules
from .models import BatchState as B
from .models import ClaimState as C
from .models import SubsidyBatch, SubsidyClaim
from .rules import Calculation
from .workflow import APPROVE_ACTIONS, CLAIM_FLOW, EDITABLE, TIER_LABELS, TIER_ROLES

SUBJECT = funds.CLAIM  # "subsidy_claim": documents' subject and fund entries' object type
EVIDENCE = DocumentCategory.PAYMENT_EVIDENCE.value
MAX_TEXT = 2000


def is_declared(batch: SubsidyBatch) -> bool:
    """Support types without an engine: the company states the amount, people check it."""
    return batch.support_type.calculator == "declared"


def intake_open(batch: SubsidyBatch, day: dt.date | None = None) -> bool:
    day = day or today()
    return batch.state == B.OPEN and batch.intake_opens_on <= day <= batch.intake_closes_on


def _require_owner(actor, company_id: int) -> None:
    if not (actor.has_role(Role.COMPANY) and actor.company_id == company_id):
        raise PermissionDenied(_("Only members of the claiming company can do this."))


def _require_writable(claim: SubsidyClaim) -> None:
    if not claim.company.is_active_member_company:
        raise DomainError(_("Your company's records are read-only."))


# --- the company's claim ----------------------------------------------------------------------------

def start_claim(session: Session, actor, batch: SubsidyBatch, day: dt.date | None = None) -> SubsidyClaim:
    """A draft claim of the actor's company: tenants only, while the intake is open, one per batch."""
    day = day or today()
    if not (actor.has_role(Role.COMPANY) and actor.company_id):
        raise PermissionDenied(_("Only members of a tenant company can claim subsidies."))
    company = session.get(Company, actor.company_id)
    if company.status != CompanyStatus.TENANT:
        raise DomainError(_("Only companies in residence (tenants) can claim subsidies."))
    if not intake_open(batch, day):
        raise DomainError(_("Batch %(number)s takes applications from %(start)s to %(end)s.", number=batch.number,
                            start=batch.intake_opens_on.isoformat(), end=batch.intake_closes_on.isoformat()))
    taken = _("Your company already has a claim in batch %(number)s.", number=batch.number)
    if session.scalar(sa.select(SubsidyClaim.id).where(SubsidyClaim.batch_id == batch.id,
                                                       SubsidyClaim.company_id == company.id)):
        raise DomainError(taken)
    policy = policies.policy_in_force(session, batch.support_type, day)
    claim = SubsidyClaim(number=f"BT-{day.year}-{next_number(session, 'subsidy_claim', day.year):04d}",
                         batch_id=batch.id, company_id=company.id, policy_id=policy.id, created_by_id=actor.id)
    try:
        with session.begin_nested():  # two members at once: the unique (batch, company) decides
            session.add(claim)
            session.flush()
    except IntegrityError:
        raise DomainError(taken) from None
    record(session, actor, "subsidy_claim.create", claim, after={"batch": batch.number, "policy_id": policy.id},
           summary=f"{claim.number} {company.name}")
    return claim


def preview(session: Session, claim: SubsidyClaim, day: dt.date | None = None) -> Calculation | None:
    """What the engine computes today (before verification freezes it); None while a declared
    amount is still missing."""
    if is_declared(claim.batch) and claim.declared_amount is None:
        return None
    _policy, calc = policies.calculate(session, claim.company, claim.batch, declared=claim.declared_amount, day=day)
    return calc


def _lock_editable(session: Session, claim: SubsidyClaim) -> None:
    """Claim the row while it may change: concurrent edits queue here and none slips in after a submission."""
    done = session.execute(sa.update(SubsidyClaim).where(SubsidyClaim.id == claim.id, SubsidyClaim.state.in_(EDITABLE))
                           .values(version=SubsidyClaim.version + 1).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise DomainError(_("The claim can be changed only as a draft or when returned for correction."))
    session.refresh(claim)


def save_claim(session: Session, actor, claim: SubsidyClaim, *, remarks: str | None,
               declared_amount=None) -> SubsidyClaim:
    """The company's remarks and, for declared support types, the amount it claims."""
    _require_owner(actor, claim.company_id)
    _require_writable(claim)
    remarks = (remarks or "").strip() or None
    if remarks and len(remarks) > MAX_TEXT:
        raise DomainError(_("At most %(n)s characters, please.", n=MAX_TEXT), field="remarks")
    amount = claim.declared_amount
    if is_declared(claim.batch):
        amount = (None if declared_amount in (None, "") else
                  parse_amount(declared_amount, "declared_amount", positive=True, digits=14))
    elif declared_amount not in (None, ""):
        raise DomainError(_("This subsidy is computed from the rent ledger; there is no amount to declare."),
                          field="declared_amount")
    _lock_editable(session, claim)
    before = {"contact_note": claim.contact_note, "declared_amount": claim.declared_amount}
    claim.contact_note, claim.declared_amount = remarks, amount
    after = {"contact_note": remarks, "declared_amount": amount}
    session.flush()
    if after != before:
        record(session, actor, "subsidy_claim.update", claim, before=before, after=after, summary=claim.number)
    return claim


def evidence(session: Session, claim: SubsidyClaim) -> list[Document]:
    return list(session.scalars(sa.select(Document).where(
        Document.subject_type == SUBJECT, Document.subject_id == claim.id, Document.category == EVIDENCE)
        .order_by(Document.created_at, Document.id)))


def upload_evidence(session: Session, actor, claim: SubsidyClaim, file_storage) -> Document:
    """A receipt or bank statement for the rent paid (每份一个文件; kept as the company's document)."""
    _require_owner(actor, claim.company_id)
    _require_writable(claim)
    _lock_editable(session, claim)
    return upload_document(session, actor, claim.company, category=EVIDENCE, title=None, file_storage=file_storage,
                           subject_type=SUBJECT, subject_id=claim.id)


def nothing_to_claim(calculation: dict) -> str:
    """Why the engine's total is 0, in words (calculation as stored JSON)."""
    if calculation.get("blocked"):
        return calculation["blocked"]["detail"]
    reasons = dict.fromkeys(e["reason"] for e in calculation.get("excluded", []))
    if reasons:
        return _("no period qualifies (%(reasons)s).", reasons="、".join(str(rules.REASONS.get(r, r)) for r in reasons))
    return _("there is no paid rent in the covered period.")


def _send(session: Session, actor, claim: SubsidyClaim, action: str, day: dt.date | None) -> SubsidyClaim:
    day = day or today()
    _require_writable(claim)
    CLAIM_FLOW.check(session, actor, claim, action)
    if action == "submit" and not intake_open(claim.batch, day):
        raise DomainError(_("The intake of batch %(number)s closed on %(day)s.", number=claim.batch.number,
                            day=claim.batch.intake_closes_on.isoformat()))
    if action == "resubmit" and claim.due_on is not None and day > claim.due_on:
        raise DomainError(_("The correction deadline (%(day)s) has passed.", day=claim.due_on.isoformat()))
    if not evidence(session, claim):
        raise DomainError(_("Please upload the payment evidence first (receipts or bank statements for the rent "
                            "paid)."), field="file")
    if is_declared(claim.batch) and claim.declared_amount is None:
        raise DomainError(_("Please enter the amount you claim."), field="declared_amount")
    policy, calc = policies.calculate(session, claim.company, claim.batch, declared=claim.declared_amount, day=day)
    if calc.total <= 0:
        raise DomainError(_("Nothing can be claimed: %(why)s", why=nothing_to_claim(calc.to_json())))
    CLAIM_FLOW.apply(session, actor, claim, action, values={"submitted_at": utcnow(), "due_on": None,
                                                            "policy_id": policy.id})
    return claim


def submit(session: Session, actor, claim: SubsidyClaim, day: dt.date | None = None) -> SubsidyClaim:
    """Needs at least one payment evidence file and something the engine would grant."""
    return _send(session, actor, claim, "submit", day)


def resubmit(session: Session, actor, claim: SubsidyClaim, day: dt.date | None = None) -> SubsidyClaim:
    """A returned claim, corrected before its deadline."""
    return _send(session, actor, claim, "resubmit", day)


def withdraw(session: Session, actor, claim: SubsidyClaim, reason: str | None = None) -> SubsidyClaim:
    _require_writable(claim)
    CLAIM_FLOW.apply(session, actor, claim, "withdraw", comment=reason)
    return claim


# --- the operator's first check ---------------------------------------------------------------------

def return_due_on(claim: SubsidyClaim, day: dt.date | None = None) -> dt.date:
    """The correction deadline a return on `day` gives (working days, 调休 included)."""
    return add_working_days(day or today(), int(claim.policy.config.get("return_working_days", 10)))


def return_claim(session: Session, actor, claim: SubsidyClaim, reason: str,
                 day: dt.date | None = None) -> SubsidyClaim:
    reason = (reason or "").strip()
    CLAIM_FLOW.apply(session, actor, claim, "return", comment=reason,
                     values={"due_on": return_due_on(claim, day), "return_reason": reason or None})
    return claim


def lapse_overdue(session: Session, day: dt.date | None = None, actor=SYSTEM) -> list[SubsidyClaim]:
    """Close every returned claim whose correction deadline has passed (run daily)."""
    day = day or today()
    overdue = session.scalars(sa.select(SubsidyClaim).where(SubsidyClaim.state == C.RETURNED,
                                                            SubsidyClaim.due_on < day)
                              .order_by(SubsidyClaim.id)).all()
    lapsed = []
    for claim in overdue:
        try:
            CLAIM_FLOW.apply(session, actor, claim, "lapse",
                             comment=_("The correction deadline (%(day)s) passed.", day=claim.due_on.isoformat()))
            lapsed.append(claim)
        except ConcurrentChange:  # resubmitted at this very moment: nothing to lapse
            continue
    return lapsed


def verify(session: Session, actor, claim: SubsidyClaim, day: dt.date | None = None) -> SubsidyClaim:
    """Eligibility and amount fixed (核定): the engine's result is frozen with the policy version
    it used, and the amount sets the approval tier."""
    CLAIM_FLOW.check(session, actor, claim, "verify")
    policy, calc = policies.calculate(session, claim.company, claim.batch, declared=claim.declared_amount, day=day)
    if calc.total <= 0:
        raise DomainError(_("The amount comes to ¥0.00: %(why)s Return the claim for correction or reject it.",
                            why=nothing_to_claim(calc.to_json())))
    tier = rules.required_role(policy.config, calc.total)
    CLAIM_FLOW.apply(session, actor, claim, "verify",
                     values={"amount": calc.total, "required_role": tier, "policy_id": policy.id})
    claim.calculation = calc.to_json()
    session.flush()
    return claim


# --- approval at the tier, rejection, payment ----------------------------------------------------------

def approval_action(claim: SubsidyClaim) -> str | None:
    """The one approve_* action the claim's amount calls for (None before verification)."""
    return APPROVE_ACTIONS.get(claim.required_role or "")


def _may_decide(actor, claim: SubsidyClaim) -> bool:
    return bool(actor.role_set & set(TIER_ROLES.get(claim.required_role or "", ())))


def approve(session: Session, actor, claim: SubsidyClaim, action: str | None = None) -> SubsidyClaim:
    """Approve at the claim's tier (a higher tier may too) and commit the money from the batch's pool."""
    tier_action = approval_action(claim)
    if claim.state == C.VERIFIED and action not in (None, tier_action):
        raise TransitionNotAllowed(_("This claim is approved at the %(tier)s tier (amount %(amount)s).",
                                     tier=TIER_LABELS[claim.required_role], amount=format_money(claim.amount)))
    action = tier_action or action or APPROVE_ACTIONS["lead"]  # not verified yet: the table refuses it
    CLAIM_FLOW.check(session, actor, claim, action)
    if not claim.amount or claim.amount <= 0:
        raise DomainError(_("A claim of ¥0.00 cannot be approved."))
    # the deputy's and the commander's tiers wait for the meeting that must deliberate them first
    gate.require_agreed(session, SUBJECT, claim.id, claim.required_role, amount=claim.amount)
    CLAIM_FLOW.apply(session, actor, claim, action, values={"decided_at": utcnow()})
    funds.commit(session, actor, claim.batch.fund_pool_id, claim.amount, SUBJECT, claim.id, note=claim.number)
    return claim


def reject(session: Session, actor, claim: SubsidyClaim, reason: str) -> SubsidyClaim:
    """Not eligible at the first check (operator), or turned down at the approval tier. Nothing
    is committed before approval; during the notice only an upheld objection rejects."""
    if claim.state == C.IN_NOTICE:
        raise TransitionNotAllowed(_("During the public notice a claim is rejected only by upholding an objection."))
    CLAIM_FLOW.check(session, actor, claim, "reject")
    if claim.state == C.VERIFIED and not _may_decide(actor, claim):
        raise PermissionDenied(_("This claim is decided at the %(tier)s tier.", tier=TIER_LABELS[claim.required_role]))
    CLAIM_FLOW.apply(session, actor, claim, "reject", comment=reason, values={"decided_at": utcnow()})
    return claim


def disburse(session: Session, actor, claim: SubsidyClaim, *, reference: str | None, paid_on: dt.date | None,
             day: dt.date | None = None) -> SubsidyClaim:
    """Record the payment (拨付) once the batch's notice is over; the pool pays exactly once."""
    day = day or today()
    CLAIM_FLOW.check(session, actor, claim, "disburse")
    batch = claim.batch
    if batch.state != B.PAYING:
        raise DomainError(_("Payments are recorded once the batch's public notice has ended (the batch is: %(state)s).",
                            state=batch.state.label))
    reference = (reference or "").strip()
    if not reference:
        raise DomainError(_("Please enter the payment reference (the bank voucher number)."), field="reference")
    if len(reference) > 80:
        raise DomainError(_("At most %(n)s characters, please.", n=80), field="reference")
    if not isinstance(paid_on, dt.date):
        raise DomainError(_("Please enter the payment date."), field="paid_on")
    if paid_on > day:
        raise DomainError(_("The payment date cannot be in the future."), field="paid_on")
    if paid_on <= batch.notice_ends_on:
        raise DomainError(_("The payment date must be after the public notice ended (%(day)s).",
                            day=batch.notice_ends_on.isoformat()), field="paid_on")
    CLAIM_FLOW.apply(session, actor, claim, "disburse", values={"paid_on": paid_on, "payment_reference": reference})
    funds.pay(session, actor, SUBJECT, claim.id, note=f"{claim.number} {reference}")
    return claim


ORIGINALS_STATES = frozenset(C) - {C.DRAFT, C.WITHDRAWN, C.LAPSED, C.REJECTED}  # papers of a live or paid claim


def record_originals(session: Session, actor, claim: SubsidyClaim, received_on: dt.date | None,
                     day: dt.date | None = None) -> SubsidyClaim:
    """The signed and sealed paper originals arrived (recorded once)."""
    day = day or today()
    if not actor.has_role(*STAFF_EDITORS):
        raise PermissionDenied(_("You are not allowed to do this."))
    if claim.state not in ORIGINALS_STATES:
        raise TransitionNotAllowed(_("Originals can be recorded only for a claim that is under way or paid."))
    if not isinstance(received_on, dt.date):
        raise DomainError(_("Please enter the date the originals were received."), field="received_on")
    if received_on > day:
        raise DomainError(_("The date received cannot be in the future."), field="received_on")
    if claim.submitted_at is not None and received_on < local(claim.submitted_at).date():
        raise DomainError(_("The originals cannot have arrived before the claim was submitted."), field="received_on")
    done = session.execute(sa.update(SubsidyClaim).where(SubsidyClaim.id == claim.id,
                                                         SubsidyClaim.originals_received_on.is_(None))
                           .values(originals_received_on=received_on, originals_received_by_id=actor.id,
                                   version=SubsidyClaim.version + 1))
    if done.rowcount != 1:
        raise ConcurrentChange(_("The receipt of the originals was already recorded."))
    session.refresh(claim)
    record(session, actor, "subsidy_claim.originals", claim, after={"originals_received_on": received_on},
           summary=claim.number)
    return claim


# --- what the claim page offers -----------------------------------------------------------------------

HIDDEN = {"notice", "lapse"}  # taken by the batch and the daily job, never from the claim page


def claim_actions(session: Session, actor, claim: SubsidyClaim) -> list[str]:
    """The steps this user may take on the claim now, as the services would allow them."""
    actions = []
    for action in CLAIM_FLOW.available(session, actor, claim):
        if action in HIDDEN or (action.startswith("approve_") and action != approval_action(claim)):
            continue
        if action.startswith("approve_") and not gate.is_agreed(session, SUBJECT, claim.id, claim.required_role,
                                                                claim.amount):
            continue
        if action == "reject" and (claim.state == C.IN_NOTICE or
                                   (claim.state == C.VERIFIED and not _may_decide(actor, claim))):
            continue
        if action == "disburse" and claim.batch.state != B.PAYING:
            continue
        actions.append(action)
    if actor.has_role(*STAFF_EDITORS) and claim.state in ORIGINALS_STATES and claim.originals_received_on is None:
        actions.append("originals")
    return actions
