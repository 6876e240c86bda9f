"""Figures for the home page, fitted to the user's roles."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..companies.models import Company, CompanyStatus
from ..core.roles import Role
from ..spaces.rules import occupancy_by_carrier


HQ = {Role.LEAD, Role.DEPUTY, Role.COMMANDER, Role.SUPERVISOR}


def home_summary(session: Session, user) -> dict:
    summary: dict = {}
    if user.is_staff_reader:
        counts = dict(session.execute(sa.select(Company.status, sa.func.count()).group_by(Company.status)).all())
        summary["companies"] = {s: counts.get(s, 0) for s in CompanyStatus}
        summary["occupancy"] = occupancy_by_carrier(session)
    if user.role_set & HQ:
        from ..reports import services as reports  # the dashboard's headline, for those who steer

        summary["targets"] = reports.headline(session)
    if user.has_role(Role.COMPANY) and user.company_id:
        summary["company"] = session.get(Company, user.company_id)
    return summary
