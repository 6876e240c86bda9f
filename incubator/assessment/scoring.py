"""Reviewer scoring, the facts each filing is scored on, ranking the campaign, the lead's
confirmation and publication."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session, selectinload

from ..accounts.models import User
from ..audit.services import record
from ..core.calendar import add_working_days
from ..core.errors import DomainError, NotFound
from ..core.formatting import today
from ..core.roles import Role
from ..db import utcnow
from ..leases import ledger
from ..leases.models import Lease, LeaseState, RentCharge
from . import rules
from .models import Appeal, AppealState, Campaign, Filing, Result, ReviewerAssignment, ReviewerScore
from .models import AssignmentState as A
from .models import CampaignState as C
from .models import FilingState as F
from .rules import ZERO
from .services import _claim, previous_filings, require_editor, submitted_on, verified_figures
from .workflow import CAMPAIGN

SCORABLE = (F.SUBMITTED, F.RESUBMITTED, F.RETURNED, F.VERIFIED)  # filed: reviewers may score it
HELD_LEASES = (LeaseState.SIGNED, LeaseState.ENDED, LeaseState.TERMINATED)


# --- reviewers -------------------------------------------------------------------------------------

def assign_reviewers(session: Session, actor, campaign: Campaign, filing_ids: list[int],
                     reviewer_ids: list[int]) -> int:
    """Each chosen reviewer on each chosen filing (skipping pairs that exist); returns how many were added."""
    require_editor(actor)
    if campaign.state not in (C.OPEN, C.REVIEWING):
        raise DomainError(_("Reviewers can be assigned while filing is open or under review."))
    filings = session.scalars(sa.select(Filing).where(Filing.campaign_id == campaign.id,
                                                      Filing.id.in_(filing_ids))).all()
    if not filings:
        raise DomainError(_("Choose at least one company."), field="filing_ids")
    reviewers = []
    for reviewer_id in dict.fromkeys(reviewer_ids):
        reviewer = session.get(User, reviewer_id)
        if reviewer is None or not reviewer.active or not reviewer.has_role(Role.REVIEWER):
            raise DomainError(_("Only active reviewers can be assigned."), field="reviewer_ids")
        reviewers.append(reviewer)
    if not reviewers:
        raise DomainError(_("Please choose at least one reviewer."), field="reviewer_ids")
    pairs = sa.select(ReviewerAssignment.filing_id, ReviewerAssignment.reviewer_id).where(
        ReviewerAssignment.filing_id.in_([f.id for f in filings]))
    taken = {tuple(row) for row in session.execute(pairs)}
    added = []
    for filing in filings:
        for reviewer in reviewers:
            if reviewer.company_id == filing.company_id:
                raise DomainError(_("A member of %(company)s cannot review it.", company=filing.company.name))
            if (filing.id, reviewer.id) not in taken:
                added.append(ReviewerAssignment(filing_id=filing.id, reviewer_id=reviewer.id,
                                                assigned_by_id=actor.id))
    session.add_all(added)
    session.flush()
    if added:
        record(session, actor, "assessment_campaign.assign_reviewers", campaign,
               after={"pairs": [[a.filing_id, a.reviewer_id] for a in added]}, summary=campaign.name)
    return len(added)


def _own(actor, assignment: ReviewerAssignment) -> None:
    if assignment.reviewer_id != actor.id or not actor.has_role(Role.REVIEWER):
        raise NotFound(_("The page or record was not found."))


def _move(session: Session, assignment: ReviewerAssignment, source: A, target: A, **values) -> None:
    done = session.execute(sa.update(ReviewerAssignment)
                           .where(ReviewerAssignment.id == assignment.id, ReviewerAssignment.state == source)
                           .values(state=target, version=ReviewerAssignment.version + 1, **values))
    if done.rowcount != 1:
        raise DomainError(_("Someone else changed this record first. Please reload and try again."))
    session.refresh(assignment)


def scoring_open(assignment: ReviewerAssignment) -> bool:
    filing = assignment.filing
    return (assignment.state == A.SCORING and filing.state in SCORABLE
            and filing.campaign.state in (C.OPEN, C.REVIEWING))


def declare_interest(session: Session, actor, assignment: ReviewerAssignment, *, conflict: bool,
                     note: str | None = None) -> ReviewerAssignment:
    """Before seeing the filing the reviewer declares a conflict of interest (and is excused) or none."""
    _own(actor, assignment)
    if assignment.state != A.ASSIGNED:
        raise DomainError(_("You have already made your declaration for this company."))
    if conflict and not (note or "").strip():
        raise DomainError(_("Please describe the conflict of interest."), field="note")
    _move(session, assignment, A.ASSIGNED, A.CONFLICT if conflict else A.SCORING, declared_at=utcnow(),
          conflict_note=(note or "").strip() or None)
    record(session, actor, "assessment_review.declare", assignment, company_id=assignment.filing.company_id,
           after={"conflict": conflict, "note": note}, summary=assignment.filing.company.name)
    return assignment


def save_scores(session: Session, actor, assignment: ReviewerAssignment, scores: dict[str, Decimal | None],
                comments: dict[str, str], overall: str | None, submit: bool = False) -> ReviewerAssignment:
    _own(actor, assignment)
    if not scoring_open(assignment):
        raise DomainError(_("These scores can no longer be changed."))
    config = assignment.filing.campaign.scheme.config
    errors = rules.score_errors(config, scores)
    if not submit:
        errors = {k: v for k, v in errors.items() if v != "missing"}
    if errors:
        labels = {i["key"]: i["label"] for i in rules.reviewer_items(config)}
        raise DomainError(_("Check the scores: %(items)s", items="、".join(labels[k] for k in errors)))
    existing = {s.indicator: s for s in assignment.scores}
    for item in rules.reviewer_items(config):
        key = item["key"]
        if scores.get(key) is None:
            continue
        row = existing.get(key) or ReviewerScore(assignment=assignment, indicator=key, score=scores[key])
        row.score, row.comment = scores[key], (comments.get(key) or "").strip() or None
        session.add(row)
    assignment.overall_comment = (overall or "").strip() or None
    session.flush()
    if submit:
        _move(session, assignment, A.SCORING, A.SUBMITTED, submitted_at=utcnow())
        record(session, actor, "assessment_review.submit", assignment, company_id=assignment.filing.company_id,
               after={"scores": {s.indicator: s.score for s in assignment.scores}},
               summary=assignment.filing.company.name)
    return assignment


# --- the facts a filing is scored on ---------------------------------------------------------------------

def leased_area(leases: list[Lease], year: int) -> Decimal | None:
    """The area the company held on the last day of the year it held any (year end, or the day its
    last lease in the year ended); None when it held none in the year."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)

    def last_day(lease: Lease) -> dt.date:
        return min(lease.ended_on or lease.end_on, lease.end_on, end)

    held = [lease for lease in leases if lease.state in HELD_LEASES and lease.start_on <= end and last_day(lease) >= start]
    if not held:
        return None
    day = max(last_day(lease) for lease in held)
    return sum((lease.area for lease in held if lease.start_on <= day <= last_day(lease)), Decimal("0.00"))


