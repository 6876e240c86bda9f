"""The rent ledger: one charge per billing period of a lease, payments against it, arrears.

Periods follow the calendar (months or quarters); the first and last are cut at the lease's
start and its last day. A period's rent is due DUE_DAYS after the period starts (rent is paid
in advance); a charge is overdue once that day has passed and it is not paid in full.

Sums and comparisons in SQL are made in whole fen: SQLite keeps NUMERIC as binary floats, and
0.10 + 0.20 < 0.30 there."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, noload

from ..audit.services import record
from ..companies.models import Company
from ..core.enums import LabeledEnum
from ..core.errors import ConcurrentChange, DomainError
from ..core.formatting import format_money, today
from ..spaces.models import Building, Unit
from ..spaces.rules import int_arg, normalize_text, parse_amount
from ..spaces.services import require_editor
from .models import BillingCycle, Lease, LeaseState, LeaseUnit, RentCharge, RentPayment
from .rules import FEN, month_end, period_rent

DUE_DAYS = 10
ZERO = Decimal("0.00")
BILLED = (LeaseState.SIGNED, LeaseState.ENDED, LeaseState.TERMINATED)
MAX_REFERENCE = 80


class Overpayment(DomainError):
    """The payment is more than the charge still owes (or another payment settled it first)."""


class ChargeState(LabeledEnum):
    OPEN = "open"
    PARTLY_PAID = "partly_paid"
    OVERDUE = "overdue"
    SETTLED = "settled"


ChargeState.__labels__ = {ChargeState.OPEN: _l("Not yet due"), ChargeState.PARTLY_PAID: _l("Partly paid"),
                          ChargeState.OVERDUE: _l("Overdue"), ChargeState.SETTLED: _l("Settled")}
ChargeState.__badges__ = {ChargeState.OPEN: "secondary", ChargeState.PARTLY_PAID: "yellow",
                          ChargeState.OVERDUE: "red", ChargeState.SETTLED: "green"}


def charge_state(charge: RentCharge, day: dt.date) -> ChargeState:
    if charge.is_settled:
        return ChargeState.SETTLED
    if charge.due_on < day:
        return ChargeState.OVERDUE
    return ChargeState.PARTLY_PAID if charge.paid > 0 else ChargeState.OPEN


# --- money in SQL ---------------------------------------------------------------------------------

def _fen(expr):
    return sa.func.round(expr * 100)


_AMOUNT = RentCharge.rent + RentCharge.property_fee
_OWED = _AMOUNT - RentCharge.paid
_UNPAID = _fen(RentCharge.paid) < _fen(_AMOUNT)


def _money(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(FEN)


def _overdue(day: dt.date):
    # settled_on IS NULL is implied by _UNPAID; it lets the partial index skip the settled history
    return sa.and_(RentCharge.settled_on.is_(None), RentCharge.due_on < day, _UNPAID)


# --- reads other modules use ----------------------------------------------------------------------

def overdue_charges(session: Session, company_id: int, day: dt.date) -> list[RentCharge]:
    """The company's charges due before `day` and not paid in full, oldest first."""
    return list(session.scalars(sa.select(RentCharge).where(RentCharge.company_id == company_id, _overdue(day))
                                .order_by(RentCharge.due_on, RentCharge.id)))


def overdue_total(session: Session, company_id: int, day: dt.date) -> Decimal:
    """What the company owes on charges due before `day`."""
    return _money(session.scalar(sa.select(sa.func.sum(_OWED))
                                 .where(RentCharge.company_id == company_id, _overdue(day))))


def charges_between(session: Session, company_id: int, start: dt.date, end: dt.date) -> list[RentCharge]:
    """The company's charges whose period overlaps [start, end]; the lease comes joined, its units
    (and their units) by the models' eager loading."""
    return list(session.scalars(
        sa.select(RentCharge).where(RentCharge.company_id == company_id, RentCharge.period_start <= end,
                                    RentCharge.period_end >= start)
        .options(noload(RentCharge.payments))  # the engine reads the charge's totals, not its payments
        .order_by(RentCharge.period_start, RentCharge.lease_id)))


