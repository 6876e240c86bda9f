"""The demo's meetings (plan 四、工作保障): the 工作例会 and 工作协调会 that agreed the demo's deputy- and
commander-tier subsidy claims before they were approved (held by the subsidy demo through
`hold_meeting`), their minutes signed off and issued; and today's monthly coordination meeting,
scheduled with its agenda filled from what is really waiting for it (the commander-tier 融资奖励
claim, the exit request awaiting the commander, the large clawback, the HQ budget's requests), so
a newcomer can read its decision pack, record the resolutions, close it, issue the minutes and
approve what it agreed. A 综合统筹组工作例会 and a joint admission review follow in the next days.

Through the meeting services as the demo users (operator as secretary, lead / commander as
chairs); each step is dated to its day like the other demos. Deterministic.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .accounts.models import User
from .core.formatting import SHANGHAI, amount_in_words, format_money, local
from .db import utcnow
from .demo_subsidies import working_day
from .meetings import services
from .meetings.models import ItemState, Meeting, MeetingState, MeetingType, Outcome
from .models import Base

DAY = dt.timedelta(days=1)
ROOM = "水乡科创中心A栋5楼第一会议室"
HQ_ROOM = "现场指挥部（水乡管委会办公楼3楼）会议室"
# people from outside the system who sit in, by meeting type: (name, post, absent note or None)
GUESTS = {
    "coordination": [("陈志强", "市科技局分管领导", None), ("林慧", "市科技局高新技术科科长", None),
                     ("何建新", "水乡管委会分管领导", None), ("郭敏", "水乡管委会经济发展局局长", "请假（出差）"),
                     ("邓伟", "水乡控股总经理", None)],
    "work_group": [("林慧", "市科技局高新技术科科长", None), ("曾晓燕", "水乡管委会财政分局副局长", None)],
    "joint_review": [("林慧", "市科技局高新技术科科长", None)],
}
# what a step writes and when it happened (never starts_at, held_at, signed_off_at: those are given)
STAMPED = {"meetings": ("created_at", "updated_at"), "meeting_items": ("added_at",),
           "meeting_resolutions": ("created_at", "updated_at"), "workflow_events": ("at",),
           "issued_documents": ("issued_at",)}


def _users(session: Session) -> dict[str, User]:
    return {u.username: u for u in session.scalars(sa.select(User).where(User.company_id.is_(None)))}


def _type(session: Session, code: str) -> MeetingType:
    return session.scalars(sa.select(MeetingType).where(MeetingType.code == code, MeetingType.active.is_(True))).one()


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), SHANGHAI)


@contextmanager
def dated(session: Session, when: dt.datetime) -> Iterator[None]:
    """Date what a step writes in the meeting tables (and its history, the minutes document) to `when`."""
    since = utcnow()
    yield
    session.flush()
    for name, columns in STAMPED.items():
        table = Base.metadata.tables[name]
        for column in columns:
            session.execute(table.update().where(table.c[column] >= since).values({column: when}))
    for obj in list(session.identity_map.values()):
        table = getattr(type(obj), "__table__", None)
        if table is not None and table.name in STAMPED:
            session.expire(obj, list(STAMPED[table.name]))


def _invite_guests(session: Session, secretary: User, meeting: Meeting, category: str) -> None:
    for name, post, _absent in GUESTS[category]:
        services.add_attendee(session, secretary, meeting, name=name, title=post)


def _attendance(session: Session, secretary: User, meeting: Meeting, category: str) -> None:
    absent = {name: note for name, _post, note in GUESTS[category] if note}
    services.record_attendance(session, secretary, meeting, {a.id: a.name not in absent for a in meeting.attendees},
                               notes={a.id: absent[a.name] for a in meeting.attendees if a.name in absent})


def hold_meeting(session: Session, code: str, day: dt.date, matters: list[tuple[str, int, str]],
                 title: str | None = None) -> Meeting:
    """A meeting of type `code` on `day` that took up `matters` — (kind, object id, resolution text) —
    agreed each and was closed by its chair; the minutes come later (seed_meetings)."""
    users = _users(session)
    secretary = users["operator"]
    meeting_type = _type(session, code)
    category = meeting_type.category.value
    chair = users["commander" if category == "coordination" else "lead"]
    starts = _at(day, 14, 30) if category == "coordination" else _at(day, 9, 30)
    with dated(session, starts - dt.timedelta(hours=16)):  # the agenda was set the afternoon before
        meeting = services.schedule(session, secretary, meeting_type=meeting_type, starts_at=starts,
                                    place=HQ_ROOM if category == "coordination" else ROOM, chair=chair, title=title,
                                    fill=False, now=starts - dt.timedelta(hours=16))
        _invite_guests(session, secretary, meeting, category)
        for kind, object_id, _text in matters:
            services.add_item(session, secretary, meeting, kind, object_id)
    with dated(session, starts + dt.timedelta(minutes=20)):
        _attendance(session, secretary, meeting, category)
        present = services.present_count(meeting)
        texts = {(kind, object_id): text for kind, object_id, text in matters}
        for item in meeting.items:
            votes = {"votes_for": present, "votes_against": 0, "votes_abstain": 0} if category == "coordination" \
                else {}
            services.record_resolution(session, secretary, item, outcome=Outcome.AGREED,
                                       text=texts[(item.kind, item.object_id)], **votes)
    held = starts + dt.timedelta(hours=2)
    with dated(session, held):
        services.hold(session, chair, meeting, at=held)
    return meeting


def claim_resolution(claim) -> str:
    """What a meeting agreed on a subsidy claim, in the minutes' words."""
    approver = {"deputy": "副总指挥", "commander": "总指挥"}[claim.required_role]
    return (f"同意{claim.company.name}{claim.batch.name}核定金额{format_money(claim.amount)}"
            f"（人民币{amount_in_words(claim.amount)}），报{approver}审批后按程序公示、拨付。")


