"""Occupancy (去化率) = leased area / lettable area (units not out of service)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .models import Building, Carrier, Unit, UnitStatus, UnitType


@dataclass
class Occupancy:
    key: str
    label: str
    lettable: Decimal
    leased: Decimal
    reserved: Decimal
    units: int

    @property
    def rate(self) -> Decimal:
        if not self.lettable:
            return Decimal("0")
        return (self.leased / self.lettable * 100).quantize(Decimal("0.1"))


def occupancy_rate(leased: Decimal, lettable: Decimal) -> Decimal:
    return Decimal("0") if not lettable else (leased / lettable * 100).quantize(Decimal("0.1"))


def _occupancy(session: Session, group_cols, where=None) -> list:
    leased = sa.func.sum(sa.case((Unit.status == UnitStatus.LEASED, Unit.area), else_=0))
    reserved = sa.func.sum(sa.case((Unit.status == UnitStatus.RESERVED, Unit.area), else_=0))
    stmt = (sa.select(*group_cols, sa.func.coalesce(sa.func.sum(Unit.area), 0), sa.func.coalesce(leased, 0),
                      sa.func.coalesce(reserved, 0), sa.func.count(Unit.id))
            .select_from(Unit).join(Building).join(Carrier)
            .where(Unit.status != UnitStatus.OUT_OF_SERVICE)
            .group_by(*group_cols))
    if where is not None:
        stmt = stmt.where(where)
    return session.execute(stmt).all()


def occupancy_by_carrier(session: Session) -> list[Occupancy]:
    rows = _occupancy(session, [Carrier.id, Carrier.name, Carrier.sort_order])
    rows = sorted(rows, key=lambda r: r[2])
    return [Occupancy(str(r[0]), r[1], Decimal(r[3]), Decimal(r[4]), Decimal(r[5]), r[6]) for r in rows]


def occupancy_by_carrier_and_type(session: Session) -> list[tuple[str, UnitType, Occupancy]]:
    rows = _occupancy(session, [Carrier.id, Carrier.name, Carrier.sort_order, Unit.type])
    rows = sorted(rows, key=lambda r: (r[2], list(UnitType).index(UnitType(r[3]))))
    return [(r[1], UnitType(r[3]), Occupancy(f"{r[0]}-{r[3]}", UnitType(r[3]).label, Decimal(r[4]),
                                               Decimal(r[5]), Decimal(r[6]), r[7])) for r in rows]
