"""Every change in the HQ budget: yearly budgets per category (operator) and expense requests
from draft to payment. A line's committed and spent totals move only by conditional UPDATEs,
so concurrent approvals can never overdraw it (the CHECK constraint is the last line). Services
take the acting user and flush; the caller commits."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..audit.services import record
from ..certificates.numbering import next_number
from ..core.errors import ConcurrentChange, DomainError, NotFound, PermissionDenied
from ..core.formatting import format_money, local, today
from ..core.models import WorkflowEvent
from ..core.roles import STAFF_EDITORS
from ..db import utcnow
from ..spaces.rules import normalize_text, parse_amount
from . import deliberation, rules
from .figures import special_fund_year, year_figures, year_lines, year_overview  # noqa: F401 - the reading side (public)
from .models import BudgetCategory, BudgetLine, BudgetPolicy, ExpenseRequest
from .models import RequestState as S
from .workflow import APPROVE_ACTIONS, REQUEST_FLOW, REQUESTERS, TIER_LABELS, TIER_ROLES

MAX_TEXT = 5000
AMOUNT_DIGITS = 14  # Money is NUMERIC(14, 2): below a trillion yuan


class InsufficientBudget(DomainError):
    """The budget line has less left than the request asks for."""

    status_code = 409


def _fen(expr):
    # SQLite keeps NUMERIC as binary floats: round so that an exact balance compares equal
    return sa.func.round(expr, 2)


def _require(actor, roles, message: str | None = None) -> None:
    if not actor.role_set & set(roles):
        raise PermissionDenied(message or _("You are not allowed to do this."))


# --- policy and categories -----------------------------------------------------------------------------

def current_policy(session: Session, on: dt.date | None = None) -> BudgetPolicy:
    policy = session.scalar(sa.select(BudgetPolicy).where(BudgetPolicy.effective_from <= (on or today()))
                            .order_by(BudgetPolicy.version.desc()).limit(1))
    if policy is None:
        raise DomainError(_("No budget policy is in force. An administrator must set one up first."))
    return policy


def categories(session: Session, active_only: bool = True) -> list[BudgetCategory]:
    stmt = sa.select(BudgetCategory).order_by(BudgetCategory.pool, BudgetCategory.position, BudgetCategory.id)
    if active_only:
        stmt = stmt.where(BudgetCategory.active)
    return list(session.scalars(stmt))


def line_for(session: Session, year: int, category_id: int) -> BudgetLine | None:
    return session.scalar(sa.select(BudgetLine).where(BudgetLine.year == year,
                                                      BudgetLine.category_id == category_id))


def check_year(year, field: str = "year") -> int:
    if not rules.year_allowed(year, today().year):
        raise DomainError(_("Please choose a year from %(first)s to %(last)s.", first=rules.FIRST_YEAR,
                            last=today().year + rules.YEARS_AHEAD), field=field)
    return year


# --- yearly budgets ------------------------------------------------------------------------------------

def set_budget(session: Session, actor, year: int, category: BudgetCategory, amount,
               note: str | None = None) -> BudgetLine | None:
    """The operator sets a category's budget for a year (audited). It can never go below what
    approved and paid requests already hold, also when an approval lands at the same moment."""
    _require(actor, STAFF_EDITORS)
    year = check_year(year)
    amount = parse_amount(amount, f"cat_{category.id}", digits=AMOUNT_DIGITS)
    note = (note or "").strip()[:500] or None
    line = line_for(session, year, category.id)
    if line is None:
        if amount == 0:
            return None
        if not category.active:
            raise DomainError(_("%(category)s is no longer in use.", category=category.name))
        try:
            with session.begin_nested():  # the unique (year, category) decides between two at once
                line = BudgetLine(year=year, category_id=category.id, budget=amount, note=note)
                session.add(line)
                session.flush()
        except IntegrityError:
            raise ConcurrentChange(_("Someone else set this budget at the same moment. Please reload and "
                                     "try again.")) from None
        record(session, actor, "budget_line.set", line, before={"budget": None},
               after={"year": year, "category": category.code, "budget": amount},
               summary=f"{year} {category.name} {format_money(amount)}")
        return line
    before = line.budget
    if amount == before and (note is None or note == line.note):
        return line
    values = {"budget": amount, **({"note": note} if note else {})}
    if not _update(session, line, [_fen(BudgetLine.committed + BudgetLine.spent) <= amount], **values):
        raise DomainError(_("%(category)s %(year)s already has %(used)s approved or paid; the budget cannot be "
                            "lower than that.", category=category.name, year=year,
                            used=format_money(line.committed + line.spent)), field=f"cat_{category.id}")
    record(session, actor, "budget_line.set", line, before={"budget": before},
           after={"year": year, "category": category.code, "budget": amount, "note": note},
           summary=f"{year} {category.name} {format_money(before)} → {format_money(amount)}")
    return line


def _update(session: Session, line: BudgetLine, guard: list, **values) -> bool:
    """UPDATE budget_lines SET … , version + 1 WHERE id AND <guard>; True when the row changed."""
    money = {k: _fen(v) if k != "note" else v for k, v in values.items()}
    result = session.execute(sa.update(BudgetLine).where(BudgetLine.id == line.id, *guard)
                             .values(**money, version=BudgetLine.version + 1)
                             .execution_options(synchronize_session=False))
    session.refresh(line)
    return result.rowcount == 1


# --- expense requests: what people type ------------------------------------------------------------------

def _text(value, field: str, limit: int, message: str) -> str:
    value = normalize_text(value)
    if not value:
        raise DomainError(message, field=field)
    if len(value) > limit:
        raise DomainError(_("At most %(n)s characters, please.", n=limit), field=field)
    return value


def _clean(session: Session, *, year, category_id, title, purpose, payee, amount) -> dict:
    year = check_year(year)
    category = session.get(BudgetCategory, category_id) if isinstance(category_id, int) else None
    if category is None or not category.active:
        raise DomainError(_("Please choose a category from the list."), field="category_id")
    return {"year": year, "category_id": category.id,
            "title": _text(title, "title", 200, _("Please enter a title.")),
            "purpose": _text(purpose, "purpose", MAX_TEXT, _("Please say what the money is for.")),
            "payee": _text(payee, "payee", 200, _("Please enter who is paid.")),
            "amount": parse_amount(amount, "amount", positive=True, digits=AMOUNT_DIGITS)}


def is_requester(actor, req: ExpenseRequest) -> bool:
    return getattr(actor, "id", None) == req.requested_by_id


def _require_requester(actor, req: ExpenseRequest) -> None:
    if not is_requester(actor, req):
        raise PermissionDenied(_("Only the person who made the request can do this."))


def create_request(session: Session, actor, *, year, category_id, title, purpose, payee, amount) -> ExpenseRequest:
    """A draft; its tier follows from the amount by the policy in force."""
    _require(actor, REQUESTERS, _("Only HQ staff (operator, work-group lead, deputy commander) can request "
                                  "expenses."))
    fields = _clean(session, year=year, category_id=category_id, title=title, purpose=purpose, payee=payee,
                    amount=amount)
    policy = current_policy(session)
    day = today()
    req = ExpenseRequest(number=f"ZC-{day.year}-{next_number(session, 'expense_request', day.year):04d}",
                         tier=rules.required_tier(policy.config, fields["amount"]), policy_id=policy.id,
                         requested_by_id=actor.id, state=S.DRAFT, **fields)
    session.add(req)
    session.flush()
    # the first event: four eyes keeps whoever drafted a request from deciding it
    session.add(WorkflowEvent(object_type=REQUEST_FLOW.name, object_id=req.id, action="draft", from_state="",
                              to_state=S.DRAFT.value, actor_id=actor.id))
    record(session, actor, "expense_request.create", req, summary=f"{req.number} {req.title}",
           after={**fields, "tier": req.tier, "policy_version": policy.version})
    session.flush()
    return req


def update_request(session: Session, actor, req: ExpenseRequest, *, year, category_id, title, purpose, payee,
                   amount) -> ExpenseRequest:
    """The requester corrects a draft or a returned request (the tier follows the new amount)."""
    _require_requester(actor, req)
    if req.state not in (S.DRAFT, S.RETURNED):
        raise DomainError(_("Only a draft or a returned request can be changed."))
    fields = _clean(session, year=year, category_id=category_id, title=title, purpose=purpose, payee=payee,
                    amount=amount)
    policy = current_policy(session)
    fields.update(tier=rules.required_tier(policy.config, fields["amount"]), policy_id=policy.id)
    before = {k: getattr(req, k) for k in fields}
    if before == fields:
        return req
    done = session.execute(sa.update(ExpenseRequest).where(ExpenseRequest.id == req.id,
                                                           ExpenseRequest.version == req.version,
                                                           ExpenseRequest.state == req.state)
                           .values(**fields, updated_at=utcnow(), version=ExpenseRequest.version + 1)
                           .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise ConcurrentChange(_("Someone else changed this record first. Please reload and try again."))
    session.refresh(req)
    changed = [k for k in fields if before[k] != fields[k]]
    record(session, actor, "expense_request.edit", req, summary=f"{req.number} {req.title}",
           before={k: before[k] for k in changed}, after={k: fields[k] for k in changed})
    return req


# --- the workflow ----------------------------------------------------------------------------------------

def _line_with_room(session: Session, req: ExpenseRequest) -> BudgetLine:
    line = line_for(session, req.year, req.category_id)
    if line is None or line.budget <= 0:
        raise InsufficientBudget(_("No budget is set for %(category)s in %(year)s.", category=req.category.name,
                                   year=req.year))
    if not rules.fits(line.budget, line.committed, line.spent, req.amount):
        raise InsufficientBudget(_("%(category)s %(year)s has only %(left)s left, less than %(amount)s.",
                                   category=req.category.name, year=req.year, left=format_money(line.remaining),
                                   amount=format_money(req.amount)))
    return line


def submit(session: Session, actor, req: ExpenseRequest, comment: str | None = None) -> ExpenseRequest:
    """The requester sends a draft (or a corrected returned request) to the approver at its tier.
    A request the line cannot cover any more is refused now rather than at the approval."""
    _require_requester(actor, req)
    action = "resubmit" if req.state == S.RETURNED else "submit"
    REQUEST_FLOW.check(session, actor, req, action)
    _line_with_room(session, req)
    policy = current_policy(session)
    REQUEST_FLOW.apply(session, actor, req, action, comment=_note(comment), values={
        "tier": rules.required_tier(policy.config, req.amount), "policy_id": policy.id, "submitted_at": utcnow()})
    return req


def _note(comment: str | None, field: str = "comment", required: bool = False) -> str | None:
    comment = (comment or "").strip()
    if required and not comment:
        raise DomainError(_("A reason is required."), field=field)
    if len(comment) > MAX_TEXT:
        raise DomainError(_("At most %(n)s characters, please.", n=MAX_TEXT), field=field)
    return comment or None


def may_decide_tier(actor, req: ExpenseRequest) -> bool:
    return bool(actor.role_set & set(TIER_ROLES[req.tier]))


def _require_tier(actor, req: ExpenseRequest) -> None:
    if not may_decide_tier(actor, req):
        raise PermissionDenied(_("This request needs a decision by the %(tier)s or above.",
                                 tier=TIER_LABELS[req.tier]))


def approve(session: Session, actor, req: ExpenseRequest, comment: str | None = None) -> ExpenseRequest:
    """Approval at the request's tier (or above); the deputy and commander tiers only after the
    meeting agreed (meetings.gate.require_agreed raises AwaitingDeliberation). The amount is
    committed on its budget line in the same savepoint: of two approvals that do not both fit,
    exactly one succeeds."""
    action = APPROVE_ACTIONS[req.tier]
    REQUEST_FLOW.check(session, actor, req, action)
    # the meeting types' data says which tiers wait (deputy: the work-group meeting; commander:
    # the coordination meeting); an agreement covers its amount or less
    deliberation.require_agreed(session, deliberation.KIND, req.id, req.tier, req.amount)
    comment = _note(comment)
    try:
        with session.begin_nested():
            REQUEST_FLOW.apply(session, actor, req, action, comment=comment, values={
                "decided_by_id": actor.id, "decided_at": utcnow(), "decision_reason": comment})
            _commit(session, actor, req)
    except DomainError:
        session.expire(req)
        raise
    return req


def _commit(session: Session, actor, req: ExpenseRequest) -> None:
    line = line_for(session, req.year, req.category_id)
    if line is None:
        raise InsufficientBudget(_("No budget is set for %(category)s in %(year)s.", category=req.category.name,
                                   year=req.year))
    before = line.committed
    room = _fen(BudgetLine.committed + BudgetLine.spent + req.amount) <= BudgetLine.budget
    if not _update(session, line, [room], committed=BudgetLine.committed + req.amount):
        raise InsufficientBudget(_("%(category)s %(year)s has only %(left)s left, less than %(amount)s.",
                                   category=req.category.name, year=req.year, left=format_money(line.remaining),
                                   amount=format_money(req.amount)))
    _audit_line(session, actor, line, req, "commit", {"committed": before})


def _audit_line(session: Session, actor, line: BudgetLine, req: ExpenseRequest, verb: str, before: dict) -> None:
    record(session, actor, f"budget_line.{verb}", line, before=before,
           after={"committed": line.committed, "spent": line.spent, "remaining": line.remaining,
                  "amount": req.amount, "request": req.number},
           summary=f"{line.year} {line.category.name} {verb} {format_money(req.amount)} {req.number}")


def return_request(session: Session, actor, req: ExpenseRequest, reason: str) -> ExpenseRequest:
    REQUEST_FLOW.check(session, actor, req, "return")
    _require_tier(actor, req)
    REQUEST_FLOW.apply(session, actor, req, "return", comment=_note(reason, required=True))
    return req


def reject(session: Session, actor, req: ExpenseRequest, reason: str) -> ExpenseRequest:
    REQUEST_FLOW.check(session, actor, req, "reject")
    _require_tier(actor, req)
    reason = _note(reason, required=True)
    REQUEST_FLOW.apply(session, actor, req, "reject", comment=reason, values={
        "decided_by_id": actor.id, "decided_at": utcnow(), "decision_reason": reason})
    return req


def check_paid_on(req: ExpenseRequest, paid_on) -> dt.date:
    if not isinstance(paid_on, dt.date) or not rules.FIRST_YEAR <= paid_on.year <= rules.LAST_YEAR:
        raise DomainError(_("Please enter the payment date."), field="paid_on")
    if paid_on > today():
        raise DomainError(_("The payment date cannot be in the future."), field="paid_on")
    approved_on = local(req.decided_at).date() if req.decided_at else None
    if approved_on and paid_on < approved_on:
        raise DomainError(_("The payment date cannot be before the approval (%(day)s).",
                            day=approved_on.isoformat()), field="paid_on")
    return paid_on


def pay(session: Session, actor, req: ExpenseRequest, *, reference: str, paid_on: dt.date) -> ExpenseRequest:
    """The operator records the payment (bank reference and date); the committed money becomes spent."""
    REQUEST_FLOW.check(session, actor, req, "pay")
    reference = _text(reference, "reference", 100, _("Please enter the payment reference."))
    paid_on = check_paid_on(req, paid_on)
    try:
        with session.begin_nested():
            REQUEST_FLOW.apply(session, actor, req, "pay", comment=reference,
                               values={"payment_reference": reference, "paid_on": paid_on})
            line = line_for(session, req.year, req.category_id)
            before = {"committed": line.committed, "spent": line.spent}
            if not _update(session, line, [_fen(BudgetLine.committed) >= req.amount],
                           committed=BudgetLine.committed - req.amount, spent=BudgetLine.spent + req.amount):
                raise DomainError(_("The line's committed total is lower than this request."))
            _audit_line(session, actor, line, req, "pay", before)
    except DomainError:
        session.expire(req)
        raise
    return req


def withdraw(session: Session, actor, req: ExpenseRequest, reason: str | None = None) -> ExpenseRequest:
    """The requester takes back a request not yet decided."""
    _require_requester(actor, req)
    REQUEST_FLOW.apply(session, actor, req, "withdraw", comment=_note(reason))
    return req


def cancel(session: Session, actor, req: ExpenseRequest, reason: str) -> ExpenseRequest:
    """An approved request that will not be paid: the operator cancels it and its money goes back
    to the line."""
    REQUEST_FLOW.check(session, actor, req, "cancel")
    reason = _note(reason, required=True)
    try:
        with session.begin_nested():
            REQUEST_FLOW.apply(session, actor, req, "cancel", comment=reason)
            line = line_for(session, req.year, req.category_id)
            before = {"committed": line.committed}
            if not _update(session, line, [_fen(BudgetLine.committed) >= req.amount],
                           committed=BudgetLine.committed - req.amount):
                raise DomainError(_("The line's committed total is lower than this request."))
            _audit_line(session, actor, line, req, "release", before)
    except DomainError:
        session.expire(req)
        raise
    return req


def actions_for(session: Session, actor, req: ExpenseRequest) -> list[str]:
    """The steps `actor` may take now: the table's, narrowed to the requester's own steps and to
    the request's tier (approval, return, rejection)."""
    allowed = []
    for action in REQUEST_FLOW.available(session, actor, req):
        if action in ("submit", "resubmit", "withdraw") and not is_requester(actor, req):
            continue
        if action.startswith("approve_") and action != APPROVE_ACTIONS[req.tier]:
            continue
        if action in ("return", "reject") and not may_decide_tier(actor, req):
            continue
        allowed.append(action)
    if req.state in (S.DRAFT, S.RETURNED) and is_requester(actor, req):
        allowed.append("edit")
    return allowed


def get_request(session: Session, request_id: int) -> ExpenseRequest:
    req = session.get(ExpenseRequest, request_id)
    if req is None:
        raise NotFound(_("The expense request was not found."))
    return req

