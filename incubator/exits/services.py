"""Every change in an exit: raising a case (operator, company or the daily job), evidence, the
company's response, the settlement, review, approval, execution and archiving. Each takes the
acting user and never commits."""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..assessment.consequences import take_exit_proposal
from ..assessment.models import ExitProposal, ExitProposalState
from ..audit.services import record
from ..certificates.models import IssuedDocument
from ..certificates.numbering import next_number
from ..certificates.rules import DocumentKind
from ..certificates.services import revoke_document
from ..companies.models import Company, CompanyStatus
from ..core.calendar import add_working_days
from ..core.errors import ConcurrentChange, DomainError, PermissionDenied, TransitionNotAllowed
from ..core.formatting import today
from ..core.models import WorkflowEvent
from ..core.roles import STAFF_EDITORS, Role
from ..core.system import SYSTEM
from ..db import utcnow
from ..documents.models import Document
from ..documents.rules import DocumentCategory
from ..documents.services import upload_document
from ..leases import services as leases
from ..leases.models import Lease, LeaseState
from ..spaces.rules import parse_amount
from ..subsidies.clawbacks import compute_clawback, create_clawback
from . import rules, settlement
from .facts import graduation_facts
from .models import OPEN_STATES, BreachType, ExitCase, ExitKind, ExitOrigin, ExitPolicy
from .models import ExitState as S
from .workflow import EXIT_FLOW

SUBJECT = "exit_case"  # documents' subject_type for evidence
MAX_TEXT = 5000
MAX_DAYS_AHEAD = 730  # an exit is planned at most two years ahead
STAFF_KINDS = (ExitKind.VOLUNTARY, ExitKind.BREACH, ExitKind.LEASE_EXPIRY, ExitKind.GRADUATION)


# --- policy --------------------------------------------------------------------------------------------

def current_policy(session: Session, on: dt.date | None = None) -> ExitPolicy:
    policy = session.scalar(sa.select(ExitPolicy).where(ExitPolicy.effective_from <= (on or today()))
                            .order_by(ExitPolicy.version.desc()).limit(1))
    if policy is None:
        raise DomainError(_("No exit policy is in force. An administrator must set one up first."))
    return policy


# --- checks on what people type --------------------------------------------------------------------------

def _text(value: str | None, field: str, required: bool = True) -> str | None:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(_("A reason is required."), field=field)
    if len(value) > MAX_TEXT:
        raise DomainError(_("At most %(n)s characters, please.", n=MAX_TEXT), field=field)
    return value or None


def check_exit_date(day, company: Company, on: dt.date | None = None) -> dt.date:
    """A real date, not before the company moved in and at most two years ahead."""
    on = on or today()
    if not isinstance(day, dt.date) or not 2000 <= day.year <= 2100:
        raise DomainError(_("Please enter the exit date."), field="planned_exit_on")
    if company.moved_in_on and day < company.moved_in_on:
        raise DomainError(_("The exit date cannot be before the company moved in (%(day)s).",
                            day=company.moved_in_on.isoformat()), field="planned_exit_on")
    if day > on + dt.timedelta(days=MAX_DAYS_AHEAD):
        raise DomainError(_("The exit date can be at most two years ahead."), field="planned_exit_on")
    return day


# --- raising a case ----------------------------------------------------------------------------------------

def open_case(session: Session, company_id: int) -> ExitCase | None:
    return session.scalar(sa.select(ExitCase).where(ExitCase.company_id == company_id,
                                                    ExitCase.state.in_(OPEN_STATES)))


