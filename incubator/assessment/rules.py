"""Pure assessment rules: the default scheme, scoring each indicator with its arithmetic in
Chinese, veto items, ranking, grades and review timing (Decimal in, Decimal out; no database).

Decisions (tested in tests/assessment/test_rules.py):
- "1 point per ¥30,000" means per FULL ¥30,000 (每满): ¥95,000 → 3 points, as public policies word it.
- Ratios and growth rates are percentages to two places; points = percent × points_per_percent,
  never below 0, then capped at the indicator's cap.
- Growth from a previous year of 0 to more than 0 earns the cap (the rate is unbounded);
  no previous filing at all earns 0 with a note (nothing to compare with).
- A missing figure scores 0 for its indicator, with a note saying so.
- Ranking is competition ranking ("1, 2, 2, 4"); companies with a veto item are ranked after
  all the others, so they never take one of the 优秀 places.
- 优秀 needs the score AND a rank within the top share: places = max(1, floor(n × share)).
  floor, because "top 20%" is a ceiling on how many may be 优秀 (with 12 companies 2, not 3);
  at least 1, because otherwise a campaign of fewer than 5 companies could never have an
  优秀 one however good it is. Companies tied on the last place all get it.
"""
from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from ..admission.rules import add_months
from ..core.formatting import format_date, format_money

TWO = Decimal("0.01")
ZERO = Decimal("0.00")

GRADES = ("excellent", "good", "pass", "fail")
GRADE_LABELS = {"excellent": "优秀", "good": "良好", "pass": "合格", "fail": "不合格"}

FIGURE_LABELS = {
    "revenue": "营业收入", "tax_paid": "纳税总额", "rd_expense": "研发费用", "financing": "融资额",
    "headcount": "从业人员", "graduates": "本科及以上人员", "high_level_talents": "高层次人才",
    "ip_invention": "发明专利", "ip_utility": "实用新型专利", "ip_software": "软件著作权",
    "new_qualifications": "新获资质认定", "new_products": "新产品（新服务）",
}
MONEY = {"revenue", "tax_paid", "rd_expense", "financing"}
RULE_TYPES = {"growth": ("figure",), "per_amount": ("figure", "unit"), "per_area": ("figure", "unit"),
              "ratio": ("figure", "base"), "weighted_count": ("weights",), "count": ("figure",),
              "on_time_filing": (), "no_arrears": (), "no_breach": ()}


def _rule(key, label, dimension, cap, **rule):
    return {"key": key, "label": label, "dimension": dimension, "kind": "rule", "rule": rule, "cap": cap}


def _reviewer(key, label, dimension, cap):
    return {"key": key, "label": label, "dimension": dimension, "kind": "reviewer", "cap": cap}


