"""The HQ's own budget (指挥部日常办公经费 and 运营管理经费): versioned budget policies (approval
tiers), the spending categories of each pool (data), a yearly budget line per category, and the
expense requests (经费支出申请) that draw on a line.

A line's committed and spent totals change only by conditional UPDATEs in services.py; the CHECK
constraint is the last line that keeps them within its budget. The special policy fund
(专项政策经费) is not here: it is the funds module's, read by services.year_overview."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.enums import LabeledEnum, enum_column
from ..db import Base, Money, TimestampMixin, utcnow


class BudgetPolicy(Base):
    """Approval tiers and the plan's reference budgets. Rows are never edited: a change adds the
    next version; a request keeps the version its tier was fixed with (see the migration's v1)."""

    __tablename__ = "budget_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    effective_from: Mapped[dt.date]
    config: Mapped[dict] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PoolKind(LabeledEnum):
    OFFICE = "office"  # 日常办公经费 (水乡管委会, ~¥2,000,000 a year in the plan)
    OPERATIONS = "operations"  # 运营管理经费 (水乡控股)


PoolKind.__labels__ = {PoolKind.OFFICE: _l("Daily office fund"), PoolKind.OPERATIONS: _l("Operations fund")}
PoolKind.__badges__ = {PoolKind.OFFICE: "blue", PoolKind.OPERATIONS: "teal"}
# the names the annual report prints, whatever the reader's language
POOL_ZH = {"special": "专项政策经费", PoolKind.OFFICE: "日常办公经费", PoolKind.OPERATIONS: "运营管理经费"}


class BudgetCategory(Base):
    """A spending category of one pool (办公, 宣传推广, 人员, 差旅, 项目评审 …): data, shipped by the
    migration; `active` hides one from new budgets and requests without touching history."""

    __tablename__ = "budget_categories"
    __table_args__ = (UniqueConstraint("pool", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pool: Mapped[PoolKind] = mapped_column(enum_column(PoolKind))
    code: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(60))  # Chinese
    name_en: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    def label(self, locale: str) -> str:
        return self.name if locale.startswith("zh") else self.name_en


class BudgetLine(Base):
    """One category's budget for one year, with what approved requests hold (committed, not yet
    paid) and what was paid out (spent)."""

    __tablename__ = "budget_lines"
    __table_args__ = (
        UniqueConstraint("year", "category_id"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year"),
        CheckConstraint("budget >= 0 AND committed >= 0 AND spent >= 0", name="non_negative"),
        # rounded: SQLite keeps NUMERIC as binary floats, where 0.10 + 0.20 > 0.30
        CheckConstraint("ROUND(committed + spent, 2) <= budget", name="never_overdrawn"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("budget_categories.id"), index=True)
    budget: Mapped[Decimal] = Money(default=Decimal("0.00"))
    committed: Mapped[Decimal] = Money(default=Decimal("0.00"))
    spent: Mapped[Decimal] = Money(default=Decimal("0.00"))
    note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)

    category: Mapped[BudgetCategory] = relationship(lazy="joined")

    @property
    def remaining(self) -> Decimal:
        return self.budget - self.committed - self.spent


class RequestState(LabeledEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"  # waiting for the approver at its tier (deputy and commander: after the meeting)
    RETURNED = "returned"  # back to the requester for correction
    APPROVED = "approved"  # the amount is committed on its budget line
    PAID = "paid"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # by the requester, or an approved request cancelled (its money released)


RequestState.__labels__ = {
    RequestState.DRAFT: _l("Draft"), RequestState.SUBMITTED: _l("Submitted"),
    RequestState.RETURNED: _l("Returned for correction"), RequestState.APPROVED: _l("Approved"),
    RequestState.PAID: _l("Paid"), RequestState.REJECTED: _l("Rejected"), RequestState.WITHDRAWN: _l("Withdrawn"),
}
RequestState.__badges__ = {
    RequestState.DRAFT: "secondary", RequestState.SUBMITTED: "blue", RequestState.RETURNED: "orange",
    RequestState.APPROVED: "yellow", RequestState.PAID: "green", RequestState.REJECTED: "red",
    RequestState.WITHDRAWN: "dark",
}
TIERS = ("lead", "deputy", "commander")


class ExpenseRequest(TimestampMixin, Base):
    """One expense request by HQ staff against one budget line (year × category). `tier` is fixed
    from the amount by the policy in force whenever the amount is saved or submitted."""

    __tablename__ = "expense_requests"
    __table_args__ = (
        CheckConstraint("amount > 0", name="positive"),
        CheckConstraint("tier IN ('lead', 'deputy', 'commander')", name="tier"),
        CheckConstraint("state != 'paid' OR (paid_on IS NOT NULL AND payment_reference IS NOT NULL)", name="paid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)  # ZC-2026-0001
    year: Mapped[int] = mapped_column(index=True)  # the budget year it is charged to
    category_id: Mapped[int] = mapped_column(ForeignKey("budget_categories.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text)
    payee: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal] = Money()
    tier: Mapped[str] = mapped_column(String(20), index=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("budget_policies.id"))
    state: Mapped[RequestState] = mapped_column(enum_column(RequestState), default=RequestState.DRAFT, index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    submitted_at: Mapped[dt.datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(Text)
    payment_reference: Mapped[str | None] = mapped_column(String(100))
    paid_on: Mapped[dt.date | None]
    version: Mapped[int] = mapped_column(default=1)

    category: Mapped[BudgetCategory] = relationship(lazy="joined")
    policy: Mapped[BudgetPolicy] = relationship()
    requested_by = relationship("User", foreign_keys=[requested_by_id], lazy="joined")
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    @property
    def pool(self) -> PoolKind:
        return self.category.pool
