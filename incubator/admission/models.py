"""Admission policies (versioned), intake rounds, applications, reviewer assignments and scores."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..companies.models import IndustryTrack
from ..core.enums import LabeledEnum, enum_column
from ..db import Base, TimestampMixin, utcnow
from ..spaces.models import UnitType


class AdmissionPolicy(Base):
    """Conditions, materials checklist and rubric for a carrier × track (None = any).

    Rows are never edited: a change adds the next version. `config` is read by rules.py."""

    __tablename__ = "admission_policies"
    __table_args__ = (UniqueConstraint("carrier_id", "track", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    carrier_id: Mapped[int | None] = mapped_column(ForeignKey("carriers.id"), index=True)
    track: Mapped[IndustryTrack | None] = mapped_column(enum_column(IndustryTrack))
    version: Mapped[int]
    effective_from: Mapped[dt.date]
    config: Mapped[dict] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    carrier = relationship("Carrier", lazy="joined")


class IntakeRound(Base):
    """An intake round (招商批次) groups applications for review and export."""

    __tablename__ = "intake_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    opens_on: Mapped[dt.date]
    closes_on: Mapped[dt.date]
    note: Mapped[str | None] = mapped_column(Text)


class ApplicationState(LabeledEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    RESUBMITTED = "resubmitted"
    LAPSED = "lapsed"
    ACCEPTED = "accepted"
    EXPERT_REVIEW = "expert_review"
    JOINT_REVIEW = "joint_review"
    DECISION = "decision"
    ADMITTED = "admitted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


ApplicationState.__labels__ = {
    ApplicationState.DRAFT: _l("Draft"),
    ApplicationState.SUBMITTED: _l("Submitted"),
    ApplicationState.RETURNED: _l("Returned for supplement"),
    ApplicationState.RESUBMITTED: _l("Resubmitted"),
    ApplicationState.LAPSED: _l("Lapsed"),
    ApplicationState.ACCEPTED: _l("Accepted (complete)"),
    ApplicationState.EXPERT_REVIEW: _l("Expert review"),
    ApplicationState.JOINT_REVIEW: _l("Joint review"),
    ApplicationState.DECISION: _l("Awaiting decision"),
    ApplicationState.ADMITTED: _l("Admitted"),
    ApplicationState.REJECTED: _l("Rejected"),
    ApplicationState.WITHDRAWN: _l("Withdrawn"),
}
ApplicationState.__badges__ = {
    ApplicationState.DRAFT: "secondary", ApplicationState.SUBMITTED: "blue", ApplicationState.RETURNED: "orange",
    ApplicationState.RESUBMITTED: "blue", ApplicationState.LAPSED: "dark", ApplicationState.ACCEPTED: "cyan",
    ApplicationState.EXPERT_REVIEW: "purple", ApplicationState.JOINT_REVIEW: "indigo",
    ApplicationState.DECISION: "yellow", ApplicationState.ADMITTED: "green", ApplicationState.REJECTED: "red",
    ApplicationState.WITHDRAWN: "secondary",
}


EDITABLE_STATES = (ApplicationState.DRAFT, ApplicationState.RETURNED)


class Application(TimestampMixin, Base):
    __tablename__ = "applications"
    __table_args__ = (
        CheckConstraint("area_requested > 0", name="area_positive"),
        Index("ix_applications_state_round", "state", "round_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("admission_policies.id"), index=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("intake_rounds.id"), index=True)
    state: Mapped[ApplicationState] = mapped_column(enum_column(ApplicationState), default=ApplicationState.DRAFT,
                                                    index=True)
    carrier_id: Mapped[int] = mapped_column(ForeignKey("carriers.id"), index=True)
    track: Mapped[IndustryTrack] = mapped_column(enum_column(IndustryTrack), index=True)
    unit_type: Mapped[UnitType] = mapped_column(enum_column(UnitType))
    area_requested: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    project_name: Mapped[str] = mapped_column(String(120))
    project_summary: Mapped[str | None] = mapped_column(Text)
    team_summary: Mapped[str | None] = mapped_column(Text)
    ip_summary: Mapped[str | None] = mapped_column(Text)
    revenue_last_year: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    tax_last_year: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    rd_expense_last_year: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    financing_total: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    expected_jobs: Mapped[int | None]
    will_move_registration: Mapped[bool] = mapped_column(default=False)  # 工商、税务、统计关系迁入
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), index=True)
    submitted_at: Mapped[dt.datetime | None]
    supplement_due_on: Mapped[dt.date | None]
    # the operator's reason per checklist item on the last return for supplement (key → reason)
    supplement_items: Mapped[dict | None] = mapped_column(JSON)
    # the file as the company last submitted it (the "application form as submitted")
    snapshot: Mapped[dict | None] = mapped_column(JSON)
    joint_recommendation: Mapped[str | None] = mapped_column(String(10))  # admit | reject
    joint_minutes: Mapped[str | None] = mapped_column(Text)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[dt.datetime | None]
    lease_id: Mapped[int | None] = mapped_column(ForeignKey("leases.id"))
    version: Mapped[int] = mapped_column(default=1)

    company = relationship("Company", lazy="joined")
    policy: Mapped[AdmissionPolicy] = relationship(lazy="joined")
    carrier = relationship("Carrier", lazy="joined")
    round: Mapped[IntakeRound | None] = relationship(lazy="joined")
    agent = relationship("Agent", lazy="joined")
    assignments: Mapped[list[ReviewAssignment]] = relationship(back_populates="application",
                                                               order_by="ReviewAssignment.id")
    lease = relationship("Lease")

    @property
    def is_editable(self) -> bool:
        """The company may change it: a draft or returned for supplement, while the company is
        still applying or in residence."""
        return self.state in EDITABLE_STATES and self.company.is_active_member_company


class AssignmentState(LabeledEnum):
    ASSIGNED = "assigned"
    CONFLICT = "conflict"  # declared a conflict of interest: excused, never sees the file
    SCORING = "scoring"  # declared no conflict
    SUBMITTED = "submitted"


AssignmentState.__labels__ = {
    AssignmentState.ASSIGNED: _l("Awaiting declaration"),
    AssignmentState.CONFLICT: _l("Conflict of interest declared"),
    AssignmentState.SCORING: _l("Scoring"),
    AssignmentState.SUBMITTED: _l("Scores submitted"),
}
AssignmentState.__badges__ = {AssignmentState.ASSIGNED: "secondary", AssignmentState.CONFLICT: "orange",
                              AssignmentState.SCORING: "blue", AssignmentState.SUBMITTED: "green"}


class ReviewAssignment(Base):
    __tablename__ = "review_assignments"
    __table_args__ = (UniqueConstraint("application_id", "reviewer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    state: Mapped[AssignmentState] = mapped_column(enum_column(AssignmentState), default=AssignmentState.ASSIGNED)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    declared_at: Mapped[dt.datetime | None]
    conflict_note: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[dt.datetime | None]
    total: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    overall_comment: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)

    application: Mapped[Application] = relationship(back_populates="assignments")
    reviewer = relationship("User", foreign_keys=[reviewer_id], lazy="joined")
    scores: Mapped[list[ReviewScore]] = relationship(back_populates="assignment", cascade="all, delete-orphan",
                                                     lazy="selectin")


class ReviewScore(Base):
    __tablename__ = "review_scores"
    __table_args__ = (UniqueConstraint("assignment_id", "item_key"), CheckConstraint("score >= 0", name="score"))

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("review_assignments.id", ondelete="CASCADE"), index=True)
    item_key: Mapped[str] = mapped_column(String(40))
    score: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    comment: Mapped[str | None] = mapped_column(Text)

    assignment: Mapped[ReviewAssignment] = relationship(back_populates="scores")
