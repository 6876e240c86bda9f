"""Who must act next on expense requests: the approver at each tier (the deputy's and the
commander's only once their meeting agreed; never a request they drafted or submitted), the
requester whose request came back, and the operator who records the payments. The request
list's "queue" filter shows the same requests a task counts."""
from __future__ import annotations

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ..core.inbox import Task, task_provider
from ..core.models import WorkflowEvent
from ..core.roles import Role
from . import deliberation, rules
from .models import ExpenseRequest
from .models import RequestState as S
from .workflow import FOUR_EYES, PAYERS, REQUEST_FLOW, TIER_LABELS

TIER_ROLE = {"lead": Role.LEAD, "deputy": Role.DEPUTY, "commander": Role.COMMANDER}
LISTED = 10  # more returned requests than this show as one count


def to_approve(session: Session, user, tier: str) -> list[int]:
    """Ids of the submitted requests at `tier` waiting for `user` (who holds the tier's role)."""
    own = sa.select(WorkflowEvent.object_id).where(WorkflowEvent.object_type == REQUEST_FLOW.name,
                                                  WorkflowEvent.actor_id == user.id,
                                                  WorkflowEvent.action.in_(FOUR_EYES))
    ids = list(session.scalars(sa.select(ExpenseRequest.id).where(
        ExpenseRequest.state == S.SUBMITTED, ExpenseRequest.tier == tier, ExpenseRequest.id.not_in(own))
        .order_by(ExpenseRequest.id)))
    if rules.deliberated(tier):
        agreed = deliberation.agreed_ids(session, deliberation.KIND, ids)
        ids = [i for i in ids if i in agreed]
    return ids


@task_provider
def budget_tasks(session: Session, user) -> list[Task]:
    tasks = []
    for tier, role in TIER_ROLE.items():
        if user.has_role(role):
            n = len(to_approve(session, user, tier))
            if n:
                tasks.append(Task(title=_("Expense requests to approve (%(tier)s tier)", tier=TIER_LABELS[tier]),
                                  url=url_for("budget.requests", queue=tier), module="budget", count=n))
    returned = session.scalars(sa.select(ExpenseRequest).where(ExpenseRequest.requested_by_id == user.id,
                                                               ExpenseRequest.state == S.RETURNED)
                               .order_by(ExpenseRequest.id).limit(LISTED + 1)).all()
    if len(returned) > LISTED:
        tasks.append(Task(title=_("Your expense requests returned for correction"), module="budget",
                          url=url_for("budget.requests", state="returned", mine=1), level="warning",
                          count=session.scalar(sa.select(sa.func.count()).select_from(ExpenseRequest).where(
                              ExpenseRequest.requested_by_id == user.id, ExpenseRequest.state == S.RETURNED))))
    else:
        tasks += [Task(title=_("Expense request %(number)s was returned: correct and resubmit it", number=r.number),
                       url=url_for("budget.request", request_id=r.id), module="budget", level="warning")
                  for r in returned]
    if user.has_role(*PAYERS):
        n = session.scalar(sa.select(sa.func.count()).select_from(ExpenseRequest)
                           .where(ExpenseRequest.state == S.APPROVED))
        if n:
            tasks.append(Task(title=_("Approved expense requests: record the payment"), module="budget",
                              url=url_for("budget.requests", state="approved"), count=n))
    return tasks
