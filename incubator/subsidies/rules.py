"""The rent-subsidy engine (SPEC §6), pure: a policy configuration and the company's facts in,
a Calculation out whose every line a person can recompute by hand:

    base   = to_fen(eligible area × unit price used × months)
    amount = to_fen(base × year rate × band rate)

Only settled charges count, only eligible unit types, only days on which the company holds an
eligible qualification, only the policy's tenancy years; the area cap (and area bands) apply to
the company's units together on each day, in unit order (lease number, unit id). Lines split at
calendar months, tenancy anniversaries and category changes. Money is Decimal throughout."""
from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..leases.rules import add_years, month_segments, rent_for, to_fen
from ..spaces.models import UnitType

ZERO = Decimal("0.00")
ONE = Decimal("1")
DAY = dt.timedelta(days=1)

# SPEC §6 defaults; identical to RENT_POLICY shipped by migration df3d1790f42d (a test checks it).
DEFAULT_RENT_CONFIG: dict = {
    "approval_tiers": [{"below": "100000", "role": "lead"}, {"below": "300000", "role": "deputy"},
                       {"below": None, "role": "commander"}],
    "return_working_days": 10,
    "notice_working_days": 7,
    "lock_in_years": 2,
    "require_no_arrears": True,
    "exclude_failed_assessment": True,
    "eligible_categories": ["tech_sme", "high_tech"],
    "eligible_unit_types": ["office", "lab"],
    "max_area": "1000",
    "year_rates": ["1.00", "0.50", "0.50"],
    "unit_price_cap": None,
    "yearly_caps": {},
    "area_bands": [],
}
COMMON_KEYS = frozenset({"approval_tiers", "return_working_days", "notice_working_days", "lock_in_years",
                         "require_no_arrears", "exclude_failed_assessment"})
RENT_KEYS = COMMON_KEYS | {"eligible_categories", "eligible_unit_types", "max_area", "year_rates",
                           "unit_price_cap", "yearly_caps", "area_bands"}
DECLARED_KEYS = COMMON_KEYS | {"max_amount"}
# support types without an engine (the amount claimed, checked by people), as shipped
DEFAULT_DECLARED_CONFIG: dict = {**{k: DEFAULT_RENT_CONFIG[k] for k in sorted(COMMON_KEYS)}, "max_amount": None}

# Subsidy categories, worst to best: a line carries the best one held that day.
CATEGORIES = ("tech_sme", "high_tech", "above_scale_high_tech")
CATEGORY_LABELS = {"tech_sme": _l("Tech-based SME"), "high_tech": _l("High-tech enterprise"),
                   "above_scale_high_tech": _l("Above-scale high-tech enterprise")}
CATEGORY_ZH = {"tech_sme": "科技型中小企业", "high_tech": "高新技术企业", "above_scale_high_tech": "规上高新技术企业"}
UNIT_TYPE_ZH = {"office": "办公", "factory": "厂房", "apartment": "人才公寓", "lab": "实验室"}
ROLES = ("lead", "deputy", "commander")

REASONS = {
    # excluded periods
    "unpaid": _l("Rent not paid in full"),
    "category": _l("No eligible qualification"),
    "unit_type": _l("Unit type not eligible"),
    "beyond_years": _l("Beyond the subsidised tenancy years"),
    "before_tenancy": _l("Before the tenancy started"),
    "area_cap": _l("Area above the cap"),
    "outside_period": _l("Outside the subsidy period"),
    # adjustments and blocks
    "yearly_cap": _l("Yearly cap"),
    "arrears": _l("Overdue rent"),
    "failed_assessment": _l("Last assessment failed"),
}

MAX_AMOUNT = Decimal("1000000000000")  # Numeric(14, 2)
MAX_AREA = Decimal("100000000")


# --- facts --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class UnitFact:
    unit_id: int
    label: str
    unit_type: str
    area: Decimal


@dataclass(frozen=True)
class ChargeFact:
    lease_number: str
    period_start: dt.date
    period_end: dt.date
    rent_per_m2: Decimal
    units: tuple[UnitFact, ...]
    rent: Decimal
    paid: Decimal
    amount: Decimal  # rent + property fee: the charge is settled when paid >= amount
    settled_on: dt.date | None


@dataclass(frozen=True)
class QualificationFact:
    kind: str
    obtained_on: dt.date
    expires_on: dt.date | None

    def valid_on(self, day: dt.date) -> bool:
        return self.obtained_on <= day and (self.expires_on is None or day <= self.expires_on)


