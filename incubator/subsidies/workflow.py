"""Subsidy claim and batch states and their transition tables (SPEC §6).

Approval is at the tier the verified amount requires: one action per tier, each open to its
role and the higher ones. The table cannot see the amount, so services.approve picks the
tier's action from claim.required_role and refuses the others."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..core.roles import Role
from ..core.workflow import Workflow, rule
from .models import BatchState as B
from .models import ClaimState as C
from .models import SubsidyBatch, SubsidyClaim

EDITORS = [Role.OPERATOR, Role.ADMIN]
# tier (policy data: rules.required_role) → who may approve at it: that role and the ones above
TIER_ROLES = {
    "lead": [Role.LEAD, Role.DEPUTY, Role.COMMANDER],
    "deputy": [Role.DEPUTY, Role.COMMANDER],
    "commander": [Role.COMMANDER],
}
APPROVE_ACTIONS = {tier: f"approve_{tier}" for tier in TIER_ROLES}
APPROVERS = TIER_ROLES["lead"]
# nobody approves (or turns down at approval) a claim they submitted or verified
FOUR_EYES = ("submit", "resubmit", "verify")
EDITABLE = [C.DRAFT, C.RETURNED]
CHECKING = [C.SUBMITTED, C.RESUBMITTED]
OPEN_CLAIMS = [C.SUBMITTED, C.RESUBMITTED, C.RETURNED, C.VERIFIED]  # still to be decided
CLOSED = [C.LAPSED, C.DISBURSED, C.REJECTED, C.WITHDRAWN]

CLAIM_FLOW = Workflow("subsidy_claim", SubsidyClaim, [
    rule("submit", C.DRAFT, C.SUBMITTED, owner=True),
    rule("return", CHECKING, C.RETURNED, roles=EDITORS, needs_comment=True),
    rule("resubmit", C.RETURNED, C.RESUBMITTED, owner=True),
    # a returned claim past its deadline, or a draft still unsubmitted when the intake closes
    rule("lapse", [C.RETURNED, C.DRAFT], C.LAPSED, roles=EDITORS),
    rule("verify", CHECKING, C.VERIFIED, roles=EDITORS),
    *[rule(action, C.VERIFIED, C.APPROVED, roles=TIER_ROLES[tier], not_after=FOUR_EYES)
      for tier, action in APPROVE_ACTIONS.items()],
    # first check: not eligible; at approval: turned down at the tier (services check the tier)
    rule("reject", CHECKING, C.REJECTED, roles=EDITORS, needs_comment=True),
    rule("reject", C.VERIFIED, C.REJECTED, roles=APPROVERS, not_after=FOUR_EYES, needs_comment=True),
    # during the notice only an upheld objection rejects (batches.resolve_objection)
    rule("reject", C.IN_NOTICE, C.REJECTED, roles=EDITORS, needs_comment=True),
    rule("notice", C.APPROVED, C.IN_NOTICE, roles=EDITORS),
    rule("disburse", C.IN_NOTICE, C.DISBURSED, roles=EDITORS),
    rule("withdraw", [C.DRAFT, C.SUBMITTED, C.RETURNED, C.RESUBMITTED], C.WITHDRAWN, owner=True),
])

BATCH_FLOW = Workflow("subsidy_batch", SubsidyBatch, [
    rule("close_intake", B.OPEN, B.REVIEWING, roles=EDITORS),
    rule("start_notice", B.REVIEWING, B.NOTICE, roles=EDITORS),
    rule("finish_notice", B.NOTICE, B.PAYING, roles=EDITORS),
    rule("close", B.PAYING, B.CLOSED, roles=EDITORS),
], owner_company=lambda batch: None)

# how each step reads in a claim's or a batch's history
ACTION_LABELS = {
    "submit": _l("Submitted"), "return": _l("Returned for correction"), "resubmit": _l("Resubmitted"),
    "lapse": _l("Lapsed"), "verify": _l("Verified: eligibility and amount fixed"),
    "approve_lead": _l("Approved by the work-group lead"), "approve_deputy": _l("Approved by the deputy commander"),
    "approve_commander": _l("Approved by the commander"), "reject": _l("Rejected"),
    "notice": _l("Published in the public notice"), "disburse": _l("Paid"), "withdraw": _l("Withdrawn"),
    "close_intake": _l("Intake closed"), "start_notice": _l("Public notice started"),
    "finish_notice": _l("Public notice ended"), "close": _l("Batch closed"),
}
TIER_LABELS = {"lead": _l("Work-group lead"), "deputy": _l("Deputy commander"), "commander": _l("Commander")}
