"""Budget tests read English pages. `world`: a user for every role (two of each approver for four
eyes; the operator and the lead request), this year's budget of ¥500,000.00 for 办公费 and
¥80,000.00 for 差旅费, ¥1,000,000.00 for 设施设备维护, nothing for the other categories."""
from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from incubator.budget import services
from incubator.budget.models import BudgetCategory
from incubator.core.formatting import today
from incubator.core.roles import Role

from ..factories import make_user

OFFICE_BUDGET = Decimal("500000.00")
TRAVEL_BUDGET = Decimal("80000.00")
MAINTENANCE_BUDGET = Decimal("1000000.00")


@pytest.fixture(autouse=True)
def english_everywhere(english):
    """Pages and service messages in English (tests/conftest.py::english)."""


def category(session, code: str) -> BudgetCategory:
    return session.scalar(sa.select(BudgetCategory).where(BudgetCategory.code == code))


@pytest.fixture
def world(session):
    w = SimpleNamespace(session=session, year=today().year)
    people = {"operator": Role.OPERATOR, "operator2": Role.OPERATOR, "admin": Role.ADMIN, "lead": Role.LEAD,
              "lead2": Role.LEAD, "deputy": Role.DEPUTY, "deputy2": Role.DEPUTY, "commander": Role.COMMANDER,
              "commander2": Role.COMMANDER, "supervisor": Role.SUPERVISOR, "reviewer": Role.REVIEWER}
    for name, role in people.items():
        setattr(w, name, make_user(session, role, display_name=f"{name} 测试"))
    w.member = make_user(session, Role.COMPANY, display_name="企业 张明")
    w.office, w.travel = category(session, "office"), category(session, "travel")
    w.publicity, w.maintenance = category(session, "publicity"), category(session, "maintenance")
    for cat, amount in ((w.office, OFFICE_BUDGET), (w.travel, TRAVEL_BUDGET), (w.maintenance, MAINTENANCE_BUDGET)):
        services.set_budget(session, w.operator, w.year, cat, amount)
    session.commit()
    return w
