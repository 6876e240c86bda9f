"""The claim and batch transition tables, exhaustively: every state × action × principal either
moves the object as SPEC §6 says or raises the typed error that explains why not; then the
approval tiers and four-eyes through the services.

The expected tables are written out by hand (not read from the workflow), so a change to the
workflow's table shows up here."""
from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from incubator.audit.models import AuditEntry
from incubator.core.errors import DomainError, PermissionDenied, SegregationOfDuties, TransitionNotAllowed
from incubator.core.models import WorkflowEvent
from incubator.core.roles import Role
from incubator.core.system import SYSTEM
from incubator.subsidies import services
from incubator.subsidies.models import BatchState as B
from incubator.subsidies.models import ClaimState as C
from incubator.subsidies.models import SubsidyBatch, SubsidyClaim
from incubator.subsidies.workflow import BATCH_FLOW, CLAIM_FLOW

from ..factories import make_company, make_user
from ..meetings.helpers import agree
from .conftest import evidence_file, open_batch

PRINCIPALS = ["owner", "other_member", "operator", "admin", "reviewer", "lead", "deputy", "commander", "supervisor",
              "verifier", "system"]
OWNER = {"owner"}
STAFF = {"operator", "admin", "verifier", "system"}  # the verifier is an operator who is also a lead
TIERS = {"lead": {"lead", "deputy", "commander", "verifier"}, "deputy": {"deputy", "commander"},
         "commander": {"commander"}}
# action → [(from states, to state, principals who may, needs a reason)]
EXPECTED = {
    "submit": [({C.DRAFT}, C.SUBMITTED, OWNER, False)],
    "return": [({C.SUBMITTED, C.RESUBMITTED}, C.RETURNED, STAFF, True)],
    "resubmit": [({C.RETURNED}, C.RESUBMITTED, OWNER, False)],
    "lapse": [({C.RETURNED, C.DRAFT}, C.LAPSED, STAFF, False)],
    "verify": [({C.SUBMITTED, C.RESUBMITTED}, C.VERIFIED, STAFF, False)],
    "approve_lead": [({C.VERIFIED}, C.APPROVED, TIERS["lead"], False)],
    "approve_deputy": [({C.VERIFIED}, C.APPROVED, TIERS["deputy"], False)],
    "approve_commander": [({C.VERIFIED}, C.APPROVED, TIERS["commander"], False)],
    "reject": [({C.SUBMITTED, C.RESUBMITTED}, C.REJECTED, STAFF, True),
               ({C.VERIFIED}, C.REJECTED, TIERS["lead"], True),
               ({C.IN_NOTICE}, C.REJECTED, STAFF, True)],
    "notice": [({C.APPROVED}, C.IN_NOTICE, STAFF, False)],
    "disburse": [({C.IN_NOTICE}, C.DISBURSED, STAFF, False)],
    "withdraw": [({C.DRAFT, C.SUBMITTED, C.RETURNED, C.RESUBMITTED}, C.WITHDRAWN, OWNER, False)],
}
# four eyes: whoever verified the claim neither approves nor turns it down at approval
SEGREGATED = {("approve_lead", C.VERIFIED, "verifier"), ("reject", C.VERIFIED, "verifier")}


def expected_outcome(state, action, principal):
    for sources, target, allowed, _reason in EXPECTED[action]:
        if state in sources:
            if (action, state, principal) in SEGREGATED:
                return SegregationOfDuties
            return target if principal in allowed else PermissionDenied
    return TransitionNotAllowed


@pytest.fixture
def cast(session, subsidy_world):
    """One claim of a tenant, one user per principal; the verifier verified this claim."""
    w = subsidy_world
    people = {
        "owner": w.member, "other_member": w.other_member, "operator": w.operator, "admin": w.admin,
        "reviewer": w.reviewer, "lead": w.lead, "deputy": w.deputy, "commander": w.commander,
        "supervisor": w.supervisor, "verifier": make_user(session, Role.OPERATOR, Role.LEAD), "system": SYSTEM,
    }
    claim = SubsidyClaim(number="BT-T-0001", batch_id=w.batch.id, company_id=w.company.id,
                         policy_id=services.policies.policy_in_force(session, w.rent_type, w.batch.intake_opens_on).id)
    session.add(claim)
    session.flush()
    session.add(WorkflowEvent(object_type="subsidy_claim", object_id=claim.id, action="verify",
                              from_state="submitted", to_state="verified", actor_id=people["verifier"].id))
    session.flush()
    return claim, people


