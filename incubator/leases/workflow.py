"""Lease states: a draft is signed or cancelled; a signed lease may be renewed, and ends at its
term or is terminated early (with a reason)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..core.roles import STAFF_EDITORS
from ..core.workflow import Workflow, rule
from .models import Lease
from .models import LeaseState as S

LEASE_FLOW = Workflow("lease", Lease, [
    rule("sign", S.DRAFT, S.SIGNED, roles=STAFF_EDITORS),
    rule("cancel", S.DRAFT, S.TERMINATED, roles=STAFF_EDITORS),
    rule("end", S.SIGNED, S.ENDED, roles=STAFF_EDITORS),
    rule("terminate", S.SIGNED, S.TERMINATED, roles=STAFF_EDITORS, needs_comment=True),
    # a renewal keeps the lease in force: a self-transition, so the new end date (and rent) is
    # written by the same guarded UPDATE and shows in the lease's history like any other step
    rule("renew", S.SIGNED, S.SIGNED, roles=STAFF_EDITORS),
])
# How each step reads in a lease's history.
ACTION_LABELS = {"sign": _l("Signed"), "cancel": _l("Draft cancelled"), "end": _l("Ended at term"),
                 "terminate": _l("Terminated early"), "renew": _l("Renewed")}
