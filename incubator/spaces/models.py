"""Carriers (载体), buildings and units (单元)."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.enums import LabeledEnum, enum_column
from ..db import Base, TimestampMixin


class UnitType(LabeledEnum):
    OFFICE = "office"
    FACTORY = "factory"
    APARTMENT = "apartment"
    LAB = "lab"


UnitType.__labels__ = {
    UnitType.OFFICE: _l("Office"),
    UnitType.FACTORY: _l("Factory"),
    UnitType.APARTMENT: _l("Talent apartment"),
    UnitType.LAB: _l("Laboratory"),
}


class UnitStatus(LabeledEnum):
    VACANT = "vacant"
    RESERVED = "reserved"
    LEASED = "leased"
    OUT_OF_SERVICE = "out_of_service"


UnitStatus.__labels__ = {
    UnitStatus.VACANT: _l("Vacant"),
    UnitStatus.RESERVED: _l("Reserved"),
    UnitStatus.LEASED: _l("Leased"),
    UnitStatus.OUT_OF_SERVICE: _l("Out of service"),
}
UnitStatus.__badges__ = {UnitStatus.VACANT: "green", UnitStatus.RESERVED: "yellow",
                         UnitStatus.LEASED: "blue", UnitStatus.OUT_OF_SERVICE: "secondary"}


class Carrier(Base):
    __tablename__ = "carriers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    role: Mapped[str | None] = mapped_column(Text)
    total_area: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    startup_area: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    sort_order: Mapped[int] = mapped_column(default=0)

    buildings: Mapped[list[Building]] = relationship(back_populates="carrier", order_by="Building.name")


class Building(Base):
    __tablename__ = "buildings"
    __table_args__ = (UniqueConstraint("carrier_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    carrier_id: Mapped[int] = mapped_column(ForeignKey("carriers.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))

    carrier: Mapped[Carrier] = relationship(back_populates="buildings", lazy="joined")


class Unit(TimestampMixin, Base):
    __tablename__ = "units"
    __table_args__ = (
        UniqueConstraint("building_id", "number"),
        CheckConstraint("area > 0", name="area_positive"),
        CheckConstraint("list_rent >= 0", name="rent_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    floor: Mapped[int]
    number: Mapped[str] = mapped_column(String(20))
    type: Mapped[UnitType] = mapped_column(enum_column(UnitType), index=True)
    area: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    list_rent: Mapped[Decimal] = mapped_column(Numeric(10, 2))  # 元/m²/月
    status: Mapped[UnitStatus] = mapped_column(enum_column(UnitStatus), default=UnitStatus.VACANT, index=True)
    in_startup_zone: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)

    building: Mapped[Building] = relationship(lazy="joined")

    @property
    def carrier(self) -> Carrier:
        return self.building.carrier

    @property
    def label(self) -> str:
        return f"{self.building.carrier.code}-{self.building.name}-{self.number}"
