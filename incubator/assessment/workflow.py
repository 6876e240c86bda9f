"""Assessment transition tables (SPEC §7): campaign, filing, appeal, rectification, exit proposal."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..core.roles import Role
from ..core.workflow import Workflow, rule
from .models import Appeal, Campaign, ExitProposal, Filing, Rectification
from .models import AppealState as AP
from .models import CampaignState as C
from .models import ExitProposalState as X
from .models import FilingState as F
from .models import RectificationState as R

STAFF = [Role.OPERATOR, Role.ADMIN]

CAMPAIGN = Workflow("assessment_campaign", Campaign, [
    rule("open", C.DRAFT, C.OPEN, roles=STAFF),
    rule("close_filing", C.OPEN, C.REVIEWING, roles=STAFF),
    rule("rank", C.REVIEWING, C.RANKED, roles=STAFF),
    rule("send_back", C.RANKED, C.REVIEWING, roles=[Role.LEAD], needs_comment=True),
    # four eyes: the lead who confirms did not compute the ranking
    rule("confirm", C.RANKED, C.CONFIRMED, roles=[Role.LEAD], not_after=["rank"]),
    rule("publish", C.CONFIRMED, C.PUBLISHED, roles=STAFF),
    rule("close", C.PUBLISHED, C.CLOSED, roles=STAFF),
    rule("cancel", [C.DRAFT, C.OPEN, C.REVIEWING], C.CANCELLED, roles=STAFF, needs_comment=True),
], owner_company=lambda obj: None)

FILING = Workflow("assessment_filing", Filing, [
    rule("submit", F.DRAFT, F.SUBMITTED, owner=True),
    rule("return", [F.SUBMITTED, F.RESUBMITTED], F.RETURNED, roles=STAFF, needs_comment=True),
    rule("resubmit", F.RETURNED, F.RESUBMITTED, owner=True),
    rule("verify", [F.SUBMITTED, F.RESUBMITTED], F.VERIFIED, roles=STAFF),
    rule("reopen", F.VERIFIED, F.RESUBMITTED, roles=STAFF, needs_comment=True),
    rule("lapse", [F.DRAFT, F.RETURNED], F.LAPSED, roles=STAFF),
])

APPEAL = Workflow("assessment_appeal", Appeal, [
    rule("uphold", AP.FILED, AP.UPHELD, roles=[Role.LEAD], needs_comment=True),
    rule("dismiss", AP.FILED, AP.DISMISSED, roles=[Role.LEAD], needs_comment=True),
])

RECTIFICATION = Workflow("assessment_rectification", Rectification, [
    rule("complete", R.OPEN, R.COMPLETED, roles=STAFF, needs_comment=True),
    rule("cancel", R.OPEN, R.CANCELLED, roles=STAFF, needs_comment=True),
])

EXIT_PROPOSAL = Workflow("assessment_exit_proposal", ExitProposal, [
    rule("take", X.OPEN, X.TAKEN, roles=STAFF),
    rule("dismiss", X.OPEN, X.DISMISSED, roles=[*STAFF, Role.LEAD], needs_comment=True),
])

# how each step reads in a history
ACTION_LABELS = {
    "open": _l("Filing opened"), "close_filing": _l("Filing closed"), "rank": _l("Scored and ranked"),
    "send_back": _l("Sent back for review"), "confirm": _l("Results confirmed"), "publish": _l("Results published"),
    "close": _l("Closed"), "cancel": _l("Cancelled"), "submit": _l("Submitted"),
    "return": _l("Returned for correction"), "resubmit": _l("Resubmitted"), "verify": _l("Verified"),
    "reopen": _l("Reopened for checking"), "lapse": _l("Not filed by the deadline"), "uphold": _l("Appeal upheld"),
    "dismiss": _l("Dismissed"), "complete": _l("Rectification completed"), "take": _l("Taken up by the exit process"),
}
