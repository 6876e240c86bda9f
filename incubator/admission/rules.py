"""Pure admission rules: default policy, checklist, conditions, panel arithmetic (Decimal in, Decimal out)."""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

TWO = Decimal("0.01")

# SPEC §4 defaults (national incubator rules 国科发区〔2018〕300号; 东科〔2023〕39号).
DEFAULT_CONFIG: dict = {
    "conditions": {
        "max_company_age_months": 24,       # founded at most 24 months before applying (None = no limit)
        "require_registration_move": True,  # 工商、税务、统计关系迁入社区
        "tech_area_share_min": 80,          # % of non-commercial area for tech projects (community level)
    },
    "materials": [
        {"key": "business_licence", "label": "营业执照", "required": True},
        {"key": "legal_rep_id", "label": "法定代表人身份证明", "required": True},
        {"key": "business_plan", "label": "商业计划书", "required": True},
        {"key": "financial_statements", "label": "近两年财务报表", "required": True, "when": "founded_over_1y"},
        {"key": "ip_certificate", "label": "知识产权证书", "required": True},
        {"key": "team_cvs", "label": "核心团队简历及学历证明", "required": True},
        {"key": "qualification_certificate", "label": "资质证书", "required": False},
        {"key": "space_requirement", "label": "场地需求说明", "required": True},
        {"key": "env_safety_statement", "label": "环评/安全生产说明", "required": True, "when": "factory"},
    ],
    "rubric": [
        {"key": "technology", "label": "技术与创新", "weight": 25},
        {"key": "team", "label": "团队", "weight": 20},
        {"key": "fit", "label": "与社区产业契合度", "weight": 20},
        {"key": "market", "label": "市场前景", "weight": 15},
        {"key": "operations", "label": "经营与财务状况", "weight": 10},
        {"key": "contribution", "label": "预期贡献（产值、税收、就业、带动）", "weight": 10},
    ],
    "min_reviewers": 3,
    "min_mean": 70,
    "low_score": 50,               # a reviewer's total below this needs a written note
    "supplement_working_days": 10,
}


def config_problems(config: dict) -> list[str]:
    """What is wrong with a policy configuration (empty when it can be saved)."""
    problems = []
    try:
        rubric = config["rubric"]
        keys = [i["key"] for i in rubric]
        if not rubric or len(set(keys)) != len(keys):
            problems.append("rubric items need distinct keys")
        if any(Decimal(str(i["weight"])) <= 0 for i in rubric):
            problems.append("rubric weights must be positive")
        top = rubric_max(config)
        if not (0 < Decimal(str(config["min_mean"])) <= top):
            problems.append("the passing mean must be between 0 and the rubric's maximum")
        if not (0 <= Decimal(str(config["low_score"])) <= top):
            problems.append("the low-score threshold must be between 0 and the rubric's maximum")
        if not (1 <= int(config["min_reviewers"]) <= 15):
            problems.append("between 1 and 15 reviewers")
        if not (1 <= int(config["supplement_working_days"]) <= 60):
            problems.append("the supplement period must be 1 to 60 working days")
        material_keys = [m["key"] for m in config["materials"]]
        if len(set(material_keys)) != len(material_keys):
            problems.append("materials need distinct keys")
        age = config["conditions"].get("max_company_age_months")
        if age is not None and not (1 <= int(age) <= 600):
            problems.append("the company age limit must be 1 to 600 months")
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        problems.append(f"missing or malformed setting ({exc})")
    return problems


def add_months(day: dt.date, months: int) -> dt.date:
    """The corresponding day `months` later; the month's last day when it has none (民法典 art. 201)."""
    years, month0 = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month0 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole months from start to end (a company founded 2024-11-23 is 23 months old on 2026-11-22;
    one founded on 31 January is a month old on the last day of February)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - 1 if add_months(start, months) > end else months


def required_materials(config: dict, *, founded_on: dt.date | None, on: dt.date, factory: bool) -> list[dict]:
    """The checklist items that apply to this applicant."""
    items = []
    for item in config["materials"]:
        when = item.get("when")
        if when == "founded_over_1y" and (founded_on is None or months_between(founded_on, on) < 12):
            continue
        if when == "factory" and not factory:
            continue
        items.append(item)
    return items


def missing_materials(items: list[dict], uploaded: set[str]) -> list[dict]:
    return [i for i in items if i.get("required") and i["key"] not in uploaded]


def unmet_conditions(config: dict, *, founded_on: dt.date | None, on: dt.date,
                     will_move_registration: bool) -> list[str]:
    """Condition keys not met (messages are the caller's)."""
    cond = config["conditions"]
    unmet = []
    limit = cond.get("max_company_age_months")
    # "founded at most N months before applying": N months and a day is too old
    if limit is not None and (founded_on is None or on > add_months(founded_on, int(limit))):
        unmet.append("company_age")
    if cond.get("require_registration_move") and not will_move_registration:
        unmet.append("registration_move")
    return unmet


def rubric_max(config: dict) -> Decimal:
    return sum((Decimal(str(i["weight"])) for i in config["rubric"]), Decimal("0"))


def score_errors(config: dict, scores: dict[str, Decimal | None]) -> dict[str, str]:
    """item key → problem ("missing", "range", "precision")."""
    errors = {}
    for item in config["rubric"]:
        value = scores.get(item["key"])
        if value is None:
            errors[item["key"]] = "missing"
        elif not value.is_finite() or not (Decimal("0") <= value <= Decimal(str(item["weight"]))):
            errors[item["key"]] = "range"
        elif value != value.quantize(Decimal("0.1")):
            errors[item["key"]] = "precision"
    return errors


def sheet_total(scores: dict[str, Decimal]) -> Decimal:
    return sum(scores.values(), Decimal("0")).quantize(TWO)


@dataclass
class Sheet:
    reviewer: str
    scores: dict[str, Decimal]
    comments: dict[str, str] = field(default_factory=dict)
    overall: str = ""

    @property
    def total(self) -> Decimal:
        return sheet_total(self.scores)


@dataclass
class PanelSummary:
    item_means: dict[str, Decimal]
    totals: list[Decimal]
    mean: Decimal | None
    spread: Decimal | None
    passes: bool
    reasons: list[str]


def panel_summary(config: dict, sheets: list[Sheet]) -> PanelSummary:
    """Mean per item and overall, spread (max − min), and whether the panel's verdict is a pass:
    mean ≥ min_mean and no reviewer below low_score without a written note."""
    reasons: list[str] = []
    if len(sheets) < config["min_reviewers"]:
        reasons.append("too_few_reviewers")
    if not sheets:
        return PanelSummary({}, [], None, None, False, reasons)
    n = Decimal(len(sheets))
    item_means = {i["key"]: (sum((s.scores.get(i["key"], Decimal("0")) for s in sheets), Decimal("0")) / n)
                  .quantize(TWO, ROUND_HALF_UP) for i in config["rubric"]}
    totals = [s.total for s in sheets]
    mean = (sum(totals, Decimal("0")) / n).quantize(TWO, ROUND_HALF_UP)
    if mean < Decimal(str(config["min_mean"])):
        reasons.append("mean_below_pass")
    low = Decimal(str(config["low_score"]))
    if any(s.total < low and not s.overall.strip() for s in sheets):
        reasons.append("low_score_without_note")
    return PanelSummary(item_means, totals, mean, max(totals) - min(totals), not reasons, reasons)