def facts_for(filing: Filing, *, previous: Filing | None, leases: list[Lease], arrears: Decimal,
              arrears_as_of: dt.date) -> rules.Facts:
    campaign = filing.campaign
    sheets = defaultdict(list)
    for assignment in filing.assignments:
        if assignment.state == A.SUBMITTED:
            for score in assignment.scores:
                sheets[score.indicator].append(score.score)
    return rules.Facts(
        figures=verified_figures(filing) if filing.state != F.LAPSED else {},
        previous=verified_figures(previous) if previous else None,
        previous_year=previous.campaign.year if previous else None,
        area=leased_area(leases, campaign.year), filed=filing.state != F.LAPSED,
        submitted_on=submitted_on(filing), deadline=campaign.closes_on, arrears=arrears, arrears_as_of=arrears_as_of,
        breach=filing.breach_note, vetoes=dict(filing.vetoes or {}), reviewer_scores=dict(sheets))


def arrears(session: Session, company_ids: list[int], as_of: dt.date) -> dict[int, Decimal]:
    """What each company owes on rent due before `as_of`, from the ledger; only the companies with
    an unpaid charge due by then are asked (a campaign has hundreds of companies)."""
    owing = session.scalars(sa.select(RentCharge.company_id).distinct().where(
        RentCharge.company_id.in_(company_ids), RentCharge.due_on < as_of,
        RentCharge.paid < RentCharge.rent + RentCharge.property_fee))
    return {cid: ledger.overdue_total(session, cid, as_of) for cid in owing}


# --- ranking, confirmation, publication -------------------------------------------------------------------

def ranking_blockers(session: Session, campaign: Campaign) -> list[str]:
    """Why the campaign cannot be ranked yet (messages for the operator)."""
    filings = session.scalars(sa.select(Filing).where(Filing.campaign_id == campaign.id)
                              .options(selectinload(Filing.assignments))).all()
    unverified = [f for f in filings if f.state not in (F.VERIFIED, F.LAPSED)]
    needed = int(campaign.scheme.config.get("min_reviewers", 0)) if rules.reviewer_items(campaign.scheme.config) else 0
    short, open_sheets = [], []
    for f in filings:
        if f.state == F.LAPSED:
            continue
        submitted = [a for a in f.assignments if a.state == A.SUBMITTED]
        if len(submitted) < needed:
            short.append(f)
        if any(a.state in (A.ASSIGNED, A.SCORING) for a in f.assignments):
            open_sheets.append(f)
    problems = []
    if not filings:
        problems.append(_("The campaign has no filings."))
    if unverified:
        problems.append(_("%(n)s filings are not verified yet.", n=len(unverified)))
    if short:
        problems.append(_("%(n)s filings have fewer than %(k)s submitted reviewer sheets.", n=len(short), k=needed))
    if open_sheets:
        problems.append(_("%(n)s filings have reviewer sheets still open.", n=len(open_sheets)))
    return problems