@dataclass(frozen=True)
class Facts:
    company_name: str
    tenancy_start: dt.date | None
    charges: tuple[ChargeFact, ...]
    qualifications: tuple[QualificationFact, ...]
    last_grade: str | None  # "fail" blocks when exclude_failed_assessment
    overdue: Decimal  # > 0 blocks when require_no_arrears
    granted_by_year: dict[int, Decimal] = field(default_factory=dict)  # tenancy year → granted in earlier claims


# --- result -------------------------------------------------------------------------------------

@dataclass
class Calculation:
    """`lines`, `excluded` and `adjustments` are already in their stored JSON form (strings)."""

    support_type: str
    policy_id: int
    policy_version: int
    period: tuple[dt.date, dt.date]
    tenancy_start: dt.date | None
    lines: list[dict]
    excluded: list[dict]
    adjustments: list[dict]
    blocked: dict | None
    total: Decimal

    def to_json(self) -> dict:
        return {"policy_id": self.policy_id, "policy_version": self.policy_version,
                "support_type": self.support_type, "period": [d.isoformat() for d in self.period],
                "tenancy_start": self.tenancy_start.isoformat() if self.tenancy_start else None,
                "lines": self.lines, "excluded": self.excluded, "adjustments": self.adjustments,
                "blocked": self.blocked, "total": _money(self.total)}


def _money(value: Decimal) -> str:
    return str(to_fen(value))


def rate_text(rate: Decimal) -> str:
    """0.5 → "0.50", 0.45 → "0.45", 0.405 → "0.405": two places at least, exact always."""
    return str(rate.quantize(Decimal("0.01"))) if rate == rate.quantize(Decimal("0.01")) else str(rate.normalize())


# --- the company's timeline: tenancy year and category per day ---------------------------------

def tenancy_year(start: dt.date, day: dt.date) -> int:
    """Year n runs from start + (n-1) years to the day before start + n years (29 Feb → 1 Mar)."""
    years = day.year - start.year
    if add_years(start, years) > day:
        years -= 1
    return years + 1


def categories_held(qualifications, day: dt.date) -> set[str]:
    kinds = {q.kind for q in qualifications if q.valid_on(day)}
    held = {c for c in ("tech_sme", "high_tech") if c in kinds}
    if {"high_tech", "above_scale"} <= kinds:
        held.add("above_scale_high_tech")
    return held


def _eligible_categories(config: dict) -> set[str]:
    eligible = set(config["eligible_categories"])
    if "high_tech" in eligible:  # an above-scale high-tech enterprise is a high-tech enterprise
        eligible.add("above_scale_high_tech")
    return eligible


@dataclass(frozen=True)
class _Span:
    start: dt.date
    end: dt.date
    reason: str | None = None  # an exclusion, or eligible with year and category
    detail: str = ""
    year: int = 0
    category: str = ""


def _timeline(config: dict, facts: Facts, start: dt.date, end: dt.date) -> list[_Span]:
    """[start, end] cut where the tenancy year or the best eligible category changes."""
    rates = config["year_rates"]
    eligible = _eligible_categories(config)
    names = "、".join(CATEGORY_ZH[c] for c in CATEGORIES if c in config["eligible_categories"])
    cuts = {start, end + DAY}
    if facts.tenancy_start:
        cuts |= {add_years(facts.tenancy_start, n) for n in range(len(rates) + 1)}
    for q in facts.qualifications:
        cuts |= {q.obtained_on, *((q.expires_on + DAY,) if q.expires_on else ())}
    cuts = sorted(c for c in cuts if start <= c <= end + DAY)
    spans: list[_Span] = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        span = _span_on(a, b - DAY, facts, rates, eligible, names)
        last = spans[-1] if spans else None
        if last and (last.reason, last.detail, last.year, last.category) == (span.reason, span.detail, span.year,
                                                                            span.category):
            spans[-1] = _Span(last.start, span.end, span.reason, span.detail, span.year, span.category)
        else:
            spans.append(span)
    return spans


def _span_on(a: dt.date, b: dt.date, facts: Facts, rates: list, eligible: set[str], names: str) -> _Span:
    start = facts.tenancy_start
    if start is None:
        return _Span(a, b, "before_tenancy", "无入驻日期（尚无已签订的租约）")
    if a < start:
        return _Span(a, b, "before_tenancy", f"入驻日{start.isoformat()}之前")
    year = tenancy_year(start, a)
    if year > len(rates):
        return _Span(a, b, "beyond_years", f"入驻第{year}年，政策只补贴前{len(rates)}年")
    held = categories_held(facts.qualifications, a) & eligible
    if not held:
        return _Span(a, b, "category", f"该时段未持有有效的{names}资质")
    return _Span(a, b, year=year, category=max(held, key=CATEGORIES.index))


