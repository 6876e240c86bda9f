"""The community report's arithmetic (pure: no database, no Flask): the construction plan's
cumulative targets (工作目标) as data, how each target is judged, the operator's ratios, and the
fortnights of the bi-weekly report (每两周一报).

What counts toward a target (the queries in kpis.py implement exactly this):

* companies & projects (进驻优质科技企业和项目): every company that had moved in on or before the
  day (`moved_in_on`), whether it is still a tenant, has exited or has graduated — the plan's
  targets are cumulative (累计), so a company that leaves stays counted; applicants never count.
* sci-tech platforms (科技创新平台): those of the companies above flagged `is_platform`.
* high-tech enterprises (引育高新技术企业): those of the companies above holding a 高新技术企业
  qualification valid on the day, or — for a company that has left — on the day it left.
* talents (创新创业人才): for each company above, 本科及以上 + 高层次人才 as last verified in an
  assessment filing for a year up to the day's year (an operator's correction wins over the
  filed figure; the annual campaign's filing over an interim one of the same year); a company
  without a verified filing yet counts the figures on its profile.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

INDICATORS = ("platforms", "talents", "companies", "high_tech")

# 建设工作方案 · 二、工作目标 (SPEC §9). A community changes them by configuration (REPORT_TARGETS,
# same shape); ">=N" is 不少于 N, ">N" is 超过 N; an indicator left out has no target that year.
DEFAULT_TARGETS = {
    "version": 1,
    "source": "东莞市水乡现代化产业创新创业社区建设工作方案 · 二、工作目标",
    "plan_start": "2024-01-01",
    "years": {
        "2024": {"platforms": ">=1", "talents": ">=200", "companies": ">=30", "high_tech": ">=5"},
        "2025": {"platforms": ">=3", "talents": ">=500", "companies": ">=50", "high_tech": ">=20"},
        "2026": {"talents": ">2000", "companies": ">=100", "high_tech": ">=50"},
    },
}

_TARGET = re.compile(r"^\s*(>=|>)\s*(\d{1,9})\s*$")
ONE_DECIMAL = Decimal("0.1")


@dataclass(frozen=True)
class Target:
    minimum: int  # the number the plan writes
    strict: bool = False  # "超过" (more than) rather than "不少于" (at least)

    @property
    def needed(self) -> int:
        """The smallest count that meets the target."""
        return self.minimum + 1 if self.strict else self.minimum

    def __str__(self) -> str:
        return f"{'>' if self.strict else '≥'} {self.minimum:,}"


@dataclass(frozen=True)
class Targets:
    version: int
    source: str
    plan_start: dt.date
    years: dict[int, dict[str, Target]]

    def for_year(self, year: int) -> dict[str, Target]:
        return self.years.get(year, {})


def targets_problems(config) -> list[str]:
    """What is wrong with a targets configuration (empty when it can be used)."""
    if isinstance(config, str):
        try:
            config = json.loads(config)
        except ValueError:
            return ["not valid JSON"]
    if not isinstance(config, dict) or not isinstance(config.get("years"), dict) or not config["years"]:
        return ["'years' must map a year to its targets"]
    problems = []
    try:
        dt.date.fromisoformat(str(config.get("plan_start", "")))
    except ValueError:
        problems.append("'plan_start' must be a date (YYYY-MM-DD)")
    for year, targets in config["years"].items():
        if not str(year).isdigit() or not 2000 <= int(year) <= 2100:
            problems.append(f"{year}: not a year")
        if not isinstance(targets, dict):
            problems.append(f"{year}: targets must be a mapping")
            continue
        for key, text in targets.items():
            if key not in INDICATORS:
                problems.append(f"{year}: unknown indicator {key!r}")
            elif not _TARGET.match(str(text)):
                problems.append(f"{year} {key}: write '>=N' or '>N'")
    return problems


def parse_targets(config=None) -> Targets:
    """The targets of `config` (a dict or its JSON), DEFAULT_TARGETS when None; ValueError when invalid."""
    config = DEFAULT_TARGETS if config is None else config
    if isinstance(config, str):
        config = json.loads(config) if not targets_problems(config) else config
    problems = targets_problems(config)
    if problems:
        raise ValueError("; ".join(problems))
    years = {}
    for year, targets in config["years"].items():
        parsed = {}
        for key, text in targets.items():
            op, number = _TARGET.match(str(text)).groups()
            parsed[key] = Target(int(number), strict=op == ">")
        years[int(year)] = parsed
    return Targets(int(config.get("version", 1)), str(config.get("source", "")),
                   dt.date.fromisoformat(str(config["plan_start"])), dict(sorted(years.items())))


# --- judging progress ------------------------------------------------------------------------------

class Status(StrEnum):
    MET = "met"
    ON_TRACK = "on_track"  # not met yet, but at or above the straight line to the target
    BEHIND = "behind"  # below that line
    MISSED = "missed"  # the year is over and the target was not met
    NO_TARGET = "none"


@dataclass(frozen=True)
class Progress:
    indicator: str
    year: int
    as_of: dt.date
    actual: int
    target: Target | None
    expected: Decimal | None  # where the straight line stands on `as_of`
    status: Status

    @property
    def gap(self) -> int | None:
        """How many more are needed to meet the target (0 once met)."""
        return None if self.target is None else max(self.target.needed - self.actual, 0)

    @property
    def pct(self) -> Decimal | None:
        """Actual as a percentage of the number the plan writes, one decimal."""
        if self.target is None or not self.target.minimum:
            return None
        return percent(self.actual, self.target.minimum)


def as_of(year: int, today: dt.date) -> dt.date:
    """The day a year's figures are read on: its last day, or today while it is running."""
    return min(dt.date(year, 12, 31), today)


