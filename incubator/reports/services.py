"""The figures of a year (the dashboard and the annual report) and of a fortnight (the bi-weekly
report), gathered from kpis.py and judged by rules.py. Plain data, no labels: layout.py turns it
into the reader's words and charts. Read-only: nothing here changes anything.

The one write is the audit entry of a report handed out (record_report): the bi-weekly report lists
companies by name, so who took which report is kept, as for the Excel exports.

The HQ budget (incubator.budget) and the meetings' agenda (incubator.meetings) are read through
their public functions (year_figures, pending)."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from flask import current_app, has_app_context
from sqlalchemy.orm import Session

from ..audit.services import record
from ..budget.services import year_figures
from ..core.formatting import today as shanghai_today
from ..meetings.agenda import pending
from . import kpis, rules

ZERO = Decimal("0.00")


def configured_targets() -> rules.Targets:
    """The community's targets: REPORT_TARGETS in the app's configuration (a dict or its JSON, see
    rules.DEFAULT_TARGETS for the shape), else the plan's. A broken setting is logged and the plan's
    targets are used, so the dashboard never goes down over it."""
    config = current_app.config.get("REPORT_TARGETS") if has_app_context() else None
    try:
        return rules.parse_targets(config or None)
    except ValueError as exc:
        current_app.logger.error("REPORT_TARGETS ignored: %s", exc)
        return rules.parse_targets()


def year_choices(targets: rules.Targets, today: dt.date) -> list[int]:
    """Years a report can be asked for: from the plan's first year (or the first target year) to this one."""
    first = min([targets.plan_start.year, *targets.years])
    return list(range(today.year, first - 1, -1))


# --- a year ------------------------------------------------------------------------------------------

def _actuals(counts: dict, people: dict, day: dt.date) -> dict[str, int]:
    return {"platforms": counts[day]["platforms"], "talents": people[day]["talents"],
            "companies": counts[day]["companies"], "high_tech": counts[day]["high_tech"]}


def _occupancy(rows: list[dict]) -> dict:
    """Per carrier × type rows, with totals per carrier, per type and overall."""
    def total(items):
        lettable = sum((r["lettable"] for r in items), ZERO)
        leased = sum((r["leased"] for r in items), ZERO)
        return {"lettable": lettable, "leased": leased, "rate": rules.percent(leased, lettable)}

    carriers, types = defaultdict(list), defaultdict(list)
    for r in rows:
        r["rate"] = rules.percent(r["leased"], r["lettable"])
        carriers[(r["carrier_id"], r["carrier"])].append(r)
        types[r["type"]].append(r)
    return {"rows": rows,
            "carriers": [{"carrier_id": cid, "carrier": name, **total(items)}
                         for (cid, name), items in carriers.items()],
            "types": [{"type": t, **total(items)} for t, items in types.items()], "total": total(rows)}


def _funds(pools: list[dict]) -> dict:
    keys = ("allocated", "committed", "paid", "returned", "remaining")
    phases: dict[int, dict] = {}
    for p in pools:
        phase = phases.setdefault(p["phase"], {"phase": p["phase"], **dict.fromkeys(keys, ZERO),
                                               "year": dict.fromkeys(p["year"], ZERO)})
        for k in keys:
            phase[k] += p[k]
        for k, v in p["year"].items():
            phase["year"][k] += v
    total = {k: sum((p[k] for p in pools), ZERO) for k in keys}
    total["year"] = {k: sum((p["year"][k] for p in pools), ZERO)
                     for k in ("allocated", "committed", "paid", "returned")}
    total["used_pct"] = rules.percent(total["paid"] - total["returned"] + total["committed"], total["allocated"])
    return {"pools": pools, "phases": sorted(phases.values(), key=lambda p: p["phase"]), "total": total}


def _indicator(key: str, value, kind: str, **parts) -> dict:
    return {"key": key, "value": value, "kind": kind, "parts": parts}


