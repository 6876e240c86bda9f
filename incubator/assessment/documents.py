"""The assessment documents: a company's 绩效考核报告 (each indicator's arithmetic, a dimension chart,
last year and the campaign median beside it), the campaign's 排名表, the 年度优秀入驻企业 certificate
and the 整改通知书 — numbered, QR-verifiable PDFs through certificates.issue_document (the
Excel exports are in exports.py). Official documents are in Chinese whatever the reader's UI
language; scores are printed exactly as the result's breakdown froze them."""
from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ..certificates.rules import DocumentKind
from ..certificates.services import issue_document
from ..core.calendar import working_days_between
from ..core.errors import TransitionNotAllowed
from ..core.formatting import format_area, format_date, format_money
from . import reports, rules
from .consequences import PUBLISHED
from .models import (
    Campaign,
    CampaignKind,
    Grade,
    Rectification,
    Result,
)
from .models import CampaignState as C
from .models import RectificationState as R
from .workflow import CAMPAIGN, FILING, RECTIFICATION

RANKED = (C.RANKED, C.CONFIRMED, *PUBLISHED)  # a ranking exists from here on


def labels() -> dict:
    """The Chinese labels of templates/pdf/assessment_labels.html, so the PDFs and the export say the same."""
    module = current_app.jinja_env.get_template("pdf/assessment_labels.html").module
    return {name: getattr(module, name) for name in ("CAMPAIGN_KINDS", "FILING_STATES", "CHECK_OUTCOMES",
                                                     "INDICATOR_KINDS", "APPEAL_STATES", "RANKING_STATES")}


def _day(value) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return format_date(value)


def _pts(value) -> str | None:
    return None if value is None else rules.pts(Decimal(str(value)))


def _diff(value, other) -> str | None:
    """value − other as "+2.50", "-1.00" or "0.00"; None when either is missing."""
    if value is None or other is None:
        return None
    d = (Decimal(str(value)) - Decimal(str(other))).quantize(rules.TWO, ROUND_HALF_UP)
    return f"{d:+.2f}" if d else "0.00"


def _campaign(campaign: Campaign) -> dict:
    return {"name": campaign.name, "year": campaign.year, "kind": campaign.kind.value,
            "scheme_version": campaign.scheme.version, "published_on": _day(campaign.published_on),
            "appeals_close_on": _day(campaign.appeals_close_on)}


def _company(company) -> dict:
    return {"name": company.name, "credit_code": company.credit_code}


def _result(result: Result) -> dict:
    ranking = result.breakdown.get("ranking", {})
    return {"score": _pts(result.score), "grade": result.grade.value,
            "grade_label": rules.GRADE_LABELS[result.grade.value], "rank": result.rank, "of": ranking.get("of"),
            "places": ranking.get("places"), "revision": result.revision, "veto": result.veto,
            "max": rules.pts(rules.max_total(result.campaign.scheme.config))}


# --- the dimension chart -----------------------------------------------------------------------------

# (value key, legend, colour): the company, its result last year, the campaign median
SERIES = (("score", "本企业得分", "#b22222"), ("last_year", "上年得分", "#a3a3a3"), ("median", "社区中位数", "#2f6fb0"))
CHART = {"width": 640, "label": 118, "value": 74, "bar": 10, "gap": 2, "pad": 12, "top": 24}


def dimension_chart(dimensions: list[dict]) -> dict:
    """Geometry of horizontal bars (SVG user units) for each dimension: each bar is the share of the
    dimension's full marks, so dimensions of different weights read on one scale. Built here and
    drawn by the template as plain SVG, which WeasyPrint renders without any script."""
    series = [s for s in SERIES if any(d.get(s[0]) is not None for d in dimensions)]
    c = CHART
    plot = c["width"] - c["label"] - c["value"]
    band = len(series) * (c["bar"] + c["gap"]) - c["gap"]
    rows, y = [], c["top"]
    for d in dimensions:
        weight = Decimal(d["weight"])
        bars = []
        for index, (key, _legend, colour) in enumerate(series):
            value = d.get(key)
            top = y + index * (c["bar"] + c["gap"])
            share = min(Decimal(1), Decimal(str(value)) / weight) if value is not None and weight else Decimal(0)
            width = round(float(share * plot), 1)
            bars.append({"y": top, "width": width, "colour": colour, "text_x": c["label"] + width + 4,
                         "text_y": top + c["bar"] - 1.5, "text": _pts(value) if value is not None else "无数据"})
        rows.append({"label": d["label"], "weight": f"满分 {_pts(weight)}", "y": y, "mid": y + band / 2,
                     "bars": bars})
        y += band + c["pad"]
    height = y - c["pad"] + 18
    grid = [{"x": c["label"] + plot * k / 4, "text": f"{25 * k}%"} for k in range(5)]
    legend = [{"x": c["label"] + i * 120, "colour": colour, "text": legend} for i, (_k, legend, colour) in
              enumerate(series)]
    return {"width": c["width"], "height": height, "x0": c["label"], "bar": c["bar"], "plot_bottom": y - c["pad"] + 4,
            "grid": grid, "legend": legend, "rows": rows}