# SPEC §7 defaults; the migration ships a frozen copy as version 1.
DEFAULT_SCHEME: dict = {
    "dimensions": [
        {"key": "economic", "label": "经济效益", "weight": 30},
        {"key": "innovation", "label": "创新能力", "weight": 30},
        {"key": "talent", "label": "人才集聚", "weight": 20},
        {"key": "growth", "label": "成长潜力", "weight": 10},
        {"key": "compliance", "label": "合规与配合", "weight": 10},
    ],
    "indicators": [
        _rule("revenue_growth", "营业收入增长率", "economic", 10, type="growth", figure="revenue",
              points_per_percent="0.2"),
        _rule("tax_paid", "纳税总额", "economic", 10, type="per_amount", figure="tax_paid", unit="30000", points=1),
        _rule("tax_per_m2", "单位面积税收（亩产论英雄）", "economic", 10, type="per_area", figure="tax_paid",
              unit="100", points=1),
        _rule("rd_ratio", "研发投入强度", "innovation", 8, type="ratio", figure="rd_expense", base="revenue",
              points_per_percent=1),
        _rule("ip", "新增知识产权", "innovation", 10, type="weighted_count",
              weights={"ip_invention": 3, "ip_utility": 1, "ip_software": 1}, points=1),
        _rule("qualifications", "新获资质认定", "innovation", 6, type="count", figure="new_qualifications", points=3),
        _reviewer("technology", "技术创新水平", "innovation", 6),
        _rule("headcount_growth", "从业人员增长率", "talent", 6, type="growth", figure="headcount",
              points_per_percent="0.2"),
        _rule("degree_share", "本科及以上人员占比", "talent", 6, type="ratio", figure="graduates", base="headcount",
              points_per_percent="0.1"),
        _rule("high_level", "高层次人才", "talent", 8, type="count", figure="high_level_talents", points=2),
        _rule("financing", "年度融资额", "growth", 4, type="per_amount", figure="financing", unit="300000", points=1),
        _rule("new_products", "新产品（新服务）", "growth", 3, type="count", figure="new_products", points=1),
        _reviewer("prospects", "发展前景", "growth", 3),
        _rule("on_time", "按时报送考核材料", "compliance", 3, type="on_time_filing"),
        _rule("rent_paid", "按时缴纳租金及物业费", "compliance", 3, type="no_arrears"),
        _rule("no_breach", "无违约行为", "compliance", 2, type="no_breach"),
        _reviewer("cooperation", "配合社区工作", "compliance", 2),
    ],
    "vetoes": [
        {"key": "safety_incident", "label": "发生重大安全生产事故"},
        {"key": "serious_dishonesty", "label": "存在严重失信行为"},
        {"key": "false_materials", "label": "提供虚假材料"},
    ],
    "grades": {"excellent": {"min_score": 80, "top_share": "0.2"}, "good": {"min_score": 70},
               "pass": {"min_score": 60}},
    "min_reviewers": 2,
    "appeal_working_days": 10,
    "rectification_working_days": 20,
    "reminder_days": 7,
    "timing": {"first_review_months": 7, "cycle_months": 12, "after_fail_months": 6},
}


def D(value) -> Decimal:  # noqa: N802 - reads like the type
    if isinstance(value, float):
        raise TypeError("scheme numbers must not be floats")
    return Decimal(str(value))


def pts(value: Decimal) -> str:
    """Points as shown: two places."""
    return f"{value.quantize(TWO, ROUND_HALF_UP)}"


def _num(value: Decimal) -> str:
    """A config number without trailing zeros (0.2, 3, 30,000)."""
    text = f"{value.normalize():,f}"
    return text


def show(figure: str, value) -> str:
    if value is None:
        return "未填报"
    return format_money(value) if figure in MONEY else f"{value}"


# --- the scheme's configuration -------------------------------------------------------------------

def indicators_by_dimension(config: dict) -> list[tuple[dict, list[dict]]]:
    return [(d, [i for i in config["indicators"] if i["dimension"] == d["key"]]) for d in config["dimensions"]]


def reviewer_items(config: dict) -> list[dict]:
    return [i for i in config["indicators"] if i["kind"] == "reviewer"]


def max_total(config: dict) -> Decimal:
    return sum((D(d["weight"]) for d in config["dimensions"]), Decimal("0"))


