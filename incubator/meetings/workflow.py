"""Meeting states and their transition table.

scheduled → held (the chair closes the meeting: attendance taken and every item resolved or
withdrawn; from then on its resolutions are in force) → minutes issued (the chair signs off the
minutes, issued as a numbered, QR-verifiable 会议纪要). The secretary (operator) or the chair may
cancel a scheduled meeting. The table admits the roles that can chair some type; services.py
narrows the chair's steps to the meeting's own chair."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..core.roles import Role
from ..core.workflow import Workflow, rule
from .models import Meeting
from .models import MeetingState as S

SECRETARIES = [Role.OPERATOR, Role.ADMIN]
CHAIRS = [Role.LEAD, Role.DEPUTY, Role.COMMANDER]

MEETING_FLOW = Workflow("meeting", Meeting, [
    rule("hold", S.SCHEDULED, S.HELD, roles=CHAIRS),
    rule("sign_off", S.HELD, S.MINUTES_ISSUED, roles=CHAIRS),
    rule("cancel", S.SCHEDULED, S.CANCELLED, roles=[*SECRETARIES, *CHAIRS], needs_comment=True),
], owner_company=lambda meeting: None)

# how each step reads in a meeting's history
ACTION_LABELS = {"schedule": _l("Scheduled"), "hold": _l("Held: resolutions confirmed by the chair"),
                 "sign_off": _l("Minutes signed off and issued"), "cancel": _l("Cancelled")}
