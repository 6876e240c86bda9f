"""Annual performance assessment (SPEC §7): versioned schemes, campaigns, the companies' filings
with per-figure verification, reviewer scores, results (a new revision on an upheld appeal,
both kept), appeals, rectification notices and exit proposals."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.enums import LabeledEnum, enum_column
from ..db import Base, Money, TimestampMixin, utcnow


class AssessmentScheme(Base):
    """Dimensions, indicators (point rules or reviewer items), veto items, grade bands and timing.

    Rows are never edited: a change adds the next version; a campaign keeps the one it opened with.
    `config` is read by rules.py (see rules.DEFAULT_SCHEME for its shape)."""

    __tablename__ = "assessment_schemes"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    effective_from: Mapped[dt.date]
    config: Mapped[dict] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class CampaignKind(LabeledEnum):
    ANNUAL = "annual"  # the yearly campaign for every tenant
    INTERIM = "interim"  # the per-company reviews that fall due (month 7, then every 12 or 6 months)


CampaignKind.__labels__ = {CampaignKind.ANNUAL: _l("Annual campaign"), CampaignKind.INTERIM: _l("Interim review")}
CampaignKind.__badges__ = {CampaignKind.ANNUAL: "blue", CampaignKind.INTERIM: "purple"}


class CampaignState(LabeledEnum):
    DRAFT = "draft"
    OPEN = "open"  # companies file
    REVIEWING = "reviewing"  # filing closed: verification and reviewer scoring
    RANKED = "ranked"  # scores computed and ranked, waiting for the lead
    CONFIRMED = "confirmed"  # confirmed by the work-group lead
    PUBLISHED = "published"  # each company sees its result; appeals may be filed
    CLOSED = "closed"
    CANCELLED = "cancelled"


CampaignState.__labels__ = {
    CampaignState.DRAFT: _l("Draft"), CampaignState.OPEN: _l("Filing open"),
    CampaignState.REVIEWING: _l("Under review"), CampaignState.RANKED: _l("Ranked, awaiting confirmation"),
    CampaignState.CONFIRMED: _l("Confirmed"), CampaignState.PUBLISHED: _l("Published"),
    CampaignState.CLOSED: _l("Closed"), CampaignState.CANCELLED: _l("Cancelled"),
}
CampaignState.__badges__ = {
    CampaignState.DRAFT: "secondary", CampaignState.OPEN: "green", CampaignState.REVIEWING: "blue",
    CampaignState.RANKED: "yellow", CampaignState.CONFIRMED: "cyan", CampaignState.PUBLISHED: "purple",
    CampaignState.CLOSED: "dark", CampaignState.CANCELLED: "secondary",
}


class Campaign(TimestampMixin, Base):
    __tablename__ = "assessment_campaigns"
    __table_args__ = (CheckConstraint("closes_on >= opens_on", name="window"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    year: Mapped[int] = mapped_column(index=True)  # the year assessed (filed figures are for this year)
    kind: Mapped[CampaignKind] = mapped_column(enum_column(CampaignKind), default=CampaignKind.ANNUAL)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("assessment_schemes.id"), index=True)
    state: Mapped[CampaignState] = mapped_column(enum_column(CampaignState), default=CampaignState.DRAFT, index=True)
    opens_on: Mapped[dt.date]
    closes_on: Mapped[dt.date]  # the filing deadline (inclusive)
    published_on: Mapped[dt.date | None]
    appeals_close_on: Mapped[dt.date | None]  # published_on + appeal_working_days
    note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)

    scheme: Mapped[AssessmentScheme] = relationship(lazy="joined")


class FilingState(LabeledEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    RESUBMITTED = "resubmitted"
    VERIFIED = "verified"
    LAPSED = "lapsed"  # not filed when the filing window was closed


FilingState.__labels__ = {
    FilingState.DRAFT: _l("Draft"), FilingState.SUBMITTED: _l("Submitted"),
    FilingState.RETURNED: _l("Returned for correction"), FilingState.RESUBMITTED: _l("Resubmitted"),
    FilingState.VERIFIED: _l("Verified"), FilingState.LAPSED: _l("Not filed"),
}
FilingState.__badges__ = {
    FilingState.DRAFT: "secondary", FilingState.SUBMITTED: "blue", FilingState.RETURNED: "orange",
    FilingState.RESUBMITTED: "blue", FilingState.VERIFIED: "green", FilingState.LAPSED: "dark",
}
EDITABLE_FILING_STATES = (FilingState.DRAFT, FilingState.RETURNED)

# the filed figures: key → money (Decimal yuan) or a count (int); rules.py and the forms read this
MONEY_FIGURES = ("revenue", "tax_paid", "rd_expense", "financing")
COUNT_FIGURES = ("headcount", "graduates", "high_level_talents", "ip_invention", "ip_utility", "ip_software",
                 "new_qualifications", "new_products")
FIGURES = MONEY_FIGURES + COUNT_FIGURES


class Filing(TimestampMixin, Base):
    """One company's figures for one campaign (年度数据填报)."""

    __tablename__ = "assessment_filings"
    __table_args__ = (
        UniqueConstraint("campaign_id", "company_id"),
        CheckConstraint("revenue >= 0 AND tax_paid >= 0 AND rd_expense >= 0 AND financing >= 0", name="money"),
        CheckConstraint("headcount >= 0 AND graduates >= 0 AND high_level_talents >= 0 AND ip_invention >= 0 "
                        "AND ip_utility >= 0 AND ip_software >= 0 AND new_qualifications >= 0 "
                        "AND new_products >= 0", name="counts"),
        Index("ix_assessment_filings_campaign_state", "campaign_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("assessment_campaigns.id"))
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    state: Mapped[FilingState] = mapped_column(enum_column(FilingState), default=FilingState.DRAFT)
    revenue: Mapped[Decimal | None] = Money()
    tax_paid: Mapped[Decimal | None] = Money()
    rd_expense: Mapped[Decimal | None] = Money()
    financing: Mapped[Decimal | None] = Money()  # raised in the year
    headcount: Mapped[int | None]
    graduates: Mapped[int | None]  # 本科及以上
    high_level_talents: Mapped[int | None]
    ip_invention: Mapped[int | None]  # new in the year, by type
    ip_utility: Mapped[int | None]
    ip_software: Mapped[int | None]
    new_qualifications: Mapped[int | None]
    new_products: Mapped[int | None]
    company_note: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[dt.datetime | None]  # the first submission (on-time filing is judged by it)
    resubmitted_at: Mapped[dt.datetime | None]
    verified_at: Mapped[dt.datetime | None]
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # set by the operator: a breach of the lease or the community rules in the year (违约), and
    # veto items (一票否决) key → the facts found
    breach_note: Mapped[str | None] = mapped_column(Text)
    vetoes: Mapped[dict | None] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(default=1)

    campaign: Mapped[Campaign] = relationship(lazy="joined")
    company = relationship("Company", lazy="joined")
    checks: Mapped[list[FigureCheck]] = relationship(back_populates="filing", cascade="all, delete-orphan",
                                                     lazy="selectin", order_by="FigureCheck.id")
    assignments: Mapped[list[ReviewerAssignment]] = relationship(back_populates="filing",
                                                                 order_by="ReviewerAssignment.id")

    def figures(self) -> dict:
        return {key: getattr(self, key) for key in FIGURES}


class CheckOutcome(LabeledEnum):
    ACCEPTED = "accepted"
    CORRECTED = "corrected"
    RETURNED = "returned"


CheckOutcome.__labels__ = {CheckOutcome.ACCEPTED: _l("Accepted"), CheckOutcome.CORRECTED: _l("Corrected"),
                           CheckOutcome.RETURNED: _l("Returned")}
CheckOutcome.__badges__ = {CheckOutcome.ACCEPTED: "green", CheckOutcome.CORRECTED: "yellow",
                           CheckOutcome.RETURNED: "orange"}


class FigureCheck(Base):
    """The operator's verdict on one filed figure. The filing keeps what the company filed;
    a correction lives here with its reason, and scoring uses it."""

    __tablename__ = "assessment_figure_checks"
    __table_args__ = (UniqueConstraint("filing_id", "figure"),
                      CheckConstraint("corrected_value IS NULL OR corrected_value >= 0", name="corrected"))

    id: Mapped[int] = mapped_column(primary_key=True)
    filing_id: Mapped[int] = mapped_column(ForeignKey("assessment_filings.id", ondelete="CASCADE"), index=True)
    figure: Mapped[str] = mapped_column(String(30))
    outcome: Mapped[CheckOutcome] = mapped_column(enum_column(CheckOutcome))
    filed_value: Mapped[Decimal | None] = Money()  # the value checked (a later change by the company needs a new check)
    corrected_value: Mapped[Decimal | None] = Money()
    reason: Mapped[str | None] = mapped_column(Text)
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    checked_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    filing: Mapped[Filing] = relationship(back_populates="checks")


class AssignmentState(LabeledEnum):
    ASSIGNED = "assigned"
    CONFLICT = "conflict"  # declared a conflict of interest: excused, never sees the filing
    SCORING = "scoring"
    SUBMITTED = "submitted"


AssignmentState.__labels__ = {
    AssignmentState.ASSIGNED: _l("Awaiting declaration"),
    AssignmentState.CONFLICT: _l("Conflict of interest declared"),
    AssignmentState.SCORING: _l("Scoring"),
    AssignmentState.SUBMITTED: _l("Scores submitted"),
}
AssignmentState.__badges__ = {AssignmentState.ASSIGNED: "secondary", AssignmentState.CONFLICT: "orange",
                              AssignmentState.SCORING: "blue", AssignmentState.SUBMITTED: "green"}


class ReviewerAssignment(Base):
    """A reviewer scoring the qualitative (reviewer) indicators of one filing."""

    __tablename__ = "assessment_assignments"
    __table_args__ = (UniqueConstraint("filing_id", "reviewer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    filing_id: Mapped[int] = mapped_column(ForeignKey("assessment_filings.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    state: Mapped[AssignmentState] = mapped_column(enum_column(AssignmentState, "assessmentassignmentstate"),
                                                   default=AssignmentState.ASSIGNED)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    declared_at: Mapped[dt.datetime | None]
    conflict_note: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[dt.datetime | None]
    overall_comment: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)

    filing: Mapped[Filing] = relationship(back_populates="assignments")
    reviewer = relationship("User", foreign_keys=[reviewer_id], lazy="joined")
    scores: Mapped[list[ReviewerScore]] = relationship(back_populates="assignment", cascade="all, delete-orphan",
                                                       lazy="selectin")


class ReviewerScore(Base):
    __tablename__ = "assessment_scores"
    __table_args__ = (UniqueConstraint("assignment_id", "indicator"), CheckConstraint("score >= 0", name="score"))

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assessment_assignments.id", ondelete="CASCADE"),
                                               index=True)
    indicator: Mapped[str] = mapped_column(String(40))
    score: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    comment: Mapped[str | None] = mapped_column(Text)

    assignment: Mapped[ReviewerAssignment] = relationship(back_populates="scores")


class Grade(LabeledEnum):
    EXCELLENT = "excellent"
    GOOD = "good"
    PASS = "pass"
    FAIL = "fail"


Grade.__labels__ = {Grade.EXCELLENT: _l("Excellent"), Grade.GOOD: _l("Good"), Grade.PASS: _l("Pass"),
                    Grade.FAIL: _l("Fail")}
Grade.__badges__ = {Grade.EXCELLENT: "green", Grade.GOOD: "teal", Grade.PASS: "blue", Grade.FAIL: "red"}


class Result(Base):
    """A filing's score, rank and grade. Revision 1 comes from ranking; an upheld appeal adds the
    next revision and marks the earlier one not current, so both versions stay readable."""

    __tablename__ = "assessment_results"
    __table_args__ = (
        UniqueConstraint("filing_id", "revision"),
        CheckConstraint("score >= 0", name="score"),
        Index("ix_assessment_results_campaign_current", "campaign_id", "current"),
        Index("ix_assessment_results_company_current", "company_id", "current"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("assessment_campaigns.id"))
    filing_id: Mapped[int] = mapped_column(ForeignKey("assessment_filings.id"), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    revision: Mapped[int] = mapped_column(default=1)
    current: Mapped[bool] = mapped_column(default=True)
    score: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    rank: Mapped[int]
    grade: Mapped[Grade] = mapped_column(enum_column(Grade))
    veto: Mapped[bool] = mapped_column(default=False)
    breakdown: Mapped[dict] = mapped_column(JSON)  # rules.Outcome.to_json(): the arithmetic, per indicator
    reason: Mapped[str | None] = mapped_column(Text)  # why a later revision differs (the appeal decision)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    campaign: Mapped[Campaign] = relationship(lazy="joined")
    filing: Mapped[Filing] = relationship()
    company = relationship("Company", lazy="joined")


class AppealState(LabeledEnum):
    FILED = "filed"
    UPHELD = "upheld"
    DISMISSED = "dismissed"


AppealState.__labels__ = {AppealState.FILED: _l("Awaiting decision"), AppealState.UPHELD: _l("Upheld"),
                          AppealState.DISMISSED: _l("Dismissed")}
AppealState.__badges__ = {AppealState.FILED: "yellow", AppealState.UPHELD: "green",
                          AppealState.DISMISSED: "secondary"}


class Appeal(TimestampMixin, Base):
    """申诉: one per filing, filed by the company within the appeal window, decided by the lead."""

    __tablename__ = "assessment_appeals"

    id: Mapped[int] = mapped_column(primary_key=True)
    filing_id: Mapped[int] = mapped_column(ForeignKey("assessment_filings.id"), unique=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("assessment_results.id"))  # the revision appealed
    new_result_id: Mapped[int | None] = mapped_column(ForeignKey("assessment_results.id"))  # when upheld
    state: Mapped[AppealState] = mapped_column(enum_column(AppealState), default=AppealState.FILED, index=True)
    grounds: Mapped[str] = mapped_column(Text)
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    filed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)

    filing: Mapped[Filing] = relationship(lazy="joined")
    result: Mapped[Result] = relationship(foreign_keys=[result_id])
    new_result: Mapped[Result | None] = relationship(foreign_keys=[new_result_id])


class RectificationState(LabeledEnum):
    OPEN = "open"
    COMPLETED = "completed"
    CANCELLED = "cancelled"  # the failing grade was lifted on appeal


RectificationState.__labels__ = {RectificationState.OPEN: _l("In rectification"),
                                 RectificationState.COMPLETED: _l("Rectified"),
                                 RectificationState.CANCELLED: _l("Cancelled")}
RectificationState.__badges__ = {RectificationState.OPEN: "orange", RectificationState.COMPLETED: "green",
                                 RectificationState.CANCELLED: "secondary"}


class Rectification(TimestampMixin, Base):
    """整改通知: what a failing company must put right, and by when."""

    __tablename__ = "assessment_rectifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("assessment_results.id"), index=True)
    state: Mapped[RectificationState] = mapped_column(enum_column(RectificationState),
                                                      default=RectificationState.OPEN, index=True)
    issued_on: Mapped[dt.date]
    due_on: Mapped[dt.date]
    requirements: Mapped[str] = mapped_column(Text)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_on: Mapped[dt.date | None]
    closing_note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)

    company = relationship("Company", lazy="joined")
    result: Mapped[Result] = relationship()


class ExitProposalState(LabeledEnum):
    OPEN = "open"
    TAKEN = "taken"  # the exit workflow (issue #6) took it up
    DISMISSED = "dismissed"


ExitProposalState.__labels__ = {ExitProposalState.OPEN: _l("Open"), ExitProposalState.TAKEN: _l("Taken up"),
                                ExitProposalState.DISMISSED: _l("Dismissed")}
ExitProposalState.__badges__ = {ExitProposalState.OPEN: "red", ExitProposalState.TAKEN: "purple",
                                ExitProposalState.DISMISSED: "secondary"}


class ExitReason(LabeledEnum):
    CONSECUTIVE_FAILURES = "consecutive_failures"  # raised automatically (考核清退)
    FAILED_ASSESSMENT = "failed_assessment"  # the operator chose exit over rectification


ExitReason.__labels__ = {ExitReason.CONSECUTIVE_FAILURES: _l("Two consecutive failed assessments"),
                         ExitReason.FAILED_ASSESSMENT: _l("Failed assessment")}


class ExitProposal(TimestampMixin, Base):
    """A proposal to start the exit of a company, for the exit workflow to take up."""

    __tablename__ = "assessment_exit_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    reason: Mapped[ExitReason] = mapped_column(enum_column(ExitReason))
    detail: Mapped[str | None] = mapped_column(Text)
    result_id: Mapped[int] = mapped_column(ForeignKey("assessment_results.id"), index=True)
    state: Mapped[ExitProposalState] = mapped_column(enum_column(ExitProposalState),
                                                     default=ExitProposalState.OPEN, index=True)
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: raised by the system
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[dt.datetime | None]
    closing_note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)

    company = relationship("Company", lazy="joined")
    result: Mapped[Result] = relationship()