def _operator(counts, people, day, previous_end, filed, decided, claims, rent, occupancy, graduations) -> list[dict]:
    """The operator's own assessment (建设工作方案 · 激励机制: not rent and occupancy alone): four
    dimensions of figures, each with the parts its formula uses so a reader can redo the sum."""
    now, before = people[day], people[previous_end]
    resident = counts[day]
    ft = filed or {}
    return [
        {"dimension": "ecosystem", "indicators": [
            _indicator("platforms", counts[day]["platforms"], "count"),
            _indicator("ip_per_company", rules.per(ft.get("ip"), ft.get("companies")), "ratio",
                       ip=ft.get("ip"), companies=ft.get("companies"), year=ft.get("year")),
            _indicator("high_tech_share", rules.percent(resident["resident_high_tech"], resident["resident"]),
                       "percent", high_tech=resident["resident_high_tech"], resident=resident["resident"]),
        ]},
        {"dimension": "talent", "indicators": [
            _indicator("talents", now["talents"], "count"),
            _indicator("talent_growth", rules.growth(now["talents"], before["talents"]), "percent",
                       now=now["talents"], before=before["talents"], since=previous_end),
            _indicator("high_level", now["high_level"], "count"),
        ]},
        {"dimension": "growth", "indicators": [
            _indicator("revenue_growth", rules.growth(ft.get("revenue_both"), ft.get("revenue_prev")), "percent",
                       revenue=ft.get("revenue_both"), previous=ft.get("revenue_prev"),
                       companies=ft.get("like_for_like"), year=ft.get("year")),
            _indicator("financing", ft.get("financing"), "money", companies=ft.get("financed"), year=ft.get("year")),
            _indicator("graduations", graduations, "count"),
        ]},
        {"dimension": "efficiency", "indicators": [
            _indicator("decision_days", decided["mean_days"], "days", decided=decided["decided"],
                       admitted=decided["admitted"]),
            _indicator("claim_days", claims["mean_days"], "days", paid=claims["paid"], amount=claims["amount"]),
            _indicator("occupancy", occupancy["total"]["rate"], "percent", leased=occupancy["total"]["leased"],
                       lettable=occupancy["total"]["lettable"]),
            _indicator("collection", rules.percent(rent["received"], rent["charged"]), "percent",
                       received=rent["received"], charged=rent["charged"],
                       arrears=max(rent["charged"] - rent["received"], ZERO)),
        ]},
    ]


def headline(session: Session, today: dt.date | None = None) -> list[rules.Progress]:
    """This year's progress against the targets alone (the home page's strip): two aggregated queries."""
    today = today or shanghai_today()
    targets = configured_targets()
    counts, people = kpis.cumulative_counts(session, [today]), kpis.talents(session, [today])
    actuals = _actuals(counts, people, today)
    return [rules.progress(targets, ind, today.year, actuals[ind], today) for ind in rules.INDICATORS]


def year_overview(session: Session, year: int, today: dt.date | None = None,
                  targets: rules.Targets | None = None, budget: bool = True) -> dict:
    """Everything the dashboard and the annual report show for `year`, read on its last day (or today
    while it runs): progress against the targets, occupancy, the admission funnel, fund use, grades,
    exits, the operator's own figures and the HQ budget's year-end figures."""
    today = today or shanghai_today()
    targets = targets or configured_targets()
    day = rules.as_of(year, today)
    first, previous_end = dt.date(year, 1, 1), dt.date(year - 1, 12, 31)
    target_days = {ty: rules.as_of(ty, today) for ty in targets.years}
    days = sorted({day, previous_end, *target_days.values()})
    counts, people = kpis.cumulative_counts(session, days), kpis.talents(session, days)

    headline = [rules.progress(targets, ind, year, _actuals(counts, people, day)[ind], day) for ind in rules.INDICATORS]
    table = [{"year": ty, "as_of": d,
              "rows": [rules.progress(targets, ind, ty, _actuals(counts, people, d)[ind], d)
                       for ind in rules.INDICATORS]}
             for ty, d in target_days.items()]
    live = day == today
    occupancy = _occupancy(kpis.occupancy(session, day, live=live))
    exits = kpis.exits_by_year(session, year)
    filed_year = kpis.latest_filed_year(session, year)
    filed = kpis.filing_totals(session, filed_year) if filed_year else None
    decided = kpis.decision_times(session, first, day)
    claims = kpis.claim_turnaround(session, first, day)
    rent = kpis.rent_collection(session, first, day + dt.timedelta(days=0 if live else 1), day)
    graduations = exits["left"].get(year, {}).get("graduated", 0)
    return {
        "year": year, "as_of": day, "today": today, "live": live, "first": first, "targets": targets,
        "headline": headline, "table": table, "counts": counts[day], "talents": people[day],
        "occupancy": occupancy,
        "funnel": kpis.admission_funnel(session, first, day),
        "applications_now": kpis.applications_by_state(session) if live else None,
        "decided": decided,
        "funds": _funds(kpis.fund_use(session, first, day)),
        "grades": kpis.grades_by_year(session, year),
        "exits": exits,
        "operator": _operator(counts, people, day, previous_end, filed, decided, claims, rent, occupancy, graduations),
        "filed_year": filed_year,
        "budget": budget_figures(session, year) if budget else None,
    }


