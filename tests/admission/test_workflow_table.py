"""The admission transition table, exhaustively: every state × action × principal either moves
the application exactly as SPEC §4 says or raises the typed error that explains why not.

The expected table below is written out by hand from SPEC §2/§4 (not read from the workflow),
so a change to the workflow's table shows up here."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from incubator.admission.models import Application
from incubator.admission.models import ApplicationState as S
from incubator.admission.workflow import ADMISSION
from incubator.audit.models import AuditEntry
from incubator.core.errors import DomainError, PermissionDenied, SegregationOfDuties, TransitionNotAllowed
from incubator.core.models import WorkflowEvent
from incubator.core.roles import Role
from incubator.core.system import SYSTEM

from ..factories import make_company, make_user

PRINCIPALS = ["owner", "other_member", "operator", "reviewer", "lead", "deputy", "commander", "supervisor", "admin",
              "lead_deputy_who_recommended"]
OWNER, STAFF = {"owner"}, {"operator", "admin"}
BEFORE_DECISION = {S.DRAFT, S.SUBMITTED, S.RETURNED, S.RESUBMITTED, S.ACCEPTED, S.EXPERT_REVIEW, S.JOINT_REVIEW,
                   S.DECISION}
# action → (from states, to state, principals who may, needs a reason)
EXPECTED = {
    "submit": ({S.DRAFT}, S.SUBMITTED, OWNER, False),
    "return": ({S.SUBMITTED, S.RESUBMITTED}, S.RETURNED, STAFF, True),
    "resubmit": ({S.RETURNED}, S.RESUBMITTED, OWNER, False),
    "lapse": ({S.RETURNED}, S.LAPSED, STAFF, False),
    "accept": ({S.SUBMITTED, S.RESUBMITTED}, S.ACCEPTED, STAFF, False),
    "start_review": ({S.ACCEPTED}, S.EXPERT_REVIEW, STAFF, False),
    "close_review": ({S.EXPERT_REVIEW}, S.JOINT_REVIEW, STAFF, False),
    "recommend": ({S.JOINT_REVIEW}, S.DECISION, {"lead", "lead_deputy_who_recommended"}, True),
    "admit": ({S.DECISION}, S.ADMITTED, {"deputy"}, False),
    "reject": ({S.DECISION}, S.REJECTED, {"deputy"}, True),
    "withdraw": (BEFORE_DECISION, S.WITHDRAWN, OWNER, False),
}
# holds the deputy role but recommended this application: four-eyes forbids the decision
SEGREGATED = {("admit", "lead_deputy_who_recommended"), ("reject", "lead_deputy_who_recommended")}


def expected_outcome(state, action, principal):
    sources, target, allowed, _reason = EXPECTED[action]
    if state not in sources:
        return TransitionNotAllowed
    if (action, principal) in SEGREGATED:
        return SegregationOfDuties
    if principal not in allowed:
        return PermissionDenied
    return target


@pytest.fixture
def cast(session):
    """One application of a company and one user per principal; the lead+deputy has a
    recommendation on the application's record."""
    company = make_company(session)
    people = {
        "owner": make_user(session, Role.COMPANY, company=company),
        "other_member": make_user(session, Role.COMPANY),
        "operator": make_user(session, Role.OPERATOR),
        "reviewer": make_user(session, Role.REVIEWER),
        "lead": make_user(session, Role.LEAD),
        "deputy": make_user(session, Role.DEPUTY),
        "commander": make_user(session, Role.COMMANDER),
        "supervisor": make_user(session, Role.SUPERVISOR),
        "admin": make_user(session, Role.ADMIN),
        "lead_deputy_who_recommended": make_user(session, Role.LEAD, Role.DEPUTY),
    }
    app = _application(session, company)
    session.add(WorkflowEvent(object_type="application", object_id=app.id, action="recommend",
                              from_state="joint_review", to_state="decision",
                              actor_id=people["lead_deputy_who_recommended"].id, comment="同意"))
    session.flush()
    return app, people


def _application(session, company, state=S.DRAFT) -> Application:
    from incubator.admission.services import current_policy
    from incubator.companies.models import IndustryTrack
    from incubator.spaces.models import UnitType

    from ..factories import make_unit

    carrier_id = make_unit(session).building.carrier_id
    app = Application(number=f"SQ-T-{company.id}", company_id=company.id, carrier_id=carrier_id,
                      policy_id=current_policy(session, carrier_id, IndustryTrack.DIGITAL).id, state=state,
                      track=IndustryTrack.DIGITAL, unit_type=UnitType.OFFICE, area_requested=100,
                      project_name="测试项目")
    session.add(app)
    session.flush()
    return app


def _events(session, app_id):
    return session.scalar(sa.select(sa.func.count()).select_from(WorkflowEvent).where(
        WorkflowEvent.object_type == "application", WorkflowEvent.object_id == app_id))


def _attempt(session, app, state, action, actor, comment="理由：按规定办理"):
    """Put the application in `state` (directly in the database), try the action inside a
    savepoint; return the resulting state or the exception's type; undo everything."""
    savepoint = session.begin_nested()
    try:
        session.execute(sa.update(Application).where(Application.id == app.id).values(state=state))
        session.refresh(app)
        before_events = _events(session, app.id)
        try:
            event = ADMISSION.apply(session, actor, app, action, comment=comment)
        except DomainError as exc:
            session.refresh(app)
            assert app.state == state, "a refused action must not move the application"
            assert _events(session, app.id) == before_events
            return type(exc)
        assert (event.action, event.from_state, event.to_state, event.actor_id) == \
            (action, state.value, app.state.value, actor.id)
        entry = session.scalars(sa.select(AuditEntry).where(AuditEntry.object_id == app.id)
                                .order_by(AuditEntry.id.desc()).limit(1)).one()
        assert entry.action == f"application.{action}" and entry.before == {"state": state.value}
        return app.state
    finally:
        savepoint.rollback()
        session.expire_all()


