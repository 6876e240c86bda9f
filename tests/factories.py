"""Small factories for tests: real rows through the real session, sensible defaults."""
from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from argon2 import PasswordHasher
from stdnum.cn import uscc

from incubator.accounts.models import User, UserRole
from incubator.companies.models import Company, CompanyStatus, IndustryTrack
from incubator.core.roles import Role
from incubator.spaces.models import Building, Carrier, Unit, UnitStatus, UnitType

PASSWORD = "Demo@2026"
_HASH = PasswordHasher().hash(PASSWORD)  # hashed once: argon2 is slow on purpose
_seq = itertools.count(1)


def credit_code(n: int | None = None) -> str:
    """A valid 统一社会信用代码 (GB 32100-2015 check digit computed)."""
    n = next(_seq) if n is None else n
    body = f"91441900{n:09d}"
    return body + uscc.calc_check_digit(body)


def make_company(session, **kw) -> Company:
    n = next(_seq)
    data = dict(name=f"测试科技有限公司{n}", credit_code=credit_code(n), track=IndustryTrack.DIGITAL,
                status=CompanyStatus.TENANT, founded_on=dt.date(2024, 3, 1), legal_rep="张三",
                registered_capital=Decimal("1000000.00"), contact_name="李四", contact_phone="13800000000")
    data.update(kw)
    company = Company(**data)
    session.add(company)
    session.flush()
    return company


def make_user(session, *roles: Role, company: Company | None = None, username: str | None = None,
              **kw) -> User:
    n = next(_seq)
    roles = roles or (Role.COMPANY,)
    if Role.COMPANY in roles and company is None:
        company = make_company(session)
    user = User(username=username or f"user{n}", display_name=kw.pop("display_name", f"用户{n}"),
                password_hash=_HASH, company_id=company.id if company else None, **kw)
    user.roles = [UserRole(role=r) for r in roles]
    session.add(user)
    session.flush()
    return user


def make_unit(session, carrier: Carrier | None = None, **kw) -> Unit:
    n = next(_seq)
    if carrier is None:
        carrier = Carrier(code=f"C{n}", name=f"载体{n}", total_area=Decimal("10000"), startup_area=Decimal("5000"))
        session.add(carrier)
        session.flush()
    building = kw.pop("building", None)
    if building is None:
        building = Building(carrier_id=carrier.id, name=f"{n}栋")
        session.add(building)
        session.flush()
    data = dict(building_id=building.id, floor=3, number=f"{n:04d}", type=UnitType.OFFICE,
                area=Decimal("120.50"), list_rent=Decimal("45.00"), status=UnitStatus.VACANT)
    data.update(kw)
    unit = Unit(**data)
    session.add(unit)
    session.flush()
    return unit