def budget_figures(session: Session, year: int) -> dict:
    """The HQ budget's year-end figures (incubator.budget)."""
    return year_figures(session, year)


def record_report(session: Session, actor, kind: str, summary: str, **details) -> None:
    """Audit a report handed out ("report.annual" / "report.biweekly"); the caller commits."""
    record(session, actor, f"report.{kind}", object_type="report", after=details, summary=summary)


# --- a fortnight -----------------------------------------------------------------------------------------

def parse_start(raw: str | None, today: dt.date) -> rules.Fortnight:
    """The fortnight starting on the ISO date `raw` (full-width digits accepted), else the last
    complete one; ValueError for a malformed date, a future one or one before 2000."""
    from ..spaces.rules import normalize_text

    text = normalize_text(raw)
    if not text:
        return rules.last_complete_fortnight(today)
    start = dt.date.fromisoformat(text)  # ValueError on nonsense
    if start > today or start.year < 2000:
        raise ValueError("out of range")
    return rules.Fortnight(start)


def pending_decisions(session: Session) -> list:
    """Matters waiting for a meeting (incubator.meetings)."""
    return pending(session)


def fortnight_overview(session: Session, fortnight: rules.Fortnight, today: dt.date | None = None,
                       targets: rules.Targets | None = None) -> dict:
    """What happened in the fortnight (up to today when it is still running), what waits for a
    decision now, the deadlines of the next fortnight, and where the targets stand at its end."""
    today = today or shanghai_today()
    targets = targets or configured_targets()
    first, last = fortnight.start, min(fortnight.end, today)
    counts, people = kpis.cumulative_counts(session, [last]), kpis.talents(session, [last])
    applications, application_rows = kpis.new_applications(session, first, last)
    decided, decision_rows = kpis.decisions(session, first, last)
    arrived, arrival_rows = kpis.moved_in(session, first, last)
    paid, paid_total, paid_rows = kpis.subsidy_payments(session, first, last)
    rent_payments, rent_total = kpis.rent_received(session, first, last)
    exited, exit_rows, exits_raised = kpis.exit_moves(session, first, last)
    return {
        "fortnight": fortnight, "first": first, "last": last, "complete": fortnight.complete_on(today),
        "today": today, "targets": targets,
        "progress": [rules.progress(targets, ind, last.year, _actuals(counts, people, last)[ind], last)
                     for ind in rules.INDICATORS],
        "applications": {"count": applications, "rows": application_rows},
        "decisions": {"count": decided, "rows": decision_rows},
        "moved_in": {"count": arrived, "rows": arrival_rows},
        "payments": {"count": paid, "total": paid_total, "rows": paid_rows, "rent_count": rent_payments,
                     "rent_total": rent_total},
        "assessment": kpis.assessment_moves(session, first, last),
        "exits": {"count": exited, "rows": exit_rows, "raised": exits_raised},
        "awaiting": kpis.awaiting_decision(session),
        "pending": pending_decisions(session),
        "attention": kpis.attention(session, today, today + dt.timedelta(days=rules.FORTNIGHT_DAYS)),
    }