def lease_charges(session: Session, lease_id: int) -> list[RentCharge]:
    return list(session.scalars(sa.select(RentCharge).where(RentCharge.lease_id == lease_id)
                                .order_by(RentCharge.period_start)))


@dataclass(frozen=True)
class LedgerSummary:
    charged: Decimal
    paid: Decimal
    outstanding: Decimal
    overdue: Decimal


def ledger_summary(session: Session, day: dt.date, *, company_id: int | None = None,
                   lease_id: int | None = None) -> LedgerSummary:
    """Charged, paid, still owed and overdue on a company's (or one lease's) ledger."""
    owed = sa.case((_UNPAID, _OWED), else_=0)
    stmt = sa.select(sa.func.sum(_AMOUNT), sa.func.sum(RentCharge.paid), sa.func.sum(owed),
                     sa.func.sum(sa.case((_overdue(day), _OWED), else_=0)))
    if company_id is not None:
        stmt = stmt.where(RentCharge.company_id == company_id)
    if lease_id is not None:
        stmt = stmt.where(RentCharge.lease_id == lease_id)
    return LedgerSummary(*(_money(v) for v in session.execute(stmt).one()))


# --- billing periods and charges ------------------------------------------------------------------

def last_billed_day(lease: Lease) -> dt.date:
    return min(lease.end_on, lease.ended_on) if lease.ended_on else lease.end_on


