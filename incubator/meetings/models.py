"""Meetings of the field headquarters (plan 四、工作保障): the work groups' regular meetings (工作例会),
the monthly coordination meeting (工作协调会) and the joint admission review, their agendas, the
resolution on each item, attendance and the minutes (会议纪要).

Meeting types are data (shipped as rows in the migration): who chairs, who attends, which
decisions each may deliberate and which spending tiers must wait for it (see rules.py for the
shape of `config`). A type row is never edited; a change adds the next version of the same code."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.enums import LabeledEnum, enum_column
from ..db import Base, Money, TimestampMixin, utcnow


class MeetingCategory(LabeledEnum):
    WORK_GROUP = "work_group"  # 工作例会 of one work group
    COORDINATION = "coordination"  # 工作协调会, monthly, called by the commander or a deputy
    JOINT_REVIEW = "joint_review"  # 入驻联合评审会 (综合统筹组 with the bureau)


MeetingCategory.__labels__ = {MeetingCategory.WORK_GROUP: _l("Work-group meeting"),
                              MeetingCategory.COORDINATION: _l("Coordination meeting"),
                              MeetingCategory.JOINT_REVIEW: _l("Joint admission review")}
MeetingCategory.__badges__ = {MeetingCategory.WORK_GROUP: "teal", MeetingCategory.COORDINATION: "red",
                              MeetingCategory.JOINT_REVIEW: "indigo"}


class MeetingType(Base):
    __tablename__ = "meeting_types"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(default=1)
    active: Mapped[bool] = mapped_column(default=True)  # the version in use for its code
    category: Mapped[MeetingCategory] = mapped_column(enum_column(MeetingCategory))
    name: Mapped[str] = mapped_column(String(80))  # Chinese
    name_en: Mapped[str] = mapped_column(String(120))
    config: Mapped[dict] = mapped_column(JSON)
    position: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    @property
    def label(self) -> str:
        from flask_babel import get_locale
        return self.name if str(get_locale() or "zh").startswith("zh") else self.name_en


class MeetingState(LabeledEnum):
    SCHEDULED = "scheduled"
    HELD = "held"  # the chair closed it: attendance and every resolution confirmed
    MINUTES_ISSUED = "minutes_issued"  # the chair signed off the minutes, issued as a numbered PDF
    CANCELLED = "cancelled"


MeetingState.__labels__ = {MeetingState.SCHEDULED: _l("Scheduled"), MeetingState.HELD: _l("Held"),
                           MeetingState.MINUTES_ISSUED: _l("Minutes issued"),
                           MeetingState.CANCELLED: _l("Cancelled")}
MeetingState.__badges__ = {MeetingState.SCHEDULED: "blue", MeetingState.HELD: "orange",
                           MeetingState.MINUTES_ISSUED: "green", MeetingState.CANCELLED: "secondary"}

CONCLUDED = (MeetingState.HELD, MeetingState.MINUTES_ISSUED)  # its resolutions are in force


class Meeting(TimestampMixin, Base):
    __tablename__ = "meetings"
    __table_args__ = (Index("ix_meetings_type_starts", "type_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)  # HY-2026-0007
    type_id: Mapped[int] = mapped_column(ForeignKey("meeting_types.id"))
    title: Mapped[str] = mapped_column(String(200))
    state: Mapped[MeetingState] = mapped_column(enum_column(MeetingState), default=MeetingState.SCHEDULED,
                                                index=True)
    starts_at: Mapped[dt.datetime] = mapped_column(index=True)
    place: Mapped[str] = mapped_column(String(200))
    chair_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    secretary_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # who scheduled it
    held_at: Mapped[dt.datetime | None]
    minutes: Mapped[str | None] = mapped_column(Text)  # the body of the 会议纪要 beyond the resolutions
    signed_off_at: Mapped[dt.datetime | None]
    minutes_document_id: Mapped[int | None] = mapped_column(ForeignKey("issued_documents.id"))
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)

    type: Mapped[MeetingType] = relationship(lazy="joined")
    chair = relationship("User", foreign_keys=[chair_id], lazy="joined")
    secretary = relationship("User", foreign_keys=[secretary_id], lazy="joined")
    minutes_document = relationship("IssuedDocument")
    items: Mapped[list[AgendaItem]] = relationship(back_populates="meeting", order_by="AgendaItem.position, AgendaItem.id")
    attendees: Mapped[list[Attendee]] = relationship(back_populates="meeting", order_by="Attendee.position, Attendee.id")

    @property
    def is_open(self) -> bool:
        return self.state == MeetingState.SCHEDULED

    @property
    def concluded(self) -> bool:
        return self.state in CONCLUDED


class ItemState(LabeledEnum):
    OPEN = "open"  # on the agenda, to be deliberated
    RESOLVED = "resolved"  # has its resolution (agreed, not agreed or deferred)
    WITHDRAWN = "withdrawn"  # taken off the agenda (or the meeting was cancelled)


ItemState.__labels__ = {ItemState.OPEN: _l("On the agenda"), ItemState.RESOLVED: _l("Resolved"),
                        ItemState.WITHDRAWN: _l("Withdrawn")}
ItemState.__badges__ = {ItemState.OPEN: "blue", ItemState.RESOLVED: "green", ItemState.WITHDRAWN: "secondary"}

_OPEN_ITEM_SQL = "state = 'open'"


class AgendaItem(Base):
    """One matter on a meeting's agenda. What was put before the meeting (title, amount, tier,
    summary) is kept as it was, so the minutes read the same after the matter moves on. An object
    is on at most one open agenda at a time (the partial unique index settles two at once)."""

    __tablename__ = "meeting_items"
    __table_args__ = (
        Index("uq_meeting_items_open_object", "kind", "object_id", unique=True,
              sqlite_where=sa.text(_OPEN_ITEM_SQL), postgresql_where=sa.text(_OPEN_ITEM_SQL)),
        Index("ix_meeting_items_object", "kind", "object_id"),
        CheckConstraint("amount IS NULL OR amount >= 0", name="amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(40))  # an agenda source: subsidy_claim, exit_case, ...
    object_id: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str | None] = mapped_column(Text)
    tier: Mapped[str | None] = mapped_column(String(20))  # lead / deputy / commander for spending
    amount: Mapped[Decimal | None] = Money(nullable=True)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    endpoint: Mapped[str] = mapped_column(String(80))  # the object's page: url_for(endpoint, **values)
    values: Mapped[dict] = mapped_column(JSON)
    state: Mapped[ItemState] = mapped_column(enum_column(ItemState), default=ItemState.OPEN, index=True)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)

    meeting: Mapped[Meeting] = relationship(back_populates="items")
    company = relationship("Company")
    resolution: Mapped[Resolution | None] = relationship(back_populates="item", uselist=False, lazy="selectin")


class Outcome(LabeledEnum):
    AGREED = "agreed"
    NOT_AGREED = "not_agreed"
    DEFERRED = "deferred"  # back to what is waiting; a later meeting takes it up


Outcome.__labels__ = {Outcome.AGREED: _l("Agreed"), Outcome.NOT_AGREED: _l("Not agreed"),
                      Outcome.DEFERRED: _l("Deferred")}
Outcome.__badges__ = {Outcome.AGREED: "green", Outcome.NOT_AGREED: "red", Outcome.DEFERRED: "yellow"}


class Resolution(TimestampMixin, Base):
    """The meeting's decision on one item; in force once the meeting is held (CONCLUDED).
    `kind`/`object_id` repeat the item's, for the approval gate's lookups."""

    __tablename__ = "meeting_resolutions"
    __table_args__ = (
        CheckConstraint("(votes_for IS NULL OR votes_for >= 0) AND (votes_against IS NULL OR votes_against >= 0) "
                        "AND (votes_abstain IS NULL OR votes_abstain >= 0)", name="votes"),
        Index("ix_meeting_resolutions_object", "kind", "object_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("meeting_items.id"), unique=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int]
    outcome: Mapped[Outcome] = mapped_column(enum_column(Outcome))
    text: Mapped[str] = mapped_column(Text)  # the wording of the resolution (决议)
    conditions: Mapped[str | None] = mapped_column(Text)
    votes_for: Mapped[int | None]
    votes_against: Mapped[int | None]
    votes_abstain: Mapped[int | None]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)

    item: Mapped[AgendaItem] = relationship(back_populates="resolution")
    meeting: Mapped[Meeting] = relationship(lazy="joined")

    @property
    def in_force(self) -> bool:
        return self.meeting.concluded

    @property
    def has_votes(self) -> bool:
        return self.votes_for is not None


class Attendee(Base):
    """Who was invited and whether they were there; a guest without a login has only a name."""

    __tablename__ = "meeting_attendees"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(80))
    title: Mapped[str | None] = mapped_column(String(120))  # post or organisation, as on the minutes
    present: Mapped[bool | None]  # None until attendance is taken
    note: Mapped[str | None] = mapped_column(String(200))  # e.g. 请假, 委托…出席
    position: Mapped[int] = mapped_column(default=0)

    meeting: Mapped[Meeting] = relationship(back_populates="attendees")
    user = relationship("User")