def _events(session, object_type, object_id):
    return session.scalar(sa.select(sa.func.count()).select_from(WorkflowEvent).where(
        WorkflowEvent.object_type == object_type, WorkflowEvent.object_id == object_id))


def _attempt(session, flow, obj, state, action, actor, comment="理由：按规定办理"):
    """Put the object in `state` (directly in the database), try the action inside a savepoint;
    return the resulting state or the exception's type; undo everything."""
    savepoint = session.begin_nested()
    try:
        session.execute(sa.update(flow.model).where(flow.model.id == obj.id).values(state=state))
        session.refresh(obj)
        before_events = _events(session, flow.name, obj.id)
        try:
            event = flow.apply(session, actor, obj, action, comment=comment)
        except DomainError as exc:
            session.refresh(obj)
            assert obj.state == state, "a refused action must not move the object"
            assert _events(session, flow.name, obj.id) == before_events
            return type(exc)
        assert (event.action, event.from_state, event.to_state, event.actor_id) == \
            (action, state.value, obj.state.value, actor.id)
        entry = session.scalars(sa.select(AuditEntry).where(AuditEntry.object_id == obj.id,
                                                            AuditEntry.action == f"{flow.name}.{action}")
                                .order_by(AuditEntry.id.desc()).limit(1)).one()
        assert entry.before == {"state": state.value}
        return obj.state
    finally:
        savepoint.rollback()
        session.expire_all()


def test_the_claim_table_covers_every_action():
    assert CLAIM_FLOW.actions == sorted(EXPECTED)
    for action, rows in EXPECTED.items():
        for state in C:
            r = CLAIM_FLOW.rule_for(state, action)
            row = next((row for row in rows if state in row[0]), None)
            assert (r is not None) == (row is not None), (state, action)
            if r is not None:
                assert r.target == row[1] and r.needs_comment == row[3], (state, action)


@pytest.mark.parametrize("action", sorted(EXPECTED))
@pytest.mark.parametrize("state", list(C), ids=lambda s: s.value)
def test_every_principal_on_a_claim(session, cast, state, action):
    claim, people = cast
    mismatches = []
    for principal in PRINCIPALS:
        got = _attempt(session, CLAIM_FLOW, claim, state, action, people[principal])
        want = expected_outcome(state, action, principal)
        if got != want:
            mismatches.append(f"{principal}: expected {getattr(want, '__name__', want)}, got "
                              f"{getattr(got, '__name__', got)}")
    assert not mismatches, f"{state.value} × {action}: " + "; ".join(mismatches)


@pytest.mark.parametrize("action", [a for a, rows in EXPECTED.items() if any(r[3] for r in rows)])
def test_a_reason_is_required(session, cast, action):
    claim, people = cast
    for sources, _target, allowed, _needs in EXPECTED[action]:
        principal = sorted(allowed - {"verifier"})[0]
        for state in sources:
            for blank in (None, "", "   \n"):
                got = _attempt(session, CLAIM_FLOW, claim, state, action, people[principal], comment=blank)
                assert got is DomainError, (state, action, blank)  # exactly DomainError: the reason is missing


BATCH_EXPECTED = {"close_intake": (B.OPEN, B.REVIEWING), "start_notice": (B.REVIEWING, B.NOTICE),
                  "finish_notice": (B.NOTICE, B.PAYING), "close": (B.PAYING, B.CLOSED)}


@pytest.mark.parametrize("action", sorted(BATCH_EXPECTED))
@pytest.mark.parametrize("state", list(B), ids=lambda s: s.value)
def test_every_principal_on_a_batch(session, cast, subsidy_world, state, action):
    _claim, people = cast
    batch = subsidy_world.batch
    source, target = BATCH_EXPECTED[action]
    assert BATCH_FLOW.actions == sorted(BATCH_EXPECTED)
    for principal in PRINCIPALS:
        want = (TransitionNotAllowed if state != source else
                target if principal in STAFF else PermissionDenied)
        got = _attempt(session, BATCH_FLOW, batch, state, action, people[principal])
        assert got == want, (state.value, action, principal)


# --- approval tiers through the services ---------------------------------------------------------------

def _declared_claim(w, amount: str) -> SubsidyClaim:
    """A verified claim of `amount` in a batch of the declared support type."""
    s = w.session
    batch = s.scalar(sa.select(SubsidyBatch).where(SubsidyBatch.support_type_id == w.declared_type.id)) \
        or open_batch(s, w.operator, w.declared_type, w.pool, name="研发投入补贴")
    claim = services.start_claim(s, w.member, batch)
    services.upload_evidence(s, w.member, claim, evidence_file())
    services.save_claim(s, w.member, claim, remarks=None, declared_amount=amount)
    services.submit(s, w.member, claim)
    services.verify(s, w.operator, claim)
    return claim


