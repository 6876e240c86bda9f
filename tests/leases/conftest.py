"""Units to lease, an operator, and the committed login used by the page tests."""
import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from incubator.core.roles import Role
from incubator.spaces.models import Building, Carrier
from incubator.spaces.models import UnitType as T

from ..factories import make_company, make_unit, make_user


@pytest.fixture
def park(session):
    """Two carriers; in KC 1栋 offices 101 (120.50 m² at ¥45) and 102 (79.50 m² at ¥50), a lab 103;
    in ZZ A座 a factory 201. A tenant company and an operator."""
    kc = Carrier(code="KC", name="水乡科创中心", sort_order=1, total_area=Decimal("130000"), startup_area=Decimal("15000"))
    zz = Carrier(code="ZZ", name="中铁水乡科技智造中心", sort_order=2, total_area=Decimal("86000"),
                 startup_area=Decimal("70000"))
    session.add_all([kc, zz])
    session.flush()
    b1, b2 = Building(carrier_id=kc.id, name="1栋"), Building(carrier_id=zz.id, name="A座")
    session.add_all([b1, b2])
    session.flush()
    ns = SimpleNamespace(
        kc=kc, zz=zz,
        office1=make_unit(session, kc, building=b1, number="101", floor=1, area=Decimal("120.50"),
                          list_rent=Decimal("45.00")),
        office2=make_unit(session, kc, building=b1, number="102", floor=1, area=Decimal("79.50"),
                          list_rent=Decimal("50.00")),
        lab=make_unit(session, kc, building=b1, number="103", floor=1, type=T.LAB, area=Decimal("60.00"),
                      list_rent=Decimal("60.00")),
        factory=make_unit(session, zz, building=b2, number="201", floor=2, type=T.FACTORY, area=Decimal("1000.00"),
                          list_rent=Decimal("25.00")),
        company=make_company(session, name="东莞甲科技有限公司"),
        operator=make_user(session, Role.OPERATOR),
    )
    session.commit()  # a refused request rolls the shared session back; keep the fixture through it
    return ns


@pytest.fixture
def login(login, session):
    def _login(who=None, company=None):
        user = login(who, company)
        session.commit()
        return user

    return _login




@pytest.fixture
def signed(session, park):
    """signed(units=[office 101], start=2024-01-15, company=…, **terms): a lease signed on its start day."""
    from incubator.leases import services

    def _signed(units=None, start=dt.date(2024, 1, 15), company=None, **terms):
        lease = services.create_lease(session, park.operator, company or park.company, units or [park.office1],
                                      start_on=start, **terms)
        services.sign_lease(session, park.operator, lease, signed_on=start)
        session.commit()
        return lease

    return _signed
