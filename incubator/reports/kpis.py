"""The figures of the dashboard and the reports, each one aggregated by the database (a handful of
queries whatever the number of companies; no query per company). Plain numbers in, plain rows
out: services.py judges them with rules.py and the pages label them.

Days are dates (Asia/Shanghai); timestamps are compared against the UTC instants that begin and
end those days."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from ..admission.models import Application, ApplicationState
from ..assessment.consequences import PUBLISHED
from ..assessment.models import (
    Appeal,
    AppealState,
    Campaign,
    CampaignKind,
    CampaignState,
    CheckOutcome,
    ExitProposal,
    ExitProposalState,
    FigureCheck,
    Filing,
    FilingState,
    Rectification,
    RectificationState,
    Result,
)
from ..companies.models import Company, CompanyStatus, QualificationKind
from ..companies.models import Qualification as Q
from ..core.formatting import SHANGHAI
from ..core.models import WorkflowEvent
from ..exits.models import OPEN_STATES as OPEN_EXITS
from ..exits.models import ExitCase, ExitState
from ..funds.models import FundEntry, FundEntryKind, FundPool, FundProgram
from ..leases.models import Lease, LeaseState, LeaseUnit, RentCharge, RentPayment
from ..spaces.models import Building, Carrier, Unit, UnitStatus
from ..subsidies.models import ClaimState, Objection, ObjectionOutcome, SubsidyBatch, SubsidyClaim

EXECUTED = (ExitState.EXECUTED, ExitState.ARCHIVED)
# the admission funnel: the stages in order, then where applications leave it
ADMISSION_STAGES = ("submitted", "accepted", "expert_review", "joint_review", "decision", "admitted")
ADMISSION_ENDS = ("returned", "lapsed", "rejected", "withdrawn")


def money(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def start_of(day: dt.date) -> dt.datetime:
    """The UTC instant a Shanghai day begins."""
    return dt.datetime.combine(day, dt.time(), SHANGHAI).astimezone(dt.UTC)


def _window(column, first: dt.date, last: dt.date):
    """A timestamp column within the days first..last (inclusive)."""
    return sa.and_(column >= start_of(first), column < start_of(last + dt.timedelta(days=1)))


def _day_number(session: Session, column):
    """A date or timestamp as a number of days, so averages of differences stay in SQL."""
    if session.get_bind().dialect.name == "sqlite":
        return sa.func.julianday(column)
    return sa.extract("epoch", column) / 86400


# --- what counts toward the targets (rules.py's docstring says what and why) -------------------------------

def _counted(day: dt.date):
    return sa.and_(Company.moved_in_on.is_not(None), Company.moved_in_on <= day,
                   Company.status != CompanyStatus.APPLICANT)


def _resident(day: dt.date):
    return sa.and_(_counted(day), sa.or_(Company.left_on.is_(None), Company.left_on > day))


def _checked_on(day: dt.date):
    """The day a company's qualification is judged on: `day`, or the day it left if earlier."""
    return sa.case((sa.and_(Company.left_on.is_not(None), Company.left_on < day), Company.left_on), else_=day)


def cumulative_counts(session: Session, days: list[dt.date]) -> dict[dt.date, dict[str, int]]:
    """On each day: companies, platforms and high-tech enterprises counted toward the targets, and
    the companies (and high-tech enterprises) in residence that day. One query for all days."""
    columns = []
    for day in days:
        checked = _checked_on(day)
        high_tech = sa.and_(Q.id.is_not(None), Q.obtained_on <= checked,
                            sa.or_(Q.expires_on.is_(None), Q.expires_on >= checked))
        resident_high_tech = sa.and_(Q.id.is_not(None), Q.obtained_on <= day,
                                     sa.or_(Q.expires_on.is_(None), Q.expires_on >= day))

        def distinct(condition):
            return sa.func.count(sa.distinct(sa.case((condition, Company.id))))

        columns += [distinct(_counted(day)), distinct(sa.and_(_counted(day), Company.is_platform)),
                    distinct(sa.and_(_counted(day), high_tech)), distinct(_resident(day)),
                    distinct(sa.and_(_resident(day), resident_high_tech))]
    row = session.execute(sa.select(*columns).select_from(Company).outerjoin(
        Q, sa.and_(Q.company_id == Company.id, Q.kind == QualificationKind.HIGH_TECH))).one()
    keys = ("companies", "platforms", "high_tech", "resident", "resident_high_tech")
    return {day: {k: int(row[i * len(keys) + j] or 0) for j, k in enumerate(keys)} for i, day in enumerate(days)}