def _approve(session, claim, actor, action=None):
    savepoint = session.begin_nested()
    try:
        services.approve(session, actor, claim, action=action)
        return claim.state
    except DomainError as exc:
        return type(exc)
    finally:
        savepoint.rollback()
        session.expire_all()


@pytest.mark.parametrize(("amount", "tier", "lead", "deputy", "commander"), [
    ("99999.99", "lead", C.APPROVED, C.APPROVED, C.APPROVED),
    ("100000.00", "deputy", PermissionDenied, C.APPROVED, C.APPROVED),
    ("299999.99", "deputy", PermissionDenied, C.APPROVED, C.APPROVED),
    ("300000.00", "commander", PermissionDenied, PermissionDenied, C.APPROVED),
])
def test_the_amount_sets_the_tier(subsidy_world, amount, tier, lead, deputy, commander):
    w = subsidy_world
    claim = _declared_claim(w, amount)
    assert (claim.amount, claim.required_role) == (Decimal(amount), tier)
    assert services.approval_action(claim) == f"approve_{tier}"
    if tier != "lead":  # the deputy's and the commander's tiers approve after their meeting agreed
        agree(w.session, "subsidy_claim", claim.id, tier)
    for who, want in ((w.lead, lead), (w.deputy, deputy), (w.commander, commander)):
        assert _approve(w.session, claim, who) == want, who.display_name


def test_another_tiers_action_is_refused(subsidy_world):
    """The deputy may approve a lead-tier claim, but only with the claim's own tier's action."""
    w = subsidy_world
    claim = _declared_claim(w, "50000.00")
    assert _approve(w.session, claim, w.deputy, action="approve_deputy") is TransitionNotAllowed
    assert _approve(w.session, claim, w.deputy, action="approve_lead") == C.APPROVED


def test_a_lead_cannot_turn_down_a_higher_tier_claim(subsidy_world):
    w = subsidy_world
    claim = _declared_claim(w, "120000.00")
    with pytest.raises(PermissionDenied):
        services.reject(w.session, w.lead, claim, "金额过高")
    services.reject(w.session, w.deputy, claim, "经工作组会议研究，不予支持")
    assert claim.state == C.REJECTED


def test_four_eyes_the_verifier_cannot_approve_or_reject(subsidy_world):
    w = subsidy_world
    verifier = make_user(w.session, Role.OPERATOR, Role.COMMANDER)
    claim = w.claim()
    services.submit(w.session, w.member, claim)
    services.verify(w.session, verifier, claim)
    assert _approve(w.session, claim, verifier) is SegregationOfDuties
    with pytest.raises(SegregationOfDuties):
        services.reject(w.session, verifier, claim, "不予支持")
    assert _approve(w.session, claim, w.commander) == C.APPROVED


def test_four_eyes_a_member_who_submitted_cannot_approve(subsidy_world):
    w = subsidy_world
    member_lead = make_user(w.session, Role.COMPANY, Role.LEAD, company=w.company)
    claim = w.claim(company_member=member_lead)
    services.submit(w.session, member_lead, claim)
    services.verify(w.session, w.operator, claim)
    assert _approve(w.session, claim, member_lead) is SegregationOfDuties
    assert "approve_lead" not in services.claim_actions(w.session, member_lead, claim)
    assert "approve_lead" in services.claim_actions(w.session, w.lead, claim)


def test_a_zero_amount_is_never_approved(subsidy_world):
    w = subsidy_world
    claim = w.claim()
    w.to(claim, "verified")
    claim.amount = Decimal("0.00")
    w.session.flush()
    assert _approve(w.session, claim, w.lead) is DomainError


def test_a_member_of_another_company_is_never_the_owner(session, cast):
    claim, people = cast
    both = make_user(session, Role.COMPANY, Role.OPERATOR, company=make_company(session))
    assert _attempt(session, CLAIM_FLOW, claim, C.DRAFT, "submit", both) is PermissionDenied
    assert _attempt(session, CLAIM_FLOW, claim, C.SUBMITTED, "verify", both) == C.VERIFIED
    assert _attempt(session, CLAIM_FLOW, claim, C.DRAFT, "withdraw", people["other_member"]) is PermissionDenied

