"""The transition helper: table, roles, owner, segregation of duties, exactly-once, history, audit."""
import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from incubator.accounts.models import User
from incubator.audit.models import AuditEntry
from incubator.core.errors import (
    ConcurrentChange,
    DomainError,
    PermissionDenied,
    SegregationOfDuties,
    TransitionNotAllowed,
)
from incubator.core.models import WorkflowEvent
from incubator.core.roles import Role
from incubator.core.workflow import Workflow, history, rule
from incubator.db import db
from incubator.leases.models import Lease
from incubator.leases.models import LeaseState as S

from ..concurrency import race
from ..conftest import IS_PG
from ..factories import make_company, make_user

# A small workflow on the Lease table, only for exercising the helper.
FLOW = Workflow("test_lease", Lease, [
    rule("submit", S.DRAFT, S.SIGNED, owner=True),
    rule("approve", S.SIGNED, S.ENDED, roles=[Role.LEAD], not_after=["submit", "prepare"]),
    rule("reject", S.SIGNED, S.TERMINATED, roles=[Role.LEAD], needs_comment=True),
])


def _lease(session, company):
    lease = Lease(number=f"T-{company.id}", company_id=company.id, start_on=dt.date(2026, 1, 1),
                  end_on=dt.date(2028, 12, 31), rent_per_m2=Decimal("40"), property_fee_per_m2=Decimal("5"),
                  deposit=Decimal("1000.00"))
    session.add(lease)
    session.flush()
    return lease


def test_owner_moves_and_history_and_audit_are_written(session):
    member = make_user(session, Role.COMPANY)
    lease = _lease(session, member.company)
    FLOW.apply(session, member, lease, "submit", comment="请审核")
    assert lease.state == S.SIGNED and lease.version == 2
    events = history(session, "test_lease", lease.id)
    assert [(e.action, e.from_state, e.to_state, e.comment) for e in events] == [("submit", "draft", "signed", "请审核")]
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "test_lease.submit"))
    assert entry.before == {"state": "draft"} and entry.after["state"] == "signed"


def test_other_company_member_is_not_owner(session):
    lease = _lease(session, make_company(session))
    stranger = make_user(session, Role.COMPANY)
    with pytest.raises(PermissionDenied):
        FLOW.apply(session, stranger, lease, "submit")


def test_action_not_in_table_for_state(session):
    member = make_user(session, Role.COMPANY)
    lease = _lease(session, member.company)
    with pytest.raises(TransitionNotAllowed):
        FLOW.apply(session, make_user(session, Role.LEAD), lease, "approve")


def test_role_required(session):
    member = make_user(session, Role.COMPANY)
    lease = _lease(session, member.company)
    FLOW.apply(session, member, lease, "submit")
    with pytest.raises(PermissionDenied):
        FLOW.apply(session, make_user(session, Role.OPERATOR), lease, "approve")


def test_segregation_of_duties(session):
    # one person who is both a member and a lead cannot approve what they submitted
    member = make_user(session, Role.COMPANY, Role.LEAD)
    lease = _lease(session, member.company)
    FLOW.apply(session, member, lease, "submit")
    with pytest.raises(SegregationOfDuties):
        FLOW.apply(session, member, lease, "approve")
    FLOW.apply(session, make_user(session, Role.LEAD), lease, "approve")
    assert lease.state == S.ENDED


def test_reason_required(session):
    member = make_user(session, Role.COMPANY)
    lease = _lease(session, member.company)
    FLOW.apply(session, member, lease, "submit")
    with pytest.raises(DomainError):
        FLOW.apply(session, make_user(session, Role.LEAD), lease, "reject", comment="   ")


def test_available_actions(session):
    member = make_user(session, Role.COMPANY)
    lead = make_user(session, Role.LEAD)
    lease = _lease(session, member.company)
    assert FLOW.available(session, member, lease) == ["submit"]
    assert FLOW.available(session, lead, lease) == []
    FLOW.apply(session, member, lease, "submit")
    assert FLOW.available(session, lead, lease) == ["approve", "reject"]


def test_stale_object_loses(session):
    member = make_user(session, Role.COMPANY)
    lease = _lease(session, member.company)
    session.execute(sa.update(Lease).where(Lease.id == lease.id).values(state=S.SIGNED),
                    execution_options={"synchronize_session": False})
    # `lease` in memory still says draft: the conditional update finds no draft row
    with pytest.raises(ConcurrentChange):
        FLOW.apply(session, member, lease, "submit")
    assert session.scalar(sa.select(sa.func.count()).select_from(WorkflowEvent)
                          .where(WorkflowEvent.object_id == lease.id, WorkflowEvent.object_type == "test_lease")) == 0


@pytest.mark.skipif(not IS_PG, reason="real row locks: PostgreSQL only")
def test_concurrent_attempts_exactly_one_wins(committed_db):
    setup = db.Session()
    leads = [make_user(setup, Role.LEAD) for _ in range(8)]
    member = make_user(setup, Role.COMPANY)
    lease = _lease(setup, member.company)
    FLOW.apply(setup, member, lease, "submit")
    setup.commit()
    lease_id, lead_ids = lease.id, [u.id for u in leads]
    setup.close()

    def attempt(s, user_id, barrier):
        user, obj = s.get(User, user_id), s.get(Lease, lease_id)
        barrier.wait()
        FLOW.apply(s, user, obj, "approve")
        return "ok"

    outcomes = ["lost" if o == "ConcurrentChange" else o for o in race(lead_ids, attempt)]
    assert sorted(outcomes) == ["lost"] * 7 + ["ok"]
    check = db.Session()
    assert check.scalar(sa.select(sa.func.count()).select_from(WorkflowEvent)
                        .where(WorkflowEvent.action == "approve", WorkflowEvent.object_id == lease_id)) == 1
    assert check.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                        .where(AuditEntry.action == "test_lease.approve")) == 1
    from incubator.audit.services import verify_chain
    assert verify_chain(check)[0]
    check.close()