def _corrections():
    """Per filing, the operator's corrected value of each figure (NULL where none was corrected)."""
    figures = ("revenue", "financing", "graduates", "high_level_talents", "ip_invention", "ip_utility", "ip_software")
    return (sa.select(FigureCheck.filing_id,
                      *[sa.func.max(sa.case((FigureCheck.figure == f, FigureCheck.corrected_value))).label(f)
                        for f in figures])
            .where(FigureCheck.outcome == CheckOutcome.CORRECTED).group_by(FigureCheck.filing_id).subquery())


def _figure(fix, name: str):
    return sa.func.coalesce(getattr(fix.c, name), getattr(Filing, name))


def verified_filings(partition_by_year: bool):
    """Verified filings of campaigns not cancelled with their effective figures (a correction wins);
    `rn` = 1 marks each company's filing to use — per year (annual over interim, then the latest
    window), or overall its latest year's."""
    fix = _corrections()
    annual_first = sa.case((Campaign.kind == CampaignKind.ANNUAL, 0), else_=1)
    order = [annual_first, Campaign.closes_on.desc(), Filing.id.desc()]
    if partition_by_year:
        rn = sa.func.row_number().over(partition_by=(Filing.company_id, Campaign.year), order_by=order)
    else:
        rn = sa.func.row_number().over(partition_by=Filing.company_id, order_by=[Campaign.year.desc(), *order])
    return (sa.select(Filing.company_id, Campaign.year,
                      (sa.func.coalesce(_figure(fix, "graduates"), 0)
                       + sa.func.coalesce(_figure(fix, "high_level_talents"), 0)).label("talents"),
                      sa.func.coalesce(_figure(fix, "high_level_talents"), 0).label("high_level"),
                      _figure(fix, "revenue").label("revenue"), _figure(fix, "financing").label("financing"),
                      sum(sa.func.coalesce(_figure(fix, f), 0) for f in ("ip_invention", "ip_utility", "ip_software"))
                      .label("ip"),
                      rn.label("rn"))
            .join(Campaign, Campaign.id == Filing.campaign_id).outerjoin(fix, fix.c.filing_id == Filing.id)
            .where(Filing.state == FilingState.VERIFIED, Campaign.state != CampaignState.CANCELLED))


def talents(session: Session, days: list[dt.date]) -> dict[dt.date, dict[str, int]]:
    """On each day: talents (本科及以上 + 高层次人才) and high-level talents of the companies counted
    toward the targets, as last verified up to that day's year (else from the company profile).
    One query: each company's filing per year is picked once (a CTE), each day takes its latest year."""
    ranked = verified_filings(partition_by_year=True).subquery()
    per_year = (sa.select(ranked.c.company_id, ranked.c.year, ranked.c.talents, ranked.c.high_level)
                .where(ranked.c.rn == 1).cte("per_year"))
    selects = []
    for i, day in enumerate(days):
        latest = (sa.select(per_year.c.company_id, sa.func.max(per_year.c.year).label("year"))
                  .where(per_year.c.year <= day.year).group_by(per_year.c.company_id).subquery())
        f = per_year.alias()
        selects.append(
            sa.select(sa.literal(i).label("k"),
                      sa.func.sum(sa.func.coalesce(f.c.talents, Company.talents_bachelor + Company.talents_high_level))
                      .label("talents"),
                      sa.func.sum(sa.func.coalesce(f.c.high_level, Company.talents_high_level)).label("high_level"))
            .select_from(Company).outerjoin(latest, latest.c.company_id == Company.id)
            .outerjoin(f, sa.and_(f.c.company_id == latest.c.company_id, f.c.year == latest.c.year))
            .where(_counted(day)))
    rows = {k: (t, h) for k, t, h in session.execute(sa.union_all(*selects))}
    return {day: {"talents": int(rows.get(i, (0, 0))[0] or 0), "high_level": int(rows.get(i, (0, 0))[1] or 0)}
            for i, day in enumerate(days)}


