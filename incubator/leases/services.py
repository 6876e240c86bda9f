"""Every change to leases (and the read helpers other modules use).

A lease takes its units through the unit workflow: creating it reserves them, signing
leases them, ending, terminating or cancelling it makes them vacant again. Ending or
terminating also closes its rent ledger (ledger.py). The company's own status is not
touched here (admission does that)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from sqlalchemy.orm import Session, lazyload

from ..audit.services import record
from ..certificates.numbering import next_number
from ..companies.models import Company, CompanyStatus
from ..companies.services import mark_moved_in
from ..core.errors import ConcurrentChange, DomainError, TransitionNotAllowed
from ..core.formatting import today
from ..core.inbox import Task, task_provider
from ..core.roles import STAFF_EDITORS
from ..spaces.models import Building, Unit, UnitStatus, UnitType
from ..spaces.rules import int_arg, normalize_text, parse_amount
from ..spaces.services import UnitFilters, require_editor, unit_query
from ..spaces.workflow import UNIT_FLOW, UnitNotAvailable
from . import ledger
from .models import BillingCycle, Lease, LeaseState, LeaseUnit
from .rules import add_years
from .workflow import LEASE_FLOW

DEFAULT_TERM_YEARS = 3
MAX_TERM_YEARS = 20  # 民法典 art. 705: a lease term may not exceed twenty years
EXPIRING_DAYS = 90
LEASABLE_COMPANY = (CompanyStatus.APPLICANT, CompanyStatus.TENANT)


def default_end_on(start_on: dt.date) -> dt.date:
    return add_years(start_on, DEFAULT_TERM_YEARS) - dt.timedelta(days=1)


def lease_number(session: Session, year: int) -> str:
    """ZL-2026-0001: a running number per year, taken in the lease's transaction."""
    return f"ZL-{year}-{next_number(session, 'lease', year):04d}"


def _unavailable(unit: Unit) -> UnitNotAvailable:
    return UnitNotAvailable(_("Unit %(unit)s is no longer vacant (another lease has taken it, or it is out of "
                              "service). Nothing was saved; please choose another unit.", unit=unit.label),
                            field="unit_ids")


def create_lease(session: Session, actor, company: Company, units: list[Unit], *, start_on: dt.date,
                 end_on: dt.date | None = None, rent_per_m2=None, property_fee_per_m2=Decimal("0"),
                 deposit=Decimal("0"), billing_cycle: BillingCycle = BillingCycle.MONTHLY, note: str | None = None,
                 lease_then_transfer: bool = False) -> Lease:
    """A draft lease on vacant units, which it reserves. If any unit is taken, the caller's
    rollback leaves nothing of the lease behind."""
    require_editor(actor)
    if company is None:
        raise DomainError(_("Please choose the company."), field="company_id")
    if company.status not in LEASABLE_COMPANY:
        raise DomainError(_("%(name)s has left the community; it cannot take a new lease.", name=company.name),
                          field="company_id")
    units = sorted({u.id: u for u in units}.values(), key=lambda u: u.id)  # one lock order: no deadlocks
    if not units:
        raise DomainError(_("Please choose at least one vacant unit."), field="unit_ids")
    if not isinstance(start_on, dt.date) or not 2000 <= start_on.year <= 2100:
        raise DomainError(_("Please enter a start date between 2000 and 2100."), field="start_on")
    end_on = end_on or default_end_on(start_on)
    if end_on <= start_on:
        raise DomainError(_("The end date must be after the start date."), field="end_on")
    if end_on >= add_years(start_on, MAX_TERM_YEARS):
        raise DomainError(_("A lease term may not exceed %(n)s years.", n=MAX_TERM_YEARS), field="end_on")
    try:
        billing_cycle = BillingCycle(billing_cycle)
    except ValueError:
        raise DomainError(_("Please choose the billing cycle."), field="billing_cycle") from None
    for unit in units:
        if unit.status != UnitStatus.VACANT:
            raise _unavailable(unit)
    area = sum((u.area for u in units), Decimal("0"))
    if rent_per_m2 is None or rent_per_m2 == "":
        rent = (sum((u.area * u.list_rent for u in units), Decimal("0")) / area).quantize(Decimal("0.01"),
                                                                                            ROUND_HALF_UP)
    else:
        rent = parse_amount(rent_per_m2, "rent_per_m2")
    fee = parse_amount(property_fee_per_m2, "property_fee_per_m2")
    deposit = parse_amount(deposit, "deposit", digits=14)

    number = lease_number(session, today().year)
    for unit in units:
        try:
            UNIT_FLOW.apply(session, actor, unit, "reserve", comment=number)
        except (ConcurrentChange, TransitionNotAllowed):
            raise _unavailable(unit) from None
    lease = Lease(number=number, company_id=company.id, start_on=start_on, end_on=end_on, rent_per_m2=rent,
                  property_fee_per_m2=fee, deposit=deposit, billing_cycle=billing_cycle, state=LeaseState.DRAFT,
                  lease_then_transfer=bool(lease_then_transfer), note=(note or "").strip() or None,
                  units=[LeaseUnit(unit_id=u.id, area=u.area) for u in units])
    session.add(lease)
    session.flush()
    record(session, actor, "lease.create", lease, summary=f"{number} {company.name}", after={
        "number": number, "company": company.name, "units": [u.label for u in units], "area": area,
        "start_on": start_on, "end_on": end_on, "rent_per_m2": rent, "property_fee_per_m2": fee,
        "deposit": deposit, "billing_cycle": billing_cycle, "lease_then_transfer": lease.lease_then_transfer})
    return lease


