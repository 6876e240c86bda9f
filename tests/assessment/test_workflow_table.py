"""The assessment transition tables, exhaustively: every state × action × principal either moves the
object as SPEC §7 says or raises the typed error that explains why not. The expected tables are
written out by hand, so a change to a workflow shows up here."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from incubator.assessment.models import (
    Appeal,
    AppealState,
    Campaign,
    CampaignState,
    ExitProposal,
    ExitProposalState,
    ExitReason,
    Filing,
    FilingState,
    Rectification,
    RectificationState,
    Result,
)
from incubator.assessment.workflow import APPEAL, CAMPAIGN, EXIT_PROPOSAL, FILING, RECTIFICATION
from incubator.audit.models import AuditEntry
from incubator.core.errors import DomainError, PermissionDenied, SegregationOfDuties, TransitionNotAllowed
from incubator.core.models import WorkflowEvent
from incubator.core.roles import Role

from ..factories import make_company, make_user

C, F, AP, R, X = CampaignState, FilingState, AppealState, RectificationState, ExitProposalState
PRINCIPALS = ["owner", "other_member", "operator", "reviewer", "lead", "deputy", "commander", "supervisor", "admin",
              "operator_lead_who_ranked"]
OWNER, STAFF = {"owner"}, {"operator", "admin", "operator_lead_who_ranked"}
LEADS = {"lead", "operator_lead_who_ranked"}

TABLES = {
    "campaign": (CAMPAIGN, C, {
        "open": ({C.DRAFT}, C.OPEN, STAFF, False),
        "close_filing": ({C.OPEN}, C.REVIEWING, STAFF, False),
        "rank": ({C.REVIEWING}, C.RANKED, STAFF, False),
        "send_back": ({C.RANKED}, C.REVIEWING, LEADS, True),
        "confirm": ({C.RANKED}, C.CONFIRMED, LEADS, False),
        "publish": ({C.CONFIRMED}, C.PUBLISHED, STAFF, False),
        "close": ({C.PUBLISHED}, C.CLOSED, STAFF, False),
        "cancel": ({C.DRAFT, C.OPEN, C.REVIEWING}, C.CANCELLED, STAFF, True),
    }),
    "filing": (FILING, F, {
        "submit": ({F.DRAFT}, F.SUBMITTED, OWNER, False),
        "return": ({F.SUBMITTED, F.RESUBMITTED}, F.RETURNED, STAFF, True),
        "resubmit": ({F.RETURNED}, F.RESUBMITTED, OWNER, False),
        "verify": ({F.SUBMITTED, F.RESUBMITTED}, F.VERIFIED, STAFF, False),
        "reopen": ({F.VERIFIED}, F.RESUBMITTED, STAFF, True),
        "lapse": ({F.DRAFT, F.RETURNED}, F.LAPSED, STAFF, False),
    }),
    "appeal": (APPEAL, AP, {
        "uphold": ({AP.FILED}, AP.UPHELD, LEADS, True),
        "dismiss": ({AP.FILED}, AP.DISMISSED, LEADS, True),
    }),
    "rectification": (RECTIFICATION, R, {
        "complete": ({R.OPEN}, R.COMPLETED, STAFF, True),
        "cancel": ({R.OPEN}, R.CANCELLED, STAFF, True),
    }),
    "exit_proposal": (EXIT_PROPOSAL, X, {
        "take": ({X.OPEN}, X.TAKEN, STAFF, False),
        "dismiss": ({X.OPEN}, X.DISMISSED, STAFF | LEADS, True),
    }),
}
# holds the lead role but ranked the campaign: four eyes forbid confirming it
SEGREGATED = {("campaign", "confirm", "operator_lead_who_ranked")}


@pytest.fixture
def cast(session, scheme):
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
        "operator_lead_who_ranked": make_user(session, Role.OPERATOR, Role.LEAD),
    }
    campaign = Campaign(name="2025年度绩效考核（表）", year=2025, scheme_id=scheme.id, opens_on=dt.date(2026, 1, 1),
                        closes_on=dt.date(2026, 3, 31))
    session.add(campaign)
    session.flush()
    filing = Filing(campaign_id=campaign.id, company_id=company.id)
    session.add(filing)
    session.flush()
    result = Result(campaign_id=campaign.id, filing_id=filing.id, company_id=company.id, score=Decimal("50"), rank=1,
                    grade="fail", breakdown={})
    session.add(result)
    session.flush()
    objects = {
        "campaign": campaign, "filing": filing,
        "appeal": Appeal(filing_id=filing.id, company_id=company.id, result_id=result.id, grounds="分数有误"),
        "rectification": Rectification(company_id=company.id, result_id=result.id, issued_on=dt.date(2026, 5, 1),
                                       due_on=dt.date(2026, 6, 1), requirements="整改"),
        "exit_proposal": ExitProposal(company_id=company.id, reason=ExitReason.CONSECUTIVE_FAILURES,
                                      result_id=result.id),
    }
    session.add_all(objects.values())
    session.flush()
    session.add(WorkflowEvent(object_type=CAMPAIGN.name, object_id=campaign.id, action="rank", from_state="reviewing",
                              to_state="ranked", actor_id=people["operator_lead_who_ranked"].id))
    session.flush()
    return objects, people


def expected_outcome(kind, state, action, principal):
    sources, target, allowed, _reason = TABLES[kind][2][action]
    if state not in sources:
        return TransitionNotAllowed
    if (kind, action, principal) in SEGREGATED:
        return SegregationOfDuties
    if principal not in allowed:
        return PermissionDenied
    return target


def _attempt(session, workflow, obj, state, action, actor, comment="按规定办理"):
    savepoint = session.begin_nested()
    model = type(obj)
    try:
        session.execute(sa.update(model).where(model.id == obj.id).values(state=state))
        session.refresh(obj)
        try:
            event = workflow.apply(session, actor, obj, action, comment=comment)
        except DomainError as exc:
            session.refresh(obj)
            assert obj.state == state, "a refused action must not move the object"
            return type(exc)
        assert (event.action, event.from_state, event.actor_id) == (action, state.value, actor.id)
        entry = session.scalars(sa.select(AuditEntry).where(AuditEntry.object_id == obj.id)
                                .order_by(AuditEntry.id.desc()).limit(1)).one()
        assert entry.action == f"{workflow.name}.{action}"
        return obj.state
    finally:
        savepoint.rollback()
        session.expire_all()


@pytest.mark.parametrize("kind", sorted(TABLES))
def test_the_tables_cover_every_action(kind):
    workflow, states, expected = TABLES[kind]
    assert workflow.actions == sorted(expected)
    for action, (sources, target, _allowed, needs_reason) in expected.items():
        for state in states:
            r = workflow.rule_for(state, action)
            assert (r is not None) == (state in sources), (state, action)
            if r is not None:
                assert r.target == target and r.needs_comment == needs_reason


CASES = [(kind, action) for kind in sorted(TABLES) for action in sorted(TABLES[kind][2])]


@pytest.mark.parametrize("kind, action", CASES)
def test_every_state_and_principal(session, cast, kind, action):
    objects, people = cast
    workflow, states, _expected = TABLES[kind]
    mismatches = []
    for state in states:
        for principal in PRINCIPALS:
            got = _attempt(session, workflow, objects[kind], state, action, people[principal])
            want = expected_outcome(kind, state, action, principal)
            if got != want:
                mismatches.append(f"{state.value}/{principal}: expected {getattr(want, '__name__', want)}, "
                                  f"got {getattr(got, '__name__', got)}")
    assert not mismatches, f"{kind} × {action}: " + "; ".join(mismatches)


@pytest.mark.parametrize("kind, action", [(k, a) for k, a in CASES if TABLES[k][2][a][3]])
def test_a_reason_is_required(session, cast, kind, action):
    objects, people = cast
    workflow, _states, expected = TABLES[kind]
    sources, _target, allowed, _needs = expected[action]
    principal = sorted(allowed - {"operator_lead_who_ranked"})[0]
    for state in sources:
        for blank in (None, "", "  \n"):
            assert _attempt(session, workflow, objects[kind], state, action, people[principal], blank) is DomainError