# --- occupancy --------------------------------------------------------------------------------------------

def occupancy(session: Session, day: dt.date, live: bool) -> list[dict]:
    """Per carrier and space type: lettable area (units not out of service) and the area let — live
    (units leased now, as the spaces pages show) or, for a past day, under leases in force that day."""
    lettable = sa.func.coalesce(sa.func.sum(Unit.area), 0)
    if live:
        leased = sa.func.coalesce(sa.func.sum(sa.case((Unit.status == UnitStatus.LEASED, Unit.area), else_=0)), 0)
        stmt = sa.select(Carrier.id, Carrier.name, Carrier.sort_order, Unit.type, lettable, leased)
    else:
        in_force = (sa.select(LeaseUnit.unit_id, sa.func.max(LeaseUnit.area).label("area")).join(Lease)
                    .where(Lease.state != LeaseState.DRAFT, Lease.start_on <= day,
                           sa.func.coalesce(Lease.signed_on, Lease.start_on) <= day,
                           sa.func.coalesce(Lease.ended_on, Lease.end_on) >= day)
                    .group_by(LeaseUnit.unit_id).subquery())
        leased = sa.func.coalesce(sa.func.sum(in_force.c.area), 0)
        stmt = (sa.select(Carrier.id, Carrier.name, Carrier.sort_order, Unit.type, lettable, leased)
                .outerjoin(in_force, in_force.c.unit_id == Unit.id))
    stmt = (stmt.select_from(Unit).join(Building, Building.id == Unit.building_id)
            .join(Carrier, Carrier.id == Building.carrier_id).where(Unit.status != UnitStatus.OUT_OF_SERVICE)
            .group_by(Carrier.id, Carrier.name, Carrier.sort_order, Unit.type)
            .order_by(Carrier.sort_order, Carrier.id, Unit.type))
    return [{"carrier_id": cid, "carrier": name, "type": t.value if hasattr(t, "value") else t,
             "lettable": money(area), "leased": money(let)}
            for cid, name, _order, t, area, let in session.execute(stmt)]


# --- admission ----------------------------------------------------------------------------------------------

def admission_funnel(session: Session, first: dt.date, last: dt.date) -> dict[str, int]:
    """The applications first submitted in first..last, and how many of them reached each state."""
    cohort = (sa.select(WorkflowEvent.object_id).where(WorkflowEvent.object_type == "application",
                                                       WorkflowEvent.action == "submit",
                                                       _window(WorkflowEvent.at, first, last)))
    rows = session.execute(sa.select(WorkflowEvent.to_state, sa.func.count(sa.distinct(WorkflowEvent.object_id)))
                           .where(WorkflowEvent.object_type == "application", WorkflowEvent.object_id.in_(cohort))
                           .group_by(WorkflowEvent.to_state)).all()
    counts = {state: int(n) for state, n in rows}
    return {s: counts.get(s, 0) for s in (*ADMISSION_STAGES, *ADMISSION_ENDS)}


def applications_by_state(session: Session) -> dict[str, int]:
    rows = session.execute(sa.select(Application.state, sa.func.count()).group_by(Application.state)).all()
    return {ApplicationState(s).value: int(n) for s, n in rows}