def test_the_table_covers_every_action():
    assert ADMISSION.actions == sorted(EXPECTED)
    for action, (sources, target, _allowed, needs_reason) in EXPECTED.items():
        for state in S:
            r = ADMISSION.rule_for(state, action)
            assert (r is not None) == (state in sources), (state, action)
            if r is not None:
                assert r.target == target and r.needs_comment == needs_reason


@pytest.mark.parametrize("action", sorted(EXPECTED))
@pytest.mark.parametrize("state", list(S), ids=lambda s: s.value)
def test_every_principal(session, cast, state, action):
    app, people = cast
    mismatches = []
    for principal in PRINCIPALS:
        got = _attempt(session, app, state, action, people[principal])
        want = expected_outcome(state, action, principal)
        if got != want:
            mismatches.append(f"{principal}: expected {getattr(want, '__name__', want)}, got "
                              f"{getattr(got, '__name__', got)}")
    assert not mismatches, f"{state.value} × {action}: " + "; ".join(mismatches)


@pytest.mark.parametrize("action", [a for a, (*_x, needs) in EXPECTED.items() if needs])
def test_a_reason_is_required(session, cast, action):
    app, people = cast
    sources, _target, allowed, _needs = EXPECTED[action]
    principal = sorted(allowed - {"lead_deputy_who_recommended"})[0]
    for state in sources:
        for blank in (None, "", "   \n"):
            got = _attempt(session, app, state, action, people[principal], comment=blank)
            assert got is DomainError, (state, action, blank)  # exactly DomainError: the reason is missing


@pytest.mark.parametrize("state", list(S), ids=lambda s: s.value)
def test_withdrawal_before_the_decision_and_never_after(session, cast, state):
    app, people = cast
    got = _attempt(session, app, state, "withdraw", people["owner"], comment=None)
    assert got == (S.WITHDRAWN if state in BEFORE_DECISION else TransitionNotAllowed)


def test_the_system_lapses_an_overdue_return(session, cast):
    app, _people = cast
    assert _attempt(session, app, S.RETURNED, "lapse", SYSTEM) == S.LAPSED
    assert _attempt(session, app, S.SUBMITTED, "lapse", SYSTEM) is TransitionNotAllowed


# --- four-eyes: the deputy who submitted, accepted or recommended does not decide -------------------

def _through(session, app, steps):
    """Apply (state-before, action, actor) steps, setting each state first as the table needs."""
    for state, action, actor in steps:
        session.execute(sa.update(Application).where(Application.id == app.id).values(state=state))
        session.refresh(app)
        ADMISSION.apply(session, actor, app, action, comment="按规定办理")


@pytest.mark.parametrize("prepared", ["submit", "accept", "recommend"])
@pytest.mark.parametrize("decision", ["admit", "reject"])
def test_four_eyes(session, prepared, decision):
    company = make_company(session)
    app = _application(session, company)
    deputy = make_user(session, Role.DEPUTY)
    preparer = {  # a deputy who also holds the role that took the earlier step
        "submit": lambda: make_user(session, Role.COMPANY, Role.DEPUTY, company=company),
        "accept": lambda: make_user(session, Role.OPERATOR, Role.DEPUTY),
        "recommend": lambda: make_user(session, Role.LEAD, Role.DEPUTY),
    }[prepared]()
    steps = {"submit": (S.DRAFT, "submit"), "accept": (S.SUBMITTED, "accept"),
             "recommend": (S.JOINT_REVIEW, "recommend")}
    _through(session, app, [(*steps[prepared], preparer)])
    got = _attempt(session, app, S.DECISION, decision, preparer)
    assert got is SegregationOfDuties
    # somebody else with the same role decides
    assert _attempt(session, app, S.DECISION, decision, deputy) == (S.ADMITTED if decision == "admit" else S.REJECTED)


def test_four_eyes_holds_only_for_the_application_they_prepared(session):
    """Recommending one application does not bar the lead+deputy from deciding another."""
    lead_deputy = make_user(session, Role.LEAD, Role.DEPUTY)
    first, second = _application(session, make_company(session)), _application(session, make_company(session))
    _through(session, first, [(S.JOINT_REVIEW, "recommend", lead_deputy)])
    assert _attempt(session, first, S.DECISION, "admit", lead_deputy) is SegregationOfDuties
    assert _attempt(session, second, S.DECISION, "admit", lead_deputy) == S.ADMITTED


def test_a_member_of_another_company_is_never_the_owner(session, cast):
    app, people = cast
    both = make_user(session, Role.COMPANY, Role.OPERATOR)  # operator staff who is also another company's member
    assert _attempt(session, app, S.DRAFT, "submit", both) is PermissionDenied
    assert _attempt(session, app, S.SUBMITTED, "accept", both) == S.ACCEPTED
    assert _attempt(session, app, S.DRAFT, "withdraw", people["other_member"]) is PermissionDenied
