"""A meeting from scheduling to its issued minutes: who may do each step, what the chair's closing
requires, bad inputs refused with their reasons, and the audit trail."""
import datetime as dt

import pytest
import sqlalchemy as sa

from incubator.audit.models import AuditEntry
from incubator.core.errors import DomainError, PermissionDenied, TransitionNotAllowed
from incubator.core.roles import Role
from incubator.db import utcnow
from incubator.meetings import gate, services
from incubator.meetings.models import ItemState, MeetingState, Outcome

from ..factories import make_user
from .helpers import PLACE


def _coordination(w, chair=None, days=-0.1, fill=True, actor=None):
    t = gate.meeting_type_for(w.session, "subsidy_claim", "commander")
    return services.schedule(w.session, actor or w.operator, meeting_type=t, place=PLACE, fill=fill,
                             starts_at=utcnow() + dt.timedelta(days=days), chair=chair or w.commander)


def _all_present(w, m):
    services.record_attendance(w.session, w.operator, m, {a.id: True for a in m.attendees})


def test_scheduling_invites_the_chair_and_the_types_attendees(mworld):
    w = mworld
    m = _coordination(w)
    assert m.number.startswith(f"HY-{m.starts_at.year}-") and m.state == MeetingState.SCHEDULED
    assert m.title.endswith("现场指挥部工作协调会") and m.secretary_id == w.operator.id
    invited = [a.user_id for a in m.attendees]
    assert invited[0] == w.commander.id  # the chair first
    # the coordination meeting invites commanders, deputies, leads and operators; not the supervisor or reviewers
    assert {w.deputy.id, w.lead.id, w.lead2.id, w.operator.id, w.operator2.id} <= set(invited)
    assert not {w.supervisor.id, w.reviewer.id, w.admin.id} & set(invited)
    assert m.attendees[0].title == "指挥长" and all(a.present is None for a in m.attendees)


@pytest.mark.parametrize(("who", "code", "allowed"), [
    ("operator", "coordination", True), ("admin", "coordination", True),
    ("commander", "coordination", True), ("deputy", "coordination", True), ("lead", "coordination", False),
    ("lead", "work_group_integrated", True), ("deputy", "work_group_integrated", False),
    ("supervisor", "coordination", False), ("reviewer", "joint_review", False), ("member", "coordination", False),
])
def test_who_may_schedule_which_meeting(mworld, who, code, allowed):
    w = mworld
    t = next(t for t in gate.active_types(w.session) if t.code == code)
    chair = w.commander if code == "coordination" else w.lead
    actor = getattr(w, who)
    call = lambda: services.schedule(w.session, actor, meeting_type=t, starts_at=utcnow() + dt.timedelta(days=2),  # noqa: E731
                                     place=PLACE, chair=chair)
    if allowed:
        assert call().chair_id == chair.id
    else:
        with pytest.raises(PermissionDenied):
            call()


@pytest.mark.parametrize(("change", "field", "words"), [
    ({"place": "  "}, "place", "where the meeting takes place"),
    ({"place": "会" * 201}, "place", "At most 200"),
    ({"starts_at": dt.datetime(2026, 5, 1, 9, 0)}, "starts_on", "date and time"),  # naive: no time zone
    ({"starts_at": "2026-05-01"}, "starts_on", "date and time"),
    ({"starts_at": utcnow() + dt.timedelta(days=401)}, "starts_on", "a year ahead"),
    ({"starts_at": utcnow() - dt.timedelta(days=401)}, "starts_on", "a year afterwards"),
    ({"chair": "lead"}, "chair_id", "must be a"),  # a lead cannot chair the coordination meeting
    ({"chair": "member"}, "chair_id", "must be a"),
    ({"chair": None}, "chair_id", "must be a"),
    ({"title": "题" * 201}, "title", "At most 200"),
])
def test_bad_scheduling_inputs(mworld, change, field, words):
    w = mworld
    t = gate.meeting_type_for(w.session, "subsidy_claim", "commander")
    kw = {"starts_at": utcnow() + dt.timedelta(days=2), "place": PLACE, "chair": w.commander, **change}
    if isinstance(kw["chair"], str):
        kw["chair"] = getattr(w, kw["chair"])
    with pytest.raises(DomainError, match=words) as err:
        services.schedule(w.session, w.operator, meeting_type=t, **kw)
    assert err.value.field == field


def test_an_inactive_type_cannot_be_scheduled(mworld):
    w = mworld
    t = gate.meeting_type_for(w.session, "subsidy_claim", "commander")
    t.active = False
    with pytest.raises(DomainError, match="no longer in use"):
        services.schedule(w.session, w.operator, meeting_type=t, starts_at=utcnow(), place=PLACE, chair=w.commander)