def _raise(session: Session, actor, company: Company, *, kind: ExitKind, origin: ExitOrigin, reason: str,
           planned_exit_on: dt.date, policy: ExitPolicy, breach_type: BreachType | None = None,
           basis: dict | None = None, proposal: ExitProposal | None = None, lease: Lease | None = None) -> ExitCase:
    """The one way a case comes to be: one open case per company (the company row is locked, and
    a unique index settles two at once), the response deadline, the "propose" history event."""
    session.execute(sa.select(Company.id).where(Company.id == company.id).with_for_update())
    session.refresh(company)
    if company.status != CompanyStatus.TENANT:
        raise DomainError(_("%(name)s is not in residence; only a tenant can exit.", name=company.name))
    existing = open_case(session, company.id)
    if existing is not None:
        raise DomainError(_("%(name)s already has an open exit case (%(number)s).", name=company.name,
                            number=existing.number))
    day = today()
    days = int(policy.config["response_working_days"])
    case = ExitCase(
        number=f"TC-{day.year}-{next_number(session, 'exit_case', day.year):04d}", company_id=company.id,
        policy_id=policy.id, kind=kind, breach_type=breach_type, origin=origin, reason=reason, basis=basis,
        proposed_by_id=getattr(actor, "id", None), assessment_proposal_id=proposal.id if proposal else None,
        lease_id=lease.id if lease else None, planned_exit_on=planned_exit_on,
        response_due_on=None if origin == ExitOrigin.COMPANY else add_working_days(day, days),
        departure_approved=kind != ExitKind.BREACH)
    try:
        with session.begin_nested():
            session.add(case)
            session.flush()
    except IntegrityError:  # raised for the same company at this very moment
        raise ConcurrentChange(_("%(name)s already has an open exit case.", name=company.name)) from None
    session.add(WorkflowEvent(object_type=EXIT_FLOW.name, object_id=case.id, action="propose", from_state="",
                              to_state=S.PROPOSED.value, actor_id=case.proposed_by_id, comment=reason))
    record(session, actor, "exit_case.propose", case, summary=f"{case.number} {company.name}", after={
        "kind": kind, "breach_type": breach_type, "origin": origin, "reason": reason,
        "planned_exit_on": planned_exit_on, "policy_version": policy.version, "basis": basis})
    session.flush()
    return case


def raise_case(session: Session, actor, company: Company, *, kind, reason: str, planned_exit_on: dt.date,
               breach_type=None, events=()) -> ExitCase:
    """The operator raises an exit: a breach names its type (evidence is uploaded to the case);
    a graduation needs a condition met, or a declared event (acquired, listed, larger space)."""
    if not actor.has_role(*STAFF_EDITORS):
        raise PermissionDenied(_("You are not allowed to do this."))
    kind = ExitKind.from_arg(kind)
    if kind not in STAFF_KINDS:
        raise DomainError(_("Please choose the kind of exit."), field="kind")
    breach_type = BreachType.from_arg(breach_type)
    if kind == ExitKind.BREACH and breach_type is None:
        raise DomainError(_("Please choose the breach."), field="breach_type")
    reason = _text(reason, "reason")
    planned_exit_on = check_exit_date(planned_exit_on, company)
    policy = current_policy(session)
    basis = None
    if kind == ExitKind.GRADUATION:
        unknown = set(events) - set(rules.EVENTS)
        if unknown:
            raise DomainError(_("Unknown graduation event."), field="events")
        conditions = rules.graduation_conditions(policy.config, graduation_facts(session, company, frozenset(events)),
                                                 today())
        if not rules.met(conditions):
            raise DomainError(_("%(name)s meets none of the graduation conditions.", name=company.name),
                              field="kind")
        basis = {"conditions": [asdict(c) for c in conditions]}
    return _raise(session, actor, company, kind=kind, origin=ExitOrigin.OPERATOR, reason=reason,
                  planned_exit_on=planned_exit_on, policy=policy, basis=basis,
                  breach_type=breach_type if kind == ExitKind.BREACH else None)


