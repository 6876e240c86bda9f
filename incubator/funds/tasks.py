"""Inbox: tell the operators when a pool is running out (less than 10% of its money left), so
the next phase or tranche can be requested before approvals start failing."""
from __future__ import annotations

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ..core.formatting import format_money
from ..core.inbox import Task, task_provider
from ..core.roles import STAFF_EDITORS
from . import rules
from .models import FundPool


@task_provider
def low_pools(session: Session, user) -> list[Task]:
    if not user.role_set & STAFF_EDITORS:
        return []
    left = FundPool.allocated - FundPool.committed - FundPool.paid + FundPool.returned
    rows = session.execute(sa.select(FundPool.id, FundPool.name, left)
                           .where(FundPool.active, FundPool.allocated > 0, left < FundPool.allocated * rules.LOW_SHARE)
                           .order_by(FundPool.id)).all()
    return [Task(title=_("Fund pool %(pool)s is running low: %(left)s left", pool=name, left=format_money(remaining)),
                 url=url_for("funds.pool", pool_id=pool_id), module="funds", level="warning")
            for pool_id, name, remaining in rows]