# --- the four PDFs ------------------------------------------------------------------------------------

def _printable(result: Result) -> None:
    if result.campaign.state not in PUBLISHED:
        raise TransitionNotAllowed(_("Assessment documents are available once the results are published."))
    if not result.current:
        raise TransitionNotAllowed(_("This revision was replaced after an appeal; use the result in force."))


def _share(score, weight) -> str:
    return f"{(Decimal(score) / Decimal(weight) * 100).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"


def _appeal(appeal) -> dict | None:
    if appeal is None:
        return None
    return {"filed_on": _day(appeal.filed_at), "grounds": appeal.grounds, "state": appeal.state.value,
            "decided_on": _day(appeal.decided_at), "reason": appeal.decision_reason}


def report_context(session: Session, result: Result) -> dict:
    report = reports.company_report(session, result)
    breakdown, previous, median = result.breakdown, report["previous"], report["median"]
    dimensions = [{"key": d["key"], "label": d["label"], "weight": d["weight"], "score": d["score"],
                   "share": _share(d["score"], d["weight"]), "last_year": d["last_year"],
                   "change": _diff(d["score"], d["last_year"]), "median": _pts(d["median"]),
                   "vs_median": _diff(d["score"], d["median"]), "indicators": d["indicators"]}
                  for d in report["dimensions"]]
    facts = report["facts"]
    lifted = breakdown.get("vetoes_lifted")
    return {
        "company": _company(result.company), "campaign": _campaign(result.campaign), "result": _result(result),
        "reason": result.reason, "explanation": report["ranking"].get("explanation"),
        "earlier": [{"revision": r.revision, "score": _pts(r.score), "grade_label": rules.GRADE_LABELS[r.grade.value],
                     "rank": r.rank} for r in report["revisions"] if r.revision < result.revision],
        "median": _pts(median), "vs_median": _diff(result.score, median),
        "previous": previous and {"campaign": previous.campaign.name, "year": previous.campaign.year,
                                  "score": _pts(previous.score), "rank": previous.rank,
                                  "of": previous.breakdown.get("ranking", {}).get("of"),
                                  "grade_label": rules.GRADE_LABELS[previous.grade.value]},
        "change": _diff(result.score, previous.score if previous else None),
        "dimensions": dimensions, "chart": dimension_chart(dimensions),
        # the facts found behind a veto stay with the staff (as on the result page); the company sees the item
        "vetoes": [v["label"] for v in report["vetoes"]],
        "vetoes_lifted": lifted and {"labels": [v["label"] for v in lifted["vetoes"]], "reason": lifted["reason"]},
        "facts": {"filed": facts.get("filed", True), "submitted_on": _day(facts.get("submitted_on")),
                  "deadline": _day(facts.get("deadline")),
                  "area": format_area(facts["area"]) if facts.get("area") else None,
                  "arrears": format_money(facts["arrears"]) if facts.get("arrears") is not None else None,
                  "arrears_as_of": _day(facts.get("arrears_as_of"))},
        "appeal": _appeal(report["appeal"]),
    }


def certificate_context(session: Session, result: Result) -> dict:
    return {"company": _company(result.company), "campaign": _campaign(result.campaign), "result": _result(result)}