def decision_times(session: Session, first: dt.date, last: dt.date) -> dict:
    """Applications decided in first..last: how many, how many admitted, and the mean days from
    their first submission to the decision."""
    submitted = (sa.select(WorkflowEvent.object_id, sa.func.min(WorkflowEvent.at).label("at"))
                 .where(WorkflowEvent.object_type == "application", WorkflowEvent.action == "submit")
                 .group_by(WorkflowEvent.object_id).subquery())
    days = _day_number(session, Application.decided_at) - _day_number(session, submitted.c.at)
    n, admitted, mean = session.execute(
        sa.select(sa.func.count(Application.id),
                  sa.func.count(sa.case((Application.state == ApplicationState.ADMITTED, Application.id))),
                  sa.func.avg(days))
        .join(submitted, submitted.c.object_id == Application.id)
        .where(Application.decided_at.is_not(None), _window(Application.decided_at, first, last))).one()
    return {"decided": int(n), "admitted": int(admitted), "mean_days": _days(mean)}


def _days(value) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.1"))


# --- funds ---------------------------------------------------------------------------------------------------

def fund_use(session: Session, first: dt.date, last: dt.date) -> list[dict]:
    """Per pool: its totals at the end of `last` and its movements within first..last, from the
    fund's entries (a pool's running totals equal the sum of its entries)."""
    end = start_of(last + dt.timedelta(days=1))
    begin = start_of(first)
    K = FundEntryKind

    def total(kind, since=None):
        cond = sa.and_(FundEntry.kind == kind, FundEntry.at < end)
        if since is not None:
            cond = sa.and_(cond, FundEntry.at >= since)
        return sa.func.coalesce(sa.func.sum(sa.case((cond, FundEntry.amount), else_=0)), 0)

    kinds = (K.ALLOCATE, K.COMMIT, K.RELEASE, K.PAY, K.RETURN)
    entries = (sa.select(FundEntry.pool_id, *[total(k).label(f"to_{k.value}") for k in kinds],
                         *[total(k, begin).label(f"in_{k.value}") for k in kinds])
               .group_by(FundEntry.pool_id).subquery())
    rows = session.execute(
        sa.select(FundPool.id, FundPool.name, FundPool.source, FundPool.phase, FundProgram.name.label("program"),
                  entries)
        .join(FundProgram, FundProgram.id == FundPool.program_id)
        .outerjoin(entries, entries.c.pool_id == FundPool.id)
        .where(FundPool.opened_on <= last)
        .order_by(FundProgram.id, FundPool.phase, FundPool.source, FundPool.id)).mappings().all()
    out = []
    for r in rows:
        v = {k: money(r[k]) for k in r.keys() if k.startswith(("to_", "in_"))}
        allocated, paid, returned = v["to_allocate"], v["to_pay"], v["to_return"]
        committed = v["to_commit"] - v["to_release"] - v["to_pay"]
        out.append({"pool_id": r["id"], "name": r["name"], "source": r["source"].value, "phase": r["phase"],
                    "program": r["program"],
                    "allocated": allocated, "committed": committed, "paid": paid, "returned": returned,
                    "remaining": allocated - committed - paid + returned,
                    "year": {"allocated": v["in_allocate"], "committed": v["in_commit"] - v["in_release"],
                             "paid": v["in_pay"], "returned": v["in_return"]}})
    return out


# --- assessment and exits -------------------------------------------------------------------------------

def grades_by_year(session: Session, last_year: int) -> list[dict]:
    """Published annual campaigns up to `last_year`: the current results per grade."""
    rows = session.execute(
        sa.select(Campaign.year, Campaign.id, Campaign.name, Result.grade, sa.func.count(Result.id))
        .join(Result, Result.campaign_id == Campaign.id)
        .where(Result.current, Campaign.kind == CampaignKind.ANNUAL, Campaign.state.in_(PUBLISHED),
               Campaign.year <= last_year)
        .group_by(Campaign.year, Campaign.id, Campaign.name, Result.grade).order_by(Campaign.year, Campaign.id)).all()
    years: dict[int, dict] = {}
    for year, cid, name, grade, n in rows:
        entry = years.setdefault(year, {"year": year, "campaign_id": cid, "campaign": name, "grades": {}})
        entry["grades"][grade.value] = entry["grades"].get(grade.value, 0) + int(n)
    return list(years.values())


