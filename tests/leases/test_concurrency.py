"""Eight operators draft a lease on the same vacant unit at the same instant: exactly one wins."""
import datetime as dt

import pytest
import sqlalchemy as sa

from incubator.accounts.models import User
from incubator.audit.models import AuditEntry
from incubator.audit.services import verify_chain
from incubator.companies.models import Company
from incubator.core.models import WorkflowEvent
from incubator.core.roles import Role
from incubator.db import db
from incubator.leases.models import Lease, LeaseUnit
from incubator.leases.services import create_lease
from incubator.spaces.models import Unit, UnitStatus

from ..concurrency import race
from ..conftest import IS_PG
from ..factories import make_company, make_unit, make_user

N = 8


@pytest.mark.skipif(not IS_PG, reason="real row locks: PostgreSQL only")
def test_one_unit_one_lease(committed_db):
    setup = db.Session()
    operators = [make_user(setup, Role.OPERATOR) for _ in range(N)]
    companies = [make_company(setup) for _ in range(N)]
    unit = make_unit(setup)
    setup.commit()
    unit_id = unit.id
    pairs = [(o.id, c.id) for o, c in zip(operators, companies, strict=True)]
    setup.close()

    def attempt(s, pair, barrier):
        user, company, target = s.get(User, pair[0]), s.get(Company, pair[1]), s.get(Unit, unit_id)
        barrier.wait()
        create_lease(s, user, company, [target], start_on=dt.date(2026, 1, 1))
        return "ok"

    outcomes = race(pairs, attempt)
    assert sorted(outcomes) == ["UnitNotAvailable"] * (N - 1) + ["ok"]
    check = db.Session()
    try:
        unit = check.get(Unit, unit_id)
        assert unit.status == UnitStatus.RESERVED and unit.version == 2
        assert check.scalar(sa.select(sa.func.count()).select_from(Lease)) == 1
        assert check.scalar(sa.select(sa.func.count()).select_from(LeaseUnit)) == 1
        assert check.scalar(sa.select(sa.func.count()).select_from(WorkflowEvent).where(
            WorkflowEvent.object_type == "unit", WorkflowEvent.object_id == unit_id)) == 1
        assert check.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "unit.reserve", AuditEntry.object_id == unit_id)) == 1
        assert check.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "lease.create")) == 1
        assert check.scalar(sa.select(Lease.number)).endswith("-0001")  # the losers left no gap
        assert verify_chain(check)[0]
    finally:
        check.close()


@pytest.mark.skipif(not IS_PG, reason="real row locks: PostgreSQL only")
def test_different_units_all_succeed_with_distinct_numbers(committed_db):
    setup = db.Session()
    operator = make_user(setup, Role.OPERATOR)
    company = make_company(setup)
    first = make_unit(setup)
    units = [first] + [make_unit(setup, first.building.carrier, building=first.building, number=f"U{i}")
                       for i in range(N - 1)]
    setup.commit()
    operator_id, company_id, unit_ids = operator.id, company.id, [u.id for u in units]
    setup.close()

    def attempt(s, unit_id, barrier):
        user, comp, target = s.get(User, operator_id), s.get(Company, company_id), s.get(Unit, unit_id)
        barrier.wait()
        return create_lease(s, user, comp, [target], start_on=dt.date(2026, 1, 1)).number

    outcomes = race(unit_ids, attempt)
    assert sorted(int(n.rsplit("-", 1)[1]) for n in outcomes) == list(range(1, N + 1)), outcomes