def rank_results(session: Session, actor, campaign: Campaign) -> dict[str, int]:
    """Score every filing, rank the campaign and grade each company (results to be confirmed)."""
    CAMPAIGN.check(session, actor, campaign, "rank")
    problems = ranking_blockers(session, campaign)
    if problems:
        raise DomainError(" ".join(problems))
    CAMPAIGN.apply(session, actor, campaign, "rank")
    # ranked again after the lead sent it back: the unconfirmed results are replaced
    session.execute(sa.delete(Result).where(Result.campaign_id == campaign.id))
    filings = session.scalars(sa.select(Filing).where(Filing.campaign_id == campaign.id)
                              .options(selectinload(Filing.assignments)).order_by(Filing.id)).all()
    company_ids = [f.company_id for f in filings]
    leases = defaultdict(list)
    for lease in session.scalars(sa.select(Lease).where(Lease.company_id.in_(company_ids))):
        leases[lease.company_id].append(lease)
    previous = previous_filings(session, campaign.year, company_ids)
    as_of = dt.date(campaign.year + 1, 1, 1)  # rent due within the assessed year
    owing = arrears(session, company_ids, as_of)
    scheme = campaign.scheme
    outcomes = {f.id: rules.score_filing(scheme.config, facts_for(
        f, previous=previous.get(f.company_id), leases=leases[f.company_id], arrears=owing.get(f.company_id, ZERO),
        arrears_as_of=as_of), scheme.version) for f in filings}
    ranking = rules.rank_campaign(scheme.config, {fid: (o.total, o.veto) for fid, o in outcomes.items()})
    now = utcnow()
    rows = [{"campaign_id": campaign.id, "filing_id": f.id, "company_id": f.company_id, "revision": 1, "current": True,
             "score": outcomes[f.id].total, "rank": ranking[f.id]["rank"], "grade": ranking[f.id]["grade"],
             "veto": outcomes[f.id].veto, "breakdown": {**outcomes[f.id].to_json(), "ranking": ranking[f.id]},
             "created_by_id": actor.id, "created_at": now} for f in filings]
    if rows:
        session.execute(sa.insert(Result), rows)  # one executemany for the whole campaign
    grades: dict[str, int] = defaultdict(int)
    for row in rows:
        grades[row["grade"]] += 1
    record(session, actor, "assessment_campaign.results", campaign, after={"results": len(rows), "grades": grades},
           summary=campaign.name)
    return dict(grades)


def send_back(session: Session, actor, campaign: Campaign, comment: str) -> Campaign:
    CAMPAIGN.apply(session, actor, campaign, "send_back", comment=comment)
    return campaign


def confirm_results(session: Session, actor, campaign: Campaign) -> Campaign:
    CAMPAIGN.apply(session, actor, campaign, "confirm")
    return campaign


def publish_results(session: Session, actor, campaign: Campaign, on: dt.date | None = None) -> Campaign:
    """Each company sees its result; the appeal window starts; failing grades have consequences."""
    from .consequences import apply_consequences

    on = on or today()
    days = int(campaign.scheme.config["appeal_working_days"])
    CAMPAIGN.apply(session, actor, campaign, "publish",
                   values={"published_on": on, "appeals_close_on": add_working_days(on, days)})
    for result in session.scalars(sa.select(Result).where(Result.campaign_id == campaign.id, Result.current,
                                                          Result.grade == "fail")):
        apply_consequences(session, actor, result)
    return campaign


def close_campaign(session: Session, actor, campaign: Campaign, on: dt.date | None = None) -> Campaign:
    on = on or today()
    if campaign.appeals_close_on is not None and on <= campaign.appeals_close_on:
        raise DomainError(_("Appeals may be filed until %(day)s; close the campaign after that.",
                            day=campaign.appeals_close_on.isoformat()))
    pending = session.scalar(sa.select(sa.func.count()).select_from(Appeal).join(Filing)
                             .where(Filing.campaign_id == campaign.id, Appeal.state == AppealState.FILED))
    if pending:
        raise DomainError(_("%(n)s appeals are still waiting for a decision.", n=pending))
    _claim(session, Campaign, campaign, Campaign.state == C.PUBLISHED,
           message=_("Someone else changed this record first. Please reload and try again."))
    CAMPAIGN.apply(session, actor, campaign, "close")
    return campaign
