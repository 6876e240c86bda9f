"""The meeting documents: the decision pack (会议材料) a meeting's members read beforehand — on
demand, not numbered — and the 会议纪要, numbered and QR-verifiable through
certificates.issue_document once the chair has signed it off.

The pack gives each agenda item one page of the facts its decision rests on, read afresh from the
matter (the claim's frozen calculation, the budget line, the reviewers' sheets, the settlement …).
Each kind of matter has a page builder in PAGES, looked up by the item's kind, so a new kind plugs
in with `@page("kind", "partial.html")`. The minutes print only what the meeting itself recorded
(the agenda as put before it, the resolutions, attendance, the text), so re-issuing unchanged
minutes returns the same document. Official documents are in Chinese whatever the reader's UI
language."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..certificates.models import IssuedDocument
from ..certificates.pdf import render_pdf
from ..certificates.qr import qr_data_uri
from ..certificates.rules import DocumentKind
from ..certificates.services import issue_document
from ..core.errors import TransitionNotAllowed
from ..core.formatting import amount_in_words, format_date, format_money, local, today
from ..core.models import WorkflowEvent
from ..db import utcnow
from .models import AgendaItem, ItemState, Meeting, MeetingState

SUBJECT = "meeting"  # the minutes' subject_type
ZERO = Decimal("0.00")


def _day(value) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        value = local(value)
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return format_date(value)


def _money(value) -> str | None:
    return None if value is None else format_money(Decimal(str(value)))


def _amount(value) -> dict | None:
    return None if value is None else {"figures": format_money(value), "words": amount_in_words(value)}


def _step(session: Session, object_type: str, object_id: int, actions) -> dict | None:
    """Who took the latest of `actions` on the object, when, and what they wrote."""
    event = session.scalar(sa.select(WorkflowEvent).where(
        WorkflowEvent.object_type == object_type, WorkflowEvent.object_id == object_id,
        WorkflowEvent.action.in_(list(actions))).order_by(WorkflowEvent.at.desc(), WorkflowEvent.id.desc()).limit(1))
    if event is None:
        return None
    user = session.get(User, event.actor_id) if event.actor_id else None
    return {"by": user.display_name if user else "系统", "on": _day(event.at), "comment": event.comment}


# --- the page registry -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Page:
    template: str  # a partial under templates/pdf/
    build: Callable[[Session, AgendaItem, Drawdown], dict | None]  # → the page's data (None: cannot be read)


PAGES: dict[str, Page] = {}


def page(kind: str, template: str):
    """Register the pack page of one kind of agenda item."""
    def register(fn):
        PAGES[kind] = Page(template, fn)
        return fn
    return register


class Drawdown:
    """Running balances of the pools and budget lines the agenda draws on, in agenda order: each
    item still awaiting approval is shown against what is left once the items above it are agreed."""

    def __init__(self):
        self.totals: dict[tuple[str, int], dict] = {}  # (table, id) → name, remaining now, asked so far

    def take(self, key: tuple[str, int], name: str, remaining: Decimal, amount: Decimal | None, waiting: bool) -> dict:
        """The balance before and after this item (`waiting`: still to be approved, so it draws)."""
        row = self.totals.setdefault(key, {"name": name, "remaining": remaining, "asked": ZERO})
        earlier = row["asked"]
        if waiting and amount:
            row["asked"] += amount
        after = remaining - row["asked"]
        return {"name": name, "remaining": _money(remaining), "before": _money(remaining - earlier),
                "after": _money(after), "waiting": waiting, "short": after < 0,
                "earlier": _money(earlier) if earlier else None}

    def summary(self) -> list[dict]:
        """What the agenda still asks of each pool or line (those it asks nothing of are left out)."""
        return [{"name": r["name"], "remaining": _money(r["remaining"]), "asked": _money(r["asked"]),
                 "after": _money(r["remaining"] - r["asked"]), "short": r["remaining"] - r["asked"] < 0}
                for r in self.totals.values() if r["asked"]]


# --- the pages ----------------------------------------------------------------------------------------------

@page("subsidy_claim", "_meeting_claim.html")
def _claim_page(session: Session, item: AgendaItem, drawdown: Drawdown) -> dict | None:
    from ..subsidies import documents as subsidy_documents
    from ..subsidies.models import ClaimState, SubsidyClaim

    claim = session.get(SubsidyClaim, item.object_id)
    if claim is None or claim.calculation is None:
        return None
    data = subsidy_documents.approval_context(session, claim)
    pool = claim.batch.fund_pool
    waiting = claim.state == ClaimState.VERIFIED
    return {**data, "state": claim.state.value, "tier": claim.required_role, "remarks": claim.contact_note,
            "pool": drawdown.take(("fund_pool", pool.id), pool.name, pool.remaining, claim.amount, waiting),
            "pool_figures": {"allocated": _money(pool.allocated), "committed": _money(pool.committed),
                             "paid": _money(pool.paid), "returned": _money(pool.returned)}}


@page("expense_request", "_meeting_expense.html")
def _expense_page(session: Session, item: AgendaItem, drawdown: Drawdown) -> dict | None:
    from ..budget.models import POOL_ZH, BudgetLine, ExpenseRequest
    from ..budget.models import RequestState as R

    req = session.get(ExpenseRequest, item.object_id)
    if req is None:
        return None
    line = session.scalar(sa.select(BudgetLine).where(BudgetLine.year == req.year,
                                                      BudgetLine.category_id == req.category_id))
    name = f"{req.year}年 {POOL_ZH[req.pool]} · {req.category.name}"
    budget = None
    if line is not None:
        budget = {**drawdown.take(("budget_line", line.id), name, line.remaining, req.amount, req.state == R.SUBMITTED),
                  "budget": _money(line.budget), "committed": _money(line.committed), "spent": _money(line.spent)}
    return {"number": req.number, "title": req.title, "purpose": req.purpose, "payee": req.payee, "year": req.year,
            "pool": POOL_ZH[req.pool], "category": req.category.name, "amount": _amount(req.amount), "tier": req.tier,
            "state": req.state.value, "policy_version": req.policy.version, "requested_by": req.requested_by.display_name,
            "submitted": _step(session, "expense_request", req.id, ("submit", "resubmit")), "line": budget,
            "line_name": name}


@page("application", "_meeting_application.html")
def _application_page(session: Session, item: AgendaItem, drawdown: Drawdown) -> dict | None:
    from ..admission import documents as admission_documents
    from ..admission.models import Application

    app = session.get(Application, item.object_id)
    if app is None:
        return None
    return {**admission_documents.review_summary_context(session, app), "state": app.state.value,
            "summary": app.project_summary, "recommendation": app.joint_recommendation,
            "minutes": app.joint_minutes, "recommended": _step(session, "application", app.id, ("recommend",))}


@page("exit_case", "_meeting_exit.html")
def _exit_page(session: Session, item: AgendaItem, drawdown: Drawdown) -> dict | None:
    from ..exits import documents as exit_documents
    from ..exits.models import ExitCase
    from ..exits.workflow import EXIT_FLOW

    case = session.get(ExitCase, item.object_id)
    if case is None or not case.settlement:
        return None
    data = exit_documents.settlement_context(session, case)
    return {**data, "response": {"text": case.company_response, "agrees": case.company_agrees}
            if case.company_response else None,
            "reviewed": _step(session, EXIT_FLOW.name, case.id, ("review",)),
            "prepared": _step(session, EXIT_FLOW.name, case.id, ("prepare",))}


@page("appeal", "_meeting_appeal.html")
def _appeal_page(session: Session, item: AgendaItem, drawdown: Drawdown) -> dict | None:
    from ..assessment.models import Appeal
    from ..assessment.rules import GRADE_LABELS

    appeal = session.get(Appeal, item.object_id)
    if appeal is None:
        return None

    def result(r) -> dict | None:
        return r and {"score": f"{r.score:.2f}", "rank": r.rank, "grade": GRADE_LABELS.get(r.grade.value),
                      "veto": r.veto, "revision": r.revision}

    campaign = appeal.result.campaign
    return {"company": {"name": appeal.filing.company.name, "credit_code": appeal.filing.company.credit_code},
            "campaign": {"name": campaign.name, "year": campaign.year}, "state": appeal.state.value,
            "filed_on": _day(appeal.filed_at), "grounds": appeal.grounds, "original": result(appeal.result),
            "revised": result(appeal.new_result), "decision_reason": appeal.decision_reason}


@page("clawback", "_meeting_clawback.html")
def _clawback_page(session: Session, item: AgendaItem, drawdown: Drawdown) -> dict | None:
    from ..subsidies.models import Clawback

    c = session.get(Clawback, item.object_id)
    if c is None:
        return None
    basis = c.basis or {}
    return {"number": c.number, "company": {"name": c.company.name, "credit_code": c.company.credit_code},
            "reason": c.reason.value, "state": c.state.value, "trigger_on": _day(c.trigger_on),
            "due_on": _day(c.due_on), "overdue": bool(c.due_on and c.due_on < today() and c.outstanding > 0),
            "amount": _amount(c.amount), "repaid": _money(c.repaid), "outstanding": _amount(c.outstanding),
            "note": c.note,
            "claims": [{"number": x["number"], "batch": x.get("batch"), "paid_on": _day(x.get("paid_on")),
                        "lock_in_until": _day(x.get("lock_in_until")), "amount": _money(x["amount"])}
                       for x in basis.get("claims", [])],
            "repayments": [{"on": _day(r.paid_on), "amount": _money(r.amount), "reference": r.reference}
                           for r in c.repayments]}


# --- the decision pack ----------------------------------------------------------------------------------------

def _meeting(meeting: Meeting) -> dict:
    starts = local(meeting.starts_at)
    return {"number": meeting.number, "title": meeting.title, "type": meeting.type.name,
            "category": meeting.type.category.value, "date": format_date(starts.date()),
            "time": starts.strftime("%H:%M"), "weekday": "一二三四五六日"[starts.weekday()], "place": meeting.place,
            "chair": meeting.chair.display_name,
            "secretary": meeting.secretary.display_name if meeting.secretary else None}


def _item(item: AgendaItem, n: int) -> dict:
    return {"n": n, "kind": item.kind, "title": item.title, "summary": item.summary, "tier": item.tier,
            "amount": _amount(item.amount)}


def pack_context(session: Session, meeting: Meeting) -> dict:
    """The cover (the agenda, what it draws on the funds) and one page per item still on the agenda."""
    drawdown = Drawdown()
    items = []
    for n, item in enumerate((i for i in meeting.items if i.state != ItemState.WITHDRAWN), start=1):
        entry = PAGES.get(item.kind)
        data = entry.build(session, item, drawdown) if entry else None
        resolution = item.resolution
        items.append({**_item(item, n), "partial": f"pdf/{entry.template}" if entry and data else None,
                      "data": data, "resolution": _resolution(resolution) if resolution else None})
    return {"meeting": {**_meeting(meeting), "state": meeting.state.value}, "items": items, "funds": drawdown.summary(),
            "attendees": [{"name": a.name, "title": a.title} for a in meeting.attendees],
            "generated": local(utcnow()).strftime("%Y-%m-%d %H:%M")}


def decision_pack_pdf(session: Session, meeting: Meeting) -> bytes:
    """The decision pack of the meeting as it stands now (not numbered: a working paper; the QR code
    leads to the meeting in the system). The caller authorises (staff readers)."""
    url = f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/meetings/{meeting.id}"
    context = pack_context(session, meeting)
    return render_pdf("meeting_pack.html", {**context, "doc": {
        "number": meeting.number, "title": "会议材料", "issued_on": format_date(today()), "verify_url": url,
        "qr": qr_data_uri(url), "valid_until": None}})


# --- the minutes ------------------------------------------------------------------------------------------------

def _resolution(r) -> dict:
    votes = {"for": r.votes_for, "against": r.votes_against, "abstain": r.votes_abstain} if r.has_votes else None
    return {"outcome": r.outcome.value, "text": r.text, "conditions": r.conditions, "votes": votes}


def minutes_context(session: Session, meeting: Meeting) -> dict:
    """Plain data of the 会议纪要: only what the meeting recorded, nothing that changes after it."""
    items = [i for i in meeting.items if i.state != ItemState.WITHDRAWN]
    present = [a for a in meeting.attendees if a.present]
    return {
        "meeting": {**_meeting(meeting), "held_on": _day(meeting.held_at)},
        "present": [{"name": a.name, "title": a.title, "note": a.note} for a in present],
        "absent": [{"name": a.name, "title": a.title, "note": a.note} for a in meeting.attendees if a.present is False],
        "items": [{**_item(i, n), "resolution": _resolution(i.resolution) if i.resolution else None}
                  for n, i in enumerate(items, start=1)],
        "withdrawn": [{"title": i.title, "reason": i.withdrawn_reason} for i in meeting.items
                      if i.state == ItemState.WITHDRAWN],
        "minutes": (meeting.minutes or "").strip() or None,
        "signed_off": {"by": meeting.chair.display_name, "on": _day(meeting.signed_off_at)},
    }


def issue_minutes(session: Session, actor, meeting: Meeting) -> IssuedDocument:
    """The 会议纪要 of a meeting whose minutes the chair has signed off (services.sign_off calls this
    after the transition); the caller authorises. Unchanged minutes give back the same document."""
    if meeting.state != MeetingState.MINUTES_ISSUED or meeting.signed_off_at is None:
        raise TransitionNotAllowed(_("The minutes are issued once the chair has signed them off."))
    return issue_document(session, actor, kind=DocumentKind.MEETING_MINUTES, title=f"{meeting.type.name}纪要",
                          company=None, subject_type=SUBJECT, subject_id=meeting.id, template="meeting_minutes.html",
                          context=minutes_context(session, meeting))
