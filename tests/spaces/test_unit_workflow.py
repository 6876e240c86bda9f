"""The unit transition table, exhaustively: every state × action × role."""

import pytest
import sqlalchemy as sa

from incubator.accounts.models import User
from incubator.audit.models import AuditEntry
from incubator.core.errors import ConcurrentChange, DomainError, PermissionDenied, TransitionNotAllowed
from incubator.core.models import WorkflowEvent
from incubator.core.roles import Role
from incubator.db import db
from incubator.spaces import services
from incubator.spaces.models import Unit
from incubator.spaces.models import UnitStatus as S
from incubator.spaces.workflow import UNIT_FLOW

from ..concurrency import race
from ..conftest import IS_PG
from ..factories import make_unit, make_user

# Written out by hand from SPEC §1 (not read from UNIT_FLOW), so the test checks the table.
ALLOWED = {
    (S.VACANT, "reserve"): S.RESERVED,
    (S.RESERVED, "lease"): S.LEASED,
    (S.RESERVED, "release"): S.VACANT,
    (S.LEASED, "release"): S.VACANT,
    (S.VACANT, "retire"): S.OUT_OF_SERVICE,
    (S.OUT_OF_SERVICE, "restore"): S.VACANT,
}
ACTIONS = ["reserve", "lease", "release", "retire", "restore"]
EDITORS = {Role.OPERATOR, Role.ADMIN}


def test_table_has_exactly_these_actions():
    assert sorted(UNIT_FLOW.actions) == sorted(ACTIONS)


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("state", list(S), ids=lambda s: s.value)
def test_transition(session, state, action, role):
    unit = make_unit(session, status=state)
    actor = make_user(session, role)
    comment = "装修" if action == "retire" else None
    target = ALLOWED.get((state, action))
    if target is None:
        with pytest.raises(TransitionNotAllowed):
            UNIT_FLOW.apply(session, actor, unit, action, comment=comment)
    elif role not in EDITORS:
        with pytest.raises(PermissionDenied):
            UNIT_FLOW.apply(session, actor, unit, action, comment=comment)
    else:
        UNIT_FLOW.apply(session, actor, unit, action, comment=comment)
        assert unit.status == target and unit.version == 2
        entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.object_type == "units",
                                                           AuditEntry.object_id == unit.id))
        assert entry.action == f"unit.{action}" and entry.actor_id == actor.id
        assert entry.before == {"status": state.value} and entry.after["status"] == target.value
        return
    session.refresh(unit)
    assert unit.status == state and unit.version == 1  # nothing moved


def test_retire_needs_a_reason(session):
    unit = make_unit(session)
    operator = make_user(session, Role.OPERATOR)
    with pytest.raises(DomainError):
        services.retire_unit(session, operator, unit, "  ")
    services.retire_unit(session, operator, unit, "漏水维修")
    events = services.named_history(session, "unit", unit.id)
    assert [(e.action, e.comment, who) for e, who in events] == [("retire", "漏水维修", operator.display_name)]
    services.restore_unit(session, operator, unit)
    assert unit.status == S.VACANT and unit.version == 3


def test_stale_unit_is_not_reserved_twice(session):
    unit = make_unit(session)
    operator = make_user(session, Role.OPERATOR)
    session.execute(sa.update(Unit.__table__).where(Unit.id == unit.id).values(status=S.RESERVED.value))
    with pytest.raises(ConcurrentChange):  # memory still says vacant; the conditional UPDATE finds no vacant row
        UNIT_FLOW.apply(session, operator, unit, "reserve")


@pytest.mark.skipif(not IS_PG, reason="real row locks: PostgreSQL only")
def test_concurrent_retire_exactly_one_wins(committed_db):
    setup = db.Session()
    operators = [make_user(setup, Role.OPERATOR) for _ in range(8)]
    unit = make_unit(setup)
    setup.commit()
    unit_id, operator_ids = unit.id, [u.id for u in operators]
    setup.close()

    def attempt(s, user_id, barrier):
        user, obj = s.get(User, user_id), s.get(Unit, unit_id)
        barrier.wait()
        services.retire_unit(s, user, obj, "同时下线")
        return "ok"

    lost = {"ConcurrentChange", "TransitionNotAllowed"}
    outcomes = ["lost" if o in lost else o for o in race(operator_ids, attempt)]
    assert sorted(outcomes) == ["lost"] * 7 + ["ok"]
    check = db.Session()
    try:
        unit = check.get(Unit, unit_id)
        assert unit.status == S.OUT_OF_SERVICE and unit.version == 2
        assert check.scalar(sa.select(sa.func.count()).select_from(WorkflowEvent).where(
            WorkflowEvent.object_type == "unit", WorkflowEvent.object_id == unit_id)) == 1
        assert check.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "unit.retire", AuditEntry.object_id == unit_id)) == 1
    finally:
        check.close()
