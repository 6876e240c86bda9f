"""Every change to leases (and the read helpers other modules use)."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .models import Lease


def company_leases(session: Session, company_id: int) -> list[Lease]:
    """The company's leases, newest first (for the company page and the dossier)."""
    return list(session.scalars(sa.select(Lease).where(Lease.company_id == company_id)
                                .order_by(Lease.start_on.desc())))