def exits_by_year(session: Session, last_year: int) -> dict:
    """Up to `last_year`: companies that left per year (exited or graduated, from the registry, which
    also knows departures recorded before the exit workflow existed), executed exit cases per year
    (of the exit day, as the exits list filters) and kind, and the cases open now per state."""
    left_year = sa.extract("year", Company.left_on)
    left: dict[int, dict[str, int]] = {}
    for y, status, n in session.execute(
            sa.select(left_year, Company.status, sa.func.count()).where(
                Company.status.in_([CompanyStatus.EXITED, CompanyStatus.GRADUATED]), Company.left_on.is_not(None))
            .group_by(left_year, Company.status)):
        if int(y) <= last_year:
            left.setdefault(int(y), {"exited": 0, "graduated": 0})[status.value] += int(n)
    year = sa.extract("year", ExitCase.planned_exit_on)
    executed: dict[int, dict[str, int]] = {}
    open_cases: dict[str, int] = {}
    for state, kind, y, n in session.execute(sa.select(ExitCase.state, ExitCase.kind, year, sa.func.count())
                                             .group_by(ExitCase.state, ExitCase.kind, year)):
        if state in EXECUTED and int(y) <= last_year:
            by_kind = executed.setdefault(int(y), {})
            by_kind[kind.value] = by_kind.get(kind.value, 0) + int(n)
        elif state in OPEN_EXITS:
            open_cases[state.value] = open_cases.get(state.value, 0) + int(n)
    return {"left": dict(sorted(left.items())), "executed": dict(sorted(executed.items())), "open": open_cases}


# --- the operator's own figures -------------------------------------------------------------------------

def latest_filed_year(session: Session, year: int) -> int | None:
    """The latest year up to `year` assessed by an annual campaign with verified filings (an interim
    review's handful of filings would not speak for the community)."""
    return session.scalar(sa.select(sa.func.max(Campaign.year)).join(Filing, Filing.campaign_id == Campaign.id)
                          .where(Filing.state == FilingState.VERIFIED, Campaign.state != CampaignState.CANCELLED,
                                 Campaign.kind == CampaignKind.ANNUAL, Campaign.year <= year))


def filing_totals(session: Session, year: int) -> dict:
    """The verified filings of `year` (one per company): how many, new IP, financing raised and
    revenue — revenue also like for like with the year before (companies that filed both years).

    One pass over the two years' filings grouped per company, then summed: no join of one ranked
    subquery with another, whose plan PostgreSQL gets badly wrong once psycopg prepares the
    statement (its generic plan cannot see the years and loops over both)."""
    f = verified_filings(partition_by_year=True).where(Campaign.year.in_([year, year - 1])).subquery()
    this, last = f.c.year == year, f.c.year == year - 1
    per_company = (sa.select(f.c.company_id,
                             sa.func.max(sa.case((this, 1), else_=0)).label("filed"),
                             sa.func.max(sa.case((last, 1), else_=0)).label("filed_before"),
                             sa.func.sum(sa.case((this, f.c.ip))).label("ip"),
                             sa.func.sum(sa.case((this, f.c.financing))).label("financing"),
                             sa.func.sum(sa.case((this, f.c.revenue))).label("revenue"),
                             sa.func.sum(sa.case((last, f.c.revenue))).label("revenue_before"))
                   .where(f.c.rn == 1).group_by(f.c.company_id).subquery())
    c = per_company.c
    filed, both = c.filed == 1, sa.and_(c.filed == 1, c.filed_before == 1)
    row = session.execute(sa.select(
        sa.func.count(sa.case((filed, c.company_id))), sa.func.sum(c.ip), sa.func.sum(c.financing),
        sa.func.sum(c.revenue), sa.func.count(sa.case((both, c.company_id))),
        sa.func.sum(sa.case((both, c.revenue))), sa.func.sum(sa.case((both, c.revenue_before))),
        sa.func.count(sa.case((sa.and_(filed, sa.func.coalesce(c.financing, 0) > 0), c.company_id))))).one()
    n, ip, financing, revenue, both_n, revenue_both, revenue_prev, financed = row
    return {"year": year, "companies": int(n), "ip": int(ip or 0), "financing": money(financing),
            "financed": int(financed), "revenue": money(revenue), "like_for_like": int(both_n),
            "revenue_both": money(revenue_both), "revenue_prev": money(revenue_prev)}