# --- area cap and bands -------------------------------------------------------------------------

def _bands(config: dict) -> list[tuple[Decimal | None, Decimal]]:
    return [(None if b["up_to"] is None else Decimal(str(b["up_to"])), Decimal(str(b["rate"])))
            for b in config.get("area_bands") or []] or [(None, ONE)]


def _area_limit(config: dict) -> Decimal | None:
    """max_area, or the last area band's upper bound when that is lower (no rate beyond it)."""
    limits = [Decimal(str(config["max_area"]))] if config.get("max_area") is not None else []
    last_band = _bands(config)[-1][0]
    if last_band is not None:
        limits.append(last_band)
    return min(limits) if limits else None


def _band_pieces(bands, offset: Decimal, area: Decimal) -> list[tuple[int, Decimal, Decimal]]:
    """The area [offset, offset + area) of the company's total, cut by the bands: (band, rate, area)."""
    pieces, low = [], ZERO
    for i, (up_to, rate) in enumerate(bands):
        high = up_to if up_to is not None else offset + area
        part = min(offset + area, high) - max(offset, low)
        if part > 0:
            pieces.append((i, rate, part))
        low = high
    return pieces


# --- the engine ---------------------------------------------------------------------------------

@dataclass
class _Piece:
    """A unit on eligible days within one charge."""

    start: dt.date
    end: dt.date
    charge: ChargeFact
    unit: UnitFact
    year: int
    category: str

    @property
    def order(self) -> tuple:
        return self.charge.lease_number, self.unit.unit_id


@dataclass
class _Slice:
    """A piece's days within one cut, with its share of the area in one band."""

    piece: _Piece
    start: dt.date
    end: dt.date
    band: int
    band_rate: Decimal
    area: Decimal

    def continues_into(self, other: _Slice) -> bool:
        a, b = self.piece, other.piece
        return (a.order == b.order and a.charge.rent_per_m2 == b.charge.rent_per_m2
                and (a.year, a.category, self.band, self.area) == (b.year, b.category, other.band, other.area)
                and self.end + DAY == other.start and (self.start.year, self.start.month) == (other.start.year,
                                                                                              other.start.month))


@dataclass
class _Excl:
    start: dt.date
    end: dt.date
    lease: str
    unit: UnitFact
    reason: str
    detail: str


def compute_rent(config: dict, facts: Facts, period_start: dt.date, period_end: dt.date, *, policy_id: int,
                 policy_version: int) -> Calculation:
    excluded: list[_Excl] = []
    pieces: list[_Piece] = []
    timeline = _timeline(config, facts, period_start, period_end) if period_start <= period_end else []
    unit_types = set(config["eligible_unit_types"])
    for charge in sorted(facts.charges, key=lambda c: (c.period_start, c.lease_number)):
        start, end = max(charge.period_start, period_start), min(charge.period_end, period_end)
        for unit in sorted(charge.units, key=lambda u: u.unit_id):
            if start > end:
                excluded.append(_Excl(charge.period_start, charge.period_end, charge.lease_number, unit,
                                      "outside_period", f"不在补贴时段{period_start.isoformat()}至"
                                                        f"{period_end.isoformat()}内"))
            elif charge.paid < charge.amount:
                excluded.append(_Excl(start, end, charge.lease_number, unit, "unpaid",
                                      f"该期应缴租金及物业费{_money(charge.amount)}元，已缴{_money(charge.paid)}元，"
                                      f"未缴清"))
            elif unit.unit_type not in unit_types:
                excluded.append(_Excl(start, end, charge.lease_number, unit, "unit_type",
                                      f"单元用途为{UNIT_TYPE_ZH.get(unit.unit_type, unit.unit_type)}，不在补贴范围"))
            else:
                for span in timeline:
                    a, b = max(span.start, start), min(span.end, end)
                    if a > b:
                        continue
                    if span.reason:
                        excluded.append(_Excl(a, b, charge.lease_number, unit, span.reason, span.detail))
                    else:
                        pieces.append(_Piece(a, b, charge, unit, span.year, span.category))
    lines = _lines(config, pieces, excluded)
    adjustments = _yearly_caps(config, lines, facts.granted_by_year)
    blocked = _blocked(config, facts)
    total = sum((Decimal(x["amount"]) for x in (*lines, *adjustments)), ZERO)
    return Calculation("rent", policy_id, policy_version, (period_start, period_end), facts.tenancy_start,
                       lines, _excluded_json(excluded), adjustments, blocked,
                       ZERO if blocked else max(total, ZERO))