def rectification_context(session: Session, rect: Rectification) -> dict:
    result = rect.result
    return {"company": _company(rect.company), "campaign": _campaign(result.campaign), "result": _result(result),
            "dimensions": [{"label": d["label"], "weight": d["weight"], "score": d["score"]}
                           for d in result.breakdown["dimensions"]],
            "vetoes": [v["label"] for v in result.breakdown.get("vetoes", [])],
            "issued_on": _day(rect.issued_on), "due_on": _day(rect.due_on),
            "working_days": working_days_between(rect.issued_on, rect.due_on),
            "requirements": rect.requirements}


def ranking_context(session: Session, campaign: Campaign) -> dict:
    rows = reports.ranking_rows(session, campaign)
    counts = reports.grade_counts(session, campaign)
    medians = reports.campaign_medians(session, campaign)
    dimensions = [{"key": d["key"], "label": d["label"], "weight": rules.pts(rules.D(d["weight"]))}
                  for d in campaign.scheme.config["dimensions"]]
    first = rows[0]["result"].breakdown.get("ranking", {}) if rows else {}
    bands = campaign.scheme.config["grades"]
    return {
        "campaign": {**_campaign(campaign), "state": campaign.state.value},
        "grades": {"excellent": bands["excellent"]["min_score"], "good": bands["good"]["min_score"],
                   "pass": bands["pass"]["min_score"], "places": first.get("places"),
                   "top_percent": f"{(rules.D(bands['excellent']['top_share']) * 100).normalize():f}"},
        "dimensions": dimensions,
        "rows": [{"rank": r["rank"], "company": r["company"].name, "credit_code": r["company"].credit_code,
                  "dimensions": [r["dimensions"].get(d["key"]) for d in dimensions], "score": _pts(r["score"]),
                  "grade_label": rules.GRADE_LABELS[r["grade"].value], "veto": r["veto"], "revision": r["revision"]}
                 for r in rows],
        "medians": {"dimensions": [_pts(medians.get(d["key"])) for d in dimensions], "total": _pts(medians.get("total"))},
        "counts": [{"label": rules.GRADE_LABELS[g], "count": counts.get(Grade(g), 0)} for g in rules.GRADES],
        "total": len(rows),
    }


def issue_report(session: Session, actor, result: Result):
    """The 绩效考核报告 of a published result in force; the caller authorises. Its subject is the
    filing, so a revision after an appeal supersedes the earlier report."""
    _printable(result)
    return issue_document(session, actor, kind=DocumentKind.ASSESSMENT_REPORT, title="绩效考核报告",
                          company=result.company, subject_type=FILING.name, subject_id=result.filing_id,
                          template="assessment_report.html", context=report_context(session, result))


def issue_certificate(session: Session, actor, result: Result):
    """The 年度优秀入驻企业 certificate: an annual campaign's published 优秀 result; the caller authorises."""
    _printable(result)
    if result.grade != Grade.EXCELLENT:
        raise TransitionNotAllowed(_("The certificate is awarded only to companies graded Excellent."))
    if result.campaign.kind != CampaignKind.ANNUAL:
        raise TransitionNotAllowed(_("The certificate is awarded on the annual assessment only."))
    return issue_document(session, actor, kind=DocumentKind.EXCELLENCE_CERTIFICATE, title="年度优秀入驻企业证书",
                          company=result.company, subject_type=FILING.name, subject_id=result.filing_id,
                          template="assessment_certificate.html", context=certificate_context(session, result))


def issue_rectification_notice(session: Session, actor, rect: Rectification):
    """The 整改通知书 (kept printable once completed; refused once cancelled); the caller authorises."""
    if rect.state == R.CANCELLED:
        raise TransitionNotAllowed(_("This rectification was cancelled; its notice is no longer issued."))
    return issue_document(session, actor, kind=DocumentKind.RECTIFICATION_NOTICE, title="整改通知书",
                          company=rect.company, subject_type=RECTIFICATION.name, subject_id=rect.id,
                          template="assessment_rectification.html", context=rectification_context(session, rect))


def issue_ranking(session: Session, actor, campaign: Campaign):
    """The campaign's 排名表 from ranking on (it says whether confirmed or published); staff only."""
    if campaign.state not in RANKED:
        raise TransitionNotAllowed(_("The ranking table exists once the campaign has been ranked."))
    return issue_document(session, actor, kind=DocumentKind.ASSESSMENT_RANKING, title="绩效考核排名表", company=None,
                          subject_type=CAMPAIGN.name, subject_id=campaign.id, template="assessment_ranking.html",
                          context=ranking_context(session, campaign))
