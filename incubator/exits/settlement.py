"""The settlement of an exit, computed from the rent ledger and the subsidy engine (read-only).

Per lease in force: every billing period up to the exit date is due (the one across it for the
days up to it, as the ledger will cut it), a period after it costs nothing; what was paid beyond
what is due is prepaid rent. Periods the daily job has not charged yet count as due and unpaid.
The subsidy clawback is the subsidy engine's own computation for the exit date, plus what the
company still owes on earlier clawbacks."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..leases import ledger
from ..leases.models import Lease, LeaseState
from ..subsidies.clawbacks import OPEN_STATES as OPEN_CLAWBACKS
from ..subsidies.clawbacks import compute_clawback
from ..subsidies.models import Clawback, ClawbackReason
from . import rules
from .models import ExitCase, ExitKind

ZERO = rules.ZERO
CLAWBACK_REASONS = {ExitKind.BREACH: ClawbackReason.BREACH, ExitKind.CONSECUTIVE_FAILURES: ClawbackReason.CLEARED,
                    ExitKind.FAILED_ASSESSMENT: ClawbackReason.CLEARED}
CHECKLIST = ("keys", "access_cards", "unit_inspected", "documents_returned")


def clawback_reason(kind: ExitKind) -> ClawbackReason:
    return CLAWBACK_REASONS.get(kind, ClawbackReason.EXIT)


def claws_back(case: ExitCase) -> bool:
    """Whether the policy makes this kind of exit claw back subsidies within their lock-in period."""
    return case.kind.value in case.policy.config.get("clawback_kinds", [])


def leases_in_force(session: Session, company_id: int) -> list[Lease]:
    return list(session.scalars(sa.select(Lease).where(Lease.company_id == company_id,
                                                       Lease.state == LeaseState.SIGNED).order_by(Lease.id)))


def lease_position(session: Session, lease: Lease, exit_on: dt.date) -> dict:
    """The lease's periods with what is due up to the exit date and what was paid on each."""
    last = min(exit_on, lease.end_on)
    area = lease.area
    lines = []
    charged = {c.period_start: c for c in ledger.lease_charges(session, lease.id)}
    for charge in charged.values():
        if charge.period_start <= last < charge.period_end:  # cut like ledger.close_ledger does
            due = rules.due_through(area, charge.rent_per_m2, lease.property_fee_per_m2, charge.period_start,
                                    charge.period_end, last)
        else:
            due = charge.amount if charge.period_start <= last else ZERO
        lines.append((charge.period_start, charge.period_end, due, charge.paid, True))
    for start, end in ledger.billing_periods(lease, last):
        if start not in charged:
            lines.append((start, end, rules.due_through(area, lease.rent_per_m2, lease.property_fee_per_m2, start,
                                                        end, last), ZERO, False))
    lines.sort()
    owed, prepaid = rules.ledger_position(rules.LedgerLine(due, paid) for _s, _e, due, paid, _c in lines)
    return {"lease_id": lease.id, "number": lease.number, "start_on": lease.start_on.isoformat(),
            "end_on": lease.end_on.isoformat(), "last_day": last.isoformat(), "deposit": str(lease.deposit),
            "units": [lu.unit.label for lu in lease.units], "owed": str(owed), "prepaid": str(prepaid),
            "lines": [{"period_start": s.isoformat(), "period_end": e.isoformat(), "due": str(due), "paid": str(paid),
                       "charged": c} for s, e, due, paid, c in lines]}


def open_clawbacks(session: Session, company_id: int) -> list[Clawback]:
    return list(session.scalars(sa.select(Clawback).where(Clawback.company_id == company_id,
                                                          Clawback.state.in_(OPEN_CLAWBACKS))
                                .order_by(Clawback.id)))


@dataclass
class Settlement:
    exit_on: dt.date
    departure_approved: bool
    leases: list[dict]
    clawback_basis: dict | None  # the subsidy engine's computation for the exit date (None: kind exempt)
    earlier_clawbacks: list[dict]
    damage_note: str | None
    figures: rules.Figures

    def as_json(self) -> dict:
        return {"exit_on": self.exit_on.isoformat(), "departure_approved": self.departure_approved,
                "leases": self.leases, "clawback": self.clawback_basis, "earlier_clawbacks": self.earlier_clawbacks,
                "damage_note": self.damage_note, "figures": self.figures.as_dict()}


def stored_figures(case: ExitCase) -> rules.Figures | None:
    """The figures of the prepared settlement (what the lead and the commander see and approve)."""
    if not case.settlement:
        return None
    return rules.Figures(**{k: Decimal(v) for k, v in case.settlement["figures"].items()})


def compute(session: Session, case: ExitCase, *, exit_on: dt.date, departure_approved: bool,
            damage: Decimal = ZERO, damage_note: str | None = None) -> Settlement:
    leases = [lease_position(session, lease, exit_on) for lease in leases_in_force(session, case.company_id)]
    basis = (compute_clawback(session, case.company, exit_on, clawback_reason(case.kind)) if claws_back(case)
             else None)
    earlier = [{"number": c.number, "outstanding": str(c.outstanding)}
               for c in open_clawbacks(session, case.company_id)]
    clawback = Decimal(basis["total"] if basis else "0") + sum((Decimal(c["outstanding"]) for c in earlier), ZERO)
    figures = rules.settle(
        arrears=sum((Decimal(lease["owed"]) for lease in leases), ZERO), clawback=clawback, damage=damage,
        deposit=sum((Decimal(lease["deposit"]) for lease in leases), ZERO),
        prepaid=sum((Decimal(lease["prepaid"]) for lease in leases), ZERO), departure_approved=departure_approved)
    return Settlement(exit_on=exit_on, departure_approved=departure_approved, leases=leases, clawback_basis=basis,
                      earlier_clawbacks=earlier, damage_note=damage_note, figures=figures)
