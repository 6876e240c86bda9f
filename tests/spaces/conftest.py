"""A small community with hand-computed occupancy (see test_occupancy.py)."""
from decimal import Decimal
from types import SimpleNamespace

import pytest

from incubator.spaces.models import Building, Carrier
from incubator.spaces.models import UnitStatus as S
from incubator.spaces.models import UnitType as T

from ..factories import make_unit


def _carrier(session, code, name, order, total, startup):
    c = Carrier(code=code, name=name, sort_order=order, total_area=Decimal(total), startup_area=Decimal(startup),
                role="测试载体")
    session.add(c)
    session.flush()
    return c


def _building(session, carrier, name):
    b = Building(carrier_id=carrier.id, name=name)
    session.add(b)
    session.flush()
    return b


@pytest.fixture
def community(session):
    """Carrier A (科创中心): offices 100 leased, 50.50 reserved, 49.50 vacant, 200 out of service;
    factories 300 leased, 100 vacant. Carrier B (智造中心): lab 80 leased, apartments 40 vacant and
    60 out of service. Carrier C: no units yet."""
    a = _carrier(session, "KC", "水乡科创中心", 1, "130000", "15000")
    b = _carrier(session, "ZZ", "中铁水乡科技智造中心", 2, "86000", "70000")
    c = _carrier(session, "HX", "水乡河西数字产业区", 3, "410000", "20000")
    a1, a2 = _building(session, a, "1栋"), _building(session, a, "2栋")
    b1 = _building(session, b, "A座")

    def unit(building, number, floor, type_, area, status):
        return make_unit(session, building.carrier, building=building, number=number, floor=floor, type=type_,
                         area=Decimal(area), status=status)

    units = SimpleNamespace(
        a_office_leased=unit(a1, "301", 3, T.OFFICE, "100.00", S.LEASED),
        a_office_reserved=unit(a1, "302", 3, T.OFFICE, "50.50", S.RESERVED),
        a_office_vacant=unit(a1, "401", 4, T.OFFICE, "49.50", S.VACANT),
        a_office_oos=unit(a1, "402", 4, T.OFFICE, "200.00", S.OUT_OF_SERVICE),
        a_factory_leased=unit(a2, "101", 1, T.FACTORY, "300.00", S.LEASED),
        a_factory_vacant=unit(a2, "102", 1, T.FACTORY, "100.00", S.VACANT),
        b_lab_leased=unit(b1, "501", 5, T.LAB, "80.00", S.LEASED),
        b_apt_vacant=unit(b1, "601", 6, T.APARTMENT, "40.00", S.VACANT),
        b_apt_oos=unit(b1, "602", 6, T.APARTMENT, "60.00", S.OUT_OF_SERVICE),
    )
    # A request that fails rolls the shared session back; committing here (a savepoint in
    # tests) keeps the fixture through that. Everything still goes at the end of the test.
    session.commit()
    return SimpleNamespace(a=a, b=b, c=c, a1=a1, a2=a2, b1=b1, units=units)




@pytest.fixture
def login(login, session):
    """The shared login fixture, committed (see `community`) so a refused request keeps the user."""
    def _login(who=None, company=None):
        user = login(who, company)
        session.commit()
        return user

    return _login
