"""Subsidy tests read English pages; `subsidy_world` is a small community with one tenant whose
rent for January–June 2026 is paid, a fund pool, an open batch and a user for every role."""
from __future__ import annotations

import datetime as dt
import io
import itertools
from decimal import Decimal
from types import SimpleNamespace

import pytest
from werkzeug.datastructures import FileStorage

from incubator.companies.models import CompanyStatus, Qualification, QualificationKind
from incubator.core.formatting import today
from incubator.core.roles import Role
from incubator.demo import tiny_pdf
from incubator.funds.models import FundPool, FundProgram, FundSource
from incubator.leases.models import Lease, LeaseState, LeaseUnit, RentCharge
from incubator.leases.rules import month_end
from incubator.spaces.models import UnitStatus
from incubator.subsidies import batches, rules, services
from incubator.subsidies.models import SubsidyPolicy, SupportType

from ..factories import make_company, make_unit, make_user

_seq = itertools.count(1)
MOVED_IN = dt.date(2026, 1, 1)
PERIOD = (dt.date(2026, 1, 1), dt.date(2026, 6, 30))
MONTHLY_RENT = Decimal("5000.00")  # 100 m² × ¥50
FULL_AMOUNT = Decimal("30000.00")  # six months in the first tenancy year: 100%
DECLARED_CONFIG = {key: rules.DEFAULT_RENT_CONFIG[key] for key in rules.COMMON_KEYS} | {"max_amount": None}


@pytest.fixture(autouse=True)
def english_everywhere(english):
    """Pages and service messages in English (tests/conftest.py::english)."""


def evidence_file(name: str = "rent-receipt") -> FileStorage:
    return FileStorage(io.BytesIO(tiny_pdf(f"payment {name}")), f"{name}.pdf")


def support_type(session, calculator: str = "rent") -> SupportType:
    """A support type of its own with policy v1 (the shipped ones may have been cleared by a
    concurrency test's clean-up)."""
    n = next(_seq)
    st = SupportType(code=f"{calculator}_t{n}", name=f"测试扶持{n}", name_en=f"Test support {n}", calculator=calculator,
                     active=True, position=100 + n)
    session.add(st)
    session.flush()
    config = dict(rules.DEFAULT_RENT_CONFIG) if calculator == "rent" else dict(DECLARED_CONFIG)
    session.add(SubsidyPolicy(support_type_id=st.id, version=1, effective_from=dt.date(2024, 1, 1), config=config,
                              note="测试政策"))
    session.flush()
    return st


def fund_pool(session, allocated: Decimal = Decimal("1000000.00")) -> FundPool:
    n = next(_seq)
    program = FundProgram(name=f"测试专项经费{n}", config={"phase_cap": "10000000", "max_city_phases": 3,
                                                      "matching_ratio": "1"})
    session.add(program)
    session.flush()
    pool = FundPool(program_id=program.id, source=FundSource.CITY, phase=1, name=f"市专项经费第一期{n}",
                    allocated=allocated, opened_on=dt.date(2026, 1, 1))
    session.add(pool)
    session.flush()
    return pool


def tenant(session, name: str, *, area: Decimal = Decimal("100.00"), months: int = 6, qualified: bool = True):
    """A high-tech tenant (moved in 2026-01-01) on one office at ¥50/m², its first `months`
    monthly charges of 2026 paid in full, nothing overdue."""
    company = make_company(session, name=name, status=CompanyStatus.TENANT, moved_in_on=MOVED_IN)
    if qualified:
        session.add(Qualification(company_id=company.id, kind=QualificationKind.HIGH_TECH, certificate_no="GR2025",
                                  obtained_on=dt.date(2025, 1, 1)))
    unit = make_unit(session, area=area, status=UnitStatus.LEASED)
    lease = Lease(number=f"ZL-T-{company.id}", company_id=company.id, start_on=MOVED_IN, end_on=dt.date(2028, 12, 31),
                  rent_per_m2=Decimal("50.00"), property_fee_per_m2=Decimal("5.00"), deposit=Decimal("10000.00"),
                  state=LeaseState.SIGNED, signed_on=dt.date(2025, 12, 20), units=[LeaseUnit(unit_id=unit.id, area=area)])
    session.add(lease)
    session.flush()
    for month in range(1, months + 1):
        start = dt.date(2026, month, 1)
        rent, fee = area * Decimal("50.00"), area * Decimal("5.00")
        session.add(RentCharge(lease_id=lease.id, company_id=company.id, period_start=start, period_end=month_end(start),
                               due_on=start + dt.timedelta(days=10), rent_per_m2=lease.rent_per_m2, rent=rent, property_fee=fee, paid=rent + fee,
                               settled_on=start + dt.timedelta(days=5)))
    session.flush()
    session.refresh(company)
    return company