@pytest.mark.parametrize(("kw", "words"), [
    ({"outcome": "maybe", "text": "同意"}, "choose the outcome"),
    ({"outcome": "agreed", "text": "   "}, "write the resolution"),
    ({"outcome": "agreed", "text": "同" * 5001}, "At most 5000"),
    ({"outcome": "not_agreed", "text": "不同意", "conditions": "先补材料"}, "Conditions go with an agreement"),
    ({"outcome": "agreed", "text": "同意", "votes_for": "5"}, "all three counts"),
    ({"outcome": "agreed", "text": "同意", "votes_for": "3", "votes_against": "-1", "votes_abstain": "0"},
     "cannot be negative"),
    ({"outcome": "agreed", "text": "同意", "votes_for": "三", "votes_against": "0", "votes_abstain": "0"},
     "whole numbers"),
    ({"outcome": "agreed", "text": "同意", "votes_for": "2.5", "votes_against": "0", "votes_abstain": "0"},
     "whole numbers"),
    ({"outcome": "agreed", "text": "同意", "votes_for": "6", "votes_against": "1", "votes_abstain": "0"},
     "more votes than people present \\(6\\)"),
    ({"outcome": "agreed", "text": "同意", "votes_for": "99999999999", "votes_against": "0", "votes_abstain": "0"},
     "more votes than people present"),
])
def test_bad_resolutions_are_refused(mworld, kw, words):
    w = mworld
    m = _coordination(w)
    present = {a.id: i < 6 for i, a in enumerate(m.attendees)}
    services.record_attendance(w.session, w.operator, m, present)
    with pytest.raises(DomainError, match=words):
        services.record_resolution(w.session, w.operator, m.items[0], **kw)
    assert m.items[0].resolution is None and m.items[0].state == ItemState.OPEN


def test_votes_need_the_attendance_first_and_full_width_digits_count(mworld):
    w = mworld
    m = _coordination(w)
    item = m.items[0]
    with pytest.raises(DomainError, match="Record who is present"):
        services.record_resolution(w.session, w.operator, item, outcome="agreed", text="同意", votes_for="1",
                                   votes_against="0", votes_abstain="0")
    _all_present(w, m)
    r = services.record_resolution(w.session, w.operator, item, outcome="agreed", text="同意", votes_for="５",
                                   votes_against="１", votes_abstain="0", conditions="按季度分期拨付")
    assert (r.votes_for, r.votes_against, r.votes_abstain, r.conditions) == (5, 1, 0, "按季度分期拨付")


def test_a_resolution_recorded_again_replaces_the_wording_until_the_meeting_is_held(mworld):
    w = mworld
    m = _coordination(w)
    item = m.items[0]
    first = services.record_resolution(w.session, w.operator, item, outcome="deferred", text="暂缓")
    second = services.record_resolution(w.session, w.commander, item, outcome="agreed", text="同意拨付30万元。")
    assert first.id == second.id and (second.outcome, second.text) == (Outcome.AGREED, "同意拨付30万元。")
    entries = w.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "meeting.resolution")
                                .order_by(AuditEntry.seq.nullslast(), AuditEntry.id)).all()
    assert [e.after["outcome"] for e in entries] == ["deferred", "agreed"]
    assert entries[1].before["outcome"] == "deferred" and entries[1].actor_id == w.commander.id


def test_closing_the_meeting_needs_every_item_resolved_attendance_and_the_chair(mworld):
    w, s = mworld, mworld.session
    m = _coordination(w)
    with pytest.raises(DomainError, match="no resolution yet"):
        services.hold(s, w.commander, m)
    services.record_resolution(s, w.operator, m.items[0], outcome="agreed", text="同意。")
    with pytest.raises(DomainError, match="Take the attendance"):
        services.hold(s, w.commander, m)
    services.record_attendance(s, w.operator, m, {a.id: a.user_id != w.commander.id for a in m.attendees})
    with pytest.raises(DomainError, match="chair is marked absent"):
        services.hold(s, w.commander, m)
    _all_present(w, m)
    for who in (w.operator, w.deputy, w.commander2 if hasattr(w, "commander2") else make_user(s, Role.COMMANDER)):
        with pytest.raises(PermissionDenied):
            services.hold(s, who, m)
    services.hold(s, w.commander, m, comment="会议议定事项按纪要执行")
    assert m.state == MeetingState.HELD and m.held_at is not None
    # from now on the agenda, attendance and resolutions are final
    with pytest.raises(TransitionNotAllowed):
        services.record_resolution(s, w.operator, m.items[0], outcome="not_agreed", text="改为不同意")
    with pytest.raises(TransitionNotAllowed):
        services.record_attendance(s, w.operator, m, {m.attendees[1].id: False})
    with pytest.raises(TransitionNotAllowed):
        services.add_attendee(s, w.operator, m, name="列席 张")
    with pytest.raises(TransitionNotAllowed):
        services.cancel(s, w.operator, m, "改期")


