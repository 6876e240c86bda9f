"""Fund programmes, pools (one per city phase or committee matching tranche) and the
entries that move money in and out of them.

A pool's four totals are changed only by conditional UPDATEs in services.py; the CHECK
constraint is the last line that keeps `remaining` from ever going below zero."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.enums import LabeledEnum, enum_column
from ..db import Base, Money, utcnow


class FundSource(LabeledEnum):
    CITY = "city"  # 市科技局专项经费 (phases)
    COMMITTEE = "committee"  # 管委会配套


FundSource.__labels__ = {FundSource.CITY: _l("City special fund"), FundSource.COMMITTEE: _l("Committee matching")}
FundSource.__badges__ = {FundSource.CITY: "blue", FundSource.COMMITTEE: "purple"}


class FundProgram(Base):
    """The special fund of one community; `config` holds its rules as data
    (phase_cap, max_city_phases, matching_ratio — see funds/rules.py)."""

    __tablename__ = "fund_programs"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    config: Mapped[dict] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    pools: Mapped[list[FundPool]] = relationship(back_populates="program", order_by="FundPool.id")


class FundPool(Base):
    __tablename__ = "fund_pools"
    __table_args__ = (
        UniqueConstraint("program_id", "source", "phase"),
        CheckConstraint("allocated >= 0 AND committed >= 0 AND paid >= 0 AND returned >= 0", name="non_negative"),
        CheckConstraint("returned <= paid", name="returned_le_paid"),
        # rounded: SQLite keeps NUMERIC as binary floats, where 0.10 + 0.20 > 0.30
        CheckConstraint("ROUND(committed + paid - returned, 2) <= allocated", name="never_overdrawn"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("fund_programs.id"), index=True)
    source: Mapped[FundSource] = mapped_column(enum_column(FundSource))
    phase: Mapped[int]  # 1, 2, 3 (期)
    name: Mapped[str] = mapped_column(String(120))
    allocated: Mapped[Decimal] = Money(default=Decimal("0.00"))
    committed: Mapped[Decimal] = Money(default=Decimal("0.00"))  # approved, not yet paid
    paid: Mapped[Decimal] = Money(default=Decimal("0.00"))
    returned: Mapped[Decimal] = Money(default=Decimal("0.00"))  # clawed back into the pool
    opened_on: Mapped[dt.date]
    active: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)

    program: Mapped[FundProgram] = relationship(back_populates="pools", lazy="joined")

    @property
    def remaining(self) -> Decimal:
        return self.allocated - self.committed - self.paid + self.returned


class FundEntryKind(LabeledEnum):
    ALLOCATE = "allocate"  # money put into the pool
    COMMIT = "commit"  # an approval reserves it
    RELEASE = "release"  # an approval undone (objection upheld, rejection) gives it back
    PAY = "pay"  # committed money paid out
    RETURN = "return"  # a clawback repayment comes back


FundEntryKind.__labels__ = {FundEntryKind.ALLOCATE: _l("Allocated"), FundEntryKind.COMMIT: _l("Committed"),
                            FundEntryKind.RELEASE: _l("Released"), FundEntryKind.PAY: _l("Paid out"),
                            FundEntryKind.RETURN: _l("Returned (clawback)")}
FundEntryKind.__badges__ = {FundEntryKind.ALLOCATE: "green", FundEntryKind.COMMIT: "yellow",
                            FundEntryKind.RELEASE: "secondary", FundEntryKind.PAY: "blue",
                            FundEntryKind.RETURN: "purple"}


class FundEntry(Base):
    """One movement; (kind, object) is unique so one approval commits once and is paid once."""

    __tablename__ = "fund_entries"
    __table_args__ = (UniqueConstraint("kind", "object_type", "object_id"),
                      CheckConstraint("amount > 0", name="positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("fund_pools.id"), index=True)
    kind: Mapped[FundEntryKind] = mapped_column(enum_column(FundEntryKind))
    amount: Mapped[Decimal] = Money()
    object_type: Mapped[str | None] = mapped_column(String(40))  # subsidy_application, clawback_repayment
    object_id: Mapped[int | None]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    note: Mapped[str | None] = mapped_column(Text)

    pool: Mapped[FundPool] = relationship(lazy="joined")