@pytest.fixture
def subsidy_world(session):
    """One tenant (东莞水乡补贴科技有限公司) and its member, another tenant with its member, an
    applicant; staff of every role; a ¥1,000,000 city pool; a rent support type and a declared
    one, each with policy v1; the open batch PC-…: intake from three days ago for two weeks,
    covering January–June 2026. `w.claim()` starts the tenant's claim with one evidence file;
    `w.to(claim, state)` takes it there through the services."""
    w = SimpleNamespace(session=session)
    w.rent_type, w.declared_type = support_type(session, "rent"), support_type(session, "declared")
    w.pool = fund_pool(session)
    w.company = tenant(session, "东莞水乡补贴科技有限公司")
    w.member = make_user(session, Role.COMPANY, company=w.company, display_name="企业 张明")
    w.other = tenant(session, "东莞另一家科技有限公司")
    w.other_member = make_user(session, Role.COMPANY, company=w.other, display_name="另一家 李华")
    w.applicant = make_company(session, name="申请中科技有限公司", status=CompanyStatus.APPLICANT)
    w.applicant_member = make_user(session, Role.COMPANY, company=w.applicant)
    people = {"operator": Role.OPERATOR, "operator2": Role.OPERATOR, "admin": Role.ADMIN, "lead": Role.LEAD,
              "deputy": Role.DEPUTY, "commander": Role.COMMANDER, "supervisor": Role.SUPERVISOR,
              "reviewer": Role.REVIEWER}
    for name, role in people.items():
        setattr(w, name, make_user(session, role, display_name=f"{name} 测试"))
    w.batch = open_batch(session, w.operator, w.rent_type, w.pool)
    session.commit()

    def claim(company_member=None, batch=None, files: int = 1):
        member = company_member or w.member
        c = services.start_claim(session, member, batch or w.batch)
        for i in range(files):
            services.upload_evidence(session, member, c, evidence_file(f"receipt-{i}"))
        session.commit()
        return c

    def to(c, state: str, member=None):
        drive(session, w, c, state, member=member or w.member)
        session.commit()
        return c

    w.claim, w.to = claim, to
    return w


def open_batch(session, actor, st: SupportType, pool: FundPool, period=PERIOD, name: str = "2026年上半年租金补贴"):
    day = today()
    return batches.create_batch(session, actor, name=name, support_type=st, fund_pool=pool,
                                intake_opens_on=day - dt.timedelta(days=3), intake_closes_on=day + dt.timedelta(days=14),
                                period_start=period[0], period_end=period[1])


# the path `drive` follows
PATH = ["draft", "submitted", "verified", "approved", "in_notice", "disbursed"]


def drive(session, w, claim, state: str, member=None):
    """Take a draft claim (with evidence) to `state` as the people of `w` would. Batch steps
    run with their dates moved: the intake closes and the notice ends 'yesterday'."""
    member = member or w.member
    if state == "draft":
        return claim
    if state == "withdrawn":
        return services.withdraw(session, member, claim, "不再申请")
    services.submit(session, member, claim)
    if state in ("returned", "resubmitted", "lapsed"):
        services.return_claim(session, w.operator, claim, "请补充2026年3月的银行回单")
        if state == "resubmitted":
            services.resubmit(session, member, claim)
        elif state == "lapsed":
            services.lapse_overdue(session, day=claim.due_on + dt.timedelta(days=1))
        return claim
    if state == "submitted":
        return claim
    if state == "rejected":
        return services.reject(session, w.operator, claim, "不符合申报条件")
    services.verify(session, w.operator, claim)
    if state == "verified":
        return claim
    services.approve(session, w.lead, claim)
    if state == "approved":
        return claim
    batch = claim.batch
    batch.intake_closes_on = today() - dt.timedelta(days=1)
    session.flush()
    batches.close_intake(session, w.operator, batch)
    batches.start_notice(session, w.operator, batch)
    if state == "in_notice":
        return claim
    end_notice(session, batch)
    batches.finish_notice(session, w.operator, batch)
    return services.disburse(session, w.operator, claim, reference="GDRC-2026-0001", paid_on=today())


def end_notice(session, batch) -> None:
    """Time passes: the batch's notice ran from twelve days ago until yesterday."""
    batch.notice_starts_on, batch.notice_ends_on = today() - dt.timedelta(days=12), today() - dt.timedelta(days=1)
    session.flush()
