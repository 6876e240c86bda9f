"""Admission tests read English pages; `admission_world` is a small community with one applicant."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from incubator.admission import services
from incubator.companies.models import CompanyStatus, IndustryTrack
from incubator.core.formatting import today
from incubator.core.roles import Role
from incubator.spaces.models import Building, Carrier, UnitType

from ..factories import make_company, make_unit, make_user
from .flow import application_data, drive, upload_materials


@pytest.fixture(autouse=True)
def english(client):
    with client.session_transaction() as s:
        s["lang"] = "en"


@pytest.fixture
def admission_world(session):
    """An applicant company (founded ~13 months ago, so financial statements are required) with a
    member and a draft application for 200 m² of office in KC with every required material
    uploaded; an operator, lead, deputy, three reviewers; KC 1栋 offices 101–103 and lab 104 and
    a ZT factory 201, all vacant. `w.advance(state)` takes the application there via the services."""
    kc = Carrier(code="KC", name="水乡科创中心", sort_order=1, total_area=Decimal("130000"),
                 startup_area=Decimal("15000"))
    zt = Carrier(code="ZT", name="中铁水乡科技智造中心", sort_order=2, total_area=Decimal("86000"),
                 startup_area=Decimal("70000"))
    session.add_all([kc, zt])
    session.flush()
    b1, b2 = Building(carrier_id=kc.id, name="1栋"), Building(carrier_id=zt.id, name="智造厂房1栋")
    session.add_all([b1, b2])
    session.flush()
    offices = [make_unit(session, kc, building=b1, number=f"10{i}", floor=1, area=Decimal(a),
                         list_rent=Decimal("45.00")) for i, a in ((1, "120.50"), (2, "79.50"), (3, "150.00"))]
    lab = make_unit(session, kc, building=b1, number="104", floor=1, type=UnitType.LAB, area=Decimal("60.00"),
                    list_rent=Decimal("60.00"))
    factory = make_unit(session, zt, building=b2, number="201", floor=2, type=UnitType.FACTORY,
                        area=Decimal("1000.00"), list_rent=Decimal("25.00"))
    company = make_company(session, name="东莞水乡申请科技有限公司", status=CompanyStatus.APPLICANT,
                           track=IndustryTrack.DIGITAL, founded_on=today() - dt.timedelta(days=400))
    member = make_user(session, Role.COMPANY, company=company, display_name="申请企业 张明")
    w = SimpleNamespace(
        kc=kc, zt=zt, offices=offices, lab=lab, factory=factory, company=company, member=member,
        operator=make_user(session, Role.OPERATOR, display_name="运营 王敏"),
        lead=make_user(session, Role.LEAD, display_name="组长 刘洋"),
        deputy=make_user(session, Role.DEPUTY, display_name="副指挥长 黄志明"),
        reviewers=[make_user(session, Role.REVIEWER, display_name=f"专家{i}") for i in (1, 2, 3)],
    )
    w.app = services.create_application(session, member, company, application_data(kc.id))
    upload_materials(session, member, w.app)
    session.commit()

    def advance(target, admit: bool = True):
        """Take the draft application to `target` through the services (see flow.drive); committed."""
        drive(session, w, w.app, target, admit=admit)
        session.commit()
        return w.app

    w.advance = advance
    return w
