"""Exit tests read English pages. `world`: a tenant (东莞退出测试科技有限公司) on office 101
(120.50 m² at ¥45, deposit ¥10,845.00) since the first of the month thirteen months ago, its rent
charged and paid up to the current month; another tenant; an admission certificate of the
tenant; and a user for every role (two operators, leads and commanders for four eyes)."""
from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal
from types import SimpleNamespace

import pytest

from incubator.admission.rules import add_months
from incubator.certificates.models import IssuedDocument
from incubator.companies.models import CompanyStatus
from incubator.core.formatting import today
from incubator.core.roles import Role
from incubator.leases import ledger
from incubator.leases import services as leases
from incubator.spaces.models import Building, Carrier

from ..factories import make_company, make_unit, make_user

RENT = Decimal("45.00")
DEPOSIT = Decimal("10845.00")
MONTHLY = Decimal("5422.50")  # 120.50 m² × ¥45


@pytest.fixture(autouse=True)
def english_everywhere(english):
    """Pages and service messages in English (tests/conftest.py::english)."""


def lease_start() -> dt.date:
    return add_months(today().replace(day=1), -13)


def tenant_with_lease(session, operator, unit, name: str, start: dt.date | None = None, paid: bool = True, **kw):
    """A company that became a tenant by signing a lease on `unit` on its start day; its rent charged
    up to today and (if `paid`) paid in full."""
    company = make_company(session, name=name, status=CompanyStatus.APPLICANT, **kw)
    start = start or lease_start()
    lease = leases.create_lease(session, operator, company, [unit], start_on=start, rent_per_m2=RENT,
                                deposit=DEPOSIT)
    leases.sign_lease(session, operator, lease, signed_on=start)
    ledger.generate_charges(session, operator, lease, today())
    if paid:
        for charge in ledger.lease_charges(session, lease.id):
            ledger.record_payment(session, operator, charge, charge.amount, min(charge.period_start, today()))
    session.refresh(company)
    return company, lease


def certificate(session, company, number: str | None = None) -> IssuedDocument:
    """An admission certificate of the company, as the admission module records one (the PDF file
    itself does not matter to the exit)."""
    doc = IssuedDocument(number=number or f"SX-RZ-2025-{secrets.randbelow(99999):05d}", kind="admission_certificate",
                         title="入驻证书", company_id=company.id, subject_type="application", subject_id=1,
                         verify_code=secrets.token_urlsafe(16), data_fingerprint="0" * 64, sha256="0" * 64,
                         storage_key=secrets.token_hex(16), size=1)
    session.add(doc)
    session.flush()
    return doc


@pytest.fixture
def world(session):
    carrier = Carrier(code="TC", name="水乡科创中心（退出测试）", sort_order=1, total_area=Decimal("130000"),
                      startup_area=Decimal("15000"))
    session.add(carrier)
    session.flush()
    building = Building(carrier_id=carrier.id, name="1栋")
    session.add(building)
    session.flush()
    w = SimpleNamespace(session=session, carrier=carrier)
    w.office1 = make_unit(session, carrier, building=building, number="101", floor=1, area=Decimal("120.50"),
                          list_rent=RENT)
    w.office2 = make_unit(session, carrier, building=building, number="102", floor=1, area=Decimal("79.50"),
                          list_rent=Decimal("50.00"))
    people = {"operator": Role.OPERATOR, "operator2": Role.OPERATOR, "admin": Role.ADMIN, "lead": Role.LEAD,
              "lead2": Role.LEAD, "commander": Role.COMMANDER, "commander2": Role.COMMANDER,
              "deputy": Role.DEPUTY, "supervisor": Role.SUPERVISOR, "reviewer": Role.REVIEWER}
    for name, role in people.items():
        setattr(w, name, make_user(session, role, display_name=f"{name} 测试"))
    w.company, w.lease = tenant_with_lease(session, w.operator, w.office1, "东莞退出测试科技有限公司")
    w.member = make_user(session, Role.COMPANY, company=w.company, display_name="企业 张明")
    w.other = make_company(session, name="东莞另一家科技有限公司", status=CompanyStatus.TENANT,
                           moved_in_on=lease_start())
    w.other_member = make_user(session, Role.COMPANY, company=w.other, display_name="另一家 李华")
    w.certificate = certificate(session, w.company)
    session.commit()
    return w
