"""The facts graduation is judged on, read from the company record and the verified annual
filings of the assessment (read-only)."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..assessment.models import Campaign, CampaignKind, CampaignState, Filing, FilingState
from ..companies.models import Company, QualificationKind
from ..core.formatting import today
from .rules import ZERO, GraduationFacts


def filings_by_year(session: Session, company_id: int) -> dict[int, Filing]:
    """The company's verified filing per assessed year (the annual campaign's when a year has an
    interim review too, so no year's figures count twice)."""
    rows = session.scalars(
        sa.select(Filing).join(Campaign, Filing.campaign_id == Campaign.id)
        .where(Filing.company_id == company_id, Filing.state == FilingState.VERIFIED,
               Campaign.state != CampaignState.CANCELLED)
        .order_by(Campaign.year, (Campaign.kind == CampaignKind.ANNUAL).desc(), Campaign.closes_on.desc()))
    years: dict[int, Filing] = {}
    for filing in rows:
        years.setdefault(filing.campaign.year, filing)
    return years


def graduation_facts(session: Session, company: Company, events: frozenset[str] = frozenset()) -> GraduationFacts:
    filings = filings_by_year(session, company.id)
    return GraduationFacts(
        moved_in_on=company.moved_in_on, sub_field=company.sub_field,
        high_tech=QualificationKind.HIGH_TECH in company.qualification_kinds_on(today()),
        financing_total=sum((f.financing for f in filings.values() if f.financing is not None), ZERO),
        revenue_by_year={year: f.revenue for year, f in filings.items() if f.revenue is not None},
        events=frozenset(events))