def _lines(config: dict, pieces: list[_Piece], excluded: list[_Excl]) -> list[dict]:
    """Cut the pieces where any of them starts or ends and at month ends, so that within each cut
    the same units are held on every day; share the area limit and the bands in unit order."""
    cuts = sorted({p.start for p in pieces} | {p.end + DAY for p in pieces})
    by_cut: dict[tuple[dt.date, dt.date], list[_Piece]] = defaultdict(list)
    for p in pieces:
        inner = [c for c in cuts if p.start < c <= p.end] + [p.end + DAY]
        a = p.start
        for c in inner:
            for f, t, _share in month_segments(a, c - DAY):
                by_cut[(f, t)].append(p)
            a = c
    limit, bands = _area_limit(config), _bands(config)
    cap = Decimal(str(config["unit_price_cap"])) if config.get("unit_price_cap") is not None else None
    slices: list[_Slice] = []
    for (f, t), held in by_cut.items():
        room, offset = limit, ZERO
        for p in sorted(held, key=lambda p: p.order):
            area = p.unit.area if room is None else min(p.unit.area, room)
            if area < p.unit.area:
                excluded.append(_Excl(f, t, p.charge.lease_number, p.unit, "area_cap",
                                      f"同期补贴面积合计不超过{_money(limit)}平方米，"
                                      f"超出部分{_money(p.unit.area - area)}平方米不补贴"))
            if room is not None:
                room -= area
            slices += [_Slice(p, f, t, band, rate, part) for band, rate, part in _band_pieces(bands, offset, area)]
            offset += area

    merged: list[_Slice] = []  # a unit's consecutive slices within a month read as one line
    for sl in sorted(slices, key=lambda sl: (sl.piece.order, sl.band, sl.start)):
        if merged and merged[-1].continues_into(sl):
            merged[-1].end = sl.end
        else:
            merged.append(sl)

    rates = [Decimal(str(r)) for r in config["year_rates"]]
    lines = []
    for sl in sorted(merged, key=lambda sl: (sl.start, sl.piece.order, sl.band)):
        p, f, t, area = sl.piece, sl.start, sl.end, sl.area
        days, in_month = (t - f).days + 1, calendar.monthrange(f.year, f.month)[1]
        share = Fraction(days, in_month)
        price = p.charge.rent_per_m2 if cap is None else min(p.charge.rent_per_m2, cap)
        base = rent_for(area, price, share)
        rate = rates[p.year - 1] * sl.band_rate
        lines.append({"from": f.isoformat(), "to": t.isoformat(), "lease": p.charge.lease_number,
                      "unit": p.unit.label, "area": _money(p.unit.area), "eligible_area": _money(area),
                      "rent_per_m2": _money(p.charge.rent_per_m2), "price_used": _money(price),
                      # days over days in the month, unreduced ("20/28"): as people count it
                      "months": "1" if days == in_month else f"{days}/{in_month}",
                      "rent": _money(rent_for(area, p.charge.rent_per_m2, share)),
                      "base": _money(base), "tenancy_year": p.year, "year_rate": rate_text(rates[p.year - 1]),
                      "band_rate": rate_text(sl.band_rate), "rate": rate_text(rate),
                      "amount": _money(base * rate), "category": p.category})
    return lines


def _excluded_json(excluded: list[_Excl]) -> list[dict]:
    """Adjacent exclusions of one unit for the same reason and detail read as one."""
    merged: list[_Excl] = []
    for e in sorted(excluded, key=lambda e: (e.lease, e.unit.unit_id, e.reason, e.start)):
        last = merged[-1] if merged else None
        if (last and (last.lease, last.unit.unit_id, last.reason, last.detail) == (e.lease, e.unit.unit_id, e.reason,
                                                                                    e.detail)
                and last.end + DAY >= e.start):
            last.end = max(last.end, e.end)
        else:
            merged.append(_Excl(e.start, e.end, e.lease, e.unit, e.reason, e.detail))
    merged.sort(key=lambda e: (e.start, e.lease, e.unit.unit_id, e.reason))
    return [{"from": e.start.isoformat(), "to": e.end.isoformat(), "lease": e.lease, "unit": e.unit.label,
             "reason": e.reason, "detail": e.detail} for e in merged]


