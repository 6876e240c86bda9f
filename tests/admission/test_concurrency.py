"""Concurrent admission decisions and allocations on PostgreSQL: a unit is never given twice,
an application never gets two leases, and one decision wins."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from incubator.accounts.models import User
from incubator.admission import services
from incubator.admission.models import Application
from incubator.admission.models import ApplicationState as S
from incubator.audit.models import AuditEntry
from incubator.audit.services import verify_chain
from incubator.companies.models import CompanyStatus, IndustryTrack
from incubator.core.errors import ConcurrentChange
from incubator.core.models import WorkflowEvent
from incubator.core.roles import Role
from incubator.db import db
from incubator.leases.models import Lease, LeaseUnit
from incubator.spaces.models import Unit, UnitStatus, UnitType
from incubator.spaces.workflow import UnitNotAvailable

from ..concurrency import race
from ..conftest import IS_PG
from ..factories import make_company, make_unit, make_user

pytestmark = pytest.mark.skipif(not IS_PG, reason="real row locks: PostgreSQL only")
TERMS = dict(start_on=dt.date(2027, 1, 1), rent_per_m2=Decimal("45.00"), deposit=Decimal("10000.00"))


def _applications(s, n: int, state: S, carrier_id: int) -> list[int]:
    policy_id = services.current_policy(s, carrier_id, IndustryTrack.DIGITAL).id
    ids = []
    for i in range(n):
        company = make_company(s, status=CompanyStatus.APPLICANT)
        app = Application(number=f"SQ-C-{company.id}-{i}", company_id=company.id, policy_id=policy_id,
                          carrier_id=carrier_id, state=state, track=IndustryTrack.DIGITAL, unit_type=UnitType.OFFICE,
                          area_requested=Decimal("100"), project_name=f"并发项目{i}", will_move_registration=True)
        s.add(app)
        s.flush()
        ids.append(app.id)
    return ids


def _count(s, model, *where) -> int:
    return s.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


@pytest.mark.parametrize("n", [2, 8])
def test_admitted_applications_racing_for_one_unit(committed_db, n):
    setup = db.Session()
    operators = [make_user(setup, Role.OPERATOR) for _ in range(n)]
    unit = make_unit(setup)
    app_ids = _applications(setup, n, S.ADMITTED, unit.building.carrier_id)
    setup.commit()
    unit_id, pairs = unit.id, list(zip(app_ids, [o.id for o in operators], strict=True))
    setup.close()

    def attempt(s, pair, barrier):
        app_id, operator_id = pair
        app, operator, target = s.get(Application, app_id), s.get(User, operator_id), s.get(Unit, unit_id)
        barrier.wait()
        services.allocate_units(s, operator, app, [target], **TERMS)
        return "ok"

    outcomes = race(pairs, attempt)
    assert sorted(outcomes) == [UnitNotAvailable.__name__] * (n - 1) + ["ok"], outcomes
    check = db.Session()
    try:
        unit = check.get(Unit, unit_id)
        assert unit.status == UnitStatus.RESERVED and unit.version == 2
        assert _count(check, Lease) == 1 and _count(check, LeaseUnit) == 1
        assert _count(check, WorkflowEvent, WorkflowEvent.object_type == "unit", WorkflowEvent.action == "reserve") == 1
        with_lease = check.scalars(sa.select(Application).where(Application.lease_id.is_not(None))).all()
        assert len(with_lease) == 1 and with_lease[0].lease.company_id == with_lease[0].company_id
        assert _count(check, AuditEntry, AuditEntry.action == "application.allocate") == 1
        assert check.scalar(sa.select(Lease.number)).endswith("-0001")  # the losers left no gap
        assert verify_chain(check)[0]
    finally:
        check.close()


def test_one_application_allocated_twice_at_once(committed_db):
    n = 4
    setup = db.Session()
    operators = [make_user(setup, Role.OPERATOR) for _ in range(n)]
    first = make_unit(setup)
    units = [first] + [make_unit(setup, first.building.carrier, building=first.building, number=f"U{i}")
                       for i in range(n - 1)]
    (app_id,) = _applications(setup, 1, S.ADMITTED, first.building.carrier_id)
    setup.commit()
    pairs = list(zip([u.id for u in units], [o.id for o in operators], strict=True))
    setup.close()

    def attempt(s, pair, barrier):
        unit_id, operator_id = pair
        app, operator, target = s.get(Application, app_id), s.get(User, operator_id), s.get(Unit, unit_id)
        barrier.wait()
        services.allocate_units(s, operator, app, [target], **TERMS)
        return "ok"

    outcomes = race(pairs, attempt)
    assert sorted(outcomes) == [ConcurrentChange.__name__] * (n - 1) + ["ok"], outcomes
    check = db.Session()
    try:
        lease = check.scalars(sa.select(Lease)).one()
        app = check.get(Application, app_id)
        assert app.lease_id == lease.id and len(lease.units) == 1
        statuses = [check.get(Unit, u).status for u, _o in pairs]
        assert sorted(statuses) == sorted([UnitStatus.RESERVED] + [UnitStatus.VACANT] * (n - 1))
        assert check.get(Unit, lease.units[0].unit_id).status == UnitStatus.RESERVED
        assert _count(check, AuditEntry, AuditEntry.action == "application.allocate") == 1
        assert _count(check, AuditEntry, AuditEntry.action == "lease.create") == 1
        assert verify_chain(check)[0]
    finally:
        check.close()


def test_eight_deputies_decide_at_once(committed_db):
    n = 8
    setup = db.Session()
    deputies = [make_user(setup, Role.DEPUTY) for _ in range(n)]
    unit = make_unit(setup)
    (app_id,) = _applications(setup, 1, S.DECISION, unit.building.carrier_id)
    setup.commit()
    votes = [(d.id, i % 2 == 0) for i, d in enumerate(deputies)]  # half admit, half reject
    setup.close()

    def attempt(s, vote, barrier):
        deputy_id, admit = vote
        app, deputy = s.get(Application, app_id), s.get(User, deputy_id)
        barrier.wait()
        services.decide(s, deputy, app, admit=admit, reason="经现场指挥部研究决定")
        return "admitted" if admit else "rejected"

    outcomes = race(votes, attempt)
    winners = [o for o in outcomes if o in ("admitted", "rejected")]
    assert len(winners) == 1 and outcomes.count(ConcurrentChange.__name__) == n - 1, outcomes
    check = db.Session()
    try:
        app = check.get(Application, app_id)
        assert app.state.value == winners[0] and app.version == 2 and app.decided_at is not None
        decisions = check.scalars(sa.select(WorkflowEvent).where(
            WorkflowEvent.object_type == "application", WorkflowEvent.object_id == app_id)).all()
        assert len(decisions) == 1 and decisions[0].action in ("admit", "reject")
        assert _count(check, AuditEntry, AuditEntry.action.in_(["application.admit", "application.reject"]),
                      AuditEntry.object_id == app_id) == 1
        assert verify_chain(check)[0]
    finally:
        check.close()
