"""Inbox items for administrators."""
from __future__ import annotations

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _

from ..core.inbox import Task, task_provider
from ..core.roles import Role
from ..db import utcnow
from .models import User


@task_provider
def locked_accounts(session, user) -> list[Task]:
    if not user.has_role(Role.ADMIN):
        return []
    n = session.scalar(sa.select(sa.func.count()).select_from(User).where(User.locked_until > utcnow()))
    if not n:
        return []
    return [Task(title=_("Accounts locked after failed sign-ins"), url=url_for("accounts.users", status="locked"),
                 module="accounts", count=n, level="warning")]