def sign_lease(session: Session, actor, lease: Lease, signed_on: dt.date | None = None) -> Lease:
    LEASE_FLOW.apply(session, actor, lease, "sign", values={"signed_on": signed_on or today()})
    for lu in lease.units:
        UNIT_FLOW.apply(session, actor, lu.unit, "lease", comment=lease.number)
    mark_moved_in(session, actor, lease.company, lease.signed_on)
    return lease


def _release_units(session: Session, actor, lease: Lease) -> None:
    for lu in sorted(lease.units, key=lambda lu: lu.unit_id):
        UNIT_FLOW.apply(session, actor, lu.unit, "release", comment=lease.number)


def end_lease(session: Session, actor, lease: Lease, ended_on: dt.date | None = None) -> Lease:
    """The term is over: the lease ends and its units become vacant."""
    ended_on = ended_on or today()
    if lease.state == LeaseState.SIGNED and ended_on < lease.end_on:
        raise DomainError(_("This lease runs until %(day)s. To end it earlier, terminate it and give a reason.",
                            day=lease.end_on.isoformat()))
    LEASE_FLOW.apply(session, actor, lease, "end", values={"ended_on": ended_on})
    ledger.close_ledger(session, actor, lease)
    _release_units(session, actor, lease)
    return lease


def terminate_lease(session: Session, actor, lease: Lease, reason: str, ended_on: dt.date | None = None) -> Lease:
    """Early termination of a signed lease; the reason is kept in its history. Rent is charged
    up to and including the termination day."""
    if len((reason or "").strip()) > 500:
        raise DomainError(_("Please keep the reason under 500 characters."), field="reason")
    LEASE_FLOW.apply(session, actor, lease, "terminate", comment=reason, values={"ended_on": ended_on or today()})
    ledger.close_ledger(session, actor, lease)
    _release_units(session, actor, lease)
    return lease


def renew_lease(session: Session, actor, lease: Lease, new_end_on: dt.date, rent_per_m2=None,
                reason: str | None = None) -> Lease:
    """A signed lease runs on to `new_end_on`, optionally at a new rent; the new rent applies to
    the periods not yet charged (the charge that stopped at the old end keeps its rent)."""
    LEASE_FLOW.check(session, actor, lease, "renew")
    reason = (reason or "").strip()
    if len(reason) > 500:
        raise DomainError(_("Please keep the reason under 500 characters."), field="reason")
    if not isinstance(new_end_on, dt.date):
        raise DomainError(_("Please enter the new end date."), field="new_end_on")
    if new_end_on <= lease.end_on:
        raise DomainError(_("The new end date must be after the current one (%(day)s).",
                            day=lease.end_on.isoformat()), field="new_end_on")
    if new_end_on >= add_years(today(), MAX_TERM_YEARS):  # 民法典 art. 705: counted from the renewal
        raise DomainError(_("A renewed term may not run more than %(n)s years from today.", n=MAX_TERM_YEARS),
                          field="new_end_on")
    rent = lease.rent_per_m2 if rent_per_m2 in (None, "") else parse_amount(rent_per_m2, "rent_per_m2")
    old_end, old_rent = lease.end_on, lease.rent_per_m2
    # the history shows what changed in figures (any language) followed by the reason typed
    change = [f"{old_end.isoformat()} → {new_end_on.isoformat()}"]
    if rent != old_rent:
        change.append(f"{old_rent} → {rent} /m²")
    LEASE_FLOW.apply(session, actor, lease, "renew", comment=" · ".join([*change, *([reason] if reason else [])]),
                     values={"end_on": new_end_on, "rent_per_m2": rent})
    ledger.extend_last_charge(session, actor, lease, old_end)
    return lease


def cancel_lease(session: Session, actor, lease: Lease, reason: str | None = None) -> Lease:
    """A draft that will not be signed: its reserved units become vacant again."""
    if len((reason or "").strip()) > 500:
        raise DomainError(_("Please keep the reason under 500 characters."), field="reason")
    LEASE_FLOW.apply(session, actor, lease, "cancel", comment=reason, values={"ended_on": today()})
    _release_units(session, actor, lease)
    return lease


# --- read helpers -------------------------------------------------------------------------------

