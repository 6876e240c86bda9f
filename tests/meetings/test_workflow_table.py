"""The meeting transition table, cell by cell: every state × action, who may take it (the table's
roles, then the services narrow the chair's steps to the meeting's own chair)."""
import datetime as dt

import pytest

from incubator.core.errors import DomainError, PermissionDenied, TransitionNotAllowed
from incubator.core.roles import Role
from incubator.db import utcnow
from incubator.meetings import gate, services
from incubator.meetings.models import MeetingState as S
from incubator.meetings.workflow import MEETING_FLOW

from ..factories import make_user
from .helpers import PLACE

# action → (from states, to state, roles the table admits)
EXPECTED = {
    "hold": ({S.SCHEDULED}, S.HELD, {Role.LEAD, Role.DEPUTY, Role.COMMANDER}),
    "sign_off": ({S.HELD}, S.MINUTES_ISSUED, {Role.LEAD, Role.DEPUTY, Role.COMMANDER}),
    "cancel": ({S.SCHEDULED}, S.CANCELLED, {Role.OPERATOR, Role.ADMIN, Role.LEAD, Role.DEPUTY, Role.COMMANDER}),
}


def test_the_table_is_exactly_this():
    for action, (sources, target, roles) in EXPECTED.items():
        for state in S:
            rule = MEETING_FLOW.rule_for(state, action)
            if state in sources:
                assert rule is not None and rule.target == target and set(rule.roles) == roles, (state, action)
            else:
                assert rule is None, (state, action)
    assert set(MEETING_FLOW.actions) == set(EXPECTED)


@pytest.mark.parametrize("state", list(S))
@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_each_cell_for_the_chair_another_chair_and_the_secretary(mworld, state, action):
    w, s = mworld, mworld.session
    t = gate.meeting_type_for(s, "subsidy_claim", "commander")
    m = services.schedule(s, w.operator, meeting_type=t, starts_at=utcnow() - dt.timedelta(hours=1), place=PLACE,
                          chair=w.commander, fill=False)
    services.record_attendance(s, w.operator, m, {a.id: True for a in m.attendees})
    m.state, m.minutes = state, "纪要正文"
    if state != S.SCHEDULED:
        m.held_at = utcnow()
    s.flush()
    other_chair = make_user(s, Role.COMMANDER)

    def attempt(actor):
        savepoint = s.begin_nested()
        try:
            {"hold": lambda: services.hold(s, actor, m),
             "sign_off": lambda: services.sign_off(s, actor, m),
             "cancel": lambda: services.cancel(s, actor, m, "改期")}[action]()
            return m.state
        except DomainError as exc:
            return type(exc)
        finally:
            savepoint.rollback()
            s.expire_all()

    sources, target, _roles = EXPECTED[action]
    if state not in sources:
        assert attempt(w.commander) is TransitionNotAllowed
        return
    assert attempt(w.commander) == target  # the chair
    assert attempt(other_chair) is PermissionDenied  # holds the role, does not chair this meeting
    assert attempt(w.supervisor) is PermissionDenied
    assert attempt(w.operator) == (target if action == "cancel" else PermissionDenied)