def _baseline(targets: Targets, indicator: str, year: int) -> tuple[dt.date, int]:
    """Where the straight line to `year`'s target starts: the end of the last earlier year with a
    target for the indicator (at that target), else the day before the plan started (at zero)."""
    earlier = [y for y in targets.years if y < year and indicator in targets.years[y]]
    if earlier:
        y = max(earlier)
        return dt.date(y, 12, 31), targets.years[y][indicator].needed
    return targets.plan_start - dt.timedelta(days=1), 0


def expected_by(targets: Targets, indicator: str, year: int, day: dt.date) -> Decimal | None:
    target = targets.for_year(year).get(indicator)
    if target is None:
        return None
    start, base = _baseline(targets, indicator, year)
    end = dt.date(year, 12, 31)
    share = Decimal(min(max((day - start).days, 0), (end - start).days)) / Decimal((end - start).days)
    return (base + (target.needed - base) * share).quantize(ONE_DECIMAL, ROUND_HALF_UP)


def progress(targets: Targets, indicator: str, year: int, actual: int, day: dt.date) -> Progress:
    """Judge `actual` (counted on `day`) against `year`'s target: met; missed once the year is over;
    otherwise on track when at or above the straight line from the previous target (or from zero
    at the plan's start) to this one, behind when below it."""
    target = targets.for_year(year).get(indicator)
    if target is None:
        return Progress(indicator, year, day, actual, None, None, Status.NO_TARGET)
    expected = expected_by(targets, indicator, year, day)
    if actual >= target.needed:
        status = Status.MET
    elif day >= dt.date(year, 12, 31):
        status = Status.MISSED
    else:
        status = Status.ON_TRACK if actual >= expected else Status.BEHIND
    return Progress(indicator, year, day, actual, target, expected, status)


# --- ratios ------------------------------------------------------------------------------------------

def percent(part, whole) -> Decimal | None:
    """part / whole × 100 to one decimal; None when there is no whole."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole) * 100).quantize(ONE_DECIMAL, ROUND_HALF_UP)


def growth(current, previous) -> Decimal | None:
    """(current − previous) / previous × 100 to one decimal; None without a previous figure."""
    if current is None or not previous:
        return None
    return ((Decimal(current) - Decimal(previous)) / Decimal(previous) * 100).quantize(ONE_DECIMAL, ROUND_HALF_UP)


def per(total, count, places: str = "0.01") -> Decimal | None:
    """total / count rounded half up; None for no count."""
    if not count or total is None:
        return None
    return (Decimal(total) / Decimal(count)).quantize(Decimal(places), ROUND_HALF_UP)


# --- fortnights (每两周一报) ------------------------------------------------------------------------

# Fortnights run Monday to Sunday from this Monday (the plan's first operating year); each is
# reported the Monday after it ends, before noon.
FORTNIGHT_ANCHOR = dt.date(2024, 1, 1)
FORTNIGHT_DAYS = 14


@dataclass(frozen=True)
class Fortnight:
    start: dt.date

    @property
    def end(self) -> dt.date:  # inclusive
        return self.start + dt.timedelta(days=FORTNIGHT_DAYS - 1)

    @property
    def due_on(self) -> dt.date:
        """The report goes in the day after the fortnight ends (a Monday for aligned fortnights)."""
        return self.end + dt.timedelta(days=1)

    def complete_on(self, day: dt.date) -> bool:
        return self.end < day


def fortnight_containing(day: dt.date, anchor: dt.date = FORTNIGHT_ANCHOR) -> Fortnight:
    return Fortnight(anchor + dt.timedelta(days=(day - anchor).days // FORTNIGHT_DAYS * FORTNIGHT_DAYS))


def last_complete_fortnight(today: dt.date, anchor: dt.date = FORTNIGHT_ANCHOR) -> Fortnight:
    """The latest aligned fortnight that ended before today."""
    current = fortnight_containing(today, anchor)
    return Fortnight(current.start - dt.timedelta(days=FORTNIGHT_DAYS))
