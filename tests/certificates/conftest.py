from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader
from werkzeug.datastructures import FileStorage

from incubator.companies.models import Qualification, QualificationKind
from incubator.core.roles import Role
from incubator.documents import services as documents
from incubator.leases.models import Lease, LeaseState, LeaseUnit
from tests.documents import files
from tests.factories import make_company, make_unit, make_user


def pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def company(session):
    """A tenant with a qualification, a lease on two units and two documents (one with two versions)."""
    company = make_company(session, name="东莞水乡智造科技有限公司", address="东莞市麻涌镇水乡大道1号",
                           headcount=36, talents_bachelor=20, talents_high_level=3, ip_invention=4, ip_software=7)
    session.add(Qualification(company_id=company.id, kind=QualificationKind.HIGH_TECH, certificate_no="GR202444001234",
                              obtained_on=dt.date(2024, 12, 1), expires_on=dt.date(2027, 11, 30)))
    lease = Lease(number="SX-ZL-2025-001", company_id=company.id, start_on=dt.date(2025, 3, 1),
                  end_on=dt.date(2028, 2, 29), rent_per_m2=Decimal("35.00"), property_fee_per_m2=Decimal("5.00"),
                  deposit=Decimal("20000.00"), state=LeaseState.SIGNED, signed_on=dt.date(2025, 2, 20))
    for unit in (make_unit(session), make_unit(session)):
        lease.units.append(LeaseUnit(unit_id=unit.id, area=unit.area))
    session.add(lease)
    operator = make_user(session, Role.OPERATOR)
    doc = documents.upload_document(session, operator, company, category="business_licence", title="营业执照",
                                    file_storage=FileStorage(io.BytesIO(files.PDF), "营业执照.pdf"))
    documents.add_version(session, operator, doc, FileStorage(io.BytesIO(files.image()), "营业执照-2025.png"))
    documents.upload_document(session, operator, company, category="financial_statements", title="2025年度财务报表",
                              file_storage=FileStorage(io.BytesIO(files.xlsx()), "财务报表.xlsx"))
    session.commit()
    return company


@pytest.fixture(autouse=True)
def _in_english(request):
    if "committed_db" not in request.fixturenames:  # concurrency tests run without the test client
        request.getfixturevalue("english")
