"""Admission states and the transition table (SPEC §4)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..core.roles import Role
from ..core.workflow import Workflow, rule
from .models import Application
from .models import ApplicationState as S

BEFORE_DECISION = [S.DRAFT, S.SUBMITTED, S.RETURNED, S.RESUBMITTED, S.ACCEPTED, S.EXPERT_REVIEW,
                   S.JOINT_REVIEW, S.DECISION]
STAFF = [Role.OPERATOR, Role.ADMIN]
CLOSED = [S.LAPSED, S.ADMITTED, S.REJECTED, S.WITHDRAWN]

ADMISSION = Workflow("application", Application, [
    rule("submit", S.DRAFT, S.SUBMITTED, owner=True),
    rule("return", [S.SUBMITTED, S.RESUBMITTED], S.RETURNED, roles=STAFF, needs_comment=True),
    rule("resubmit", S.RETURNED, S.RESUBMITTED, owner=True),
    rule("lapse", S.RETURNED, S.LAPSED, roles=STAFF),
    rule("accept", [S.SUBMITTED, S.RESUBMITTED], S.ACCEPTED, roles=STAFF),
    rule("start_review", S.ACCEPTED, S.EXPERT_REVIEW, roles=STAFF),
    rule("close_review", S.EXPERT_REVIEW, S.JOINT_REVIEW, roles=STAFF),
    # joint review by 综合统筹组 with the bureau: the lead records the panel's recommendation and minutes
    rule("recommend", S.JOINT_REVIEW, S.DECISION, roles=[Role.LEAD], needs_comment=True),
    rule("admit", S.DECISION, S.ADMITTED, roles=[Role.DEPUTY], not_after=["recommend", "accept", "submit"]),
    rule("reject", S.DECISION, S.REJECTED, roles=[Role.DEPUTY], not_after=["recommend", "accept", "submit"],
         needs_comment=True),
    rule("withdraw", BEFORE_DECISION, S.WITHDRAWN, owner=True),
])

# how each step reads in an application's history
ACTION_LABELS = {
    "submit": _l("Submitted"), "return": _l("Returned for supplement"), "resubmit": _l("Resubmitted"),
    "lapse": _l("Lapsed (supplement deadline passed)"), "accept": _l("Accepted as complete"),
    "start_review": _l("Expert review started"), "close_review": _l("Expert review closed"),
    "recommend": _l("Joint review recommendation"), "admit": _l("Admitted"), "reject": _l("Rejected"),
    "withdraw": _l("Withdrawn"),
}