def config_problems(config: dict) -> list[str]:
    """What is wrong with a scheme (empty when it can be saved)."""
    problems: list[str] = []
    try:
        dims = config["dimensions"]
        dim_keys = [d["key"] for d in dims]
        if not dims or len(set(dim_keys)) != len(dim_keys):
            problems.append("dimensions need distinct keys")
        if any(D(d["weight"]) <= 0 for d in dims):
            problems.append("dimension weights must be positive")
        if max_total(config) != 100:
            problems.append("the dimension weights must add up to 100")
        inds = config["indicators"]
        keys = [i["key"] for i in inds]
        if len(set(keys)) != len(keys):
            problems.append("indicators need distinct keys")
        for ind in inds:
            if ind["dimension"] not in dim_keys:
                problems.append(f"indicator {ind['key']}: unknown dimension")
            if D(ind["cap"]) <= 0:
                problems.append(f"indicator {ind['key']}: the cap must be positive")
            if ind["kind"] == "rule":
                rule = ind["rule"]
                needed = RULE_TYPES.get(rule.get("type"))
                if needed is None:
                    problems.append(f"indicator {ind['key']}: unknown rule type")
                    continue
                for param in needed:
                    if param not in rule:
                        problems.append(f"indicator {ind['key']}: {param} is missing")
                for param in ("figure", "base"):
                    if param in rule and rule[param] not in FIGURE_LABELS:
                        problems.append(f"indicator {ind['key']}: unknown figure {rule[param]}")
                if any(k not in FIGURE_LABELS for k in rule.get("weights", {})):
                    problems.append(f"indicator {ind['key']}: unknown figure in the weights")
                if "unit" in rule and D(rule["unit"]) <= 0:
                    problems.append(f"indicator {ind['key']}: the unit must be positive")
            elif ind["kind"] != "reviewer":
                problems.append(f"indicator {ind['key']}: kind must be rule or reviewer")
        for dim, members in indicators_by_dimension(config):
            if sum((D(i["cap"]) for i in members), Decimal("0")) != D(dim["weight"]):
                problems.append(f"dimension {dim['key']}: the indicators' caps must add up to its weight")
        grades = config["grades"]
        bands = [D(grades[g]["min_score"]) for g in ("excellent", "good", "pass")]
        if not (bands[0] > bands[1] > bands[2] > 0) or bands[0] > 100:
            problems.append("grade bands must be 100 ≥ excellent > good > pass > 0")
        if not (Decimal("0") < D(grades["excellent"]["top_share"]) <= 1):
            problems.append("the top share for excellent must be more than 0 and at most 1")
        veto_keys = [v["key"] for v in config["vetoes"]]
        if len(set(veto_keys)) != len(veto_keys):
            problems.append("veto items need distinct keys")
        reviewers = int(config["min_reviewers"])
        if not (0 <= reviewers <= 15) or (reviewer_items(config) and reviewers < 1):
            problems.append("between 1 and 15 reviewers when there are reviewer items")
        for name, low, high in (("appeal_working_days", 1, 60), ("rectification_working_days", 1, 250),
                                ("reminder_days", 1, 60)):
            if not (low <= int(config[name]) <= high):
                problems.append(f"{name} must be {low} to {high}")
        for name in ("first_review_months", "cycle_months", "after_fail_months"):
            if not (1 <= int(config["timing"][name]) <= 60):
                problems.append(f"{name} must be 1 to 60")
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        problems.append(f"missing or malformed setting ({exc})")
    return problems


def score_errors(config: dict, scores: dict[str, Decimal | None]) -> dict[str, str]:
    """A reviewer's sheet: item key → problem ("missing", "range", "precision")."""
    errors = {}
    for item in reviewer_items(config):
        value = scores.get(item["key"])
        if value is None:
            errors[item["key"]] = "missing"
        elif not value.is_finite() or not (Decimal("0") <= value <= D(item["cap"])):
            errors[item["key"]] = "range"
        elif value != value.quantize(Decimal("0.1")):
            errors[item["key"]] = "precision"
    return errors


# --- scoring one filing --------------------------------------------------------------------------

@dataclass(frozen=True)
class Facts:
    """Everything scoring reads about one filing."""

    figures: dict  # figure → verified value (Decimal yuan or int) or None
    previous: dict | None = None  # last year's verified figures; None when there is no earlier filing
    previous_year: int | None = None
    area: Decimal | None = None  # m² leased
    filed: bool = True  # False: not filed by the deadline (lapsed)
    submitted_on: dt.date | None = None
    deadline: dt.date | None = None
    arrears: Decimal = ZERO  # rent and fees due in the assessed year and still unpaid
    arrears_as_of: dt.date | None = None
    breach: str | None = None
    vetoes: dict = field(default_factory=dict)  # key → facts found
    reviewer_scores: dict = field(default_factory=dict)  # indicator → [Decimal, ...] of submitted sheets