# --- the minutes of the meetings held, and the meetings to come --------------------------------------------------

def seed_meetings(session: Session, today: dt.date) -> None:
    """After the budget demo: minutes for every meeting held, then today's coordination meeting and
    the next work-group meeting and joint review with their agendas filled from what is waiting."""
    users = _users(session)
    _renumber(session)
    for meeting in session.scalars(sa.select(Meeting).where(Meeting.state == MeetingState.HELD)
                                   .order_by(Meeting.starts_at, Meeting.id)):
        _sign_off(session, users, meeting, today)
    _upcoming(session, users, today)
    session.flush()


def _renumber(session: Session) -> None:
    """Number the meetings held so far in the order of their dates within each year: the subsidy and
    budget demos record them story by story, a secretary would have numbered them as they came."""
    meetings = session.scalars(sa.select(Meeting).order_by(Meeting.starts_at, Meeting.id)).all()
    for meeting in meetings:
        meeting.number = f"HY-TMP-{meeting.id}"  # first out of the way of the unique numbers
    session.flush()
    counts: dict[int, int] = {}
    for meeting in meetings:
        year = local(meeting.starts_at).year
        counts[year] = counts.get(year, 0) + 1
        meeting.number = f"HY-{year}-{counts[year]:04d}"
    session.flush()


def _minutes(meeting: Meeting) -> str:
    """The body of the minutes: what the meeting heard, and what it asked of whom."""
    items = [i for i in meeting.items if i.state == ItemState.RESOLVED]
    kinds = {i.kind for i in items}
    money = sum((i.amount for i in items if i.amount), start=0)
    coordination = meeting.type.category.value == "coordination"
    approver = "总指挥" if coordination else "副总指挥"
    lines = [f"会议听取了运营服务中心关于{len(items)}项提请审议事项的汇报"
             + (f"（涉及金额合计{format_money(money)}）" if money else "")
             + "，逐项审议了申请材料、计算明细和初审意见，形成上述议定事项。"]
    asks = []
    if "subsidy_claim" in kinds:
        asks.append(f"运营服务中心按议定事项将补贴申请报{approver}审批，审批后统一列入公示名单，对公示期间收到的异议及时核查并书面答复")
    if "expense_request" in kinds:
        asks.append(f"经费支出申请按议定事项报{approver}审批后，在年度预算内据实列支，不得超出预算科目余额")
    if coordination:
        asks.append("市科技局、水乡管委会按职责分工抓好议定事项落实，执行情况在下次工作协调会上报告")
    lines.append("会议要求：" + "；".join(asks) + "。")
    return "\n".join(lines)


def _sign_off(session: Session, users: dict[str, User], meeting: Meeting, today: dt.date) -> None:
    held = local(meeting.held_at)
    written = working_day(held.date() + DAY)
    with dated(session, _at(written, 10)):
        services.save_minutes(session, users["operator"], meeting, _minutes(meeting))
    signed = min(_at(working_day(written + DAY), 16), dt.datetime.combine(today, dt.time(8), SHANGHAI))
    signed = max(min(signed, utcnow() - dt.timedelta(minutes=1)), meeting.held_at)
    with dated(session, signed):
        services.sign_off(session, meeting.chair, meeting, at=signed)


def _upcoming(session: Session, users: dict[str, User], today: dt.date) -> None:
    secretary = users["operator"]
    plans = [("coordination", today, 14, 30, users["commander"], HQ_ROOM, None),
             ("work_group_integrated", working_day(today + 2 * DAY), 9, 30, users["lead"], ROOM, None),
             ("joint_review", working_day(today + 5 * DAY), 14, 0, users["deputy"], ROOM, None)]
    for code, day, hour, minute, chair, place, title in plans:
        meeting_type = _type(session, code)
        scheduled = _at(working_day(today - 2 * DAY, -1), 17)
        with dated(session, scheduled):
            meeting = services.schedule(session, secretary, meeting_type=meeting_type, starts_at=_at(day, hour, minute),
                                        place=place, chair=chair, title=title, fill=True, now=scheduled)
            _invite_guests(session, secretary, meeting, meeting_type.category.value)

