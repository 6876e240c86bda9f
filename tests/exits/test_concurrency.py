"""Concurrent exits on PostgreSQL: an exit is executed exactly once, and a company never gets two
open cases, however many people (and the daily job) act at the same moment."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from incubator.accounts.models import User
from incubator.audit.models import AuditEntry
from incubator.audit.services import verify_chain
from incubator.certificates.models import IssuedDocument
from incubator.companies.models import Company, CompanyStatus
from incubator.core.formatting import today
from incubator.core.models import WorkflowEvent
from incubator.core.roles import Role
from incubator.db import db
from incubator.exits import services, triggers
from incubator.exits.models import ExitCase
from incubator.exits.models import ExitState as S
from incubator.leases.models import Lease, LeaseState
from incubator.spaces.models import Unit, UnitStatus
from incubator.subsidies.models import Clawback

from ..concurrency import race
from ..conftest import IS_PG
from ..factories import make_unit, make_user
from ..funds.data import make_paid_claim, make_pool
from .conftest import certificate, tenant_with_lease
from .flow import ALL_DONE

pytestmark = pytest.mark.skipif(not IS_PG, reason="real row locks: PostgreSQL only")


def _count(s, model, *where) -> int:
    return s.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


@pytest.mark.parametrize("n", [2, 6])
def test_an_exit_is_executed_exactly_once(committed_db, app, n):
    setup = db.Session()
    operators = [make_user(setup, Role.OPERATOR) for _ in range(n)]
    lead, commander = make_user(setup, Role.LEAD), make_user(setup, Role.COMMANDER)
    unit = make_unit(setup)
    company, lease = tenant_with_lease(setup, operators[0], unit, "并发退出科技有限公司")
    member = make_user(setup, Role.COMPANY, company=company)
    make_paid_claim(setup, operators[0], company, make_pool(setup, operators[0]), "8000.00",
                    today() - dt.timedelta(days=90))
    cert = certificate(setup, company)
    case = services.raise_case(setup, operators[0], company, kind="breach", breach_type="fees_unpaid",
                               reason="经催告仍欠缴物业费", planned_exit_on=today())
    services.respond(setup, member, case, response="无异议", agrees=True)
    services.prepare(setup, operators[0], case, exit_on=today(), departure_approved=False, damage="0",
                     checklist=ALL_DONE)
    services.review(setup, lead, case)
    services.decide(setup, commander, case, approve=True, reason="同意清退")
    setup.commit()
    ids = dict(case=case.id, company=company.id, lease=lease.id, unit=unit.id, cert=cert.id)
    targets = [o.id for o in operators]
    setup.close()

    def attempt(s, operator_id, barrier):
        actor, target = s.get(User, operator_id), s.get(ExitCase, ids["case"])
        barrier.wait()
        services.execute(s, actor, target)
        return "ok"

    outcomes = race(targets, attempt, app=app)
    assert outcomes.count("ok") == 1, outcomes
    assert set(outcomes) - {"ok"} <= {"ConcurrentChange", "TransitionNotAllowed"}, outcomes
    check = db.Session()
    try:
        assert check.get(ExitCase, ids["case"]).state == S.EXECUTED
        assert check.get(Company, ids["company"]).status == CompanyStatus.EXITED
        assert check.get(Lease, ids["lease"]).state == LeaseState.TERMINATED
        assert check.get(Unit, ids["unit"]).status == UnitStatus.VACANT
        assert check.get(IssuedDocument, ids["cert"]).revoked_at is not None
        assert _count(check, Clawback) == 1
        assert _count(check, WorkflowEvent, WorkflowEvent.object_type == "exit_case",
                      WorkflowEvent.action == "execute") == 1
        assert _count(check, WorkflowEvent, WorkflowEvent.object_type == "unit",
                      WorkflowEvent.action == "release") == 1
        assert _count(check, AuditEntry, AuditEntry.action == "company.leave") == 1
        assert verify_chain(check)[0]
    finally:
        check.close()


def test_one_open_case_per_company_when_raised_at_once(committed_db, app):
    setup = db.Session()
    operators = [make_user(setup, Role.OPERATOR) for _ in range(3)]
    unit = make_unit(setup)
    company, lease = tenant_with_lease(setup, operators[0], unit, "并发提出科技有限公司")
    member = make_user(setup, Role.COMPANY, company=company)
    lease.end_on = today() + dt.timedelta(days=30)  # the daily job would propose it too
    setup.commit()
    company_id, people = company.id, [o.id for o in operators] + [member.id, None]
    setup.close()

    def attempt(s, user_id, barrier):
        barrier.wait()
        if user_id is None:
            return len(triggers.propose_exits(s)[0])
        actor, target = s.get(User, user_id), s.get(Company, company_id)
        if actor.has_role(Role.COMPANY):
            services.request_exit(s, actor, reason="迁出", planned_exit_on=today())
        else:
            services.raise_case(s, actor, target, kind="breach", breach_type="sublet", reason="转租",
                                planned_exit_on=today())
        return "ok"

    outcomes = race(people, attempt, app=app)
    assert outcomes.count("ok") + outcomes.count(1) == 1, outcomes
    check = db.Session()
    try:
        assert _count(check, ExitCase, ExitCase.company_id == company_id) == 1
    finally:
        check.close()
