"""每两周一报: on the Monday a fortnight's report is due (before noon), the lead of 综合统筹组 and
the operator find it in their inbox, with the PDF one click away. Nothing is stored about sending
it, so the task is there the whole due day."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ..core.formatting import today
from ..core.inbox import Task, task_provider
from ..core.roles import Role
from . import rules


@task_provider
def biweekly_report_due(session: Session, user) -> list[Task]:
    if not user.has_role(Role.LEAD, Role.OPERATOR):
        return []
    day = today()
    fortnight = rules.last_complete_fortnight(day)
    if fortnight.due_on != day:
        return []
    return [Task(title=_("Bi-weekly progress report due before noon (%(start)s – %(end)s)",
                         start=fortnight.start.isoformat(), end=fortnight.end.isoformat()),
                 url=url_for("reports.biweekly_pdf", start=fortnight.start.isoformat()), module="reports",
                 due=day, level="warning")]