def claim_turnaround(session: Session, first: dt.date, last: dt.date) -> dict:
    """Subsidy claims paid in first..last: how many, how much, and the mean days from submission to payment."""
    days = _day_number(session, SubsidyClaim.paid_on) - _day_number(session, SubsidyClaim.submitted_at)
    n, total, mean = session.execute(
        sa.select(sa.func.count(SubsidyClaim.id), sa.func.sum(SubsidyClaim.amount), sa.func.avg(days))
        .where(SubsidyClaim.state == ClaimState.DISBURSED, SubsidyClaim.paid_on.between(first, last),
               SubsidyClaim.submitted_at.is_not(None))).one()
    return {"paid": int(n), "amount": money(total), "mean_days": _days(mean)}


def rent_collection(session: Session, first: dt.date, before: dt.date, paid_by: dt.date) -> dict:
    """Rent and fees falling due from `first` to the day before `before`, and how much of it had been
    paid by `paid_by`."""
    due = sa.and_(RentCharge.due_on >= first, RentCharge.due_on < before)
    charged, received = session.execute(sa.select(
        sa.select(sa.func.sum(RentCharge.rent + RentCharge.property_fee)).where(due).scalar_subquery(),
        sa.select(sa.func.sum(RentPayment.amount)).join(RentCharge, RentCharge.id == RentPayment.charge_id)
        .where(due, RentPayment.paid_on <= paid_by).scalar_subquery())).one()
    return {"charged": money(charged), "received": money(received)}


# --- the fortnight ---------------------------------------------------------------------------------------

LISTED = 40  # rows listed per section of the bi-weekly report; the count says how many in all


def _count_and_rows(session: Session, stmt, limit: int = LISTED) -> tuple[int, list]:
    total = session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery()))
    return int(total or 0), session.execute(stmt.limit(limit)).all()


def new_applications(session: Session, first: dt.date, last: dt.date) -> tuple[int, list]:
    """(count, rows) of applications first submitted in the fortnight."""
    stmt = (sa.select(Application.id, Application.number, Company.name, Application.project_name, Carrier.name,
                      Application.track, Application.area_requested, WorkflowEvent.at, Application.state)
            .join(Application, Application.id == WorkflowEvent.object_id)
            .join(Company, Company.id == Application.company_id).join(Carrier, Carrier.id == Application.carrier_id)
            .where(WorkflowEvent.object_type == "application", WorkflowEvent.action == "submit",
                   _window(WorkflowEvent.at, first, last))
            .order_by(WorkflowEvent.at, Application.id))
    return _count_and_rows(session, stmt)


def decisions(session: Session, first: dt.date, last: dt.date) -> tuple[int, list]:
    stmt = (sa.select(Application.id, Application.number, Company.name, Application.project_name, Application.state,
                      Application.decided_at)
            .join(Company, Company.id == Application.company_id)
            .where(Application.decided_at.is_not(None), _window(Application.decided_at, first, last))
            .order_by(Application.decided_at, Application.id))
    return _count_and_rows(session, stmt)


def moved_in(session: Session, first: dt.date, last: dt.date) -> tuple[int, list]:
    stmt = (sa.select(Company.id, Company.name, Company.track, Company.moved_in_on)
            .where(Company.moved_in_on.between(first, last), Company.status != CompanyStatus.APPLICANT)
            .order_by(Company.moved_in_on, Company.id))
    return _count_and_rows(session, stmt)


