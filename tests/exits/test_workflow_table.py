"""The transition table: who may take which step in which state, and four eyes."""
from __future__ import annotations

import pytest

from incubator.core.errors import PermissionDenied, SegregationOfDuties, TransitionNotAllowed
from incubator.core.formatting import today
from incubator.core.roles import Role
from incubator.exits import services
from incubator.exits.models import ExitState as S
from incubator.exits.workflow import EXIT_FLOW

from ..factories import make_user
from .flow import ALL_DONE, breach, drive

EVERYONE = ("operator", "operator2", "admin", "lead", "lead2", "commander", "commander2", "deputy", "supervisor",
            "reviewer", "member", "other_member")
# state → who (besides the ones four eyes exclude) may take which steps; the operator raised and prepared
# the case, the lead reviewed it, the commander approved it (see flow.drive)
TABLE = {
    S.PROPOSED: {"operator": {"prepare", "withdraw"}, "operator2": {"prepare", "withdraw"},
                 "admin": {"prepare", "withdraw"}, "member": {"respond", "withdraw"}},
    S.PREPARED: {"operator": {"withdraw"}, "operator2": {"withdraw"}, "admin": {"withdraw"},
                 "lead": {"review", "send_back"}, "lead2": {"review", "send_back"}, "member": {"respond", "withdraw"}},
    S.REVIEWED: {"operator": {"withdraw"}, "operator2": {"withdraw"}, "admin": {"withdraw"},
                 "commander": {"approve", "reject", "send_back"}, "commander2": {"approve", "reject", "send_back"},
                 "member": {"respond", "withdraw"}},
    S.APPROVED: {"operator": {"execute"}, "operator2": {"execute"}, "admin": {"execute"},
                 "commander": {"withdraw"}, "commander2": {"withdraw"}},
    S.EXECUTED: {"operator": {"archive"}, "operator2": {"archive"}, "admin": {"archive"}},
    S.ARCHIVED: {}, S.REJECTED: {}, S.WITHDRAWN: {},
}


@pytest.mark.parametrize("state", list(TABLE))
def test_transition_table(world, session, state):
    w = world
    case = breach(session, w)
    if state != S.PROPOSED:
        drive(session, w, case, state)
    assert case.state == state
    for name in EVERYONE:
        assert set(EXIT_FLOW.available(session, getattr(w, name), case)) == TABLE[state].get(name, set()), name


def test_a_lead_who_prepared_the_settlement_may_not_review_it(world, session):
    w = world
    both = make_user(session, Role.OPERATOR, Role.LEAD)
    case = breach(session, w)
    services.prepare(session, both, case, exit_on=today(), departure_approved=True, damage="0", checklist=ALL_DONE)
    with pytest.raises(SegregationOfDuties):
        services.review(session, both, case)
    services.review(session, w.lead, case)


@pytest.mark.parametrize("step", ["propose", "prepare", "review"])
def test_the_commander_decides_nothing_they_raised_prepared_or_reviewed(world, session, step):
    w = world
    commander = make_user(session, Role.COMMANDER, Role.OPERATOR, Role.LEAD)
    case = (services.raise_case(session, commander, w.company, kind="breach", breach_type="sublet", reason="转租",
                                planned_exit_on=today()) if step == "propose" else breach(session, w))
    services.respond(session, w.member, case, response="无异议", agrees=True)
    services.prepare(session, commander if step == "prepare" else w.operator, case, exit_on=today(),
                     departure_approved=True, damage="0", checklist=ALL_DONE)
    services.review(session, commander if step == "review" else w.lead, case)
    for approve in (True, False):
        with pytest.raises(SegregationOfDuties):
            services.decide(session, commander, case, approve=approve, reason="x")
    services.decide(session, w.commander, case, approve=True, reason="同意")
    assert case.state == S.APPROVED


def test_wrong_roles_and_states_are_refused(world, session):
    w = world
    case = breach(session, w)
    with pytest.raises(TransitionNotAllowed):
        services.review(session, w.lead, case)
    with pytest.raises(PermissionDenied):
        services.prepare(session, w.lead, case, exit_on=today(), departure_approved=True, damage="0", checklist={})
    with pytest.raises(PermissionDenied):
        services.respond(session, w.other_member, case, response="不是我们", agrees=False)
    with pytest.raises(TransitionNotAllowed):
        services.execute(session, w.operator, case)
