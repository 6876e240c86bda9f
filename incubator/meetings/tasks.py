"""Who must act next on meetings: the chair holds the meetings they chair once the day has come
and signs off the minutes of those held; the secretary (operator) sees what waits for a meeting
of each type, and the meetings past their day still open."""
from __future__ import annotations

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ..core.formatting import local, today
from ..core.inbox import Task, task_provider
from . import agenda, rules
from .gate import active_types
from .models import Meeting, MeetingState
from .workflow import SECRETARIES

SOON_DAYS = 7  # a scheduled meeting shows in its chair's inbox this many days ahead


@task_provider
def chair_tasks(session: Session, user) -> list[Task]:
    if getattr(user, "id", None) is None or getattr(user, "company_id", None):
        return []
    meetings = session.scalars(sa.select(Meeting).where(
        Meeting.chair_id == user.id, Meeting.state.in_([MeetingState.SCHEDULED, MeetingState.HELD]))
        .order_by(Meeting.starts_at)).all()
    day, tasks = today(), []
    for m in meetings:
        on = local(m.starts_at).date()
        url = url_for("meetings.meeting", meeting_id=m.id)
        if m.state == MeetingState.HELD:
            tasks.append(Task(title=_("Sign off the minutes of %(title)s", title=m.title), url=url + "#minutes",
                              module="meetings", due=on, level="warning"))
        elif on <= day:
            tasks.append(Task(title=_("Hold %(title)s: confirm the resolutions and close it", title=m.title), url=url,
                              module="meetings", due=on, level="danger" if on < day else "warning"))
        elif (on - day).days <= SOON_DAYS:
            tasks.append(Task(title=_("Chair %(title)s (%(n)s item(s) on the agenda)", title=m.title,
                                      n=len([i for i in m.items if i.state.value != "withdrawn"])),
                              url=url, module="meetings", due=on, level="secondary"))
    return tasks


@task_provider
def secretary_tasks(session: Session, user) -> list[Task]:
    if not user.role_set & set(SECRETARIES):
        return []
    waiting = agenda.pending(session)
    if not waiting:
        return []
    tasks = []
    for t in active_types(session):
        n = sum(1 for c in waiting if rules.may_deliberate(t.config, c.kind, c.tier))
        if n:
            tasks.append(Task(title=_("Matters waiting for the %(type)s: schedule it or add them to its agenda",
                                      type=t.label),
                              url=url_for("meetings.pending", _anchor=f"type-{t.code}"), module="meetings", count=n))
    return tasks
