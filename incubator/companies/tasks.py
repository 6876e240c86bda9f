"""Inbox tasks for company members (registered with the core inbox on import)."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ..core.inbox import Task, task_provider
from ..core.roles import Role
from .rules import missing_profile_fields


@task_provider
def complete_profile(session: Session, user) -> list[Task]:
    """Ask members to fill the key profile fields while their company can still edit them."""
    if not (user.has_role(Role.COMPANY) and user.company_id):
        return []
    company = user.company
    if company is None or not company.is_active_member_company:
        return []
    missing = missing_profile_fields(company)
    if not missing:
        return []
    return [Task(title=_("Complete your company profile"), module="companies", count=len(missing),
                 url=url_for("companies.edit", company_id=company.id), level="warning")]
