"""Who must act next on subsidy claims and batches: the inbox providers, and the same queues as
filters of the staff claim list (so a task's count and the list it opens agree)."""
from __future__ import annotations

from collections import Counter

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from ..core.calendar import working_days_between
from ..core.formatting import today
from ..core.inbox import Task, task_provider
from ..core.models import WorkflowEvent
from ..core.roles import STAFF_EDITORS, Role
from ..meetings import gate
from .models import BatchState as B
from .models import ClaimState as C
from .models import SubsidyBatch, SubsidyClaim
from .workflow import CLAIM_FLOW, FOUR_EYES, TIER_LABELS

URGENT_WORKING_DAYS = 3


def _paying():
    return SubsidyClaim.batch_id.in_(sa.select(SubsidyBatch.id).where(SubsidyBatch.state == B.PAYING))


# queue → (label, conditions on SubsidyClaim given the day); the inbox counts them, the list filters by them
QUEUES = {
    "check": (_l("To check"), lambda day: [SubsidyClaim.state.in_([C.SUBMITTED, C.RESUBMITTED])]),
    "overdue": (_l("Returned, correction deadline passed"),
                lambda day: [SubsidyClaim.state == C.RETURNED, SubsidyClaim.due_on < day]),
    "pay": (_l("Notice over: record the payment"), lambda day: [SubsidyClaim.state == C.IN_NOTICE, _paying()]),
}


def queue_conditions(name: str, day=None) -> list:
    return QUEUES[name][1](day or today())


def _not_prepared_by(user):
    """Four eyes: leave out the claims this user submitted or verified."""
    own = sa.select(WorkflowEvent.object_id).where(WorkflowEvent.object_type == CLAIM_FLOW.name,
                                                  WorkflowEvent.actor_id == user.id,
                                                  WorkflowEvent.action.in_(FOUR_EYES))
    return SubsidyClaim.id.not_in(own)


@task_provider
def operator_tasks(session: Session, user) -> list[Task]:
    if not user.role_set & STAFF_EDITORS:
        return []
    day = today()
    names = list(QUEUES)
    counts = session.execute(sa.select(*[sa.func.count().filter(sa.and_(*queue_conditions(n, day))) for n in names])
                             .select_from(SubsidyClaim)).one()
    tasks = [Task(title=_("Subsidy claims: %(step)s", step=QUEUES[name][0]),
                  url=url_for("subsidies.claims", queue=name), module="subsidies", count=n,
                  level="danger" if name == "overdue" else "primary")
             for name, n in zip(names, counts, strict=True) if n]
    batches = session.execute(sa.select(SubsidyBatch.id, SubsidyBatch.number, SubsidyBatch.state).where(sa.or_(
        sa.and_(SubsidyBatch.state == B.OPEN, SubsidyBatch.intake_closes_on < day),
        sa.and_(SubsidyBatch.state == B.NOTICE, SubsidyBatch.notice_ends_on < day)))
        .order_by(SubsidyBatch.id)).all()
    for batch_id, number, state in batches:
        title = (_("Batch %(number)s: the intake window has ended, close the intake", number=number)
                 if state == B.OPEN else
                 _("Batch %(number)s: the public notice has ended, start the payments", number=number))
        tasks.append(Task(title=title, url=url_for("subsidies.batch", batch_id=batch_id), module="subsidies"))
    return tasks


@task_provider
def approver_tasks(session: Session, user) -> list[Task]:
    """Each tier the user holds: the verified claims waiting for it (not the ones they prepared;
    at the deputy's and the commander's tiers only those their meeting agreed)."""
    tiers = [tier for tier in TIER_LABELS if user.has_role(Role(tier))]
    if not tiers:
        return []
    waiting = session.execute(sa.select(SubsidyClaim.id, SubsidyClaim.required_role)
                              .where(SubsidyClaim.state == C.VERIFIED, SubsidyClaim.required_role.in_(tiers),
                                     _not_prepared_by(user))).all()
    # a tier that must wait for a meeting shows only the claims that meeting agreed
    gated = {tier for tier in tiers if gate.meeting_type_for(session, CLAIM_FLOW.name, tier) is not None}
    agreed = gate.agreed_ids(session, CLAIM_FLOW.name, [i for i, tier in waiting if tier in gated])
    rows = Counter(tier for i, tier in waiting if tier not in gated or i in agreed).items()
    return [Task(title=_("Subsidy claims to approve at the %(tier)s tier", tier=TIER_LABELS[tier]),
                 url=url_for("subsidies.claims", state=C.VERIFIED.value, tier=tier,
                             **({"agreed": "1"} if tier in gated else {})),
                 module="subsidies", count=n, level="warning")
            for tier, n in sorted(rows, key=lambda r: list(TIER_LABELS).index(r[0]))]


@task_provider
def company_tasks(session: Session, user) -> list[Task]:
    if not (user.has_role(Role.COMPANY) and user.company_id):
        return []
    claims = session.scalars(sa.select(SubsidyClaim).where(SubsidyClaim.company_id == user.company_id,
                                                           SubsidyClaim.state.in_([C.DRAFT, C.RETURNED]))
                             .order_by(SubsidyClaim.id)).all()
    tasks, day = [], today()
    for claim in claims:
        url = url_for("subsidies.claim", claim_id=claim.id)
        if claim.state == C.DRAFT:
            tasks.append(Task(title=_("Finish and submit subsidy claim %(number)s", number=claim.number), url=url,
                              module="subsidies", due=claim.batch.intake_closes_on))
            continue
        due = claim.due_on
        urgent = due is not None and (due < day or working_days_between(day, due) <= URGENT_WORKING_DAYS)
        tasks.append(Task(title=_("Correct subsidy claim %(number)s and resubmit it", number=claim.number), url=url,
                          module="subsidies", due=due, level="danger" if urgent else "warning"))
    return tasks