def subsidy_payments(session: Session, first: dt.date, last: dt.date) -> tuple[int, Decimal, list]:
    stmt = (sa.select(SubsidyClaim.id, SubsidyClaim.number, Company.name, SubsidyBatch.name, SubsidyClaim.amount,
                      SubsidyClaim.paid_on)
            .join(Company, Company.id == SubsidyClaim.company_id)
            .join(SubsidyBatch, SubsidyBatch.id == SubsidyClaim.batch_id)
            .where(SubsidyClaim.state == ClaimState.DISBURSED, SubsidyClaim.paid_on.between(first, last))
            .order_by(SubsidyClaim.paid_on, SubsidyClaim.id))
    total = session.scalar(sa.select(sa.func.sum(SubsidyClaim.amount)).where(
        SubsidyClaim.state == ClaimState.DISBURSED, SubsidyClaim.paid_on.between(first, last)))
    n, rows = _count_and_rows(session, stmt)
    return n, money(total), rows


def rent_received(session: Session, first: dt.date, last: dt.date) -> tuple[int, Decimal]:
    n, total = session.execute(sa.select(sa.func.count(RentPayment.id), sa.func.sum(RentPayment.amount))
                               .where(RentPayment.paid_on.between(first, last))).one()
    return int(n), money(total)


def assessment_moves(session: Session, first: dt.date, last: dt.date) -> dict:
    """Filings submitted and verified, results published, appeals filed and rectifications issued in the fortnight."""
    row = session.execute(sa.select(
        sa.select(sa.func.count(Filing.id)).where(_window(Filing.submitted_at, first, last)).scalar_subquery(),
        sa.select(sa.func.count(Filing.id)).where(Filing.state == FilingState.VERIFIED,
                                                  _window(Filing.verified_at, first, last)).scalar_subquery(),
        sa.select(sa.func.count(Appeal.id)).where(_window(Appeal.filed_at, first, last)).scalar_subquery(),
        sa.select(sa.func.count(Rectification.id)).where(Rectification.issued_on.between(first, last))
        .scalar_subquery())).one()
    published = session.execute(
        sa.select(Campaign.id, Campaign.name, Campaign.year, Result.grade, sa.func.count(Result.id))
        .join(Result, Result.campaign_id == Campaign.id)
        .where(Campaign.published_on.between(first, last), Campaign.state.in_(PUBLISHED), Result.current)
        .group_by(Campaign.id, Campaign.name, Campaign.year, Result.grade).order_by(Campaign.id)).all()
    campaigns: dict[int, dict] = {}
    for cid, name, year, grade, n in published:
        campaigns.setdefault(cid, {"id": cid, "name": name, "year": year, "grades": {}})["grades"][grade.value] = int(n)
    return {"submitted": int(row[0]), "verified": int(row[1]), "appeals": int(row[2]), "rectifications": int(row[3]),
            "published": list(campaigns.values())}


def exit_moves(session: Session, first: dt.date, last: dt.date) -> tuple[int, list, int]:
    """(count, rows) of exits executed in the fortnight, and the cases raised in it."""
    stmt = (sa.select(ExitCase.id, ExitCase.number, Company.name, ExitCase.kind, ExitCase.executed_on)
            .join(Company, Company.id == ExitCase.company_id)
            .where(ExitCase.state.in_(EXECUTED), ExitCase.executed_on.between(first, last))
            .order_by(ExitCase.executed_on, ExitCase.id))
    raised = session.scalar(sa.select(sa.func.count(ExitCase.id)).where(_window(ExitCase.created_at, first, last)))
    n, rows = _count_and_rows(session, stmt)
    return n, rows, int(raised or 0)


