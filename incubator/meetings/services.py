"""Every change to a meeting: scheduling it (with its agenda filled from what is waiting), the
agenda (add, withdraw, defer), attendance, the resolution on each item, closing the meeting,
the minutes and their sign-off, cancelling. Each takes the acting user and never commits.

The secretary (operator or administrator) and the meeting's chair keep the agenda, attendance
and resolutions while the meeting is scheduled; only the chair closes it (which puts its
resolutions in force) and signs off the minutes. Edits of a scheduled meeting first take its row
(a guarded UPDATE), so nothing slips in after the chair closed it."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..accounts.models import User, UserRole
from ..audit.services import record
from ..certificates.numbering import next_number
from ..core.errors import ConcurrentChange, DomainError, PermissionDenied, TransitionNotAllowed
from ..core.formatting import format_money, local
from ..core.models import WorkflowEvent
from ..core.roles import Role
from ..db import utcnow
from . import agenda, rules
from .agenda import KIND_LABELS, Candidate, kind_label  # noqa: F401 - re-exported for pages and documents
from .models import AgendaItem, Attendee, ItemState, Meeting, MeetingState, MeetingType, Outcome, Resolution
from .workflow import MEETING_FLOW, SECRETARIES

MAX_TEXT = 5000
MAX_MINUTES = 20000
PAST_DAYS = 400  # a meeting held earlier can still be recorded (the secretary enters it afterwards)
AHEAD_DAYS = 400
DEFER_TEXT = "会议决定暂缓审议，待材料补充完善后提交下次会议研究。"
CANCELLED_TEXT = "会议取消"


# --- who may do what ---------------------------------------------------------------------------------

def is_secretary(actor) -> bool:
    return bool(actor.role_set & set(SECRETARIES))


def is_chair(actor, meeting: Meeting) -> bool:
    return getattr(actor, "id", None) is not None and actor.id == meeting.chair_id


def may_edit(actor, meeting: Meeting) -> bool:
    """Keeps the agenda, attendance and resolutions: the secretariat (operators, administrators),
    whoever scheduled the meeting, or its chair."""
    actor_id = getattr(actor, "id", None)
    return is_secretary(actor) or is_chair(actor, meeting) or (actor_id is not None and actor_id == meeting.secretary_id)


def may_schedule(actor, meeting_type: MeetingType | None = None) -> bool:
    if is_secretary(actor):
        return True
    if meeting_type is None:
        return bool(actor.role_set & {Role.LEAD, Role.DEPUTY, Role.COMMANDER})
    return rules.may_chair(meeting_type.config, actor.role_set)


def _require_editor(actor, meeting: Meeting) -> None:
    if not may_edit(actor, meeting):
        raise PermissionDenied(_("Only the secretary or the chair of this meeting can do this."))


def _require_chair(actor, meeting: Meeting) -> None:
    if not is_chair(actor, meeting):
        raise PermissionDenied(_("Only the chair of this meeting (%(name)s) can do this.",
                                 name=meeting.chair.display_name))


def _lock_scheduled(session: Session, meeting: Meeting) -> None:
    """Take the meeting's row while it is scheduled: concurrent edits queue here, and an edit
    waiting behind the chair's closing finds the meeting held and is refused."""
    done = session.execute(sa.update(Meeting).where(Meeting.id == meeting.id, Meeting.state == MeetingState.SCHEDULED)
                           .values(version=Meeting.version + 1).execution_options(synchronize_session=False))
    session.refresh(meeting)
    if done.rowcount != 1:
        raise TransitionNotAllowed(_("The meeting is %(state)s; its agenda, attendance and resolutions can no longer "
                                     "be changed.", state=meeting.state.label))


# --- checks on what people type ------------------------------------------------------------------------

def _text(value: str | None, field: str, *, required: bool = True, limit: int = MAX_TEXT,
          message: str | None = None) -> str | None:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(message or _("This field is required."), field=field)
    if len(value) > limit:
        raise DomainError(_("At most %(n)s characters, please.", n=limit), field=field)
    return value or None


