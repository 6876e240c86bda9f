"""Who must act next in the assessment: inbox providers for companies, operators, reviewers and
the lead. Reminders are the company's task itself, escalating as the deadline nears (warning
within the scheme's reminder_days, danger once it has passed): the inbox is derived from the
data on every visit, so it cannot remind about a filing already submitted, and nothing has to
run on a schedule."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ..core.formatting import today
from ..core.inbox import Task, task_provider
from ..core.models import WorkflowEvent
from ..core.roles import STAFF_EDITORS, Role
from .models import (
    EDITABLE_FILING_STATES,
    Appeal,
    AppealState,
    Campaign,
    Filing,
    Rectification,
    RectificationState,
    Result,
    ReviewerAssignment,
)
from .models import AssignmentState as A
from .models import CampaignState as C
from .models import FilingState as F
from .services import overdue_condition
from .workflow import CAMPAIGN


def reminder_level(due: dt.date, day: dt.date, reminder_days: int) -> str:
    if due < day:
        return "danger"
    return "warning" if (due - day).days <= reminder_days else "primary"


@task_provider
def company_tasks(session: Session, user) -> list[Task]:
    if not (user.has_role(Role.COMPANY) and user.company_id):
        return []
    day, tasks = today(), []
    for filing in session.scalars(sa.select(Filing).join(Campaign).where(
            Filing.company_id == user.company_id, Filing.state.in_(EDITABLE_FILING_STATES),
            Campaign.state == C.OPEN)):
        campaign = filing.campaign
        days = int(campaign.scheme.config.get("reminder_days", 7))
        title = (_("Correct and resubmit your assessment filing for %(name)s", name=campaign.name)
                 if filing.state == F.RETURNED else _("File your assessment data for %(name)s", name=campaign.name))
        tasks.append(Task(title=title, url=url_for("assessment.edit_filing", filing_id=filing.id),
                          module="assessment", due=campaign.closes_on,
                          level=reminder_level(campaign.closes_on, day, days)))
    for result in session.scalars(sa.select(Result).join(Campaign).where(
            Result.company_id == user.company_id, Result.current, Campaign.state == C.PUBLISHED,
            Campaign.appeals_close_on >= day)):
        tasks.append(Task(title=_("Your assessment result for %(name)s is published", name=result.campaign.name),
                          url=url_for("assessment.result", result_id=result.id), module="assessment",
                          due=result.campaign.appeals_close_on, level="primary"))
    for rect in session.scalars(sa.select(Rectification).where(Rectification.company_id == user.company_id,
                                                               Rectification.state == RectificationState.OPEN)):
        tasks.append(Task(title=_("Complete the rectification required by the assessment"),
                          url=url_for("assessment.result", result_id=rect.result_id), module="assessment",
                          due=rect.due_on, level="danger" if rect.due_on < day else "warning"))
    return tasks


def _count(session: Session, stmt) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0


@task_provider
def staff_tasks(session: Session, user) -> list[Task]:
    tasks, day = [], today()
    if user.role_set & STAFF_EDITORS:
        to_verify = _count(session, sa.select(Filing.id).join(Campaign).where(
            Filing.state.in_((F.SUBMITTED, F.RESUBMITTED)), Campaign.state.in_((C.OPEN, C.REVIEWING))))
        if to_verify:
            tasks.append(Task(title=_("Assessment filings to verify"), module="assessment", count=to_verify,
                              url=url_for("assessment.filings", state="to_verify")))
        overdue = _count(session, sa.select(Filing.id).where(overdue_condition(day)))
        if overdue:
            tasks.append(Task(title=_("Assessment filings overdue"), module="assessment", count=overdue,
                              level="danger", url=url_for("assessment.filings", state="overdue")))
        for campaign in session.scalars(sa.select(Campaign).where(Campaign.state.in_((C.CONFIRMED, C.REVIEWING)))):
            title = (_("Publish the confirmed assessment results of %(name)s", name=campaign.name)
                     if campaign.state == C.CONFIRMED else _("Finish the review of %(name)s and rank it",
                                                              name=campaign.name))
            tasks.append(Task(title=title, module="assessment",
                              url=url_for("assessment.campaign", campaign_id=campaign.id)))
        for campaign in session.scalars(sa.select(Campaign).where(Campaign.state == C.OPEN, Campaign.closes_on < day)):
            tasks.append(Task(title=_("Filing deadline of %(name)s has passed: close filing", name=campaign.name),
                              module="assessment", due=campaign.closes_on, level="warning",
                              url=url_for("assessment.campaign", campaign_id=campaign.id)))
        late = _count(session, sa.select(Rectification.id).where(Rectification.state == RectificationState.OPEN,
                                                                 Rectification.due_on < day))
        if late:
            tasks.append(Task(title=_("Rectifications past their deadline"), module="assessment", count=late,
                              level="danger", url=url_for("assessment.consequences")))
    if user.has_role(Role.LEAD):
        # four eyes: not the campaigns this lead ranked
        ranked_by_me = sa.select(WorkflowEvent.object_id).where(
            WorkflowEvent.object_type == CAMPAIGN.name, WorkflowEvent.actor_id == user.id,
            WorkflowEvent.action == "rank")
        for campaign in session.scalars(sa.select(Campaign).where(Campaign.state == C.RANKED,
                                                                  Campaign.id.not_in(ranked_by_me))):
            tasks.append(Task(title=_("Confirm the assessment results of %(name)s", name=campaign.name),
                              module="assessment", level="warning",
                              url=url_for("assessment.ranking", campaign_id=campaign.id)))
        appeals = _count(session, sa.select(Appeal.id).where(Appeal.state == AppealState.FILED))
        if appeals:
            tasks.append(Task(title=_("Assessment appeals to decide"), module="assessment", count=appeals,
                              level="warning", url=url_for("assessment.appeals")))
    return tasks


@task_provider
def reviewer_tasks(session: Session, user) -> list[Task]:
    if not user.has_role(Role.REVIEWER):
        return []
    rows = session.execute(
        sa.select(ReviewerAssignment.state, sa.func.count()).join(Filing).join(Campaign)
        .where(ReviewerAssignment.reviewer_id == user.id, ReviewerAssignment.state.in_((A.ASSIGNED, A.SCORING)),
               Campaign.state.in_((C.OPEN, C.REVIEWING)))
        .group_by(ReviewerAssignment.state)).all()
    titles = {A.ASSIGNED: _("Declare any conflict of interest on assigned assessment companies"),
              A.SCORING: _("Assessment companies to score")}
    return [Task(title=titles[state], url=url_for("assessment.my_reviews"), module="assessment", count=n,
                 level="warning" if state == A.SCORING else "primary") for state, n in rows]
