"""Unit status: vacant → reserved → leased → vacant, or out of service (and back).

Reserving goes through the conditional UPDATE of `Workflow.apply`, so a unit is never
reserved twice, even by two leases created at the same moment."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..core.errors import TransitionNotAllowed
from ..core.roles import STAFF_EDITORS
from ..core.workflow import Workflow, rule
from .models import Unit
from .models import UnitStatus as S

UNIT_FLOW = Workflow("unit", Unit, [
    rule("reserve", S.VACANT, S.RESERVED, roles=STAFF_EDITORS),
    rule("lease", S.RESERVED, S.LEASED, roles=STAFF_EDITORS),
    rule("release", [S.RESERVED, S.LEASED], S.VACANT, roles=STAFF_EDITORS),
    rule("retire", S.VACANT, S.OUT_OF_SERVICE, roles=STAFF_EDITORS, needs_comment=True),
    rule("restore", S.OUT_OF_SERVICE, S.VACANT, roles=STAFF_EDITORS),
], state_attr="status")
# How each step reads in a unit's history.
ACTION_LABELS = {"reserve": _l("Reserved for a lease"), "lease": _l("Leased"), "release": _l("Released"),
                 "retire": _l("Taken out of service"), "restore": _l("Returned to service")}


class UnitNotAvailable(TransitionNotAllowed):
    """A lease asked for a unit that is not (or no longer) vacant; nothing was written."""