def check_start(starts_at, now: dt.datetime | None = None) -> dt.datetime:
    now = now or utcnow()
    if not isinstance(starts_at, dt.datetime) or starts_at.tzinfo is None:
        raise DomainError(_("Please enter the date and time of the meeting."), field="starts_on")
    if starts_at > now + dt.timedelta(days=AHEAD_DAYS):
        raise DomainError(_("A meeting can be scheduled at most about a year ahead."), field="starts_on")
    if starts_at < now - dt.timedelta(days=PAST_DAYS):
        raise DomainError(_("A past meeting can be recorded up to about a year afterwards."), field="starts_on")
    return starts_at


def eligible_chairs(session: Session, meeting_type: MeetingType) -> list[User]:
    roles = [Role(r) for r in rules.chair_roles(meeting_type.config)]
    return list(session.scalars(sa.select(User).where(User.active.is_(True), User.company_id.is_(None),
                                                      User.id.in_(sa.select(UserRole.user_id)
                                                                  .where(UserRole.role.in_(roles))))
                                .order_by(User.display_name, User.id)))


def _check_chair(meeting_type: MeetingType, chair) -> User:
    if not isinstance(chair, User) or not chair.active or chair.company_id is not None \
            or not rules.may_chair(meeting_type.config, chair.role_set):
        roles = "、".join(str(Role(r).label) for r in sorted(rules.chair_roles(meeting_type.config)))
        raise DomainError(_("The chair of a %(type)s must be a %(roles)s.", type=meeting_type.label, roles=roles),
                          field="chair_id")
    return chair


def default_title(meeting_type: MeetingType, starts_at: dt.datetime) -> str:
    day = local(starts_at).date()
    return f"{day.year}年{day.month}月{day.day}日{meeting_type.name}"


def _roles_text(user: User) -> str:
    with force_locale("zh_CN"):
        return "、".join(str(r.label) for r in sorted(user.role_set) if r != Role.ADMIN) or None


# --- scheduling ----------------------------------------------------------------------------------------

def schedule(session: Session, actor, *, meeting_type: MeetingType, starts_at: dt.datetime, place: str,
             chair: User, title: str | None = None, fill: bool = True, now: dt.datetime | None = None) -> Meeting:
    """A new meeting: the chair and everyone holding the type's attendee roles are invited, and
    (fill) everything waiting for this type of meeting goes on its agenda."""
    if not may_schedule(actor, meeting_type):
        raise PermissionDenied(_("Only the secretary or someone who may chair a %(type)s can schedule one.",
                                 type=meeting_type.label))
    if not meeting_type.active:
        raise DomainError(_("This meeting type is no longer in use."), field="type_id")
    starts_at = check_start(starts_at, now)
    place = _text(place, "place", limit=200, message=_("Please enter where the meeting takes place."))
    chair = _check_chair(meeting_type, chair)
    title = _text(title, "title", required=False, limit=200) or default_title(meeting_type, starts_at)
    year = local(starts_at).year
    meeting = Meeting(number=f"HY-{year}-{next_number(session, 'meeting', year):04d}", type_id=meeting_type.id,
                      title=title, starts_at=starts_at, place=place, chair_id=chair.id,
                      secretary_id=getattr(actor, "id", None))
    session.add(meeting)
    session.flush()
    _invite(session, meeting, meeting_type, chair)
    session.add(WorkflowEvent(object_type=MEETING_FLOW.name, object_id=meeting.id, action="schedule", from_state="",
                              to_state=MeetingState.SCHEDULED.value, actor_id=getattr(actor, "id", None)))
    record(session, actor, "meeting.schedule", meeting, summary=f"{meeting.number} {title}", after={
        "type": meeting_type.code, "type_version": meeting_type.version, "starts_at": starts_at, "place": place,
        "chair": chair.display_name})
    session.flush()
    if fill:
        fill_agenda(session, actor, meeting)
    return meeting


def _invite(session: Session, meeting: Meeting, meeting_type: MeetingType, chair: User) -> None:
    roles = [Role(r) for r in meeting_type.config.get("attendee_roles", [])]
    others = session.scalars(sa.select(User).where(
        User.active.is_(True), User.company_id.is_(None), User.id != chair.id,
        User.id.in_(sa.select(UserRole.user_id).where(UserRole.role.in_(roles)))).order_by(User.id)).all()
    for position, user in enumerate([chair, *others]):
        session.add(Attendee(meeting_id=meeting.id, user_id=user.id, name=user.display_name,
                             title=_roles_text(user), position=position))
    session.flush()