def _yearly_caps(config: dict, lines: list[dict], granted_by_year: dict[int, Decimal]) -> list[dict]:
    """Per tenancy year at most the cap of the best category reached that year, counting what
    earlier claims already granted for that year."""
    caps = config.get("yearly_caps") or {}
    sums: dict[int, Decimal] = defaultdict(lambda: ZERO)
    best: dict[int, str] = {}
    for line in lines:
        year = line["tenancy_year"]
        sums[year] += Decimal(line["amount"])
        best[year] = max(best.get(year, line["category"]), line["category"], key=CATEGORIES.index)
    adjustments = []
    for year in sorted(sums):
        if caps.get(best[year]) is None:
            continue
        cap = Decimal(str(caps[best[year]]))
        already = to_fen(Decimal(granted_by_year.get(year, ZERO)))
        over = sums[year] - max(cap - already, ZERO)
        if over > 0:
            adjustments.append({"tenancy_year": year, "reason": "yearly_cap", "cap": _money(cap),
                                "already": _money(already), "amount": _money(-over)})
    return adjustments


def _blocked(config: dict, facts: Facts) -> dict | None:
    if config.get("require_no_arrears") and facts.overdue > 0:
        return {"reason": "arrears", "detail": f"有逾期未缴的租金及物业费{_money(facts.overdue)}元，缴清后方可享受补贴"}
    if config.get("exclude_failed_assessment") and facts.last_grade == "fail":
        return {"reason": "failed_assessment", "detail": "最近一次年度绩效考核结果为不合格"}
    return None


def compute_declared(config: dict, declared: Decimal, *, policy_id: int, policy_version: int,
                     period_start: dt.date, period_end: dt.date) -> Calculation:
    """Support types without an engine: the amount claimed, up to the policy's max_amount."""
    if not isinstance(declared, Decimal) or not declared.is_finite() or declared < 0:
        raise ValueError(f"a declared amount must be a non-negative Decimal, not {declared!r}")
    declared = to_fen(declared)
    limit = config.get("max_amount")
    amount = declared if limit is None else min(declared, Decimal(str(limit)))
    line = {"from": period_start.isoformat(), "to": period_end.isoformat(), "declared": _money(declared),
            "max_amount": None if limit is None else _money(Decimal(str(limit))), "amount": _money(amount)}
    return Calculation("declared", policy_id, policy_version, (period_start, period_end), None, [line], [], [],
                       None, to_fen(amount))


def required_role(config: dict, amount: Decimal) -> str:
    """The approval tier an amount needs: the first tier whose bound it stays below."""
    for tier in config["approval_tiers"]:
        if tier["below"] is None or amount < Decimal(str(tier["below"])):
            return tier["role"]
    raise ValueError("approval tiers must end with an unbounded tier")


# --- checking a configuration (the policy form) -------------------------------------------------

def _decimal(value, places: int) -> Decimal | None:
    """A finite number given as text or an integer (never a float, never a bool) with at most
    `places` decimals; None when it is anything else."""
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        return None
    try:
        d = Decimal(str(value).strip())
        exact = d.is_finite() and d == d.quantize(Decimal(1).scaleb(-places))
    except InvalidOperation:  # not a number, or too many digits to quantize
        return None
    return d if exact else None


def _amount_ok(value, limit: Decimal = MAX_AMOUNT) -> bool:
    d = _decimal(value, 2)
    return d is not None and 0 < d < limit


def _rate_ok(value) -> bool:
    d = _decimal(value, 4)
    return d is not None and 0 <= d <= 1


