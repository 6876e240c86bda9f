"""Drive an assessment campaign through the real services (each step as its proper actor)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from incubator.assessment import scoring, services
from incubator.assessment.models import CampaignKind, CheckOutcome, Filing, FilingState
from incubator.core.formatting import today

FIGURES = dict(revenue=Decimal("1200000.00"), tax_paid=Decimal("95000.00"), rd_expense=Decimal("80000.00"),
               financing=Decimal("950000.00"), headcount=25, graduates=15, high_level_talents=3, ip_invention=2,
               ip_utility=1, ip_software=0, new_qualifications=1, new_products=2)
STRONG = dict(revenue=Decimal("5000000.00"), tax_paid=Decimal("400000.00"), rd_expense=Decimal("500000.00"),
              financing=Decimal("3000000.00"), headcount=60, graduates=50, high_level_talents=5, ip_invention=4,
              ip_utility=2, ip_software=3, new_qualifications=2, new_products=4)
WEAK = dict(revenue=Decimal("100000.00"), tax_paid=Decimal("1000.00"), rd_expense=Decimal("0.00"),
            financing=Decimal("0.00"), headcount=5, graduates=1, high_level_talents=0, ip_invention=0, ip_utility=0,
            ip_software=0, new_qualifications=0, new_products=0)


def new_campaign(session, w, *, year=2025, closes_on=None, kind=CampaignKind.ANNUAL, companies=None, name=None):
    campaign = services.create_campaign(
        session, w.operator, name=name or f"{year}年度绩效考核", year=year, kind=kind,
        opens_on=today() - dt.timedelta(days=5), closes_on=closes_on or today() + dt.timedelta(days=20),
        company_ids=[c.id for c in (companies or [])])
    services.open_campaign(session, w.operator, campaign)
    return campaign


def filing_of(session, campaign, company) -> Filing:
    return session.scalar(sa.select(Filing).where(Filing.campaign_id == campaign.id, Filing.company_id == company.id))


def file(session, member, filing, figures=None, submit=True):
    services.save_filing(session, member, filing, dict(figures or FIGURES))
    if submit:
        services.submit_filing(session, member, filing)
    return filing


def verify(session, operator, filing, corrections=None):
    for key in services.pending_figures(filing):
        if corrections and key in corrections:
            services.check_figure(session, operator, filing, key, CheckOutcome.CORRECTED, corrections[key], "按凭证更正")
        else:
            services.check_figure(session, operator, filing, key, CheckOutcome.ACCEPTED)
    services.verify_filing(session, operator, filing)


def score_all(session, reviewers, operator, campaign, points="2.0"):
    """Assign every reviewer to every filed filing; each declares no conflict and submits `points` per item."""
    filings = session.scalars(sa.select(Filing).where(Filing.campaign_id == campaign.id,
                                                      Filing.state != FilingState.LAPSED)).all()
    if not filings:
        return
    scoring.assign_reviewers(session, operator, campaign, [f.id for f in filings], [r.id for r in reviewers])
    for f in filings:
        session.refresh(f)
        for a in f.assignments:
            reviewer = next(r for r in reviewers if r.id == a.reviewer_id)
            scoring.declare_interest(session, reviewer, a, conflict=False)
            items = {i["key"]: min(Decimal(points), Decimal(str(i["cap"])))
                     for i in campaign.scheme.config["indicators"] if i["kind"] == "reviewer"}
            scoring.save_scores(session, reviewer, a, items, {}, None, submit=True)


def run(session, w, figures_by_company, *, year=2025, confirm=True, publish=True, points="2.0", name=None):
    """A campaign for the given companies' figures (None = not filed) through to publication."""
    campaign = new_campaign(session, w, year=year, name=name)
    for company, member in zip(w.companies, w.members, strict=True):
        figures = figures_by_company.get(company.id, FIGURES)
        if figures is not None:
            file(session, member, filing_of(session, campaign, company), figures)
    services.close_filing(session, w.operator, campaign)
    for company in w.companies:
        f = filing_of(session, campaign, company)
        if f.state != FilingState.LAPSED:
            verify(session, w.operator, f)
    score_all(session, w.reviewers, w.operator, campaign, points)
    scoring.rank_results(session, w.operator, campaign)
    if confirm:
        scoring.confirm_results(session, w.lead, campaign)
    if confirm and publish:
        scoring.publish_results(session, w.operator, campaign)
    return campaign