def _cycle_end(day: dt.date, cycle: BillingCycle) -> dt.date:
    if cycle == BillingCycle.QUARTERLY:
        return month_end(day.replace(month=(day.month - 1) // 3 * 3 + 3, day=1))
    return month_end(day)


def billing_periods(lease: Lease, through: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The lease's billing periods that start on or before `through` (inclusive bounds)."""
    periods, start, last = [], lease.start_on, last_billed_day(lease)
    while start <= min(last, through):
        end = min(_cycle_end(start, lease.billing_cycle), last)
        periods.append((start, end))
        start = end + dt.timedelta(days=1)
    return periods


def _lock(session: Session, lease: Lease) -> None:
    """One ledger change per lease at a time (a generator waits for a termination and sees it)."""
    session.execute(sa.select(Lease.id).where(Lease.id == lease.id).with_for_update())
    session.refresh(lease)


def generate_charges(session: Session, actor, lease: Lease, through: dt.date) -> list[RentCharge]:
    """Create the missing charges of the periods starting on or before `through`; the new ones."""
    require_editor(actor)
    _lock(session, lease)
    if lease.state not in BILLED or lease.signed_on is None:
        raise DomainError(_("Only a signed lease has a rent ledger."))
    existing = set(session.scalars(sa.select(RentCharge.period_start).where(RentCharge.lease_id == lease.id)))
    area = lease.area
    new = [RentCharge(lease_id=lease.id, company_id=lease.company_id, period_start=start, period_end=end,
                      due_on=start + dt.timedelta(days=DUE_DAYS), rent_per_m2=lease.rent_per_m2,
                      rent=period_rent(area, lease.rent_per_m2, start, end),
                      property_fee=period_rent(area, lease.property_fee_per_m2, start, end))
           for start, end in billing_periods(lease, through) if start not in existing]
    if new:
        session.add_all(new)
        session.flush()
        record(session, actor, "lease.charges_added", lease, summary=f"{lease.number} +{len(new)}", after={
            "periods": [f"{c.period_start}/{c.period_end}" for c in new],
            "total": sum((c.amount for c in new), ZERO)})
    return new


def generate_all_charges(session: Session, actor, through: dt.date) -> int:
    """Charges through `through` for every lease in force (the daily job); how many were added."""
    leases = session.scalars(sa.select(Lease).where(Lease.state == LeaseState.SIGNED).order_by(Lease.id))
    return sum(len(generate_charges(session, actor, lease, through)) for lease in leases)


def _reprice(session: Session, charge: RentCharge, period_end: dt.date, rent: Decimal, fee: Decimal) -> None:
    """Give the charge a new last day and amounts; nothing else may have changed it meanwhile."""
    paid_in_full = charge.paid >= rent + fee
    settled_on = (charge.settled_on or max((p.paid_on for p in charge.payments), default=None)) if paid_in_full \
        else None
    table = RentCharge.__table__
    result = session.execute(sa.update(table).where(table.c.id == charge.id, table.c.version == charge.version)
                             .values(period_end=period_end, rent=rent, property_fee=fee, settled_on=settled_on,
                                     version=table.c.version + 1))
    if result.rowcount != 1:
        raise ConcurrentChange(_("Someone else changed this record first. Please reload and try again."))
    session.refresh(charge)


def close_ledger(session: Session, actor, lease: Lease) -> None:
    """When a lease ends or is terminated: charge every period up to its last day, drop the
    charges after it that nothing was paid on, and cut an unsettled charge across the last day
    down to it. A later charge with money on it owes nothing any more (its payments stay on record
    as a refund due, settled outside the ledger); a settled charge across the last day is kept."""
    last = last_billed_day(lease)
    generate_charges(session, actor, lease, last)
    removed, cut = [], []
    for charge in list(session.scalars(sa.select(RentCharge).where(RentCharge.lease_id == lease.id,
                                                                   RentCharge.period_end > last))):
        if charge.period_start > last and charge.paid == 0:
            result = session.execute(sa.delete(RentCharge.__table__).where(
                RentCharge.__table__.c.id == charge.id, RentCharge.__table__.c.version == charge.version))
            if result.rowcount != 1:
                raise ConcurrentChange(_("Someone else changed this record first. Please reload and try again."))
            session.expunge(charge)
            removed.append(f"{charge.period_start}/{charge.period_end}")
        elif charge.period_start > last:  # paid ahead for a period after the end: nothing is owed for it,
            cut.append(f"{charge.period_start}/{charge.period_end} → 0")  # what was paid is a refund due
            _reprice(session, charge, charge.period_end, ZERO, ZERO)
        elif not charge.is_settled:
            cut.append(f"{charge.period_start}/{charge.period_end} → {last}")
            _reprice(session, charge, last, period_rent(lease.area, charge.rent_per_m2, charge.period_start, last),
                     period_rent(lease.area, lease.property_fee_per_m2, charge.period_start, last))
    if removed or cut:
        record(session, actor, "lease.charges_closed", lease, summary=f"{lease.number} {last}",
               after={"last_day": last, "removed": removed, "cut": cut})


def extend_last_charge(session: Session, actor, lease: Lease, old_end: dt.date) -> None:
    """After a renewal, the charge that stopped at the old end runs to the end of its period
    (at the rent it was charged at: a new rent applies to periods not yet charged)."""
    charge = session.scalar(sa.select(RentCharge).where(RentCharge.lease_id == lease.id,
                                                        RentCharge.period_end == old_end))
    if charge is None:
        return
    end = min(_cycle_end(charge.period_start, lease.billing_cycle), last_billed_day(lease))
    if end == charge.period_end:
        return
    before = {"period_end": charge.period_end, "rent": charge.rent, "property_fee": charge.property_fee}
    _reprice(session, charge, end, period_rent(lease.area, charge.rent_per_m2, charge.period_start, end),
             period_rent(lease.area, lease.property_fee_per_m2, charge.period_start, end))
    record(session, actor, "rent_charge.extend", charge, summary=f"{lease.number} {charge.period_start}",
           before=before, after={"period_end": end, "rent": charge.rent, "property_fee": charge.property_fee})


# --- payments -------------------------------------------------------------------------------------

def record_payment(session: Session, actor, charge: RentCharge, amount, paid_on: dt.date,
                   reference: str | None = None) -> RentPayment:
    """Money received against a charge: never more than it still owes, even when two people
    record the same transfer at once (the conditional UPDATE lets exactly one through)."""
    require_editor(actor)
    amount = parse_amount(amount, "amount", positive=True, digits=14)
    if not isinstance(paid_on, dt.date) or paid_on > today() or paid_on.year < 2000:
        raise DomainError(_("Please enter the day the money was received (not in the future)."), field="paid_on")
    reference = normalize_text(reference) or None
    if reference and len(reference) > MAX_REFERENCE:
        raise DomainError(_("Please keep the bank reference under %(n)s characters.", n=MAX_REFERENCE),
                          field="reference")
    table = RentCharge.__table__
    new_paid, owed = table.c.paid + amount, table.c.rent + table.c.property_fee
    before = charge.paid
    result = session.execute(sa.update(table).where(table.c.id == charge.id, _fen(new_paid) <= _fen(owed)).values(
        paid=new_paid, version=table.c.version + 1,
        settled_on=sa.case((_fen(new_paid) >= _fen(owed), paid_on), else_=table.c.settled_on)))
    session.refresh(charge)
    if result.rowcount != 1:
        raise Overpayment(_("%(amount)s is more than this charge still owes (%(owed)s). Nothing was recorded.",
                            amount=format_money(amount), owed=format_money(charge.outstanding)), field="amount")
    payment = RentPayment(charge_id=charge.id, amount=amount, paid_on=paid_on, reference=reference,
                          recorded_by_id=getattr(actor, "id", None))
    session.add(payment)
    session.flush()
    session.refresh(charge, ["payments"])
    record(session, actor, "rent_charge.payment", charge, summary=f"{charge.lease.number} {format_money(amount)}",
           before={"paid": before}, after={"paid": charge.paid, "amount": amount, "paid_on": paid_on,
                                           "reference": reference, "settled_on": charge.settled_on})
    return payment


# --- arrears (staff list and inbox) ---------------------------------------------------------------

@dataclass
class ArrearsFilters:
    q: str = ""
    carrier_id: int | None = None

    @classmethod
    def from_args(cls, args) -> ArrearsFilters:
        return cls(q=normalize_text(args.get("q"))[:60], carrier_id=int_arg(args.get("carrier")))

    def where(self, day: dt.date) -> list:
        conds = [_overdue(day)]
        if self.carrier_id:
            conds.append(RentCharge.lease_id.in_(sa.select(LeaseUnit.lease_id).join(Unit).join(Building)
                                                 .where(Building.carrier_id == self.carrier_id)))
        if self.q:
            conds.append(Company.name.ilike(f"%{self.q}%"))
        return conds


def arrears_query(filters: ArrearsFilters, day: dt.date) -> sa.Select:
    """One row per company with overdue rent: (company id, name, total, oldest due day, periods)."""
    total = sa.func.sum(_OWED)
    return (sa.select(Company.id, Company.name, total.label("total"), sa.func.min(RentCharge.due_on).label("oldest"),
                      sa.func.count(RentCharge.id).label("periods"))
            .join(Company, Company.id == RentCharge.company_id).where(*filters.where(day))
            .group_by(Company.id, Company.name).order_by(total.desc(), Company.name))


def arrears_totals(session: Session, filters: ArrearsFilters, day: dt.date) -> tuple[Decimal, int, int]:
    """(overdue total, companies, periods) over everything the filters match."""
    total, companies, periods = session.execute(
        sa.select(sa.func.sum(_OWED), sa.func.count(sa.distinct(RentCharge.company_id)), sa.func.count(RentCharge.id))
        .join(Company, Company.id == RentCharge.company_id).where(*filters.where(day))).one()
    return _money(total), companies, periods


def arrears_leases(session: Session, filters: ArrearsFilters, day: dt.date,
                   company_ids: list[int]) -> dict[int, list[tuple[int, str]]]:
    """company id → (lease id, number) of its leases with overdue charges (for the list's links)."""
    if not company_ids:
        return {}
    rows = session.execute(sa.select(RentCharge.company_id, Lease.id, Lease.number).distinct()
                           .join(Lease, Lease.id == RentCharge.lease_id).join(Company, Company.id == RentCharge.company_id)
                           .where(RentCharge.company_id.in_(company_ids), *filters.where(day))
                           .order_by(Lease.number)).all()
    leases: dict[int, list[tuple[int, str]]] = {}
    for company_id, lease_id, number in rows:
        leases.setdefault(company_id, []).append((lease_id, number))
    return leases


def arrears_overview(session: Session, day: dt.date) -> tuple[int, dt.date | None]:
    """(companies with overdue rent, the oldest overdue due day) for the inbox."""
    return session.execute(sa.select(sa.func.count(sa.distinct(RentCharge.company_id)),
                                     sa.func.min(RentCharge.due_on)).where(_overdue(day))).one()