def reschedule(session: Session, actor, meeting: Meeting, *, starts_at: dt.datetime, place: str, chair: User,
               title: str | None = None, now: dt.datetime | None = None) -> Meeting:
    _require_editor(actor, meeting)
    starts_at = check_start(starts_at, now)
    place = _text(place, "place", limit=200, message=_("Please enter where the meeting takes place."))
    chair = _check_chair(meeting.type, chair)
    title = _text(title, "title", required=False, limit=200) or meeting.title
    _lock_scheduled(session, meeting)
    before = {"starts_at": meeting.starts_at, "place": meeting.place, "chair": meeting.chair.display_name,
              "title": meeting.title}
    meeting.starts_at, meeting.place, meeting.chair_id, meeting.title = starts_at, place, chair.id, title
    session.flush()
    if not any(a.user_id == chair.id for a in meeting.attendees):
        session.add(Attendee(meeting_id=meeting.id, user_id=chair.id, name=chair.display_name,
                             title=_roles_text(chair), position=-1))
    session.flush()
    session.refresh(meeting)
    record(session, actor, "meeting.reschedule", meeting, summary=meeting.number, before=before,
           after={"starts_at": starts_at, "place": place, "chair": chair.display_name, "title": title})
    return meeting


# --- the agenda -----------------------------------------------------------------------------------------

def _next_position(session: Session, meeting: Meeting) -> int:
    last = session.scalar(sa.select(sa.func.max(AgendaItem.position)).where(AgendaItem.meeting_id == meeting.id))
    return (last or 0) + 1


def _add(session: Session, actor, meeting: Meeting, c: Candidate) -> AgendaItem:
    """Raises IntegrityError (inside its own savepoint) when the matter is on another open agenda."""
    item = AgendaItem(meeting_id=meeting.id, position=_next_position(session, meeting), kind=c.kind,
                      object_id=c.object_id, title=c.title[:200], summary=c.summary or None, tier=c.tier,
                      amount=c.amount, company_id=c.company_id, endpoint=c.endpoint, values=c.values,
                      added_by_id=getattr(actor, "id", None))
    with session.begin_nested():
        session.add(item)
        session.flush()
    record(session, actor, "meeting.add_item", meeting, company_id=c.company_id,
           summary=f"{meeting.number} {c.title}",
           after={"kind": c.kind, "object_id": c.object_id, "title": c.title, "tier": c.tier, "amount": c.amount})
    return item


def fill_agenda(session: Session, actor, meeting: Meeting) -> list[AgendaItem]:
    """Put everything waiting for this type of meeting on the agenda (a matter another meeting
    took at this very moment is left to that one)."""
    _require_editor(actor, meeting)
    _lock_scheduled(session, meeting)
    added = []
    for c in agenda.pending(session, meeting.type):
        try:
            added.append(_add(session, actor, meeting, c))
        except IntegrityError:
            continue
    session.refresh(meeting)
    return added


def add_item(session: Session, actor, meeting: Meeting, kind: str, object_id: int) -> AgendaItem:
    _require_editor(actor, meeting)
    _lock_scheduled(session, meeting)
    c = agenda.candidate(session, kind, object_id) if isinstance(object_id, int) else None
    if c is None:
        raise DomainError(_("This matter is not waiting for a meeting (it may have moved on)."))
    if not rules.may_deliberate(meeting.type.config, c.kind, c.tier):
        raise DomainError(_("A %(type)s does not deliberate this matter.", type=meeting.type.label))
    if c.key in agenda.taken_keys(session):
        raise DomainError(_("This matter is already on the agenda of a scheduled meeting, or a meeting has settled "
                            "it."))
    try:
        item = _add(session, actor, meeting, c)
    except IntegrityError:
        raise ConcurrentChange(_("This matter was just put on another meeting's agenda.")) from None
    session.refresh(meeting)
    return item


def _item_meeting(session: Session, actor, item: AgendaItem) -> Meeting:
    meeting = item.meeting
    _require_editor(actor, meeting)
    _lock_scheduled(session, meeting)
    return meeting


