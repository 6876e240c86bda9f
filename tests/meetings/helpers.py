"""`agree(session, kind, object_id, tier)`: have the meeting an approval at `tier` must wait for
deliberate the matter and agree, the way people would (scheduled yesterday by an operator,
everyone present, the resolution recorded, the chair closes it). Tests that approve deputy- or
commander-tier spending call it first."""
from __future__ import annotations

import datetime as dt

from incubator.core.roles import Role
from incubator.db import utcnow
from incubator.meetings import gate, services
from incubator.meetings.models import Outcome, Resolution

from ..factories import make_user

PLACE = "现场指挥部第一会议室"


def hold_meeting(session, kind: str, object_id: int, tier: str | None, *, outcome=Outcome.AGREED,
                 text: str = "同意。", conditions: str | None = None, meeting_type=None, chair=None,
                 secretary=None) -> Resolution:
    meeting_type = meeting_type or gate.meeting_type_for(session, kind, tier)
    assert meeting_type is not None, f"no meeting deliberates {kind} at {tier}"
    chair = chair or make_user(session, Role(sorted(meeting_type.config["chair_roles"])[0]), display_name="主持人 王")
    secretary = secretary or make_user(session, Role.OPERATOR, display_name="秘书 刘")
    meeting = services.schedule(session, secretary, meeting_type=meeting_type,
                                starts_at=utcnow() - dt.timedelta(days=1), place=PLACE, chair=chair, fill=False)
    item = services.add_item(session, secretary, meeting, kind, object_id)
    services.record_attendance(session, secretary, meeting, {a.id: True for a in meeting.attendees})
    resolution = services.record_resolution(session, secretary, item, outcome=outcome, text=text,
                                            conditions=conditions)
    services.hold(session, chair, meeting)
    return resolution


def agree(session, kind: str, object_id: int, tier: str | None, amount=None) -> Resolution:
    """`amount` is for the caller's reading only: the agenda takes the matter's amount from its source."""
    return hold_meeting(session, kind, object_id, tier)


def disagree(session, kind: str, object_id: int, tier: str | None, amount=None) -> Resolution:
    return hold_meeting(session, kind, object_id, tier, outcome=Outcome.NOT_AGREED, text="不同意。")
