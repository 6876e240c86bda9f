"""What the rent-subsidy engine needs to know about a company, read from the ledger, its
qualifications and leases, its assessment grade and its earlier claims; or made up from the
figures typed into the calculator."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..companies.models import Company
from ..leases import ledger
from ..leases.models import Lease, LeaseState
from ..leases.rules import month_end, period_rent
from .models import ClaimState, SubsidyClaim
from .rules import ZERO, ChargeFact, Facts, QualificationFact, UnitFact

# Each source gives a company's latest assessment grade ("fail" for 不合格) or None; the annual
# assessment module appends its own. Any source's "fail" wins.
GRADE_SOURCES: list[Callable[[Session, int], str | None]] = []

GRANTED_STATES = (ClaimState.APPROVED, ClaimState.IN_NOTICE, ClaimState.DISBURSED)
TENANT_LEASES = (LeaseState.SIGNED, LeaseState.ENDED, LeaseState.TERMINATED)


def last_grade(session: Session, company_id: int) -> str | None:
    grades = [g for source in GRADE_SOURCES if (g := source(session, company_id)) is not None]
    return "fail" if "fail" in grades else (grades[0] if grades else None)


def tenancy_start(session: Session, company: Company) -> dt.date | None:
    """The day the company moved in, else the start of its first signed lease."""
    if company.moved_in_on:
        return company.moved_in_on
    return session.scalar(sa.select(sa.func.min(Lease.start_on)).where(Lease.company_id == company.id,
                                                                       Lease.state.in_(TENANT_LEASES)))


def granted_by_year(session: Session, company_id: int, exclude_batch_id: int | None = None) -> dict[int, Decimal]:
    """Tenancy year → rent subsidy already granted by the company's approved, noticed or paid claims
    (their frozen line items and yearly-cap adjustments), other than in `exclude_batch_id`."""
    stmt = sa.select(SubsidyClaim.calculation).where(SubsidyClaim.company_id == company_id,
                                                     SubsidyClaim.state.in_(GRANTED_STATES))
    if exclude_batch_id is not None:
        stmt = stmt.where(SubsidyClaim.batch_id != exclude_batch_id)
    granted: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for calc in session.scalars(stmt):
        if not calc or calc.get("support_type") != "rent" or calc.get("blocked"):
            continue
        for item in (*calc.get("lines", []), *calc.get("adjustments", [])):
            granted[item["tenancy_year"]] += Decimal(item["amount"])
    return dict(granted)


def rent_facts(session: Session, company: Company, period_start: dt.date, period_end: dt.date, day: dt.date, *,
               exclude_batch_id: int | None = None) -> Facts:
    """The company's facts for the rent engine as of `day` (arrears are those overdue on that day)."""
    charges = []
    for charge in ledger.charges_between(session, company.id, period_start, period_end):
        lease = charge.lease
        units = tuple(UnitFact(lu.unit_id, lu.unit.label, lu.unit.type.value, lu.area) for lu in lease.units)
        charges.append(ChargeFact(lease.number, charge.period_start, charge.period_end, charge.rent_per_m2, units,
                                  charge.rent, charge.paid, charge.amount, charge.settled_on))
    qualifications = tuple(QualificationFact(q.kind.value, q.obtained_on, q.expires_on)
                           for q in company.qualifications)
    return Facts(company_name=company.name, tenancy_start=tenancy_start(session, company), charges=tuple(charges),
                 qualifications=qualifications, last_grade=last_grade(session, company.id),
                 overdue=ledger.overdue_total(session, company.id, day),
                 granted_by_year=granted_by_year(session, company.id, exclude_batch_id))


HYPOTHETICAL_LEASE = "（假设）"
CATEGORY_KINDS = {"": (), "tech_sme": ("tech_sme",), "high_tech": ("high_tech",),
                  "above_scale_high_tech": ("high_tech", "above_scale")}


def hypothetical_facts(*, tenancy_start: dt.date, area: Decimal, unit_price: Decimal, unit_type: str,
                       category: str, period_start: dt.date, period_end: dt.date, paid: bool) -> Facts:
    """One unit rented from `tenancy_start`, billed by calendar month over the period, every
    charge paid in full (or none), holding the category's qualifications throughout."""
    start = max(tenancy_start, period_start)
    unit = UnitFact(0, "—", unit_type, area)
    charges = []
    while start <= period_end:
        end = min(month_end(start), period_end)
        rent = period_rent(area, unit_price, start, end)
        charges.append(ChargeFact(HYPOTHETICAL_LEASE, start, end, unit_price, (unit,), rent,
                                  rent if paid else ZERO, rent, end if paid else None))
        start = end + dt.timedelta(days=1)
    since = min(tenancy_start, period_start)
    return Facts(company_name="", tenancy_start=tenancy_start, charges=tuple(charges),
                 qualifications=tuple(QualificationFact(kind, since, None) for kind in CATEGORY_KINDS[category]),
                 last_grade=None, overdue=ZERO, granted_by_year={})
