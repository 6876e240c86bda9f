"""The rule that deliberation comes before the tiered approval (plan 四、工作保障, 三是经费审批):
¥100,000 to < ¥300,000 is approved by the deputy commander after the work-group meeting, ¥300,000
or more by the commander after the coordination meeting. Which meeting type must deliberate what
is the types' data (`"gate": true` entries, see rules.py); a resolution is in force once its
meeting is held (the chair closed it). Approval services call `require_agreed` before their
transition; inboxes filter with `agreed_ids`; pages link with `resolution_for`/`status`."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ..core.errors import TransitionNotAllowed
from . import rules
from .models import CONCLUDED, AgendaItem, ItemState, Meeting, MeetingState, MeetingType, Outcome, Resolution


class AwaitingDeliberation(TransitionNotAllowed):
    """The approval must wait for the meeting that deliberates it (409)."""


def active_types(session: Session) -> list[MeetingType]:
    return list(session.scalars(sa.select(MeetingType).where(MeetingType.active.is_(True))
                                .order_by(MeetingType.position, MeetingType.id)))


def meeting_type_for(session: Session, kind: str, tier: str | None) -> MeetingType | None:
    """The type that must deliberate a matter of `kind` at `tier` before its approval (None: no
    meeting needed, e.g. the lead's tier below ¥100,000)."""
    return next((t for t in active_types(session) if rules.gates(t.config, kind, tier)), None)


def _in_force(session: Session, kind: str, object_id: int) -> list[tuple[Resolution, AgendaItem]]:
    """Resolutions of held meetings on the matter, latest first."""
    return [(r, i) for r, i in session.execute(
        sa.select(Resolution, AgendaItem).join(AgendaItem, AgendaItem.id == Resolution.item_id)
        .join(Meeting, Meeting.id == Resolution.meeting_id)
        .where(Resolution.kind == kind, Resolution.object_id == object_id, Meeting.state.in_(CONCLUDED))
        .order_by(Meeting.held_at.desc(), Resolution.id.desc()))]


def _counts(meeting_type: MeetingType, item: AgendaItem, kind: str, tier: str | None,
            amount: Decimal | None) -> bool:
    """An agreement counts for this approval: taken by a meeting of a type that may deliberate the
    matter at this tier, for this tier, and for at least this amount."""
    return (rules.may_deliberate(meeting_type.config, kind, tier) and item.tier == tier
            and rules.covers_amount(item.amount, amount))


def require_agreed(session: Session, kind: str, object_id: int, tier: str | None,
                   amount: Decimal | None = None) -> Resolution | None:
    """The agreed resolution the approval rests on, or AwaitingDeliberation naming the meeting;
    None when no meeting is needed."""
    required = meeting_type_for(session, kind, tier)
    if required is None:
        return None
    latest = None
    for resolution, item in _in_force(session, kind, object_id):
        if resolution.outcome == Outcome.DEFERRED:
            continue
        if latest is None:
            latest = resolution
        if resolution.outcome == Outcome.AGREED and _counts(resolution.meeting.type, item, kind, tier, amount):
            return resolution
    if latest is not None and latest.outcome == Outcome.NOT_AGREED:
        raise AwaitingDeliberation(_("The %(meeting)s did not agree to this (%(number)s); it cannot be approved.",
                                     meeting=required.label, number=latest.meeting.number))
    raise AwaitingDeliberation(_("This must first be deliberated and agreed at the %(meeting)s; it can be approved "
                                 "once that meeting is held.", meeting=required.label))


def is_agreed(session: Session, kind: str, object_id: int, tier: str | None, amount: Decimal | None = None) -> bool:
    try:
        require_agreed(session, kind, object_id, tier, amount)
        return True
    except AwaitingDeliberation:
        return False


def agreed_ids(session: Session, kind: str, ids: Iterable[int]) -> set[int]:
    """Of `ids`, those a held meeting resolved as agreed (for inboxes: one query)."""
    ids = list(ids)
    if not ids:
        return set()
    return set(session.scalars(
        sa.select(Resolution.object_id).join(Meeting, Meeting.id == Resolution.meeting_id)
        .where(Resolution.kind == kind, Resolution.object_id.in_(ids), Resolution.outcome == Outcome.AGREED,
               Meeting.state.in_(CONCLUDED))))


def agreed_clause(kind: str, id_column):
    """SQL condition on `id_column`: a held meeting resolved the matter as agreed (list filters)."""
    return id_column.in_(sa.select(Resolution.object_id).join(Meeting, Meeting.id == Resolution.meeting_id)
                         .where(Resolution.kind == kind, Resolution.outcome == Outcome.AGREED,
                                Meeting.state.in_(CONCLUDED)))


def resolution_for(session: Session, kind: str, object_id: int) -> Resolution | None:
    """The latest resolution on the matter (held meetings first; else one recorded at a meeting
    not yet closed), for linking from the matter's page."""
    held = _in_force(session, kind, object_id)
    if held:
        return held[0][0]
    return session.scalar(sa.select(Resolution).join(Meeting, Meeting.id == Resolution.meeting_id)
                          .where(Resolution.kind == kind, Resolution.object_id == object_id,
                                 Meeting.state == MeetingState.SCHEDULED)
                          .order_by(Resolution.id.desc()).limit(1))


def open_item(session: Session, kind: str, object_id: int) -> AgendaItem | None:
    """The matter's place on a scheduled meeting's agenda, if any."""
    return session.scalar(sa.select(AgendaItem).join(Meeting, Meeting.id == AgendaItem.meeting_id)
                          .where(AgendaItem.kind == kind, AgendaItem.object_id == object_id,
                                 Meeting.state == MeetingState.SCHEDULED, AgendaItem.state != ItemState.WITHDRAWN)
                          .order_by(AgendaItem.id.desc()).limit(1))


@dataclass
class Deliberation:
    """What a matter's page shows about its meeting."""
    required: MeetingType | None  # the type that must agree before the approval (None: no meeting needed)
    resolution: Resolution | None  # the latest one (in force or not)
    item: AgendaItem | None  # on a scheduled meeting's agenda
    agreed: bool  # the approval may go ahead

    @property
    def waiting(self) -> bool:
        return self.required is not None and not self.agreed


def status(session: Session, kind: str, object_id: int, tier: str | None = None,
           amount: Decimal | None = None) -> Deliberation:
    required = meeting_type_for(session, kind, tier)
    return Deliberation(required=required, resolution=resolution_for(session, kind, object_id),
                        item=open_item(session, kind, object_id),
                        agreed=required is None or is_agreed(session, kind, object_id, tier, amount))
