"""The subsidy documents: the 补贴审批表 of a claim, the batch's 公示名单 and the 拨付明细 of a paid
claim (numbered, QR-verifiable PDFs through certificates.issue_document); the Excel exports are in
exports.py. Official documents are in Chinese whatever the reader's UI language. Line figures are
printed exactly as the engine froze them, so anyone can recompute an amount by hand."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..certificates.rules import DocumentKind
from ..certificates.services import issue_document
from ..core.calendar import working_days_between
from ..core.errors import TransitionNotAllowed
from ..core.formatting import amount_in_words, format_date, format_datetime, format_money
from ..core.models import WorkflowEvent
from ..core.workflow import history
from .models import BatchState as B
from .models import ClaimState as C
from .models import SubsidyBatch, SubsidyClaim
from .workflow import APPROVE_ACTIONS, BATCH_FLOW, CLAIM_FLOW

SUBJECT_CLAIM = CLAIM_FLOW.name  # the claim's history, and the subject of its documents
SUBJECT_BATCH = BATCH_FLOW.name
AMOUNT_FIXED = (C.VERIFIED, C.APPROVED, C.IN_NOTICE, C.DISBURSED)  # 核定 done and not rejected since
LISTED = (C.APPROVED, C.IN_NOTICE, C.DISBURSED)  # on the public-notice list
PUBLIC = (B.NOTICE, B.PAYING, B.CLOSED)  # the list has been published
APPROVAL_TIERS = {action: tier for tier, action in APPROVE_ACTIONS.items()}
APPROVALS = tuple(APPROVAL_TIERS)


def labels() -> dict:
    """The Chinese labels of templates/pdf/subsidy_labels.html, so the PDFs and the export say the same."""
    module = current_app.jinja_env.get_template("pdf/subsidy_labels.html").module
    return {name: getattr(module, name) for name in ("CLAIM_STATES", "TIERS", "REASONS", "ADJUSTMENTS")}


def _day(value) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return format_date(value)


def _period(claim: SubsidyClaim) -> list[str]:
    """The covered period: the one the calculation used, else the batch's."""
    period = (claim.calculation or {}).get("period") or [claim.batch.period_start, claim.batch.period_end]
    return [_day(p) for p in period]


def _amount(value) -> dict:
    return {"figures": format_money(value), "words": amount_in_words(value)}


def _heading(claim: SubsidyClaim) -> dict:
    """What every claim document names: claim, batch, company, period, policy version."""
    batch, policy = claim.batch, claim.policy
    return {
        "claim": {"number": claim.number, "state": claim.state.value},
        "batch": {"number": batch.number, "name": batch.name},
        "company": {"name": claim.company.name, "credit_code": claim.company.credit_code},
        "period": _period(claim),
        "support_type": policy.support_type.name,
        "policy": {"version": policy.version, "effective_from": _day(policy.effective_from), "note": policy.note},
    }


def _last(events: list[WorkflowEvent], actions) -> WorkflowEvent | None:
    return next((e for e in reversed(events) if e.action in actions), None)


def _names(session: Session, ids) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(session.execute(sa.select(User.id, User.display_name).where(User.id.in_(ids))).all())


def _approvals(session: Session, claim: SubsidyClaim) -> dict:
    """Who checked, approved, published and paid, from the claim's history (what the company may see)."""
    events = history(session, SUBJECT_CLAIM, claim.id, company_view=True)
    names = _names(session, [e.actor_id for e in events] + [claim.originals_received_by_id])

    def step(event):
        return event and {"by": names.get(event.actor_id), "on": format_datetime(event.at), "comment": event.comment}

    approval = _last(events, APPROVALS)
    batch = claim.batch
    return {
        "submitted_on": format_datetime(claim.submitted_at) if claim.submitted_at else None,
        "verified": step(_last(events, ("verify",))),
        "required_tier": claim.required_role,
        "tiers": [{"role": t["role"], "below": format_money(t["below"]) if t.get("below") else None}
                  for t in claim.policy.config.get("approval_tiers", [])],
        "approved": step(approval),
        "approved_tier": APPROVAL_TIERS[approval.action] if approval else None,
        "notice": [_day(batch.notice_starts_on), _day(batch.notice_ends_on)] if batch.notice_starts_on else None,
        "paid_on": _day(claim.paid_on), "payment_reference": claim.payment_reference,
        "originals": {"on": _day(claim.originals_received_on), "by": names.get(claim.originals_received_by_id)}
        if claim.originals_received_on else None,
        "history": [{"action": e.action, "to_state": e.to_state, "by": names.get(e.actor_id),
                     "on": format_datetime(e.at), "comment": e.comment} for e in events],
    }


