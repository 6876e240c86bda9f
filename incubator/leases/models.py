"""Leases (租约) on one or more units, and their rent ledger (charges per billing period and
the payments against them)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.enums import LabeledEnum, enum_column
from ..db import Base, Money, TimestampMixin, utcnow


class BillingCycle(LabeledEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"


BillingCycle.__labels__ = {BillingCycle.MONTHLY: _l("Monthly"), BillingCycle.QUARTERLY: _l("Quarterly")}


class LeaseState(LabeledEnum):
    DRAFT = "draft"
    SIGNED = "signed"
    ENDED = "ended"
    TERMINATED = "terminated"


LeaseState.__labels__ = {LeaseState.DRAFT: _l("Awaiting signature"), LeaseState.SIGNED: _l("In force"),
                         LeaseState.ENDED: _l("Ended"), LeaseState.TERMINATED: _l("Terminated early")}
LeaseState.__badges__ = {LeaseState.DRAFT: "yellow", LeaseState.SIGNED: "green",
                         LeaseState.ENDED: "secondary", LeaseState.TERMINATED: "red"}


class Lease(TimestampMixin, Base):
    __tablename__ = "leases"
    __table_args__ = (
        CheckConstraint("end_on > start_on", name="term"),
        CheckConstraint("rent_per_m2 >= 0 AND property_fee_per_m2 >= 0 AND deposit >= 0", name="amounts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    start_on: Mapped[dt.date]
    end_on: Mapped[dt.date]
    rent_per_m2: Mapped[Decimal] = mapped_column(Numeric(10, 2))  # 元/m²/月
    property_fee_per_m2: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    deposit: Mapped[Decimal] = Money()
    billing_cycle: Mapped[BillingCycle] = mapped_column(enum_column(BillingCycle), default=BillingCycle.MONTHLY)
    state: Mapped[LeaseState] = mapped_column(enum_column(LeaseState), default=LeaseState.DRAFT, index=True)
    signed_on: Mapped[dt.date | None]
    ended_on: Mapped[dt.date | None]
    lease_then_transfer: Mapped[bool] = mapped_column(default=False)  # 先租后让
    note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)

    company = relationship("Company", lazy="joined")
    units: Mapped[list[LeaseUnit]] = relationship(back_populates="lease", cascade="all, delete-orphan",
                                                  lazy="selectin")

    @property
    def area(self) -> Decimal:
        return sum((lu.area for lu in self.units), Decimal("0.00"))

    @property
    def monthly_rent(self) -> Decimal:
        return (self.area * self.rent_per_m2).quantize(Decimal("0.01"))


class LeaseUnit(Base):
    __tablename__ = "lease_units"
    __table_args__ = (UniqueConstraint("lease_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lease_id: Mapped[int] = mapped_column(ForeignKey("leases.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    area: Mapped[Decimal] = mapped_column(Numeric(10, 2))  # the unit's area when leased

    lease: Mapped[Lease] = relationship(back_populates="units")
    unit = relationship("Unit", lazy="joined")


class RentCharge(Base):
    """One billing period's rent and property fee on a lease (the rent ledger).

    `paid` is the sum of the payments recorded against it; the charge is settled when
    `paid >= amount`. Only the rent part can ever be subsidised (SPEC §6)."""

    __tablename__ = "rent_charges"
    __table_args__ = (
        UniqueConstraint("lease_id", "period_start"),
        CheckConstraint("period_end >= period_start", name="period"),
        CheckConstraint("rent >= 0 AND property_fee >= 0 AND paid >= 0", name="amounts"),
        # arrears read only the open charges: the settled history grows every month
        Index("ix_rent_charges_open", "company_id", "due_on", sqlite_where=sa.text("settled_on IS NULL"),
              postgresql_where=sa.text("settled_on IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lease_id: Mapped[int] = mapped_column(ForeignKey("leases.id", ondelete="CASCADE"), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)  # denormalised for arrears
    period_start: Mapped[dt.date]
    period_end: Mapped[dt.date]  # inclusive
    due_on: Mapped[dt.date] = mapped_column(index=True)
    rent_per_m2: Mapped[Decimal] = mapped_column(Numeric(10, 2))  # the price charged (a renewal may change the lease's)
    rent: Mapped[Decimal] = Money()
    property_fee: Mapped[Decimal] = Money()
    paid: Mapped[Decimal] = Money(default=Decimal("0.00"))
    settled_on: Mapped[dt.date | None]  # the day the last payment made it whole
    version: Mapped[int] = mapped_column(default=1)

    lease: Mapped[Lease] = relationship(lazy="joined", innerjoin=True)
    payments: Mapped[list[RentPayment]] = relationship(back_populates="charge", order_by="RentPayment.id",
                                                       lazy="selectin")

    @property
    def amount(self) -> Decimal:
        return self.rent + self.property_fee

    @property
    def outstanding(self) -> Decimal:
        return max(self.amount - self.paid, Decimal("0.00"))

    @property
    def is_settled(self) -> bool:
        return self.paid >= self.amount


class RentPayment(Base):
    """A payment received against a charge (bank reference and date); never edited."""

    __tablename__ = "rent_payments"
    __table_args__ = (CheckConstraint("amount > 0", name="positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    charge_id: Mapped[int] = mapped_column(ForeignKey("rent_charges.id", ondelete="CASCADE"), index=True)
    amount: Mapped[Decimal] = Money()
    paid_on: Mapped[dt.date]
    reference: Mapped[str | None] = mapped_column(String(80))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    charge: Mapped[RentCharge] = relationship(back_populates="payments")