def test_a_meeting_is_not_closed_before_its_day(mworld):
    w, s = mworld, mworld.session
    m = _coordination(w, days=3, fill=False)
    _all_present(w, m)
    with pytest.raises(DomainError, match="Not before the meeting day"):
        services.hold(s, w.commander, m)
    with pytest.raises(DomainError, match="future"):
        services.hold(s, w.commander, m, at=utcnow() + dt.timedelta(days=4))


def test_minutes_are_written_after_the_meeting_and_signed_off_by_the_chair(mworld):
    w, s = mworld, mworld.session
    m = _coordination(w)
    with pytest.raises(TransitionNotAllowed, match="once the meeting is held"):
        services.save_minutes(s, w.operator, m, "纪要")
    services.record_resolution(s, w.operator, m.items[0], outcome="agreed", text="同意。")
    _all_present(w, m)
    services.hold(s, w.commander, m)
    with pytest.raises(DomainError, match="Write the minutes"):
        services.sign_off(s, w.commander, m)
    with pytest.raises(DomainError, match="At most 20000"):
        services.save_minutes(s, w.operator, m, "纪" * 20001)
    with pytest.raises(PermissionDenied):
        services.save_minutes(s, w.supervisor, m, "纪要")
    services.save_minutes(s, w.operator, m, "会议听取了运营公司关于租金补贴核定情况的汇报。")
    with pytest.raises(PermissionDenied):
        services.sign_off(s, w.operator, m)
    with pytest.raises(PermissionDenied):
        services.sign_off(s, w.deputy, m)  # a deputy may chair a coordination meeting, but not this one
    doc = services.sign_off(s, w.commander, m)
    assert m.state == MeetingState.MINUTES_ISSUED and m.minutes_document_id == doc.id
    with pytest.raises(TransitionNotAllowed):
        services.save_minutes(s, w.operator, m, "改")


def test_cancelling_needs_a_reason_and_the_secretary_or_the_chair(mworld):
    w, s = mworld, mworld.session
    m = _coordination(w, days=2)
    with pytest.raises(PermissionDenied):
        services.cancel(s, w.deputy, m, "改期")
    with pytest.raises(DomainError, match="reason"):
        services.cancel(s, w.operator, m, " ")
    services.cancel(s, w.operator, m, "与市政府专题会冲突，改期召开")
    assert m.state == MeetingState.CANCELLED and m.cancel_reason.startswith("与市政府")
    with pytest.raises(TransitionNotAllowed):
        services.hold(s, w.commander, m)


def test_rescheduling_changes_the_chair_and_invites_them(mworld):
    w, s = mworld, mworld.session
    m = _coordination(w, days=2)
    new_chair = make_user(s, Role.DEPUTY, display_name="副指挥长 何")
    services.reschedule(s, w.operator, m, starts_at=utcnow() + dt.timedelta(days=5), place="水乡管委会三楼会议室",
                        chair=new_chair)
    assert m.chair_id == new_chair.id and m.place == "水乡管委会三楼会议室"
    assert new_chair.id in {a.user_id for a in m.attendees}
    with pytest.raises(DomainError, match="must be a"):
        services.reschedule(s, w.operator, m, starts_at=m.starts_at, place=m.place, chair=w.lead)


def test_guests_and_attendance(mworld):
    w, s = mworld, mworld.session
    m = _coordination(w, days=2, fill=False)
    guest = services.add_attendee(s, w.operator, m, name="市科技局 陈科长", title="列席")
    assert guest.user_id is None and m.attendees[-1] is guest
    with pytest.raises(DomainError, match="attendee's name"):
        services.add_attendee(s, w.operator, m, name=" ")
    with pytest.raises(DomainError, match="already invited"):
        services.add_attendee(s, w.operator, m, name="x", user=w.commander)
    with pytest.raises(DomainError, match="not invited"):
        services.record_attendance(s, w.operator, m, {999999: True})
    services.record_attendance(s, w.operator, m, {guest.id: False}, {guest.id: "请假"})
    assert (guest.present, guest.note) == (False, "请假")
    assert services.present_count(m) == 0


def test_every_step_is_in_the_audit_log(mworld):
    w, s = mworld, mworld.session
    m = _coordination(w)
    services.record_resolution(s, w.operator, m.items[0], outcome="agreed", text="同意。")
    _all_present(w, m)
    services.hold(s, w.commander, m)
    services.save_minutes(s, w.operator, m, "纪要正文")
    services.sign_off(s, w.commander, m)
    actions = list(s.scalars(sa.select(AuditEntry.action).where(AuditEntry.object_type.in_(
        ["meetings", "meeting_resolutions"])).order_by(AuditEntry.id)))
    assert actions == ["meeting.schedule", "meeting.add_item", "meeting.resolution", "meeting.attendance",
                       "meeting.hold", "meeting.resolutions_in_force", "meeting.minutes", "meeting.sign_off",
                       "meeting.minutes_issued"]