def request_exit(session: Session, actor, *, reason: str, planned_exit_on: dt.date) -> ExitCase:
    """The company asks to leave (voluntary exit), from its own page."""
    if not (actor.has_role(Role.COMPANY) and actor.company_id):
        raise PermissionDenied(_("Only members of a tenant company can request an exit."))
    company = session.get(Company, actor.company_id)
    reason = _text(reason, "reason")
    planned_exit_on = check_exit_date(planned_exit_on, company)
    return _raise(session, actor, company, kind=ExitKind.VOLUNTARY, origin=ExitOrigin.COMPANY, reason=reason,
                  planned_exit_on=planned_exit_on, policy=current_policy(session))


def propose(session: Session, company: Company, *, kind: ExitKind, reason: str, planned_exit_on: dt.date,
            policy: ExitPolicy, basis: dict, proposal: ExitProposal | None = None,
            lease: Lease | None = None) -> ExitCase:
    """A case the daily job proposes (triggers.py decides when)."""
    return _raise(session, SYSTEM, company, kind=kind, origin=ExitOrigin.SYSTEM, reason=reason,
                  planned_exit_on=planned_exit_on, policy=policy, basis=basis, proposal=proposal, lease=lease)


# --- evidence and the company's response --------------------------------------------------------------------

def is_owner(actor, case: ExitCase) -> bool:
    return actor.has_role(Role.COMPANY) and actor.company_id == case.company_id


def evidence(session: Session, case: ExitCase) -> list[Document]:
    return list(session.scalars(sa.select(Document).where(Document.subject_type == SUBJECT,
                                                          Document.subject_id == case.id)
                                .order_by(Document.created_at, Document.id)))


def may_add_evidence(actor, case: ExitCase) -> bool:
    """The operator while the case is open; the company before the commander decides."""
    if case.state in OPEN_STATES and actor.has_role(*STAFF_EDITORS):
        return True
    return is_owner(actor, case) and case.state in (S.PROPOSED, S.PREPARED, S.REVIEWED)


def upload_evidence(session: Session, actor, case: ExitCase, file_storage, title: str | None = None) -> Document:
    if not may_add_evidence(actor, case):
        raise DomainError(_("Evidence can no longer be added to this case."))
    return upload_document(session, actor, case.company, category=DocumentCategory.OTHER.value,
                           title=(title or "").strip()[:200] or None, file_storage=file_storage,
                           subject_type=SUBJECT, subject_id=case.id)


def respond(session: Session, actor, case: ExitCase, *, response: str, agrees: bool | None) -> ExitCase:
    """The company's say on the stated reason (and on the settlement, once prepared); a later
    response replaces the earlier one, and every one stays in the history."""
    response = _text(response, "response")
    EXIT_FLOW.apply(session, actor, case, "respond", comment=response,
                    values={"company_response": response, "company_agrees": agrees, "responded_at": utcnow()})
    return case


def withdraw(session: Session, actor, case: ExitCase, reason: str) -> ExitCase:
    """The operator withdraws a case before the approval, the commander after it; a company only
    its own request."""
    if not actor.has_role(*STAFF_EDITORS) and is_owner(actor, case) and case.origin != ExitOrigin.COMPANY:
        raise PermissionDenied(_("A company can withdraw only its own exit request."))
    EXIT_FLOW.apply(session, actor, case, "withdraw", comment=_text(reason, "comment"))
    return case


# --- settlement, review, decision ----------------------------------------------------------------------------

def _checklist(items: dict) -> dict:
    """key → {"done", "note"} for every checklist item (unknown keys ignored)."""
    clean = {}
    for key in settlement.CHECKLIST:
        item = items.get(key) or {}
        note = (item.get("note") or "").strip()
        if len(note) > 500:
            raise DomainError(_("Please keep each note under 500 characters."), field=f"note_{key}")
        clean[key] = {"done": bool(item.get("done")), "note": note or None}
    return clean


