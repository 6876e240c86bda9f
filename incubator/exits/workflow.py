"""Exit states and the transition table (SPEC §8).

proposed → settlement prepared (operator) → reviewed (work-group lead) → approved (commander)
→ executed (operator, on or after the exit date) → archived. The lead or the commander can send
a settlement back; the commander can reject; the operator (or the company, its own request)
can withdraw before the approval, the commander after it. The company may respond to the stated
reason at any step before the commander decides (a step onto the same state, so it shows in the
history).

Four eyes: the lead reviews no settlement they prepared or case they raised; the commander
approves no case they raised, prepared or reviewed (core.workflow `not_after`; a case's
raising is recorded as its first "propose" event)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..core.roles import STAFF_EDITORS, Role
from ..core.workflow import Workflow, rule
from .models import ExitCase
from .models import ExitState as S

BEFORE_APPROVAL = [S.PROPOSED, S.PREPARED, S.REVIEWED]
DECIDERS_NOT_AFTER = ["propose", "prepare", "review"]

EXIT_FLOW = Workflow("exit_case", ExitCase, [
    *[rule("respond", s, s, owner=True, needs_comment=True) for s in BEFORE_APPROVAL],
    rule("prepare", S.PROPOSED, S.PREPARED, roles=STAFF_EDITORS),
    rule("send_back", S.PREPARED, S.PROPOSED, roles=[Role.LEAD], needs_comment=True),
    rule("send_back", S.REVIEWED, S.PROPOSED, roles=[Role.COMMANDER], needs_comment=True),
    rule("review", S.PREPARED, S.REVIEWED, roles=[Role.LEAD], not_after=["prepare", "propose"]),
    rule("approve", S.REVIEWED, S.APPROVED, roles=[Role.COMMANDER], not_after=DECIDERS_NOT_AFTER),
    rule("reject", S.REVIEWED, S.REJECTED, roles=[Role.COMMANDER], not_after=DECIDERS_NOT_AFTER,
         needs_comment=True),
    rule("execute", S.APPROVED, S.EXECUTED, roles=STAFF_EDITORS),
    rule("archive", S.EXECUTED, S.ARCHIVED, roles=STAFF_EDITORS),
    rule("withdraw", BEFORE_APPROVAL, S.WITHDRAWN, roles=STAFF_EDITORS, owner=True, needs_comment=True),
    # once approved only the commander can call the exit off (its ground went away before the exit date)
    rule("withdraw", S.APPROVED, S.WITHDRAWN, roles=[Role.COMMANDER], needs_comment=True),
])

# how each step reads in a case's history
ACTION_LABELS = {
    "propose": _l("Exit proposed"), "respond": _l("Company responded"), "prepare": _l("Settlement prepared"),
    "send_back": _l("Sent back for correction"), "review": _l("Reviewed by the work-group lead"),
    "approve": _l("Approved by the commander"), "reject": _l("Rejected by the commander"),
    "execute": _l("Exit executed"), "archive": _l("Archived"), "withdraw": _l("Withdrawn"),
}
