"""Who must act next on an exit: the operator sees each new proposal with its reason and the
approved exits due; the lead and the commander the cases waiting for them (not their own: four
eyes); the company its case and the day its response is due."""
from __future__ import annotations

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ..core.formatting import today
from ..core.inbox import Task, task_provider
from ..core.models import WorkflowEvent
from ..core.roles import STAFF_EDITORS, Role
from .models import OPEN_STATES, ExitCase
from .models import ExitState as S
from .services import response_pending
from .workflow import EXIT_FLOW

PROPOSALS_LISTED = 10  # more than this many new proposals show as one count
REASON_CHARS = 60


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= REASON_CHARS else text[:REASON_CHARS - 1] + "…"


def _not_mine(user, state: S, action: str):
    """Cases in `state` that `user` may decide on (none of the steps four eyes exclude)."""
    rule = EXIT_FLOW.rule_for(state, action)
    mine = sa.select(WorkflowEvent.object_id).where(WorkflowEvent.object_type == EXIT_FLOW.name,
                                                   WorkflowEvent.actor_id == user.id,
                                                   WorkflowEvent.action.in_(rule.not_after))
    return sa.and_(ExitCase.state == state, ExitCase.id.not_in(mine))


@task_provider
def staff_tasks(session: Session, user) -> list[Task]:
    tasks = []
    if user.role_set & STAFF_EDITORS:
        proposed = session.scalars(sa.select(ExitCase).where(ExitCase.state == S.PROPOSED)
                                   .order_by(ExitCase.id).limit(PROPOSALS_LISTED + 1)).all()
        if len(proposed) > PROPOSALS_LISTED:
            n = session.scalar(sa.select(sa.func.count()).select_from(ExitCase).where(ExitCase.state == S.PROPOSED))
            tasks.append(Task(title=_("Exit cases: prepare the settlement"), url=url_for("exits.index", state="proposed"),
                              module="exits", count=n))
        else:
            tasks += [Task(title=_("Exit %(number)s · %(company)s (%(kind)s): %(reason)s", number=c.number,
                                   company=c.company.name, kind=c.kind.label, reason=_short(c.reason)),
                           url=url_for("exits.case", case_id=c.id), module="exits", due=c.planned_exit_on)
                      for c in proposed]
        day = today()
        soonest, n = session.execute(sa.select(sa.func.min(ExitCase.planned_exit_on), sa.func.count()).where(
            ExitCase.state == S.APPROVED, ExitCase.planned_exit_on <= day)).one()
        if n:
            tasks.append(Task(title=_("Approved exits due: execute them"), url=url_for("exits.index", state="approved"),
                              module="exits", due=soonest, count=n, level="danger" if soonest < day else "warning"))
    for role, state, action, title in ((Role.LEAD, S.PREPARED, "review", _("Exit settlements to review")),
                                       (Role.COMMANDER, S.REVIEWED, "approve", _("Exits to decide"))):
        if user.has_role(role):
            n = session.scalar(sa.select(sa.func.count()).select_from(ExitCase).where(_not_mine(user, state, action)))
            if n:
                tasks.append(Task(title=title, url=url_for("exits.index", state=state.value), module="exits", count=n))
    return tasks


@task_provider
def company_tasks(session: Session, user) -> list[Task]:
    if not (user.has_role(Role.COMPANY) and user.company_id):
        return []
    cases = session.scalars(sa.select(ExitCase).where(ExitCase.company_id == user.company_id,
                                                      ExitCase.state.in_(OPEN_STATES))).all()
    tasks = []
    for case in cases:
        url = url_for("exits.case", case_id=case.id)
        if response_pending(case):
            tasks.append(Task(title=_("Exit %(number)s: respond to the stated reason", number=case.number), url=url,
                              module="exits", due=case.response_due_on, level="danger"))
        else:
            tasks.append(Task(title=_("Exit %(number)s: %(state)s, planned exit date %(day)s", number=case.number,
                                      state=case.state.label, day=case.planned_exit_on.isoformat()),
                              url=url, module="exits", due=case.planned_exit_on, level="secondary"))
    return tasks