@dataclass
class IndicatorScore:
    key: str
    label: str
    kind: str
    cap: Decimal
    points: Decimal
    arithmetic: str
    note: str | None = None
    missing: bool = False
    capped: bool = False
    adjusted: dict | None = None  # set by revise() on an upheld appeal

    def to_json(self) -> dict:
        return {"key": self.key, "label": self.label, "kind": self.kind, "cap": pts(self.cap),
                "points": pts(self.points), "arithmetic": self.arithmetic, "note": self.note,
                "missing": self.missing, "capped": self.capped, "adjusted": self.adjusted}


@dataclass
class Outcome:
    scheme_version: int | None
    dimensions: list[dict]  # {"key", "label", "weight", "score", "indicators": [IndicatorScore]}
    vetoes: list[dict]
    facts: dict
    total: Decimal

    @property
    def veto(self) -> bool:
        return bool(self.vetoes)

    def indicator(self, key: str) -> IndicatorScore | None:
        return next((i for d in self.dimensions for i in d["indicators"] if i.key == key), None)

    def to_json(self) -> dict:
        return {"scheme_version": self.scheme_version, "total": pts(self.total),
                "dimensions": [{**{k: v for k, v in d.items() if k != "indicators"},
                                "indicators": [i.to_json() for i in d["indicators"]]} for d in self.dimensions],
                "vetoes": self.vetoes, "facts": self.facts}


def _missing(label: str, figure: str) -> tuple[Decimal, str, str, bool]:
    return ZERO, f"{label}：未填报{FIGURE_LABELS[figure]}", f"未填报{FIGURE_LABELS[figure]}，本项计 0 分", True


def _growth(rule: dict, f: Facts, label: str, cap: Decimal):
    fig = rule["figure"]
    name = FIGURE_LABELS[fig]
    cur = f.figures.get(fig)
    if cur is None:
        return _missing(label, fig)
    prev = (f.previous or {}).get(fig)
    if f.previous is None or prev is None:
        return ZERO, f"{name} {show(fig, cur)}；无上年数据", "无上年数据可比，本项计 0 分", False
    if prev == 0:
        if cur > 0:
            return cap, f"{name}由上年 0 增至 {show(fig, cur)}，增长率无法计算，按本项满分计", None, False
        return ZERO, f"{name}上年与本年均为 0", None, False
    rate = ((D(cur) - D(prev)) / D(prev) * 100).quantize(TWO, ROUND_HALF_UP)
    per = D(rule["points_per_percent"])
    raw = max(ZERO, rate * per)
    text = (f"{name} {show(fig, cur)}，上年 {show(fig, prev)}；增长率 = ({show(fig, cur)} − {show(fig, prev)}) ÷ "
            f"{show(fig, prev)} = {rate}%；{rate} × {_num(per)} = {pts(raw)} 分")
    return raw, text, "增长率为负，本项计 0 分" if rate < 0 else None, False