def withdraw_item(session: Session, actor, item: AgendaItem, reason: str) -> AgendaItem:
    """Take a matter off the agenda without a resolution (it waits for a meeting again)."""
    meeting = _item_meeting(session, actor, item)
    reason = _text(reason, "reason", message=_("A reason is required."))
    done = session.execute(sa.update(AgendaItem).where(AgendaItem.id == item.id, AgendaItem.state == ItemState.OPEN)
                           .values(state=ItemState.WITHDRAWN, withdrawn_reason=reason,
                                   version=AgendaItem.version + 1).execution_options(synchronize_session=False))
    session.refresh(item)
    if done.rowcount != 1:
        raise TransitionNotAllowed(_("Only an item without a resolution can be withdrawn."))
    record(session, actor, "meeting.withdraw_item", meeting, company_id=item.company_id,
           summary=f"{meeting.number} {item.title}", after={"item": item.id, "kind": item.kind,
                                                            "object_id": item.object_id, "reason": reason})
    return item


def present_count(meeting: Meeting) -> int:
    return sum(1 for a in meeting.attendees if a.present)


def _int_or_none(value, field: str) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise DomainError(_("Please enter whole numbers of votes."), field=field)
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise DomainError(_("Please enter whole numbers of votes."), field=field) from None
    if abs(number) > rules.MAX_VOTERS:
        raise DomainError(_("There cannot be more votes than people present (%(n)s).", n=rules.MAX_VOTERS),
                          field=field)
    return number


VOTE_MESSAGES = {
    "partial": lambda n: _("Give all three counts (for, against, abstaining), or none."),
    "negative": lambda n: _("A number of votes cannot be negative."),
    "no_attendance": lambda n: _("Record who is present before recording votes."),
    "too_many": lambda n: _("There cannot be more votes than people present (%(n)s).", n=n),
}


def _check_votes(meeting: Meeting, votes: tuple) -> tuple:
    present = present_count(meeting)
    problem = rules.vote_problem(*votes, present)
    if problem:
        raise DomainError(VOTE_MESSAGES[problem](present), field="votes_for")
    return votes


def record_resolution(session: Session, actor, item: AgendaItem, *, outcome, text: str,
                      conditions: str | None = None, votes_for=None, votes_against=None,
                      votes_abstain=None) -> Resolution:
    """The meeting's decision on the item (recorded again, it replaces the earlier wording until
    the chair closes the meeting)."""
    meeting = _item_meeting(session, actor, item)
    if item.state == ItemState.WITHDRAWN:
        raise TransitionNotAllowed(_("This item was withdrawn from the agenda."))
    outcome = Outcome.from_arg(outcome)
    if outcome is None:
        raise DomainError(_("Please choose the outcome."), field="outcome")
    text = _text(text, "text", message=_("Please write the resolution."))
    conditions = _text(conditions, "conditions", required=False)
    if conditions and outcome != Outcome.AGREED:
        raise DomainError(_("Conditions go with an agreement."), field="conditions")
    votes = _check_votes(meeting, (_int_or_none(votes_for, "votes_for"), _int_or_none(votes_against, "votes_against"),
                                   _int_or_none(votes_abstain, "votes_abstain")))
    values = {"outcome": outcome, "text": text, "conditions": conditions, "votes_for": votes[0],
              "votes_against": votes[1], "votes_abstain": votes[2]}
    existing = item.resolution
    before = None
    if existing is None:
        resolution = Resolution(item_id=item.id, meeting_id=meeting.id, kind=item.kind, object_id=item.object_id,
                                recorded_by_id=getattr(actor, "id", None), **values)
        try:
            with session.begin_nested():
                session.add(resolution)
                session.flush()
        except IntegrityError:
            raise ConcurrentChange(_("Someone else recorded this resolution first. Please reload and try again.")) \
                from None
    else:
        resolution = existing
        before = {k: getattr(resolution, k) for k in values}
        for k, v in values.items():
            setattr(resolution, k, v)
        resolution.recorded_by_id = getattr(actor, "id", None)
        resolution.version += 1
        session.flush()
    session.execute(sa.update(AgendaItem).where(AgendaItem.id == item.id)
                    .values(state=ItemState.RESOLVED, version=AgendaItem.version + 1)
                    .execution_options(synchronize_session=False))
    session.refresh(item)
    record(session, actor, "meeting.resolution", resolution, company_id=item.company_id,
           summary=f"{meeting.number} {item.title}：{outcome.label}", before=before,
           after={**values, "item": item.id, "kind": item.kind, "object_id": item.object_id})
    return resolution