def prepare(session: Session, actor, case: ExitCase, *, exit_on: dt.date, departure_approved: bool,
            damage, checklist: dict, note: str | None = None, damage_note: str | None = None) -> ExitCase:
    """The operator fixes the exit date and the settlement: figures from the ledger and the subsidy
    engine, the deposit refunded or forfeited, damage, and the hand-over checklist (all done)."""
    EXIT_FLOW.check(session, actor, case, "prepare")
    exit_on = check_exit_date(exit_on, case.company)
    damage = parse_amount(damage if damage not in (None, "") else "0", "damage", digits=14)
    items = _checklist(checklist)
    if not all(i["done"] for i in items.values()):
        raise DomainError(_("The unit inspection and the hand-over (keys, access cards, documents) must all be "
                            "done before the settlement goes to review."))
    damage_note = _text(damage_note, "damage_note", required=False)
    if damage and not damage_note:
        raise DomainError(_("Please say what the damage deduction is for."), field="damage_note")
    result = settlement.compute(session, case, exit_on=exit_on, departure_approved=bool(departure_approved),
                                damage=damage, damage_note=damage_note)
    f = result.figures
    EXIT_FLOW.apply(session, actor, case, "prepare", comment=_text(note, "note", required=False), values={
        "planned_exit_on": exit_on, "departure_approved": bool(departure_approved), "checklist": items,
        "settlement": {**result.as_json(), "prepared_on": today().isoformat(), "policy_version": case.policy.version},
        "arrears": f.arrears, "clawback": f.clawback, "damage": f.damage, "deposit_refund": f.deposit_refund,
        "prepaid_refund": f.prepaid_refund, "forfeited": f.forfeited, "net": f.net})
    return case


def review(session: Session, actor, case: ExitCase, comment: str | None = None) -> ExitCase:
    EXIT_FLOW.apply(session, actor, case, "review", comment=_text(comment, "comment", required=False))
    return case


def send_back(session: Session, actor, case: ExitCase, reason: str) -> ExitCase:
    EXIT_FLOW.apply(session, actor, case, "send_back", comment=_text(reason, "comment"))
    return case


def response_pending(case: ExitCase, on: dt.date | None = None) -> bool:
    """The company may still respond and has not: the commander waits."""
    return (case.response_due_on is not None and case.company_response is None
            and (on or today()) <= case.response_due_on)


def decide(session: Session, actor, case: ExitCase, *, approve: bool, reason: str | None) -> ExitCase:
    """The commander approves (after the company had its say) or rejects, with the reason."""
    action = "approve" if approve else "reject"
    EXIT_FLOW.check(session, actor, case, action)
    if approve and response_pending(case):
        raise DomainError(_("The company may respond until %(day)s; decide after it has responded or the time "
                            "is up.", day=case.response_due_on.isoformat()))
    reason = _text(reason, "comment", required=not approve)
    EXIT_FLOW.apply(session, actor, case, action, comment=reason, values={"decision_reason": reason})
    return case


def archive(session: Session, actor, case: ExitCase, note: str | None = None) -> ExitCase:
    EXIT_FLOW.apply(session, actor, case, "archive", comment=_text(note, "comment", required=False))
    return case


# --- execution -------------------------------------------------------------------------------------------------

def admission_certificates(session: Session, company_id: int) -> list[IssuedDocument]:
    """The company's admission certificates not revoked yet (superseded issues too: each one says
    on the verification page that it is no longer valid)."""
    return list(session.scalars(sa.select(IssuedDocument).where(
        IssuedDocument.company_id == company_id, IssuedDocument.kind == DocumentKind.ADMISSION_CERTIFICATE.value,
        IssuedDocument.revoked_at.is_(None)).order_by(IssuedDocument.id)))