def company_leases(session: Session, company_id: int) -> list[Lease]:
    """The company's leases, newest first (for the company page and the dossier)."""
    return list(session.scalars(sa.select(Lease).where(Lease.company_id == company_id)
                                .order_by(Lease.start_on.desc())))


def unit_leases(session: Session, unit_id: int) -> list[Lease]:
    """Every lease that ever held the unit, newest first."""
    return list(session.scalars(sa.select(Lease).join(LeaseUnit).where(LeaseUnit.unit_id == unit_id)
                                .order_by(Lease.start_on.desc(), Lease.id.desc())))


def current_leases(session: Session, unit_ids: list[int]) -> dict[int, Lease]:
    """unit id → the draft or signed lease holding it."""
    if not unit_ids:
        return {}
    rows = session.execute(sa.select(LeaseUnit.unit_id, Lease).join(Lease).options(lazyload(Lease.units))
                           .where(LeaseUnit.unit_id.in_(unit_ids),
                                  Lease.state.in_([LeaseState.DRAFT, LeaseState.SIGNED]))).all()
    return {unit_id: lease for unit_id, lease in rows}


def actions_for(session: Session, actor, lease: Lease, day: dt.date | None = None) -> list[str]:
    """What `actor` may do to the lease now (ending waits for the term to be over)."""
    actions = LEASE_FLOW.available(session, actor, lease)
    if lease.end_on > (day or today()):
        actions = [a for a in actions if a != "end"]
    return actions


@dataclass
class LeaseFilters:
    state: LeaseState | None = None
    carrier_id: int | None = None
    q: str = ""
    expiring: bool = False

    @classmethod
    def from_args(cls, args) -> LeaseFilters:
        state = args.get("state")
        return cls(state=LeaseState(state) if state in {s.value for s in LeaseState} else None,
                   carrier_id=int_arg(args.get("carrier")), q=normalize_text(args.get("q"))[:60],
                   expiring=args.get("expiring") == "1")


def lease_query(filters: LeaseFilters, day: dt.date | None = None) -> sa.Select:
    stmt = sa.select(Lease).join(Company, Lease.company_id == Company.id).order_by(Lease.id.desc())
    if filters.state:
        stmt = stmt.where(Lease.state == filters.state)
    if filters.carrier_id:
        stmt = stmt.where(Lease.id.in_(sa.select(LeaseUnit.lease_id).join(Unit).join(Building)
                                       .where(Building.carrier_id == filters.carrier_id)))
    if filters.q:
        like = f"%{filters.q}%"
        stmt = stmt.where(sa.or_(Company.name.ilike(like), Company.credit_code.ilike(like), Lease.number.ilike(like)))
    if filters.expiring:  # still in force and ending within 90 days (or already past its end)
        limit = (day or today()) + dt.timedelta(days=EXPIRING_DAYS)
        stmt = stmt.where(Lease.state == LeaseState.SIGNED, Lease.end_on <= limit).order_by(None).order_by(
            Lease.end_on, Lease.id)
    return stmt


def vacant_units(session: Session, carrier_id: int | None, unit_type: UnitType | None, q: str = "",
                 limit: int = 300) -> tuple[list[Unit], bool]:
    """Units a new lease may take (vacant ones), at most `limit`; the flag says more exist."""
    stmt = unit_query(UnitFilters(carrier_id=carrier_id, type=unit_type, status=UnitStatus.VACANT, q=q))
    rows = list(session.scalars(stmt.limit(limit + 1)))
    return rows[:limit], len(rows) > limit


def leasable_companies(session: Session) -> list[tuple[int, str]]:
    return [(r.id, r.name) for r in session.execute(
        sa.select(Company.id, Company.name).where(Company.status.in_(LEASABLE_COMPANY)).order_by(Company.name))]


@task_provider
def lease_tasks(session: Session, user) -> list[Task]:
    if not user.role_set & STAFF_EDITORS:
        return []
    tasks = []
    drafts = session.scalar(sa.select(sa.func.count()).select_from(Lease).where(Lease.state == LeaseState.DRAFT))
    if drafts:
        tasks.append(Task(_("Leases awaiting signature"), url_for("leases.index", state="draft"), "leases",
                          count=drafts))
    day = today()
    soonest, n = session.execute(sa.select(sa.func.min(Lease.end_on), sa.func.count()).where(
        Lease.state == LeaseState.SIGNED, Lease.end_on <= day + dt.timedelta(days=EXPIRING_DAYS))).one()
    if n:
        tasks.append(Task(_("Leases ending within 90 days"), url_for("leases.index", expiring="1"), "leases",
                          due=soonest, count=n, level="danger" if soonest < day else "warning"))
    companies, oldest = ledger.arrears_overview(session, day)
    if companies:
        tasks.append(Task(_("Companies with overdue rent"), url_for("leases.arrears"), "leases", due=oldest,
                          count=companies, level="danger"))
    return tasks