def _pool(batch: SubsidyBatch) -> dict:
    pool = batch.fund_pool
    return {"program": pool.program.name, "name": pool.name, "source": pool.source.value, "phase": pool.phase}


# --- the three PDFs ------------------------------------------------------------------------------

def approval_context(session: Session, claim: SubsidyClaim) -> dict:
    calc = claim.calculation or {}
    lines = calc.get("lines", [])
    return {
        **_heading(claim),
        "calc": {"support_type": calc.get("support_type"), "tenancy_start": _day(calc.get("tenancy_start")),
                 "lines": lines, "subtotal": str(sum((Decimal(x["amount"]) for x in lines), Decimal("0.00"))),
                 "excluded": calc.get("excluded", []),
                 "adjustments": calc.get("adjustments", []), "blocked": calc.get("blocked"), "total": calc.get("total")},
        "declared": format_money(claim.declared_amount) if claim.declared_amount is not None else None,
        "amount": _amount(claim.amount),
        "approvals": _approvals(session, claim),
    }


def notice_context(session: Session, batch: SubsidyBatch) -> dict:
    claims = list(session.scalars(sa.select(SubsidyClaim).where(
        SubsidyClaim.batch_id == batch.id, SubsidyClaim.state.in_(LISTED)).order_by(SubsidyClaim.number)))
    total = sum((c.amount for c in claims), Decimal("0.00"))
    return {
        "batch": {"number": batch.number, "name": batch.name, "support_type": batch.support_type.name,
                  "period": [_day(batch.period_start), _day(batch.period_end)],
                  "notice": [_day(batch.notice_starts_on), _day(batch.notice_ends_on)],
                  "working_days": working_days_between(batch.notice_starts_on, batch.notice_ends_on)},
        "claims": [{"number": c.number, "company": c.company.name, "credit_code": c.company.credit_code,
                    "period": _period(c), "amount": format_money(c.amount, symbol=False)} for c in claims],
        "total": _amount(total),
    }


def statement_context(session: Session, claim: SubsidyClaim) -> dict:
    return {**_heading(claim), "amount": _amount(claim.amount), "pool": _pool(claim.batch),
            "approvals": _approvals(session, claim)}


def issue_approval_form(session: Session, actor, claim: SubsidyClaim):
    """The 补贴审批表 once the amount is fixed; the caller authorises."""
    if claim.state not in AMOUNT_FIXED or claim.calculation is None:
        raise TransitionNotAllowed(_("The approval form is available once the amount has been verified."))
    return issue_document(session, actor, kind=DocumentKind.SUBSIDY_APPROVAL, title="补贴审批表",
                          company=claim.company, subject_type=SUBJECT_CLAIM, subject_id=claim.id,
                          template="subsidy_approval.html", context=approval_context(session, claim))


def issue_notice_list(session: Session, actor, batch: SubsidyBatch):
    """The batch's 公示名单, from the start of its public notice on; the caller authorises."""
    if batch.state not in PUBLIC or batch.notice_starts_on is None or batch.notice_ends_on is None:
        raise TransitionNotAllowed(_("The public-notice list exists once the batch's public notice has started."))
    return issue_document(session, actor, kind=DocumentKind.SUBSIDY_NOTICE, title="补贴公示名单", company=None,
                          subject_type=SUBJECT_BATCH, subject_id=batch.id, template="subsidy_notice.html",
                          context=notice_context(session, batch))


def issue_payment_statement(session: Session, actor, claim: SubsidyClaim):
    """The 拨付明细 of a paid claim; the caller authorises."""
    if claim.state != C.DISBURSED:
        raise TransitionNotAllowed(_("The payment statement is only issued for a subsidy that has been paid."))
    return issue_document(session, actor, kind=DocumentKind.DISBURSEMENT_STATEMENT, title="补贴拨付明细",
                          company=claim.company, subject_type=SUBJECT_CLAIM, subject_id=claim.id,
                          template="subsidy_statement.html", context=statement_context(session, claim))