def awaiting_decision(session: Session) -> dict[str, int]:
    """Matters waiting for a decision now, by the step they wait at (one query)."""
    def count(model, *where):
        return sa.select(sa.func.count(model.id)).where(*where).scalar_subquery()

    labels = ("admission_decision", "admission_joint", "claims_lead", "claims_deputy", "claims_commander",
              "exits_review", "exits_decide", "appeals", "exit_proposals")
    row = session.execute(sa.select(
        count(Application, Application.state == ApplicationState.DECISION),
        count(Application, Application.state == ApplicationState.JOINT_REVIEW),
        *[count(SubsidyClaim, SubsidyClaim.state == ClaimState.VERIFIED, SubsidyClaim.required_role == tier)
          for tier in ("lead", "deputy", "commander")],
        count(ExitCase, ExitCase.state == ExitState.PREPARED),
        count(ExitCase, ExitCase.state == ExitState.REVIEWED),
        count(Appeal, Appeal.state == AppealState.FILED),
        count(ExitProposal, ExitProposal.state == ExitProposalState.OPEN))).one()
    return {k: int(v or 0) for k, v in zip(labels, row, strict=True)}


def attention(session: Session, day: dt.date, horizon: dt.date) -> list[dict]:
    """Deadlines passed or falling by `horizon`: returned claims and applications, open rectifications,
    open objections, approved exits due for execution (one query per kind of matter; only what is open
    and due soon, so few rows)."""
    items = []
    claim = aliased(SubsidyClaim)
    for cid, number, name, due in session.execute(
            sa.select(claim.id, claim.number, Company.name, claim.due_on).join(Company, Company.id == claim.company_id)
            .where(claim.state == ClaimState.RETURNED, claim.due_on <= horizon).order_by(claim.due_on)):
        items.append({"kind": "claim_correction", "id": cid, "number": number, "company": name, "due": due,
                      "overdue": due < day})
    for aid, number, name, due in session.execute(
            sa.select(Application.id, Application.number, Company.name, Application.supplement_due_on)
            .join(Company, Company.id == Application.company_id)
            .where(Application.state == ApplicationState.RETURNED, Application.supplement_due_on <= horizon)
            .order_by(Application.supplement_due_on)):
        items.append({"kind": "application_supplement", "id": aid, "number": number, "company": name, "due": due,
                      "overdue": due < day})
    for rid, name, due in session.execute(
            sa.select(Rectification.id, Company.name, Rectification.due_on)
            .join(Company, Company.id == Rectification.company_id)
            .where(Rectification.state == RectificationState.OPEN, Rectification.due_on <= horizon)
            .order_by(Rectification.due_on)):
        items.append({"kind": "rectification", "id": rid, "number": None, "company": name, "due": due,
                      "overdue": due < day})
    # an objection is to be settled within the batch's public notice (公示)
    settle_by = sa.func.coalesce(SubsidyBatch.notice_ends_on, Objection.received_on)
    for oid, number, name, due in session.execute(
            sa.select(Objection.id, SubsidyBatch.number, Company.name, settle_by)
            .join(SubsidyBatch, SubsidyBatch.id == Objection.batch_id)
            .outerjoin(SubsidyClaim, SubsidyClaim.id == Objection.claim_id)
            .outerjoin(Company, Company.id == SubsidyClaim.company_id)
            .where(Objection.outcome == ObjectionOutcome.OPEN).order_by(settle_by)):
        items.append({"kind": "objection", "id": oid, "number": number, "company": name, "due": due,
                      "overdue": due < day})
    for eid, number, name, due in session.execute(
            sa.select(ExitCase.id, ExitCase.number, Company.name, ExitCase.planned_exit_on)
            .join(Company, Company.id == ExitCase.company_id)
            .where(ExitCase.state == ExitState.APPROVED, ExitCase.planned_exit_on <= horizon)
            .order_by(ExitCase.planned_exit_on)):
        items.append({"kind": "exit_execution", "id": eid, "number": number, "company": name, "due": due,
                      "overdue": due < day})
    return sorted(items, key=lambda i: (i["due"] or dt.date.max, i["kind"]))

