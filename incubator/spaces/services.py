"""Every change to carriers, buildings and units, and the read helpers of the spaces pages."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..audit.services import record
from ..core.errors import ConcurrentChange, DomainError, PermissionDenied
from ..core.roles import STAFF_EDITORS
from ..core.workflow import history
from .models import Building, Carrier, Unit, UnitStatus, UnitType
from .rules import (
    Occupancy,
    int_arg,
    normalize_text,
    occupancy_by_carrier,
    occupancy_by_carrier_and_type,
    occupancy_by_type,
    parse_amount,
    status_counts,
)
from .workflow import UNIT_FLOW

# While a lease holds the unit these describe what was let, so they stay as they are.
LOCKED_WHILE_LET = ("building_id", "type", "area")


def require_editor(actor) -> None:
    if not actor.role_set & STAFF_EDITORS:
        raise PermissionDenied(_("Only operators and administrators may change spaces and leases."))


# --- carriers and buildings ---------------------------------------------------------------------

def update_carrier(session: Session, actor, carrier: Carrier, *, name: str, role: str | None, total_area,
                   startup_area) -> Carrier:
    require_editor(actor)
    name = normalize_text(name)
    if not 2 <= len(name) <= 120:
        raise DomainError(_("Please enter the carrier's name (2–120 characters)."), field="name")
    if session.scalar(sa.select(Carrier.id).where(Carrier.name == name, Carrier.id != carrier.id)):
        raise DomainError(_("Another carrier already has this name."), field="name")
    total = parse_amount(total_area, "total_area", positive=True, digits=12)
    startup = parse_amount(startup_area, "startup_area", digits=12)
    if startup > total:
        raise DomainError(_("The start-up zone cannot be larger than the total floor area."), field="startup_area")
    before = {"name": carrier.name, "role": carrier.role, "total_area": carrier.total_area,
              "startup_area": carrier.startup_area}
    carrier.name, carrier.role = name, (role or "").strip() or None
    carrier.total_area, carrier.startup_area = total, startup
    after = {"name": carrier.name, "role": carrier.role, "total_area": total, "startup_area": startup}
    record(session, actor, "carrier.update", carrier, before=before, after=after, summary=carrier.name)
    session.flush()
    return carrier


def create_building(session: Session, actor, carrier: Carrier, *, name: str) -> Building:
    require_editor(actor)
    name = normalize_text(name)
    if not 1 <= len(name) <= 60:
        raise DomainError(_("Please enter the building's name (at most 60 characters)."), field="name")
    if session.scalar(sa.select(Building.id).where(Building.carrier_id == carrier.id, Building.name == name)):
        raise DomainError(_("This carrier already has a building with this name."), field="name")
    building = Building(carrier_id=carrier.id, name=name)
    session.add(building)
    session.flush()
    record(session, actor, "building.create", building, after={"carrier": carrier.name, "name": name},
           summary=f"{carrier.name} {name}")
    return building


# --- units --------------------------------------------------------------------------------------

def _unit_values(session: Session, data: dict, unit_id: int | None = None) -> dict:
    """Check and normalise the fields of a unit; raises DomainError naming the field."""
    building = data["building"]
    if building is None:
        raise DomainError(_("Please choose a building."), field="building_id")
    number = normalize_text(data.get("number")).upper()
    if not 1 <= len(number) <= 20:
        raise DomainError(_("Please enter the unit number (at most 20 characters)."), field="number")
    try:
        floor = int(normalize_text(str(data.get("floor", ""))))
    except ValueError:
        raise DomainError(_("The floor must be a whole number."), field="floor") from None
    if not -10 <= floor <= 200:
        raise DomainError(_("The floor must be between -10 and 200."), field="floor")
    try:
        unit_type = UnitType(data.get("type"))
    except ValueError:
        raise DomainError(_("Please choose a space type."), field="type") from None
    dup = sa.select(Unit.id).where(Unit.building_id == building.id, Unit.number == number)
    if unit_id is not None:
        dup = dup.where(Unit.id != unit_id)
    if session.scalar(dup):
        raise DomainError(_("Building %(b)s already has a unit numbered %(n)s.", b=building.name, n=number),
                          field="number")
    return {
        "building_id": building.id, "floor": floor, "number": number, "type": unit_type,
        "area": parse_amount(data.get("area"), "area", positive=True),
        "list_rent": parse_amount(data.get("list_rent"), "list_rent"),
        "in_startup_zone": bool(data.get("in_startup_zone")),
        "note": (data.get("note") or "").strip() or None,
    }


def create_unit(session: Session, actor, building: Building | None, **data) -> Unit:
    require_editor(actor)
    values = _unit_values(session, {**data, "building": building})
    unit = Unit(**values, status=UnitStatus.VACANT)
    session.add(unit)
    session.flush()
    record(session, actor, "unit.create", unit, after=values, summary=unit.label)
    return unit


def update_unit(session: Session, actor, unit: Unit, building: Building | None, *,
                expected_version: int | None = None, **data) -> Unit:
    """Edit a unit's facts. `expected_version` is the version the form showed: if a lease
    reserved the unit (or someone edited it) since, the change is refused."""
    require_editor(actor)
    values = _unit_values(session, {**data, "building": building}, unit_id=unit.id)
    changed = {k: v for k, v in values.items() if getattr(unit, k) != v}
    if not changed:
        return unit
    if unit.status in (UnitStatus.RESERVED, UnitStatus.LEASED) and set(changed) & set(LOCKED_WHILE_LET):
        raise DomainError(_("The building, type and area of a unit cannot change while it is reserved or leased."))
    version = unit.version if expected_version is None else expected_version
    before = {k: getattr(unit, k) for k in changed}
    result = session.execute(sa.update(Unit).where(Unit.id == unit.id, Unit.version == version)
                             .values(**changed, version=Unit.version + 1)
                             .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise ConcurrentChange(_("Someone else changed this unit first. Please reload and try again."))
    session.refresh(unit)
    record(session, actor, "unit.update", unit, before=before, after=changed, summary=unit.label)
    session.flush()
    return unit


def retire_unit(session: Session, actor, unit: Unit, reason: str) -> Unit:
    if len((reason or "").strip()) > 500:
        raise DomainError(_("Please keep the reason under 500 characters."), field="reason")
    UNIT_FLOW.apply(session, actor, unit, "retire", comment=reason)
    return unit


def restore_unit(session: Session, actor, unit: Unit) -> Unit:
    UNIT_FLOW.apply(session, actor, unit, "restore")
    return unit


# --- read helpers -------------------------------------------------------------------------------

@dataclass
class CarrierSummary:
    carrier: Carrier
    occupancy: Occupancy
    counts: dict[UnitStatus, int]
    by_type: list[Occupancy] = field(default_factory=list)

    @property
    def units(self) -> int:
        return sum(self.counts.values())


def overview(session: Session) -> tuple[list[CarrierSummary], list[Occupancy]]:
    """Per carrier: occupancy overall and per type, units per status; then occupancy per type."""
    carriers = session.scalars(sa.select(Carrier).order_by(Carrier.sort_order, Carrier.id)).all()
    occ = {int(o.key): o for o in occupancy_by_carrier(session)}
    counts = status_counts(session)
    by_type: dict[str, list[Occupancy]] = {}
    for carrier_name, _type, o in occupancy_by_carrier_and_type(session):
        by_type.setdefault(carrier_name, []).append(o)
    zero = Decimal("0.00")
    summaries = [CarrierSummary(c, occ.get(c.id) or Occupancy(str(c.id), c.name, zero, zero, zero, 0),
                                counts.get(c.id) or dict.fromkeys(UnitStatus, 0), by_type.get(c.name, []))
                 for c in carriers]
    return summaries, occupancy_by_type(session)


@dataclass
class UnitFilters:
    carrier_id: int | None = None
    building_id: int | None = None
    type: UnitType | None = None
    status: UnitStatus | None = None
    floor: int | None = None
    q: str = ""

    @classmethod
    def from_args(cls, args) -> UnitFilters:
        """Unknown or malformed values are ignored rather than refused: these are links people share."""
        def enum_or_none(enum, value):
            return enum(value) if value in {m.value for m in enum} else None

        return cls(carrier_id=int_arg(args.get("carrier")), building_id=int_arg(args.get("building")),
                   type=enum_or_none(UnitType, args.get("type")), status=enum_or_none(UnitStatus, args.get("status")),
                   floor=int_arg(args.get("floor")), q=normalize_text(args.get("q"))[:40])


def unit_query(filters: UnitFilters) -> sa.Select:
    stmt = (sa.select(Unit).join(Building, Unit.building_id == Building.id)
            .join(Carrier, Building.carrier_id == Carrier.id)
            .order_by(Carrier.sort_order, Building.name, Unit.floor, Unit.number))
    if filters.carrier_id:
        stmt = stmt.where(Building.carrier_id == filters.carrier_id)
    if filters.building_id:
        stmt = stmt.where(Unit.building_id == filters.building_id)
    if filters.type:
        stmt = stmt.where(Unit.type == filters.type)
    if filters.status:
        stmt = stmt.where(Unit.status == filters.status)
    if filters.floor is not None:
        stmt = stmt.where(Unit.floor == filters.floor)
    if filters.q:
        stmt = stmt.where(Unit.number.ilike(f"%{filters.q}%"))
    return stmt


def area_sum(session: Session, stmt: sa.Select) -> Decimal:
    sub = stmt.order_by(None).with_only_columns(Unit.area).subquery()
    return Decimal(session.scalar(sa.select(sa.func.coalesce(sa.func.sum(sub.c.area), 0))))


def buildings_by_carrier(session: Session) -> list[Building]:
    return list(session.scalars(sa.select(Building).join(Carrier).order_by(Carrier.sort_order, Building.name)))


def carriers(session: Session) -> list[Carrier]:
    return list(session.scalars(sa.select(Carrier).order_by(Carrier.sort_order, Carrier.id)))


def named_history(session: Session, object_type: str, object_id: int, company_view: bool = False) -> list[tuple]:
    """Workflow events with the display name of whoever took each step."""
    events = history(session, object_type, object_id, company_view=company_view)
    ids = {e.actor_id for e in events if e.actor_id}
    names = dict(session.execute(sa.select(User.id, User.display_name).where(User.id.in_(ids))).all()) if ids else {}
    return [(e, names.get(e.actor_id, "—")) for e in events]
