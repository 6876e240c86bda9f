"""The reading side of the HQ budget: a year's pools × categories (the overview page) and the
year-end figures the annual report prints (`year_figures`, re-exported by services).

The special policy fund is the funds module's: its figures for a year come from the dates of
its FundEntry movements (Asia/Shanghai calendar year), never from a copy."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..core.formatting import SHANGHAI, to_money
from ..funds.models import FundEntry, FundEntryKind
from . import rules
from .models import POOL_ZH, BudgetCategory, BudgetLine, ExpenseRequest, PoolKind
from .models import RequestState as S

ZERO = rules.ZERO
SPECIAL = "special"
FIGURES = ("budget", "committed", "spent", "remaining")


def _bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    return dt.datetime(year, 1, 1, tzinfo=SHANGHAI), dt.datetime(year + 1, 1, 1, tzinfo=SHANGHAI)


def _money(value) -> Decimal:
    # sums come back as floats on SQLite: back to exact fen
    return to_money(value) if value is not None else ZERO


def special_fund_year(session: Session, year: int) -> dict:
    """The special fund in `year`: budget = what was allocated up to the year's end less what had
    been paid out (net of clawbacks) before it began, i.e. the money the year could use;
    committed = approvals not yet paid at the year's end; spent = paid out in the year net of
    clawbacks returned in it; remaining = budget − committed − spent (the pools' balance at the
    year's end)."""
    start, end = _bounds(year)
    period = sa.case((FundEntry.at < start, "before"), else_="during")
    sums: dict[tuple, Decimal] = defaultdict(lambda: ZERO)
    for kind, when, total in session.execute(sa.select(FundEntry.kind, period, sa.func.sum(FundEntry.amount))
                                             .where(FundEntry.at < end).group_by(FundEntry.kind, period)):
        sums[(kind, when)] = _money(total)

    def both(kind: FundEntryKind) -> Decimal:
        return sums[(kind, "before")] + sums[(kind, "during")]

    k = FundEntryKind
    budget = both(k.ALLOCATE) - (sums[(k.PAY, "before")] - sums[(k.RETURN, "before")])
    committed = both(k.COMMIT) - both(k.RELEASE) - both(k.PAY)
    spent = sums[(k.PAY, "during")] - sums[(k.RETURN, "during")]
    return {"budget": budget, "committed": committed, "spent": spent,
            "remaining": rules.remaining(budget, committed, spent),
            "allocated_in_year": sums[(k.ALLOCATE, "during")]}


def _row(budget: Decimal, committed: Decimal, spent: Decimal) -> dict:
    paid_pct, committed_pct = rules.use_shares(budget, committed, spent)
    return {"budget": budget, "committed": committed, "spent": spent,
            "remaining": rules.remaining(budget, committed, spent), "paid_pct": paid_pct,
            "committed_pct": committed_pct}


def _sum(rows: list[dict]) -> dict:
    return _row(*(sum((r[f] for r in rows), ZERO) for f in ("budget", "committed", "spent")))


def year_lines(session: Session, year: int) -> list[tuple[BudgetCategory, BudgetLine | None]]:
    """Every category in use, and any retired one that has a line in `year`, with its line."""
    stmt = (sa.select(BudgetCategory, BudgetLine)
            .outerjoin(BudgetLine, sa.and_(BudgetLine.category_id == BudgetCategory.id, BudgetLine.year == year))
            .where(sa.or_(BudgetCategory.active, BudgetLine.id.is_not(None)))
            .order_by(BudgetCategory.pool, BudgetCategory.position, BudgetCategory.id))
    return [(c, line) for c, line in session.execute(stmt)]


def year_overview(session: Session, year: int) -> dict:
    """The overview page: per own pool its categories' lines and total, the special fund's figures,
    the totals of both own pools, and the year's requests counted by state."""
    pools = []
    by_pool: dict[PoolKind, list] = defaultdict(list)
    for category, line in year_lines(session, year):
        figures = _row(line.budget, line.committed, line.spent) if line else _row(ZERO, ZERO, ZERO)
        by_pool[category.pool].append({"category": category, "line": line, **figures})
    for kind in PoolKind:
        rows = by_pool.get(kind, [])
        pools.append({"kind": kind, "rows": rows, "total": _sum(rows)})
    special = special_fund_year(session, year)
    counts = dict(session.execute(sa.select(ExpenseRequest.state, sa.func.count())
                                  .where(ExpenseRequest.year == year).group_by(ExpenseRequest.state)).all())
    return {"year": year, "pools": pools, "own_total": _sum([p["total"] for p in pools]),
            "special": {**special, **_row(special["budget"], special["committed"], special["spent"])},
            "counts": counts}


def year_figures(session: Session, year: int) -> dict:
    """The year-end figures for the annual report (Chinese labels, Decimal yuan):

    {"year": year,
     "pools": [{"kind": "special" | "office" | "operations", "name": "专项政策经费" …,
                "budget", "committed", "spent", "remaining"}],
     "categories": [{"pool": "office" | "operations", "category": "办公费" …, "budget", "spent"}],
     "requests": {"count": submitted at least once, "approved": approved or paid,
                  "amount_approved": their total}}

    The special fund's figures are explained in special_fund_year; its spending by support type
    is the subsidies module's, so it has no category rows here."""
    overview = year_overview(session, year)
    special = overview["special"]
    pools = [{"kind": SPECIAL, "name": POOL_ZH[SPECIAL], **{f: special[f] for f in FIGURES}}]
    pools += [{"kind": p["kind"].value, "name": POOL_ZH[p["kind"]], **{f: p["total"][f] for f in FIGURES}}
              for p in overview["pools"]]
    categories = [{"pool": p["kind"].value, "category": r["category"].name, "budget": r["budget"],
                   "spent": r["spent"]} for p in overview["pools"] for r in p["rows"]]
    decided = (S.APPROVED, S.PAID)
    count, approved, amount = session.execute(sa.select(
        sa.func.count(ExpenseRequest.submitted_at),
        sa.func.count(ExpenseRequest.id).filter(ExpenseRequest.state.in_(decided)),
        sa.func.sum(ExpenseRequest.amount).filter(ExpenseRequest.state.in_(decided)),
    ).where(ExpenseRequest.year == year)).one()
    return {"year": year, "pools": pools, "categories": categories,
            "requests": {"count": count, "approved": approved, "amount_approved": _money(amount)}}