def _per_amount(rule: dict, f: Facts, label: str, cap: Decimal):
    fig = rule["figure"]
    value = f.figures.get(fig)
    if value is None:
        return _missing(label, fig)
    unit, each = D(rule["unit"]), D(rule.get("points", 1))
    units = int(D(value) // unit)
    raw = units * each
    text = (f"{FIGURE_LABELS[fig]} {show(fig, value)}，每满 {format_money(unit)} 计 {_num(each)} 分："
            f"{units} × {_num(each)} = {pts(raw)} 分")
    return raw, text, None, False


def _per_area(rule: dict, f: Facts, label: str, cap: Decimal):
    fig = rule["figure"]
    value = f.figures.get(fig)
    if value is None:
        return _missing(label, fig)
    if not f.area:
        return ZERO, f"{FIGURE_LABELS[fig]} {show(fig, value)}；无在租面积", "无在租面积，本项计 0 分", False
    unit, each = D(rule["unit"]), D(rule.get("points", 1))
    per_m2 = (D(value) / f.area).quantize(TWO, ROUND_HALF_UP)
    units = int(per_m2 // unit)
    raw = units * each
    text = (f"{FIGURE_LABELS[fig]} {show(fig, value)} ÷ 在租面积 {f.area} m² = {format_money(per_m2)}/m²，"
            f"每满 {format_money(unit)}/m² 计 {_num(each)} 分：{units} × {_num(each)} = {pts(raw)} 分")
    return raw, text, None, False


def _ratio(rule: dict, f: Facts, label: str, cap: Decimal):
    fig, base = rule["figure"], rule["base"]
    value, base_value = f.figures.get(fig), f.figures.get(base)
    if value is None:
        return _missing(label, fig)
    if base_value is None:
        return _missing(label, base)
    if base_value == 0:
        return (ZERO, f"{FIGURE_LABELS[base]}为 0，比例无法计算",
                f"{FIGURE_LABELS[base]}为 0，本项计 0 分", False)
    percent = (D(value) / D(base_value) * 100).quantize(TWO, ROUND_HALF_UP)
    per = D(rule["points_per_percent"])
    raw = percent * per
    text = (f"{FIGURE_LABELS[fig]} {show(fig, value)} ÷ {FIGURE_LABELS[base]} {show(base, base_value)} = "
            f"{percent}%；{percent} × {_num(per)} = {pts(raw)} 分")
    return raw, text, None, False


def _weighted_count(rule: dict, f: Facts, label: str, cap: Decimal):
    weights = {k: D(w) for k, w in rule["weights"].items()}
    values = {k: f.figures.get(k) for k in weights}
    if all(v is None for v in values.values()):
        keys = "、".join(FIGURE_LABELS[k] for k in weights)
        return ZERO, f"{label}：未填报{keys}", f"未填报{keys}，本项计 0 分", True
    weighted = sum((D(v or 0) * w for v, w in zip(values.values(), weights.values(), strict=True)), Decimal("0"))
    each = D(rule.get("points", 1))
    raw = weighted * each
    parts = " + ".join(f"{FIGURE_LABELS[k]} {values[k] or 0} × {_num(w)}" for k, w in weights.items())
    text = f"{parts} = {_num(weighted)}；{_num(weighted)} × {_num(each)} = {pts(raw)} 分"
    unfiled = [FIGURE_LABELS[k] for k, v in values.items() if v is None]
    return raw, text, (f"未填报{'、'.join(unfiled)}，按 0 计" if unfiled else None), False


def _count(rule: dict, f: Facts, label: str, cap: Decimal):
    fig = rule["figure"]
    value = f.figures.get(fig)
    if value is None:
        return _missing(label, fig)
    each = D(rule.get("points", 1))
    raw = D(value) * each
    return raw, f"{FIGURE_LABELS[fig]} {value} × {_num(each)} 分 = {pts(raw)} 分", None, False


def _on_time(rule: dict, f: Facts, label: str, cap: Decimal):
    deadline = format_date(f.deadline) if f.deadline else "—"
    if not f.filed or f.submitted_on is None:
        return ZERO, f"截止 {deadline} 未报送", "未报送，本项计 0 分", False
    if f.deadline is not None and f.submitted_on > f.deadline:
        return ZERO, f"于 {format_date(f.submitted_on)} 报送，晚于截止日 {deadline}", "逾期报送，本项计 0 分", False
    return cap, f"于 {format_date(f.submitted_on)} 报送（截止 {deadline}），按时报送：{pts(cap)} 分", None, False


def _no_arrears(rule: dict, f: Facts, label: str, cap: Decimal):
    as_of = format_date(f.arrears_as_of) if f.arrears_as_of else "—"
    if f.arrears > 0:
        return (ZERO, f"{as_of}前到期的租金及物业费尚欠 {format_money(f.arrears)}",
                "存在欠缴，本项计 0 分", False)
    return cap, f"{as_of}前到期的租金及物业费均已缴清：{pts(cap)} 分", None, False


def _no_breach(rule: dict, f: Facts, label: str, cap: Decimal):
    if f.breach:
        return ZERO, f"存在违约行为：{f.breach}", "存在违约行为，本项计 0 分", False
    return cap, f"未发现违约行为：{pts(cap)} 分", None, False


RULES = {"growth": _growth, "per_amount": _per_amount, "per_area": _per_area, "ratio": _ratio,
         "weighted_count": _weighted_count, "count": _count, "on_time_filing": _on_time,
         "no_arrears": _no_arrears, "no_breach": _no_breach}


def mean_score(scores: list[Decimal]) -> Decimal:
    return (sum(scores, Decimal("0")) / len(scores)).quantize(TWO, ROUND_HALF_UP)


def _reviewer_item(ind: dict, f: Facts):
    scores = f.reviewer_scores.get(ind["key"]) or []
    if not scores:
        return ZERO, f"{ind['label']}：无专家评分", "无专家评分，本项计 0 分", True
    raw = mean_score(scores)
    listed = "、".join(f"{s}" for s in scores)
    return raw, f"专家评分 {listed}，平均 = {pts(raw)} 分", None, False


def score_indicator(ind: dict, facts: Facts) -> IndicatorScore:
    cap = D(ind["cap"])
    if ind["kind"] == "reviewer":
        raw, text, note, missing = _reviewer_item(ind, facts)
    else:
        raw, text, note, missing = RULES[ind["rule"]["type"]](ind["rule"], facts, ind["label"], cap)
    raw = D(raw).quantize(TWO, ROUND_HALF_UP)
    capped = raw > cap
    points = min(raw, cap)
    if capped:
        text += f"，封顶 {pts(cap)} 分"
    return IndicatorScore(ind["key"], ind["label"], ind["kind"], cap, points, text, note, missing, capped)


def score_filing(config: dict, facts: Facts, scheme_version: int | None = None) -> Outcome:
    dimensions = []
    for dim, members in indicators_by_dimension(config):
        scored = [score_indicator(ind, facts) for ind in members]
        dimensions.append({"key": dim["key"], "label": dim["label"], "weight": pts(D(dim["weight"])),
                           "score": pts(sum((s.points for s in scored), ZERO)), "indicators": scored})
    vetoes = [{"key": v["key"], "label": v["label"], "note": facts.vetoes[v["key"]]}
              for v in config["vetoes"] if v["key"] in facts.vetoes]
    total = sum((i.points for d in dimensions for i in d["indicators"]), ZERO)
    return Outcome(scheme_version, dimensions, vetoes, _facts_json(facts), total)


def _facts_json(f: Facts) -> dict:
    return {"filed": f.filed, "submitted_on": f.submitted_on.isoformat() if f.submitted_on else None,
            "deadline": f.deadline.isoformat() if f.deadline else None,
            "area": str(f.area) if f.area is not None else None,
            "arrears": str(f.arrears),
            "arrears_as_of": f.arrears_as_of.isoformat() if f.arrears_as_of else None,
            "previous_year": f.previous_year, "breach": f.breach}


def indicator_points(breakdown: dict) -> dict[str, Decimal]:
    return {i["key"]: D(i["points"]) for d in breakdown["dimensions"] for i in d["indicators"]}


def revise(breakdown: dict, adjustments: dict[str, Decimal], *, reason: str, lift_vetoes: bool) -> dict:
    """The breakdown after an upheld appeal: the indicators' new points (each marked with the
    points it had and why), dimension scores and total again; the ranking is the caller's."""
    new = copy.deepcopy(breakdown)
    new.pop("ranking", None)
    for dim in new["dimensions"]:
        for ind in dim["indicators"]:
            value = adjustments.get(ind["key"])
            if value is not None and D(ind["points"]) != value:
                ind["adjusted"] = {"from": ind["points"], "reason": reason}
                ind["points"] = pts(value)
        dim["score"] = pts(sum((D(i["points"]) for i in dim["indicators"]), ZERO))
    if lift_vetoes and new["vetoes"]:
        new["vetoes_lifted"] = {"vetoes": new["vetoes"], "reason": reason}
        new["vetoes"] = []
    new["total"] = pts(sum((D(d["score"]) for d in new["dimensions"]), ZERO))
    return new


# --- ranking and grades -------------------------------------------------------------------------------

def competition_ranks(entries: dict) -> dict:
    """entry id → rank, from id → (score, veto): higher scores first, vetoed entries after all
    others; equal entries share a rank and the next rank skips ("1, 2, 2, 4")."""
    ordered = sorted(entries.items(), key=lambda kv: (kv[1][1], -kv[1][0]))
    ranks, previous, rank = {}, None, 0
    for position, (ident, key) in enumerate(ordered, start=1):
        if key != previous:
            rank, previous = position, key
        ranks[ident] = rank
    return ranks


def excellent_places(config: dict, n: int) -> int:
    """How many ranks count as "the top share" in a campaign of n (see the module docstring)."""
    if n <= 0:
        return 0
    share = D(config["grades"]["excellent"]["top_share"])
    return max(1, int(n * share))


def grade_for(config: dict, score: Decimal, rank: int, places: int, veto: bool) -> str:
    if veto:
        return "fail"
    bands = config["grades"]
    if score >= D(bands["excellent"]["min_score"]) and rank <= places:
        return "excellent"
    if score >= D(bands["good"]["min_score"]):
        return "good"
    if score >= D(bands["pass"]["min_score"]):
        return "pass"
    return "fail"


def grade_explanation(config: dict, score: Decimal, rank: int, n: int, places: int, veto: bool) -> str:
    """Why the grade is what it is, in Chinese (shown beside the breakdown)."""
    grade = grade_for(config, score, rank, places, veto)
    bands = config["grades"]
    head = f"总分 {pts(score)} 分，排名 {rank}/{n}"
    if veto:
        return f"{head}；存在一票否决事项，等次为不合格"
    excellent_min = _num(D(bands["excellent"]["min_score"]))
    text = f"{head}；优秀须 ≥ {excellent_min} 分且排名前 {places} 名（前 {_num(D(bands['excellent']['top_share']) * 100)}%）"
    if score >= D(bands["excellent"]["min_score"]) and grade != "excellent":
        text += "，排名未进入优秀名额"
    return f"{text}；等次为{GRADE_LABELS[grade]}"


def rank_campaign(config: dict, entries: dict) -> dict:
    """entry id → {"rank", "grade", "places", "of", "explanation"} for the whole campaign."""
    ranks = competition_ranks(entries)
    n = len(entries)
    places = excellent_places(config, n)
    return {ident: {"rank": ranks[ident], "of": n, "places": places,
                    "grade": grade_for(config, score, ranks[ident], places, veto),
                    "explanation": grade_explanation(config, score, ranks[ident], n, places, veto)}
            for ident, (score, veto) in entries.items()}


def rank_among(score: Decimal, veto: bool, others: list[tuple[Decimal, bool]]) -> int:
    """The rank a revised result takes among the campaign's other current results."""
    return 1 + sum(1 for s, v in others if (v, -s) < (veto, -score))


# --- review timing -----------------------------------------------------------------------------------

def next_review_due(moved_in_on: dt.date | None, results: list[tuple[dt.date, str]], timing: dict) -> dt.date | None:
    """When the company's next review falls due: months after move-in for the first one, then a
    cycle after the last published result (a shorter one after a failure). `results` are
    (published on, grade) pairs; those before the move-in do not count."""
    if moved_in_on is None:
        return None
    since = sorted((r for r in results if r[0] >= moved_in_on), key=lambda r: r[0])
    if not since:
        return add_months(moved_in_on, int(timing["first_review_months"]))
    last_on, grade = since[-1]
    months = timing["after_fail_months"] if grade == "fail" else timing["cycle_months"]
    return add_months(last_on, int(months))


def consecutive_failures(grades: list[str]) -> int:
    """How many of the latest grades (oldest first) are 不合格 in a row."""
    count = 0
    for grade in reversed(grades):
        if grade != "fail":
            break
        count += 1
    return count
