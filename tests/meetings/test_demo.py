"""The demo's meetings (incubator/demo_meetings.py): every deputy- or commander-tier approval in the
demo came after a 工作例会 / 工作协调会 agreed it, those meetings have issued minutes, and today's
coordination meeting has real matters waiting on its agenda; a newcomer acting as the commander
reads the decision pack, records the resolutions, closes the meeting, issues the minutes and
approves what the meeting agreed."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from incubator.accounts.models import User
from incubator.audit.services import verify_chain
from incubator.certificates import services as certificates
from incubator.certificates.rules import IssuedStatus
from incubator.core.formatting import local, today
from incubator.core.models import WorkflowEvent
from incubator.demo import seed_demo
from incubator.documents.storage import file_store
from incubator.exits import services as exits
from incubator.exits.models import ExitCase, ExitState
from incubator.meetings import documents, gate, services
from incubator.meetings.models import ItemState, Meeting, MeetingCategory, MeetingState, Outcome, Resolution
from incubator.subsidies import services as subsidies
from incubator.subsidies.models import ClaimState, Clawback, SubsidyClaim

from ..pdfs import cjk, pdf_text


@pytest.fixture
def demo(session):
    seed_demo(session, today=today())
    session.commit()
    return session


def _users(session) -> dict[str, User]:
    return {u.username: u for u in session.scalars(sa.select(User))}


def _meetings(session, state: MeetingState) -> list[Meeting]:
    return list(session.scalars(sa.select(Meeting).where(Meeting.state == state).order_by(Meeting.starts_at)))


def test_past_approvals_rest_on_meetings_with_issued_minutes(demo):
    session = demo
    held = _meetings(session, MeetingState.MINUTES_ISSUED)
    categories = {m.type.category for m in held}
    assert {MeetingCategory.WORK_GROUP, MeetingCategory.COORDINATION} <= categories
    assert not _meetings(session, MeetingState.HELD)  # every meeting held has its minutes
    for meeting in held:
        doc = meeting.minutes_document
        assert doc is not None and doc.kind == "meeting_minutes"
        assert certificates.status(doc) == IssuedStatus.VALID
        assert meeting.starts_at <= meeting.held_at <= meeting.signed_off_at and local(meeting.held_at).date() < today()
        assert meeting.chair.role_set & {*(meeting.type.config["chair_roles"])}
        assert all(a.present is not None for a in meeting.attendees)
        assert meeting.items and all(i.resolution.outcome == Outcome.AGREED for i in meeting.items)
        text = pdf_text(file_store().read(doc.storage_key))
        assert meeting.number in text and "会议同意" in text and meeting.chair.display_name.replace(" ", "") in text

    # each approval at the deputy's or the commander's tier came after the meeting that agreed it
    approvals = session.scalars(sa.select(WorkflowEvent).where(
        WorkflowEvent.object_type == "subsidy_claim",
        WorkflowEvent.action.in_(["approve_deputy", "approve_commander"]))).all()
    assert {e.action for e in approvals} == {"approve_deputy", "approve_commander"}
    for event in approvals:
        agreed = session.scalars(sa.select(Resolution).where(
            Resolution.kind == "subsidy_claim", Resolution.object_id == event.object_id,
            Resolution.outcome == Outcome.AGREED)).all()
        assert agreed, event.object_id
        assert any(r.meeting.state == MeetingState.MINUTES_ISSUED and r.meeting.held_at < event.at for r in agreed)
        tier = event.action.removeprefix("approve_")
        assert any(gate.meeting_type_for(session, "subsidy_claim", tier).id == r.meeting.type_id for r in agreed)


def test_todays_coordination_meeting_has_real_matters_waiting(demo):
    session = demo
    users = _users(session)
    scheduled = _meetings(session, MeetingState.SCHEDULED)
    meeting = next(m for m in scheduled if m.type.category == MeetingCategory.COORDINATION)
    assert local(meeting.starts_at).date() == today() and meeting.chair_id == users["commander"].id
    items = {i.kind: i for i in meeting.items}
    assert all(i.state == ItemState.OPEN for i in meeting.items)
    claim = session.get(SubsidyClaim, items["subsidy_claim"].object_id)
    assert claim.state == ClaimState.VERIFIED and claim.required_role == "commander" and claim.amount >= 300000
    assert session.get(ExitCase, items["exit_case"].object_id).state == ExitState.REVIEWED
    assert session.get(Clawback, items["clawback"].object_id).outstanding >= 100000
    # waiting for this meeting: the commander may not approve the claim yet
    assert not gate.is_agreed(session, "subsidy_claim", claim.id, "commander", claim.amount)
    # the work-group meeting and the joint review to come have theirs too
    others = {m.type.category: m for m in scheduled if m is not meeting}
    assert others[MeetingCategory.WORK_GROUP].items and others[MeetingCategory.JOINT_REVIEW].items


def test_the_commander_takes_the_meeting_through_to_the_approvals(demo, client, login):
    session = demo
    users = _users(session)
    commander = users["commander"]
    meeting = next(m for m in _meetings(session, MeetingState.SCHEDULED)
                   if m.type.category == MeetingCategory.COORDINATION)
    claim_item = next(i for i in meeting.items if i.kind == "subsidy_claim")
    claim = session.get(SubsidyClaim, claim_item.object_id)
    pool = claim.batch.fund_pool
    remaining = pool.remaining

    # the decision pack, from the meeting's page
    login(commander)
    pack = client.get(f"/meetings/{meeting.id}/decision-pack.pdf")
    assert pack.status_code == 200 and cjk(pack.data)
    text = pdf_text(pack.data)
    assert claim.number in text and claim.company.name in text and "伍拾万元整" in text
    assert f"审批后¥{remaining - claim.amount:,.2f}" in text

    # attendance and the resolutions, recorded by the chair
    services.record_attendance(session, commander, meeting, {a.id: True for a in meeting.attendees})
    for item in meeting.items:
        services.record_resolution(session, commander, item, outcome=Outcome.AGREED,
                                   text=f"同意{item.title}提请事项。")
    services.hold(session, commander, meeting)
    services.save_minutes(session, commander, meeting, "会议逐项审议了提请事项，形成上述议定事项。")
    doc = services.sign_off(session, commander, meeting)
    session.commit()
    assert meeting.state == MeetingState.MINUTES_ISSUED and doc.number in pdf_text(file_store().read(doc.storage_key))
    assert client.get(f"/verify/{doc.verify_code}").status_code == 200

    # then the approvals the meeting agreed
    subsidies.approve(session, commander, claim)
    exit_case = session.get(ExitCase, next(i.object_id for i in meeting.items if i.kind == "exit_case"))
    exits.decide(session, commander, exit_case, approve=True, reason="经工作协调会审议同意。")
    session.commit()
    session.refresh(pool)
    assert claim.state == ClaimState.APPROVED and pool.remaining == remaining - claim.amount
    assert exit_case.state == ExitState.APPROVED
    # the pack read afterwards shows the decisions and the money as committed
    text = pdf_text(documents.decision_pack_pdf(session, meeting))
    assert "□同意" not in text and "已不在待审批状态" in text
    assert verify_chain(session)[0]