def defer_item(session: Session, actor, item: AgendaItem, reason: str | None = None) -> Resolution:
    """The meeting puts the matter off: it waits for a later meeting."""
    return record_resolution(session, actor, item, outcome=Outcome.DEFERRED, text=(reason or "").strip() or DEFER_TEXT)


# --- attendance -----------------------------------------------------------------------------------------------

def add_attendee(session: Session, actor, meeting: Meeting, *, name: str, title: str | None = None,
                 user: User | None = None) -> Attendee:
    _require_editor(actor, meeting)
    _lock_scheduled(session, meeting)
    name = _text(name or (user.display_name if user else None), "name", limit=80,
                 message=_("Please enter the attendee's name."))
    title = _text(title, "title", required=False, limit=120)
    if user is not None and any(a.user_id == user.id for a in meeting.attendees):
        raise DomainError(_("%(name)s is already invited.", name=user.display_name), field="name")
    last = max((a.position for a in meeting.attendees), default=0)
    attendee = Attendee(meeting_id=meeting.id, user_id=user.id if user else None, name=name, title=title,
                        position=last + 1)
    try:
        with session.begin_nested():
            session.add(attendee)
            session.flush()
    except IntegrityError:
        raise DomainError(_("%(name)s is already invited.", name=name), field="name") from None
    session.refresh(meeting)
    record(session, actor, "meeting.add_attendee", meeting, summary=f"{meeting.number} {name}",
           after={"name": name, "title": title})
    return attendee


def record_attendance(session: Session, actor, meeting: Meeting, present: dict, notes: dict | None = None) -> Meeting:
    """`present`: attendee id → True (present) / False (absent) / None (not known yet); `notes`:
    attendee id → a short note (请假, 委托…出席)."""
    _require_editor(actor, meeting)
    _lock_scheduled(session, meeting)
    notes = notes or {}
    by_id = {a.id: a for a in meeting.attendees}
    unknown = (set(present) | set(notes)) - set(by_id)
    if unknown:
        raise DomainError(_("Someone in the list is not invited to this meeting."))
    before = {a.name: a.present for a in meeting.attendees}
    for attendee_id, value in present.items():
        if value not in (True, False, None):
            raise DomainError(_("Please mark each attendee present or absent."))
        by_id[attendee_id].present = value
    for attendee_id, note in notes.items():
        by_id[attendee_id].note = _text(note, f"note_{attendee_id}", required=False, limit=200)
    session.flush()
    record(session, actor, "meeting.attendance", meeting, summary=meeting.number, before=before,
           after={a.name: a.present for a in meeting.attendees})
    return meeting


# --- closing, minutes, sign-off, cancelling ---------------------------------------------------------------------

def _check_moment(at: dt.datetime | None, not_before: dt.datetime, field: str) -> dt.datetime:
    now = utcnow()
    at = at or now
    if at.tzinfo is None or at > now + dt.timedelta(minutes=1):
        raise DomainError(_("That moment is in the future."), field=field)
    if local(at).date() < local(not_before).date():
        raise DomainError(_("Not before the meeting day (%(day)s).", day=local(not_before).date().isoformat()),
                          field=field)
    return at


def hold_problems(meeting: Meeting) -> list[str]:
    """What stops the chair from closing the meeting (shown on the page before they try)."""
    problems = []
    unresolved = [i for i in meeting.items if i.state == ItemState.OPEN]
    if unresolved:
        problems.append(_("%(n)s item(s) on the agenda have no resolution yet: record one, defer or withdraw them.",
                          n=len(unresolved)))
    unmarked = [a for a in meeting.attendees if a.present is None]
    if unmarked:
        problems.append(_("Take the attendance first: %(n)s invited not marked present or absent.", n=len(unmarked)))
    chair = next((a for a in meeting.attendees if a.user_id == meeting.chair_id), None)
    if chair is not None and chair.present is False:
        problems.append(_("The chair is marked absent; change the chair or the attendance."))
    present = present_count(meeting)
    for item in meeting.items:
        r = item.resolution
        if item.state == ItemState.RESOLVED and r is not None and r.has_votes \
                and (r.votes_for + r.votes_against + r.votes_abstain) > present:
            problems.append(_("The votes on “%(title)s” add up to more than the %(n)s present.", title=item.title,
                              n=present))
    return problems


