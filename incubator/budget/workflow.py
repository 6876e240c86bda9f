"""Expense request states and their transition table.

draft → submitted → approved at the tier its amount needs → paid; the approver may return it
for correction (→ returned → resubmitted) or reject it; the requester withdraws it before the
decision, the operator cancels an approved one that will not be paid (its money is released).

The table cannot see who asked or how much: services.py lets only the requester submit and
withdraw, picks the tier's approve action from `tier` and lets only that tier's roles (and the
ones above) return or reject. Four eyes: nobody decides a request they drafted or submitted."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..core.roles import Role
from ..core.workflow import Workflow, rule
from ..subsidies.workflow import APPROVE_ACTIONS, TIER_LABELS, TIER_ROLES
from .models import ExpenseRequest
from .models import RequestState as S

# HQ staff who may ask for money: the operator's staff, work-group leads and deputy commanders
REQUESTERS = [Role.OPERATOR, Role.LEAD, Role.DEPUTY]
PAYERS = [Role.OPERATOR, Role.ADMIN]  # record payments and cancel approved requests
APPROVERS = TIER_ROLES["lead"]
FOUR_EYES = ("draft", "submit", "resubmit")
OPEN = [S.DRAFT, S.SUBMITTED, S.RETURNED]

REQUEST_FLOW = Workflow("expense_request", ExpenseRequest, [
    rule("submit", S.DRAFT, S.SUBMITTED, roles=REQUESTERS),
    rule("resubmit", S.RETURNED, S.SUBMITTED, roles=REQUESTERS),
    *[rule(action, S.SUBMITTED, S.APPROVED, roles=TIER_ROLES[tier], not_after=FOUR_EYES)
      for tier, action in APPROVE_ACTIONS.items()],
    rule("return", S.SUBMITTED, S.RETURNED, roles=APPROVERS, not_after=FOUR_EYES, needs_comment=True),
    rule("reject", S.SUBMITTED, S.REJECTED, roles=APPROVERS, not_after=FOUR_EYES, needs_comment=True),
    rule("pay", S.APPROVED, S.PAID, roles=PAYERS),
    rule("withdraw", OPEN, S.WITHDRAWN, roles=REQUESTERS),
    rule("cancel", S.APPROVED, S.WITHDRAWN, roles=PAYERS, needs_comment=True),
], owner_company=lambda request: None)

# how each step reads in a request's history
ACTION_LABELS = {
    "draft": _l("Drafted"), "submit": _l("Submitted"), "resubmit": _l("Resubmitted"),
    "approve_lead": _l("Approved by the work-group lead"), "approve_deputy": _l("Approved by the deputy commander"),
    "approve_commander": _l("Approved by the commander"), "return": _l("Returned for correction"),
    "reject": _l("Rejected"), "pay": _l("Paid"), "withdraw": _l("Withdrawn"),
    "cancel": _l("Cancelled after approval"),
}
__all__ = ["APPROVE_ACTIONS", "TIER_LABELS", "TIER_ROLES", "REQUEST_FLOW", "ACTION_LABELS"]
