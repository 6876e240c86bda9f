"""Support types, versioned policies, batches (批次), subsidy applications, objections
raised during public notice (公示), and clawbacks (追回) with their repayments."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.enums import LabeledEnum, enum_column
from ..db import Base, Money, TimestampMixin, utcnow


class SupportType(Base):
    """扶持方向 (SPEC §6). `calculator` names the engine that turns a policy into amounts:
    "rent" (rules.py) or "declared" (the amount claimed, checked by people)."""

    __tablename__ = "support_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(String(60))  # Chinese
    name_en: Mapped[str] = mapped_column(String(80))
    calculator: Mapped[str] = mapped_column(String(20), default="declared")
    active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)


class SubsidyPolicy(Base):
    """One version of a support type's rules; rows are never edited, a change adds the next
    version with its effective date. Decisions keep the id of the version they used."""

    __tablename__ = "subsidy_policies"
    __table_args__ = (UniqueConstraint("support_type_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    support_type_id: Mapped[int] = mapped_column(ForeignKey("support_types.id"), index=True)
    version: Mapped[int]
    effective_from: Mapped[dt.date]
    config: Mapped[dict] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    support_type: Mapped[SupportType] = relationship(lazy="joined")


class BatchState(LabeledEnum):
    OPEN = "open"  # taking applications within the intake window
    REVIEWING = "reviewing"  # intake closed: checks and approvals
    NOTICE = "notice"  # 公示 of the approved list
    PAYING = "paying"  # notice over: payments being recorded
    CLOSED = "closed"


BatchState.__labels__ = {BatchState.OPEN: _l("Taking applications"), BatchState.REVIEWING: _l("Under review"),
                         BatchState.NOTICE: _l("Public notice"), BatchState.PAYING: _l("Payment"),
                         BatchState.CLOSED: _l("Closed")}
BatchState.__badges__ = {BatchState.OPEN: "green", BatchState.REVIEWING: "blue", BatchState.NOTICE: "orange",
                         BatchState.PAYING: "purple", BatchState.CLOSED: "secondary"}


class SubsidyBatch(TimestampMixin, Base):
    __tablename__ = "subsidy_batches"
    __table_args__ = (CheckConstraint("intake_closes_on >= intake_opens_on", name="intake"),
                      CheckConstraint("period_end >= period_start", name="period"))

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)  # PC-2026-01
    name: Mapped[str] = mapped_column(String(120))
    support_type_id: Mapped[int] = mapped_column(ForeignKey("support_types.id"), index=True)
    fund_pool_id: Mapped[int] = mapped_column(ForeignKey("fund_pools.id"), index=True)
    intake_opens_on: Mapped[dt.date]
    intake_closes_on: Mapped[dt.date]
    period_start: Mapped[dt.date]  # 补贴时段, inclusive
    period_end: Mapped[dt.date]
    state: Mapped[BatchState] = mapped_column(enum_column(BatchState), default=BatchState.OPEN, index=True)
    notice_starts_on: Mapped[dt.date | None]
    notice_ends_on: Mapped[dt.date | None]  # 7 working days (policy) after the start
    closed_on: Mapped[dt.date | None]
    note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)

    support_type: Mapped[SupportType] = relationship(lazy="joined")
    fund_pool = relationship("FundPool", lazy="joined")


class ClaimState(LabeledEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    RESUBMITTED = "resubmitted"
    LAPSED = "lapsed"
    VERIFIED = "verified"  # first check passed, eligibility and amount fixed (核定)
    APPROVED = "approved"  # at the tier its amount requires; funds committed
    IN_NOTICE = "in_notice"
    DISBURSED = "disbursed"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


ClaimState.__labels__ = {
    ClaimState.DRAFT: _l("Draft"), ClaimState.SUBMITTED: _l("Submitted"),
    ClaimState.RETURNED: _l("Returned for correction"), ClaimState.RESUBMITTED: _l("Resubmitted"),
    ClaimState.LAPSED: _l("Lapsed"), ClaimState.VERIFIED: _l("Verified (amount fixed)"),
    ClaimState.APPROVED: _l("Approved"), ClaimState.IN_NOTICE: _l("In public notice"),
    ClaimState.DISBURSED: _l("Paid"), ClaimState.REJECTED: _l("Rejected"), ClaimState.WITHDRAWN: _l("Withdrawn"),
}
ClaimState.__badges__ = {
    ClaimState.DRAFT: "secondary", ClaimState.SUBMITTED: "blue", ClaimState.RETURNED: "orange",
    ClaimState.RESUBMITTED: "blue", ClaimState.LAPSED: "dark", ClaimState.VERIFIED: "cyan",
    ClaimState.APPROVED: "teal", ClaimState.IN_NOTICE: "yellow", ClaimState.DISBURSED: "green",
    ClaimState.REJECTED: "red", ClaimState.WITHDRAWN: "secondary",
}


class SubsidyClaim(TimestampMixin, Base):
    """A company's application in one batch (补贴申请). `calculation` is the engine's result
    (line items, reasons, policy version) frozen at verification; `amount` is its total."""

    __tablename__ = "subsidy_claims"
    __table_args__ = (UniqueConstraint("batch_id", "company_id"),
                      CheckConstraint("amount IS NULL OR amount >= 0", name="amount"))

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)  # BT-2026-0001
    batch_id: Mapped[int] = mapped_column(ForeignKey("subsidy_batches.id"), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    state: Mapped[ClaimState] = mapped_column(enum_column(ClaimState), default=ClaimState.DRAFT, index=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("subsidy_policies.id"))
    declared_amount: Mapped[Decimal | None] = Money(nullable=True)  # for "declared" support types
    amount: Mapped[Decimal | None] = Money(nullable=True)
    calculation: Mapped[dict | None] = mapped_column(JSON)
    required_role: Mapped[str | None] = mapped_column(String(20))  # lead / deputy / commander
    contact_note: Mapped[str | None] = mapped_column(Text)  # the company's remarks
    submitted_at: Mapped[dt.datetime | None]
    due_on: Mapped[dt.date | None]  # correction deadline while returned
    return_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[dt.datetime | None]
    paid_on: Mapped[dt.date | None]
    payment_reference: Mapped[str | None] = mapped_column(String(80))
    originals_received_on: Mapped[dt.date | None]  # signed and sealed paper copies
    originals_received_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)

    batch: Mapped[SubsidyBatch] = relationship(lazy="joined")
    company = relationship("Company", lazy="joined")
    policy: Mapped[SubsidyPolicy] = relationship(lazy="joined")


class ObjectionOutcome(LabeledEnum):
    OPEN = "open"
    UPHELD = "upheld"
    DISMISSED = "dismissed"


ObjectionOutcome.__labels__ = {ObjectionOutcome.OPEN: _l("Open"), ObjectionOutcome.UPHELD: _l("Upheld"),
                               ObjectionOutcome.DISMISSED: _l("Dismissed")}
ObjectionOutcome.__badges__ = {ObjectionOutcome.OPEN: "orange", ObjectionOutcome.UPHELD: "red",
                               ObjectionOutcome.DISMISSED: "secondary"}


class Objection(Base):
    """An objection (异议) received during the batch's public notice, and how it was settled."""

    __tablename__ = "subsidy_objections"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("subsidy_batches.id"), index=True)
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("subsidy_claims.id"), index=True)
    raised_by: Mapped[str] = mapped_column(String(120))  # name / organisation as received
    received_on: Mapped[dt.date]
    content: Mapped[str] = mapped_column(Text)
    outcome: Mapped[ObjectionOutcome] = mapped_column(enum_column(ObjectionOutcome), default=ObjectionOutcome.OPEN)
    resolution: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[dt.datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    claim: Mapped[SubsidyClaim | None] = relationship(lazy="joined")


class ClawbackReason(LabeledEnum):
    EXIT = "exit"  # left within the lock-in period
    CLEARED = "cleared"  # cleared out (清退) within the lock-in period
    BREACH = "breach"  # sublet, change of use, false data


ClawbackReason.__labels__ = {ClawbackReason.EXIT: _l("Exit within lock-in period"),
                             ClawbackReason.CLEARED: _l("Cleared out within lock-in period"),
                             ClawbackReason.BREACH: _l("Breach (sublet, change of use, false data)")}


class ClawbackState(LabeledEnum):
    OPEN = "open"
    PARTLY_REPAID = "partly_repaid"
    REPAID = "repaid"
    WAIVED = "waived"


ClawbackState.__labels__ = {ClawbackState.OPEN: _l("Awaiting repayment"),
                            ClawbackState.PARTLY_REPAID: _l("Partly repaid"),
                            ClawbackState.REPAID: _l("Repaid"), ClawbackState.WAIVED: _l("Waived")}
ClawbackState.__badges__ = {ClawbackState.OPEN: "red", ClawbackState.PARTLY_REPAID: "orange",
                            ClawbackState.REPAID: "green", ClawbackState.WAIVED: "secondary"}


class Clawback(TimestampMixin, Base):
    """追回: `basis` lists the paid claims counted (number, paid_on, amount) as computed."""

    __tablename__ = "subsidy_clawbacks"
    __table_args__ = (CheckConstraint("amount > 0 AND repaid >= 0 AND repaid <= amount", name="amounts"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)  # ZH-2026-0001
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    reason: Mapped[ClawbackReason] = mapped_column(enum_column(ClawbackReason))
    trigger_on: Mapped[dt.date]
    amount: Mapped[Decimal] = Money()
    repaid: Mapped[Decimal] = Money(default=Decimal("0.00"))
    basis: Mapped[dict] = mapped_column(JSON)
    state: Mapped[ClawbackState] = mapped_column(enum_column(ClawbackState), default=ClawbackState.OPEN, index=True)
    due_on: Mapped[dt.date | None]
    note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)

    company = relationship("Company", lazy="joined")
    repayments: Mapped[list[ClawbackRepayment]] = relationship(back_populates="clawback", lazy="selectin",
                                                               order_by="ClawbackRepayment.id")

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.repaid


class ClawbackRepayment(Base):
    __tablename__ = "subsidy_clawback_repayments"
    __table_args__ = (CheckConstraint("amount > 0", name="positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clawback_id: Mapped[int] = mapped_column(ForeignKey("subsidy_clawbacks.id"), index=True)
    fund_pool_id: Mapped[int] = mapped_column(ForeignKey("fund_pools.id"))
    amount: Mapped[Decimal] = Money()
    paid_on: Mapped[dt.date]
    reference: Mapped[str | None] = mapped_column(String(80))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    clawback: Mapped[Clawback] = relationship(back_populates="repayments")