def hold(session: Session, actor, meeting: Meeting, comment: str | None = None,
         at: dt.datetime | None = None) -> Meeting:
    """The chair closes the meeting: its attendance and resolutions are confirmed and in force."""
    MEETING_FLOW.check(session, actor, meeting, "hold")
    _require_chair(actor, meeting)
    at = _check_moment(at, meeting.starts_at, "held_at")
    _lock_scheduled(session, meeting)
    problems = hold_problems(meeting)
    if problems:
        raise DomainError(problems[0])
    MEETING_FLOW.apply(session, actor, meeting, "hold", comment=_text(comment, "comment", required=False),
                       values={"held_at": at})
    record(session, actor, "meeting.resolutions_in_force", meeting, summary=meeting.number, after={
        "resolutions": [{"kind": i.kind, "object_id": i.object_id, "title": i.title, "outcome": i.resolution.outcome}
                        for i in meeting.items if i.state == ItemState.RESOLVED]})
    return meeting


def save_minutes(session: Session, actor, meeting: Meeting, text: str | None) -> Meeting:
    """The body of the minutes, written after the meeting and until the chair signs them off."""
    _require_editor(actor, meeting)
    text = _text(text, "minutes", required=False, limit=MAX_MINUTES)
    before = meeting.minutes
    done = session.execute(sa.update(Meeting).where(Meeting.id == meeting.id, Meeting.state == MeetingState.HELD)
                           .values(minutes=text, version=Meeting.version + 1)
                           .execution_options(synchronize_session=False))
    session.refresh(meeting)
    if done.rowcount != 1:
        raise TransitionNotAllowed(_("The minutes can be written once the meeting is held, until they are signed "
                                     "off."))
    if before != text:
        record(session, actor, "meeting.minutes", meeting, summary=meeting.number, before={"minutes": before},
               after={"minutes": text})
    return meeting


def sign_off(session: Session, actor, meeting: Meeting, at: dt.datetime | None = None):
    """The chair signs off the minutes: they are issued as a numbered, QR-verifiable 会议纪要."""
    MEETING_FLOW.check(session, actor, meeting, "sign_off")
    _require_chair(actor, meeting)
    if not (meeting.minutes or "").strip():
        raise DomainError(_("Write the minutes before signing them off."), field="minutes")
    at = _check_moment(at, meeting.held_at or meeting.starts_at, "signed_off_at")
    MEETING_FLOW.apply(session, actor, meeting, "sign_off", values={"signed_off_at": at})
    from .documents import issue_minutes  # the PDF is the documents module's

    doc = issue_minutes(session, actor, meeting)
    meeting.minutes_document_id = doc.id
    session.flush()
    record(session, actor, "meeting.minutes_issued", meeting, summary=f"{meeting.number} {doc.number}",
           after={"document": doc.number})
    return doc


def cancel(session: Session, actor, meeting: Meeting, reason: str) -> Meeting:
    """Call the meeting off: its open items go back to waiting."""
    _require_editor(actor, meeting)
    reason = _text(reason, "comment", message=_("A reason is required."))
    MEETING_FLOW.apply(session, actor, meeting, "cancel", comment=reason, values={"cancel_reason": reason})
    session.execute(sa.update(AgendaItem).where(AgendaItem.meeting_id == meeting.id, AgendaItem.state == ItemState.OPEN)
                    .values(state=ItemState.WITHDRAWN, withdrawn_reason=CANCELLED_TEXT,
                            version=AgendaItem.version + 1).execution_options(synchronize_session=False))
    session.flush()
    for item in meeting.items:
        session.refresh(item)
    return meeting


# --- what the meeting page offers ------------------------------------------------------------------------------

def actions(session: Session, actor, meeting: Meeting) -> set[str]:
    """edit (agenda, attendance, resolutions, details), hold, minutes, sign_off, cancel."""
    out = set()
    if meeting.state == MeetingState.SCHEDULED and may_edit(actor, meeting):
        out |= {"edit", "cancel"}
    if is_chair(actor, meeting) and MEETING_FLOW.can(session, actor, meeting, "hold"):
        out.add("hold")
    if meeting.state == MeetingState.HELD and may_edit(actor, meeting):
        out.add("minutes")
    if is_chair(actor, meeting) and MEETING_FLOW.can(session, actor, meeting, "sign_off"):
        out.add("sign_off")
    return out


def amount_text(item: AgendaItem) -> str:
    return format_money(item.amount) if item.amount is not None else ""
