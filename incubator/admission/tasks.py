"""Who must act next on an application: the inbox providers for every role, and the same
queues as filters of the staff list (so a task's count and the list it opens agree)."""
from __future__ import annotations

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
from ..leases.models import Lease, LeaseState
from .models import Application, ReviewAssignment
from .models import ApplicationState as S
from .models import AssignmentState as A
from .workflow import ADMISSION, CLOSED

URGENT_WORKING_DAYS = 3

_open_sheets = sa.exists().where(ReviewAssignment.application_id == Application.id,
                                 ReviewAssignment.state.in_([A.ASSIGNED, A.SCORING]))

# queue → (label, conditions on Application); the inbox counts them, the list filters by them
QUEUES = {
    "check": (_l("To check for completeness"), [Application.state.in_([S.SUBMITTED, S.RESUBMITTED])]),
    "reviewers": (_l("Accepted: assign reviewers and start the review"), [Application.state == S.ACCEPTED]),
    "close": (_l("Expert review complete: close it"), [Application.state == S.EXPERT_REVIEW, ~_open_sheets]),
    "joint": (_l("Waiting for the joint review"), [Application.state == S.JOINT_REVIEW]),
    "decide": (_l("Waiting for the decision"), [Application.state == S.DECISION]),
    "lease": (_l("Admitted: allocate units"), [Application.state == S.ADMITTED, Application.lease_id.is_(None)]),
    "sign": (_l("Lease drafted: mark it signed"), [
        Application.state == S.ADMITTED,
        Application.lease_id.in_(sa.select(Lease.id).where(Lease.state == LeaseState.DRAFT))]),
}
OPERATOR_QUEUES = ("check", "reviewers", "close", "lease", "sign")


def _queue_tasks(session: Session, names, extra=()) -> list[Task]:
    # one query for all the queues: COUNT(*) FILTER (WHERE …) per queue
    counts = session.execute(sa.select(*[sa.func.count().filter(sa.and_(*QUEUES[n][1]))
                                         for n in names]).select_from(Application).where(*extra)).one()
    tasks = []
    for name, n in zip(names, counts, strict=True):
        label = QUEUES[name][0]
        if n:
            tasks.append(Task(title=_("Applications: %(step)s", step=label), url=url_for("admission.index", queue=name),
                              module="admission", count=n))
    return tasks


@task_provider
def staff_tasks(session: Session, user) -> list[Task]:
    tasks = []
    if user.role_set & STAFF_EDITORS:
        tasks += _queue_tasks(session, OPERATOR_QUEUES)
    if user.has_role(Role.LEAD):
        tasks += _queue_tasks(session, ["joint"])
    if user.has_role(Role.DEPUTY):
        # four eyes: not the ones this deputy recommended, accepted or submitted
        rule = ADMISSION.rule_for(S.DECISION, "admit")
        own = sa.select(WorkflowEvent.object_id).where(WorkflowEvent.object_type == ADMISSION.name,
                                                      WorkflowEvent.actor_id == user.id,
                                                      WorkflowEvent.action.in_(rule.not_after))
        tasks += _queue_tasks(session, ["decide"], [Application.id.not_in(own)])
    return tasks


@task_provider
def reviewer_tasks(session: Session, user) -> list[Task]:
    if not user.has_role(Role.REVIEWER):
        return []
    rows = session.execute(
        sa.select(ReviewAssignment.state, sa.func.count()).join(Application)
        .where(ReviewAssignment.reviewer_id == user.id, sa.or_(
            sa.and_(ReviewAssignment.state == A.ASSIGNED, Application.state.not_in(CLOSED)),
            sa.and_(ReviewAssignment.state == A.SCORING, Application.state == S.EXPERT_REVIEW)))
        .group_by(ReviewAssignment.state)).all()
    titles = {A.ASSIGNED: _("Declare any conflict of interest on assigned applications"),
              A.SCORING: _("Applications to score")}
    return [Task(title=titles[state], url=url_for("admission.my_reviews"), module="admission", count=n,
                 level="warning" if state == A.SCORING else "primary") for state, n in rows]


@task_provider
def company_tasks(session: Session, user) -> list[Task]:
    if not (user.has_role(Role.COMPANY) and user.company_id):
        return []
    apps = session.scalars(sa.select(Application).where(Application.company_id == user.company_id,
                                                       Application.state.in_([S.DRAFT, S.RETURNED]))).all()
    tasks, day = [], today()
    for app in apps:
        url = url_for("admission.application", app_id=app.id)
        if app.state == S.DRAFT:
            tasks.append(Task(title=_("Finish and submit application %(number)s", number=app.number), url=url,
                              module="admission"))
        else:
            due = app.supplement_due_on
            urgent = due is not None and (due < day or working_days_between(day, due) <= URGENT_WORKING_DAYS)
            tasks.append(Task(title=_("Supplement application %(number)s and resubmit it", number=app.number),
                              url=url, module="admission", due=due, level="danger" if urgent else "warning"))
    return tasks