def _int_between(value, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def validate_config(config, calculator: str | None = None) -> list[str]:
    """What is wrong with a policy configuration, in words for the person editing it (empty when
    it can be saved). `calculator` is "rent" or "declared"; by default it is read off the keys."""
    if not isinstance(config, dict):
        return [_("The policy settings are malformed.")]
    calculator = calculator or ("rent" if "year_rates" in config else "declared")
    keys = RENT_KEYS if calculator == "rent" else DECLARED_KEYS
    problems = []
    if missing := keys - set(config):
        problems.append(_("Settings are missing: %(keys)s.", keys=", ".join(sorted(missing))))
    if unknown := set(config) - keys:
        problems.append(_("Unknown settings: %(keys)s.", keys=", ".join(sorted(map(str, unknown)))))
    checks = _COMMON_CHECKS + (_RENT_CHECKS if calculator == "rent" else _DECLARED_CHECKS)
    for key, check in checks:
        if key in config:
            problems += check(config[key])
    return problems


def _check_tiers(tiers) -> list[str]:
    message = _("Approval tiers need ascending thresholds in yuan, a different role each, and a last tier "
                "without a threshold.")
    if (not isinstance(tiers, list) or not tiers
            or not all(isinstance(t, dict) and set(t) == {"below", "role"} and t["role"] in ROLES for t in tiers)
            or len({t["role"] for t in tiers}) != len(tiers) or tiers[-1]["below"] is not None
            or not all(_amount_ok(t["below"]) for t in tiers[:-1])):
        return [message]
    return [] if _ascending([Decimal(str(t["below"])) for t in tiers[:-1]]) else [message]


def _ascending(values: list[Decimal]) -> bool:
    return all(a < b for a, b in zip(values, values[1:], strict=False))


def _distinct_known(value, known) -> bool:
    return (isinstance(value, list) and bool(value) and all(isinstance(v, str) and v in known for v in value)
            and len(set(value)) == len(value))


def _check_return_days(value) -> list[str]:
    return [] if _int_between(value, 1, 60) else [_("The correction period must be 1 to 60 working days.")]


def _check_notice_days(value) -> list[str]:
    return [] if _int_between(value, 1, 60) else [_("The public notice must last 1 to 60 working days.")]


def _check_lock_in(value) -> list[str]:
    return [] if _int_between(value, 0, 10) else [_("The lock-in period must be 0 to 10 years.")]


def _check_flag(value) -> list[str]:
    return [] if isinstance(value, bool) else [_("A yes/no setting has another value.")]


def _check_categories(value) -> list[str]:
    if _distinct_known(value, CATEGORIES):
        return []
    return [_("Choose at least one eligible category (known categories only, each once).")]


def _check_unit_types(value) -> list[str]:
    if _distinct_known(value, {t.value for t in UnitType}):
        return []
    return [_("Choose at least one eligible unit type (known types only, each once).")]


def _check_max_area(value) -> list[str]:
    if value is None or _amount_ok(value, MAX_AREA):
        return []
    return [_("The area cap must be a positive area in m² with at most two decimals, or empty for none.")]


def _check_year_rates(value) -> list[str]:
    if isinstance(value, list) and 1 <= len(value) <= 10 and all(_rate_ok(r) for r in value):
        return []
    return [_("Give the rate for each tenancy year (1 to 10 years), each between 0 and 1 with at most four "
              "decimals.")]


def _check_price_cap(value) -> list[str]:
    if value is None or _amount_ok(value):
        return []
    return [_("The unit-price cap must be a positive amount in yuan per m² per month, or empty for none.")]


def _check_yearly_caps(value) -> list[str]:
    if isinstance(value, dict) and all(k in CATEGORIES and _amount_ok(v) for k, v in value.items()):
        return []
    return [_("Yearly caps must be positive amounts in yuan for known categories.")]


def _check_area_bands(value) -> list[str]:
    message = _("Area bands need ascending upper bounds in m² (only the last may be open) and rates between 0 "
                "and 1.")
    if (not isinstance(value, list) or len(value) > 10
            or not all(isinstance(b, dict) and set(b) == {"up_to", "rate"} and _rate_ok(b["rate"]) for b in value)):
        return [message]
    bounds = [b["up_to"] for b in value]
    if any(b is None for b in bounds[:-1]) or not all(_amount_ok(b, MAX_AREA) for b in bounds if b is not None):
        return [message]
    return [] if _ascending([Decimal(str(b)) for b in bounds if b is not None]) else [message]


def _check_max_amount(value) -> list[str]:
    if value is None or _amount_ok(value):
        return []
    return [_("The maximum amount must be a positive amount in yuan, or empty for none.")]


_COMMON_CHECKS = [("approval_tiers", _check_tiers), ("return_working_days", _check_return_days),
                  ("notice_working_days", _check_notice_days), ("lock_in_years", _check_lock_in),
                  ("require_no_arrears", _check_flag), ("exclude_failed_assessment", _check_flag)]
_RENT_CHECKS = [("eligible_categories", _check_categories), ("eligible_unit_types", _check_unit_types),
                ("max_area", _check_max_area), ("year_rates", _check_year_rates), ("unit_price_cap", _check_price_cap),
                ("yearly_caps", _check_yearly_caps), ("area_bands", _check_area_bands)]
_DECLARED_CHECKS = [("max_amount", _check_max_amount)]
