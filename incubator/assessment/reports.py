"""Read-only views of results for pages and documents: a company's report (with last year and
the campaign median beside each dimension), the ranking table, grade counts, reviews due."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from statistics import median

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..companies.models import Company, CompanyStatus
from ..core.formatting import today
from . import rules
from .consequences import PUBLISHED, previous_result
from .models import Appeal, Campaign, Filing, Result
from .models import CampaignState as C
from .services import LIVE, current_scheme


def _median(values: list[Decimal]) -> Decimal | None:
    return Decimal(median(values)).quantize(rules.TWO, ROUND_HALF_UP) if values else None


def campaign_medians(session: Session, campaign: Campaign) -> dict:
    """{"total": median score, dimension key: median dimension score} over current results."""
    breakdowns = session.scalars(sa.select(Result.breakdown).where(Result.campaign_id == campaign.id,
                                                                   Result.current)).all()
    by_key: dict[str, list[Decimal]] = defaultdict(list)
    for b in breakdowns:
        by_key["total"].append(Decimal(b["total"]))
        for d in b["dimensions"]:
            by_key[d["key"]].append(Decimal(d["score"]))
    return {k: _median(v) for k, v in by_key.items()}


def company_report(session: Session, result: Result) -> dict:
    previous = previous_result(session, result) if result.campaign.state in PUBLISHED else None
    last = {d["key"]: d["score"] for d in previous.breakdown["dimensions"]} if previous else {}
    medians = campaign_medians(session, result.campaign)
    dimensions = [{**d, "median": medians.get(d["key"]), "last_year": last.get(d["key"])}
                  for d in result.breakdown["dimensions"]]
    appeal = session.scalar(sa.select(Appeal).where(Appeal.filing_id == result.filing_id))
    revisions = session.scalars(sa.select(Result).where(Result.filing_id == result.filing_id)
                                .order_by(Result.revision)).all()
    return {"company": result.company, "campaign": result.campaign, "result": result, "dimensions": dimensions,
            "vetoes": result.breakdown.get("vetoes", []), "ranking": result.breakdown.get("ranking", {}),
            "facts": result.breakdown.get("facts", {}), "previous": previous, "median": medians.get("total"),
            "appeal": appeal, "revisions": revisions, "grade_label": rules.GRADE_LABELS[result.grade.value]}


def ranking_stmt(campaign: Campaign):
    return (sa.select(Result).where(Result.campaign_id == campaign.id, Result.current)
            .order_by(Result.rank, Result.score.desc(), Result.company_id))


def ranking_rows(session: Session, campaign: Campaign) -> list[dict]:
    return [{"rank": r.rank, "company": r.company, "score": r.score, "grade": r.grade, "veto": r.veto,
             "revision": r.revision, "result": r,
             "dimensions": {d["key"]: d["score"] for d in r.breakdown["dimensions"]}}
            for r in session.scalars(ranking_stmt(campaign))]


def grade_counts(session: Session, campaign: Campaign) -> dict:
    return dict(session.execute(sa.select(Result.grade, sa.func.count()).where(
        Result.campaign_id == campaign.id, Result.current).group_by(Result.grade)).all())


def reviews_due(session: Session, on: dt.date | None = None, horizon_days: int = 30) -> list[dict]:
    """Tenants whose review (SPEC timing) falls due within `horizon_days`, soonest first; those
    already in a campaign under way are marked."""
    on = on or today()
    timing = current_scheme(session, on).config["timing"]
    tenants = session.scalars(sa.select(Company).where(Company.status == CompanyStatus.TENANT,
                                                       Company.moved_in_on.is_not(None))).all()
    published: dict[int, list[tuple[dt.date, str]]] = defaultdict(list)
    for company_id, day, grade in session.execute(
            sa.select(Result.company_id, Campaign.published_on, Result.grade).join(Campaign)
            .where(Result.current, Campaign.state.in_(PUBLISHED))):
        published[company_id].append((day, grade.value))
    under_way = set(session.scalars(sa.select(Filing.company_id).join(Campaign).where(Campaign.state.in_(LIVE))))
    rows = []
    for company in tenants:
        history = published.get(company.id, [])
        due = rules.next_review_due(company.moved_in_on, history, timing)
        if due is not None and due <= on + dt.timedelta(days=horizon_days):
            last = max(history, default=None)
            rows.append({"company": company, "due": due, "overdue": due < on, "last": last,
                         "under_way": company.id in under_way})
    return sorted(rows, key=lambda r: (r["due"], r["company"].name))


def state_counts(session: Session, campaign_ids: list[int]) -> dict[int, dict]:
    counts: dict[int, dict] = defaultdict(dict)
    if campaign_ids:
        for cid, state, n in session.execute(sa.select(Filing.campaign_id, Filing.state, sa.func.count())
                                             .where(Filing.campaign_id.in_(campaign_ids))
                                             .group_by(Filing.campaign_id, Filing.state)):
            counts[cid][state] = n
    return counts


def is_visible_to_company(result: Result) -> bool:
    return result.campaign.state in (C.PUBLISHED, C.CLOSED)
