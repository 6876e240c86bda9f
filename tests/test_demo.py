"""The demo community: exact start-up zones, consistent leases, valid codes, working demo logins."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from stdnum.cn import uscc

from incubator.accounts.models import User
from incubator.audit.models import AuditEntry
from incubator.companies.models import Company, CompanyStatus, IndustryTrack, QualificationKind
from incubator.core.roles import Role
from incubator.demo import DEMO_PASSWORD, database_is_empty, seed_demo
from incubator.leases.models import Lease, LeaseState, LeaseUnit
from incubator.spaces.models import Building, Carrier, Unit, UnitStatus, UnitType

TODAY = dt.date(2026, 11, 22)
STAFF_ROLES = {"admin": Role.ADMIN, "operator": Role.OPERATOR, "reviewer1": Role.REVIEWER,
               "reviewer2": Role.REVIEWER, "reviewer3": Role.REVIEWER, "lead": Role.LEAD, "deputy": Role.DEPUTY,
               "commander": Role.COMMANDER, "supervisor": Role.SUPERVISOR}
MEMBERS = [f"company{i}" for i in range(1, 6)]
# members of the applicant companies (admission demo): company6 with a draft, one per other state
APPLICANT_MEMBERS = ["company6"] + [f"applicant{i:02d}" for i in range(1, 13)]


@pytest.fixture
def demo(session):
    assert database_is_empty(session)
    seed_demo(session, today=TODAY)
    assert not database_is_empty(session)
    return session


def _units(session):
    return session.execute(sa.select(Carrier.code, Unit).join(Building, Unit.building_id == Building.id)
                           .join(Carrier)).all()


def test_start_up_zones_add_up_exactly(demo):
    areas = defaultdict(Decimal)
    for code, unit in _units(demo):
        assert unit.in_startup_zone
        areas[(code, unit.type)] += unit.area
    # KC's labs are carved out of its 15,000 m² of office
    assert dict(areas) == {
        ("KC", UnitType.OFFICE): Decimal("13500.00"), ("KC", UnitType.LAB): Decimal("1500.00"),
        ("ZT", UnitType.FACTORY): Decimal("13000.00"), ("ZT", UnitType.OFFICE): Decimal("37000.00"),
        ("ZT", UnitType.APARTMENT): Decimal("20000.00"), ("HX", UnitType.FACTORY): Decimal("20000.00"),
    }
    startup = dict(demo.execute(sa.select(Carrier.code, Carrier.startup_area)).all())
    assert startup == {"KC": Decimal("15000.00"), "ZT": Decimal("70000.00"), "HX": Decimal("20000.00")}
    assert sum(startup.values()) == Decimal("105000.00")


def test_unit_sizes_rents_and_labels_are_realistic(demo):
    limits = {UnitType.OFFICE: (60, 600, 35, 60), UnitType.FACTORY: (500, 3000, 18, 28),
              UnitType.APARTMENT: (30, 90, 25, 40), UnitType.LAB: (60, 600, 35, 70)}
    units = [u for _c, u in _units(demo)]
    for unit in units:
        lo, hi, rent_lo, rent_hi = limits[unit.type]
        assert lo <= unit.area <= hi, unit.label
        assert rent_lo <= unit.list_rent <= rent_hi, unit.label
        assert unit.number.startswith(str(unit.floor))
    assert any(u.status == UnitStatus.OUT_OF_SERVICE for u in units)
    assert sum(u.type == UnitType.LAB for u in units) >= 3


def test_demo_users_have_their_roles_and_the_demo_password(demo):
    users = {u.username: u for u in demo.scalars(sa.select(User))}
    tenants = {n for n in users if n.startswith("tenant")}  # the claiming tenants' members (subsidy demo)
    assert tenants and all(users[n].role_set == {Role.COMPANY} for n in tenants)
    assert set(users) == set(STAFF_ROLES) | set(MEMBERS) | set(APPLICANT_MEMBERS) | tenants
    for name, role in STAFF_ROLES.items():
        assert users[name].role_set == {role} and users[name].company_id is None
        assert " " in users[name].display_name  # e.g. 运营专员 王敏
    for name in MEMBERS:
        assert users[name].role_set == {Role.COMPANY}
        assert users[name].company.status == CompanyStatus.TENANT
    assert len({users[n].company_id for n in MEMBERS + APPLICANT_MEMBERS}) == len(MEMBERS + APPLICANT_MEMBERS)
    assert users["company6"].role_set == {Role.COMPANY}
    assert users["company6"].company.status == CompanyStatus.APPLICANT
    hasher = PasswordHasher()
    for password_hash in {u.password_hash for u in users.values()}:  # one hash, reused on purpose
        assert hasher.verify(password_hash, DEMO_PASSWORD)


def test_company1_is_a_showcase(demo):
    company = demo.scalar(sa.select(User).where(User.username == "company1")).company
    kinds = {q.kind for q in company.qualifications if q.is_valid_on(TODAY)}
    assert {QualificationKind.TECH_SME, QualificationKind.HIGH_TECH} <= kinds
    signed = demo.scalars(sa.select(Lease).where(Lease.company_id == company.id,
                                                 Lease.state == LeaseState.SIGNED)).all()
    assert [len(lease.units) for lease in signed] == [2]
    assert signed[0].area == sum(lu.unit.area for lu in signed[0].units)


def test_leases_match_unit_status(demo):
    units = [u for _c, u in _units(demo)]
    on_lease = defaultdict(list)
    for lease_unit, state in demo.execute(sa.select(LeaseUnit, Lease.state).join(Lease)).all():
        on_lease[lease_unit.unit_id].append(state)
        assert lease_unit.area == lease_unit.unit.area
    for unit in units:
        states = on_lease[unit.id]
        if unit.status == UnitStatus.LEASED:
            assert states.count(LeaseState.SIGNED) == 1 and LeaseState.DRAFT not in states, unit.label
        elif unit.status == UnitStatus.RESERVED:
            assert states.count(LeaseState.DRAFT) == 1 and LeaseState.SIGNED not in states, unit.label
        else:
            assert not {LeaseState.SIGNED, LeaseState.DRAFT} & set(states), unit.label
    assert any(u.status == UnitStatus.RESERVED for u in units)
    for lease in demo.scalars(sa.select(Lease)):
        assert lease.end_on > lease.start_on
        if lease.state == LeaseState.SIGNED:
            assert lease.company.status == CompanyStatus.TENANT and lease.end_on > TODAY
        if lease.state in (LeaseState.ENDED, LeaseState.TERMINATED):
            assert lease.company.status in (CompanyStatus.EXITED, CompanyStatus.GRADUATED)
            assert lease.ended_on == lease.company.left_on


def test_occupancy_per_carrier_is_meaningful(demo):
    lettable, leased = defaultdict(Decimal), defaultdict(Decimal)
    for code, unit in _units(demo):
        if unit.status != UnitStatus.OUT_OF_SERVICE:
            lettable[code] += unit.area
        if unit.status == UnitStatus.LEASED:
            leased[code] += unit.area
    for code in ("KC", "ZT", "HX"):
        assert Decimal("0.40") <= leased[code] / lettable[code] <= Decimal("0.85"), code


def test_companies_cover_tracks_and_statuses_with_valid_codes(demo):
    companies = demo.scalars(sa.select(Company)).all()
    assert 55 <= len(companies) <= 65  # 60 and 3 more applicants for the admission demo
    codes = [c.credit_code for c in companies]
    assert len(set(codes)) == len(codes)
    assert all(uscc.is_valid(code) for code in codes)
    statuses = {s: sum(c.status == s for c in companies) for s in CompanyStatus}
    # one applicant became a tenant through admission (its lease is signed); two newcomers whose
    # leases await signature are still applicants; the exit demo evicted one tenant, graduated one,
    # and registered a newcomer on a freed unit
    assert statuses[CompanyStatus.TENANT] == 37 and statuses[CompanyStatus.APPLICANT] == 15
    leased = set(demo.scalars(sa.select(Lease.company_id).where(Lease.state == LeaseState.SIGNED)))
    assert all(c.id in leased and c.moved_in_on for c in companies if c.status == CompanyStatus.TENANT)
    assert statuses[CompanyStatus.EXITED] > 0 and statuses[CompanyStatus.GRADUATED] > 0
    assert {c.track for c in companies} == set(IndustryTrack)
    assert sum(c.is_platform for c in companies) == 2
    assert any(c.agent_id for c in companies)
    for c in companies:
        assert c.talents_high_level <= c.talents_bachelor <= c.headcount
        assert c.founded_on < TODAY and c.registered_capital > 0
        if c.status == CompanyStatus.GRADUATED:
            assert any(q.kind == QualificationKind.HIGH_TECH for q in c.qualifications)


def test_seed_is_deterministic_and_audited(session):
    def seed_and_describe():
        savepoint = session.begin_nested()
        seed_demo(session, today=TODAY)
        described = (
            session.execute(sa.select(Company.name, Company.credit_code, Company.status).order_by(Company.id)).all(),
            session.execute(sa.select(Unit.number, Unit.area, Unit.status).order_by(Unit.id)).all(),
            session.execute(sa.select(Lease.number, Lease.state, Lease.start_on).order_by(Lease.id)).all(),
            session.scalars(sa.select(AuditEntry.summary).where(AuditEntry.action == "demo.seed")).all(),
        )
        savepoint.rollback()
        return described

    first = seed_and_describe()
    assert first == seed_and_describe()
    assert first[3] == ["Demo community loaded"]