def execution_plan(session: Session, case: ExitCase) -> dict:
    """What executing the case will do (the confirmation page shows it)."""
    exit_on = case.planned_exit_on
    in_force = settlement.leases_in_force(session, case.company_id)
    basis = (compute_clawback(session, case.company, exit_on, settlement.clawback_reason(case.kind))
             if settlement.claws_back(case) else None)
    return {
        "terminate": [lease for lease in in_force if exit_on < lease.end_on],
        "end": [lease for lease in in_force if exit_on >= lease.end_on],
        "cancel": list(session.scalars(sa.select(Lease).where(Lease.company_id == case.company_id,
                                                              Lease.state == LeaseState.DRAFT))),
        "certificates": admission_certificates(session, case.company_id),
        "clawback": Decimal(basis["total"]) if basis else Decimal("0.00"),
        "status": CompanyStatus.GRADUATED if case.graduates else CompanyStatus.EXITED,
        "due": exit_on > today(),
    }


def _leave(session: Session, actor, case: ExitCase) -> None:
    """The company becomes exited or graduated, left on the exit date (exactly once)."""
    status = CompanyStatus.GRADUATED if case.graduates else CompanyStatus.EXITED
    done = session.execute(sa.update(Company).where(Company.id == case.company_id,
                                                    Company.status == CompanyStatus.TENANT)
                           .values(status=status, left_on=case.planned_exit_on, version=Company.version + 1)
                           .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise ConcurrentChange(_("%(name)s is no longer a tenant.", name=case.company.name))
    session.refresh(case.company)
    record(session, actor, "company.leave", case.company, summary=f"{case.company.name} {case.number}",
           before={"status": CompanyStatus.TENANT}, after={"status": status, "left_on": case.planned_exit_on})


def execute(session: Session, actor, case: ExitCase) -> ExitCase:
    """On or after the exit date: the transition first (of two at once exactly one gets past it),
    then its leases end (or are terminated, or a draft cancelled: rent stops after the exit date
    and the units become vacant), the company leaves, its admission certificates are revoked,
    subsidies within their lock-in period are clawed back and the assessment's proposal is taken."""
    EXIT_FLOW.check(session, actor, case, "execute")
    exit_on, day = case.planned_exit_on, today()
    if exit_on > day:
        raise DomainError(_("The exit date (%(day)s) has not come yet.", day=exit_on.isoformat()))
    proposal = case.assessment_proposal
    if proposal is not None and proposal.state != ExitProposalState.OPEN:
        raise TransitionNotAllowed(_("The assessment's exit proposal behind this case is %(state)s (a grade lifted on "
                                     "appeal, for instance); withdraw the case instead.", state=proposal.state.label))
    EXIT_FLOW.apply(session, actor, case, "execute", values={"executed_on": exit_on})
    why = f"退出 {case.number}"
    for lease in settlement.leases_in_force(session, case.company_id):
        if exit_on < lease.end_on:
            leases.terminate_lease(session, actor, lease, why, ended_on=exit_on)
        else:
            leases.end_lease(session, actor, lease, ended_on=exit_on)
    for lease in session.scalars(sa.select(Lease).where(Lease.company_id == case.company_id,
                                                        Lease.state == LeaseState.DRAFT)).all():
        leases.cancel_lease(session, actor, lease, why)
    _leave(session, actor, case)
    # revoking is an administrator's right; here it is the approved exit's consequence, so the
    # system does it (the audit log names the case)
    left = "毕业" if case.graduates else "退出社区"
    for doc in admission_certificates(session, case.company_id):
        revoke_document(session, SYSTEM, doc, f"企业已于{exit_on.isoformat()}{left}（{case.number}），入驻证书不再有效。")
    if settlement.claws_back(case):
        reason = settlement.clawback_reason(case.kind)
        if Decimal(compute_clawback(session, case.company, exit_on, reason)["total"]) > 0:
            due = add_working_days(day, int(case.policy.config.get("clawback_due_working_days", 20)))
            clawback = create_clawback(session, actor, case.company, reason, exit_on, due_on=due, note=case.number)
            case.clawback_id = clawback.id
            session.flush()
            record(session, actor, "exit_case.clawback", case, summary=f"{case.number} {clawback.number}",
                   after={"clawback": clawback.number, "amount": clawback.amount})
    if proposal is not None:
        take_exit_proposal(session, actor, proposal)
    return case
