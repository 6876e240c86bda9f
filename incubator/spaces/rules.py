"""Occupancy (去化率) = leased area / lettable area (units not out of service), and the
parsing of areas and rents typed by people."""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ..core.errors import DomainError
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

    @property
    def reserved_rate(self) -> Decimal:
        """Share of lettable area reserved by draft leases (the next bit of the progress bar)."""
        return occupancy_rate(self.reserved, self.lettable)


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


def occupancy_by_type(session: Session) -> list[Occupancy]:
    rows = _occupancy(session, [Unit.type])
    rows = sorted(rows, key=lambda r: list(UnitType).index(UnitType(r[0])))
    return [Occupancy(UnitType(r[0]).value, UnitType(r[0]).label, Decimal(r[1]), Decimal(r[2]), Decimal(r[3]), r[4])
            for r in rows]


def status_counts(session: Session) -> dict[int, dict[UnitStatus, int]]:
    """Units per carrier and status, out-of-service ones included."""
    rows = session.execute(sa.select(Building.carrier_id, Unit.status, sa.func.count(Unit.id))
                           .select_from(Unit).join(Building).group_by(Building.carrier_id, Unit.status)).all()
    counts: dict[int, dict[UnitStatus, int]] = {}
    for carrier_id, status, n in rows:
        counts.setdefault(carrier_id, dict.fromkeys(UnitStatus, 0))[UnitStatus(status)] = n
    return counts


# --- input parsing: people type full-width digits (１２０．５) with Chinese input methods -------

_FULLWIDTH = str.maketrans({chr(0xFF10 + i): str(i) for i in range(10)}
                           | {"．": ".", "，": ",", "－": "-", "＋": "+", "\u3000": " "})
_NUMBER = re.compile(r"^[+-]?[0-9]+(\.[0-9]+)?$")


def normalize_text(raw: str | None) -> str:
    return (raw or "").translate(_FULLWIDTH).strip()


def int_arg(raw: str | None) -> int | None:
    """A whole number from a query string that fits an INTEGER column; anything else is ignored."""
    try:
        n = int(normalize_text(raw))
    except ValueError:
        return None
    return n if abs(n) < 2**31 else None


def parse_amount(raw, field: str | None = None, *, positive: bool = False, digits: int = 10,
                 places: int = 2) -> Decimal:
    """A non-negative (or positive) number with at most `places` decimals that fits Numeric(digits, places)."""
    if isinstance(raw, float):
        raise TypeError("amounts must not be floats")
    text = normalize_text(str(raw) if raw is not None else "").replace(",", "").replace(" ", "")
    if not text:
        raise DomainError(_("Please enter a number."), field=field)
    if not _NUMBER.match(text):
        raise DomainError(_("Please enter a number such as 120.50 (digits and a decimal point only)."), field=field)
    value = Decimal(text)
    if -value.as_tuple().exponent > places and value != value.quantize(Decimal(1).scaleb(-places)):
        raise DomainError(_("At most %(n)s decimal places, please.", n=places), field=field)
    if positive and value <= 0:
        raise DomainError(_("The number must be greater than zero."), field=field)
    if value < 0:
        raise DomainError(_("The number must not be negative."), field=field)
    limit = Decimal(10) ** (digits - places)
    if value >= limit:
        raise DomainError(_("The number is too large (it must be below %(limit)s).", limit=f"{limit:,}"),
                          field=field)
    return value.quantize(Decimal(1).scaleb(-places))
