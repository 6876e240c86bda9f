"""The assessment documents: a company's 绩效考核报告 (each indicator's arithmetic, a dimension chart,
last year and the campaign median beside it), the campaign's 排名表, the 年度优秀入驻企业 certificate
and the 整改通知书 — numbered, QR-verifiable PDFs through certificates.issue_document — and the
campaign's Excel export. Official documents are in Chinese whatever the reader's UI language;
scores are printed exactly as the result's breakdown froze them."""
from __future__ import annotations

import datetime as dt
import io
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from sqlalchemy.orm import Session

from ..admission.documents import safe_cell
from ..certificates.rules import DocumentKind
from ..certificates.services import issue_document
from ..core.calendar import working_days_between
from ..core.errors import TransitionNotAllowed
from ..core.formatting import format_area, format_date, format_money, local
from . import reports, rules
from .consequences import PUBLISHED
from .models import (
    FIGURES,
    MONEY_FIGURES,
    Campaign,
    CampaignKind,
    CheckOutcome,
    Filing,
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


# --- Excel export ---------------------------------------------------------------------------------------

SCORE = "0.00"
MONEY = "#,##0.00"
STAMP = "yyyy-mm-dd hh:mm"


def _figure_header(key: str) -> str:
    return f"{rules.FIGURE_LABELS[key]}（元）" if key in MONEY_FIGURES else rules.FIGURE_LABELS[key]


def _stamp(value: dt.datetime | None) -> dt.datetime | None:
    """Local wall time without the zone (a spreadsheet cell has none)."""
    return local(value).replace(tzinfo=None) if value else None


def _corrections(filing: Filing) -> str | None:
    def show(key, value):
        return format_money(value) if key in MONEY_FIGURES else f"{int(value)}"

    lines = [f"{rules.FIGURE_LABELS.get(c.figure, c.figure)}：{show(c.figure, c.filed_value)} → "
             f"{show(c.figure, c.corrected_value)}" + (f"（{c.reason}）" if c.reason else "")
             for c in filing.checks if c.outcome == CheckOutcome.CORRECTED and c.corrected_value is not None
             and c.filed_value is not None]
    return "；".join(lines) or None


def _vetoes(filing: Filing, veto_labels: dict) -> str | None:
    return "；".join(f"{veto_labels.get(k, k)}：{facts}" for k, facts in (filing.vetoes or {}).items()) or None


def _filing_row(filing: Filing, L: dict, veto_labels: dict) -> list:
    # figures count once submitted: a draft's (or an unfiled one's) are the company's work in progress
    filed = filing.submitted_at is not None
    return [filing.company.name, filing.company.credit_code, L["FILING_STATES"].get(filing.state.value),
            *[getattr(filing, k) if filed else None for k in FIGURES], _corrections(filing),
            _stamp(filing.submitted_at), _stamp(filing.resubmitted_at), _stamp(filing.verified_at),
            filing.breach_note, _vetoes(filing, veto_labels), filing.company_note]


def _indicator_rows(result: Result, L: dict) -> list[list]:
    rows = []
    for d in result.breakdown["dimensions"]:
        for i in d["indicators"]:
            adjusted = i.get("adjusted") or {}
            rows.append([result.rank, result.company.name, d["label"], i["label"],
                         L["INDICATOR_KINDS"].get(i["kind"], i["kind"]), Decimal(i["cap"]), Decimal(i["points"]),
                         i["arithmetic"], i.get("note"), "是" if i.get("capped") else None,
                         Decimal(adjusted["from"]) if adjusted.get("from") else None, adjusted.get("reason")])
    return rows


def _write(ws, row: list) -> None:
    ws.append([safe_cell(v) for v in row])


def _format(ws, headers: list[str], formats: dict[str, str], widths: dict[str, int], freeze: str) -> None:
    ws.freeze_panes = freeze
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for index, header in enumerate(headers, start=1):
        letter = ws.cell(row=1, column=index).column_letter
        ws.column_dimensions[letter].width = widths.get(header, 12)
        fmt = formats.get(header)
        if fmt:
            for (cell,) in ws.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = fmt


def export_campaign(session: Session, campaign: Campaign) -> bytes:
    """Sheet 1: every filing with every figure (as filed) and its state; sheet 2: the results in
    force by rank with dimension scores; sheet 3: every indicator's points and arithmetic. Numbers
    are numbers; text that a spreadsheet would run is neutralised."""
    L = labels()
    config = campaign.scheme.config
    filings = session.scalars(sa.select(Filing).where(Filing.campaign_id == campaign.id)).all()
    filings = sorted(filings, key=lambda f: (f.company.name, f.id))
    results = session.scalars(reports.ranking_stmt(campaign)).all()
    dimensions = config["dimensions"]
    veto_labels = {v["key"]: v["label"] for v in config["vetoes"]}

    wb = Workbook()
    ws = wb.active
    ws.title = "填报数据"
    filing_headers = ["企业名称", "统一社会信用代码", "填报状态", *[_figure_header(k) for k in FIGURES], "核查更正",
                      "首次报送时间", "重新报送时间", "核实时间", "违约情况", "一票否决事项", "企业说明"]
    _write(ws, filing_headers)
    for f in filings:
        _write(ws, _filing_row(f, L, veto_labels))
    _format(ws, filing_headers, {**{_figure_header(k): MONEY for k in MONEY_FIGURES},
                                 **{h: STAMP for h in ("首次报送时间", "重新报送时间", "核实时间")}},
            {"企业名称": 30, "统一社会信用代码": 22, "核查更正": 36, "首次报送时间": 16, "重新报送时间": 16,
             "核实时间": 16, "违约情况": 24, "一票否决事项": 24, "企业说明": 36}, "C2")

    sheet = wb.create_sheet("考核结果")
    dim_headers = [f"{d['label']}（{rules.pts(rules.D(d['weight']))}分）" for d in dimensions]
    result_headers = ["排名", "企业名称", "统一社会信用代码", *dim_headers, "总分", "等次", "一票否决", "结果版本",
                      "修订理由"]
    _write(sheet, result_headers)
    for r in results:
        scores = {d["key"]: Decimal(d["score"]) for d in r.breakdown["dimensions"]}
        _write(sheet, [r.rank, r.company.name, r.company.credit_code, *[scores.get(d["key"]) for d in dimensions],
                       r.score, rules.GRADE_LABELS[r.grade.value], "是" if r.veto else "否", r.revision, r.reason])
    _format(sheet, result_headers, {h: SCORE for h in (*dim_headers, "总分")},
            {"排名": 6, "企业名称": 30, "统一社会信用代码": 22, "修订理由": 36}, "C2")

    detail = wb.create_sheet("指标明细")
    detail_headers = ["排名", "企业名称", "维度", "指标", "计分方式", "满分", "得分", "计算过程", "说明", "封顶",
                      "申诉调整前得分", "调整理由"]
    _write(detail, detail_headers)
    for r in results:
        for row in _indicator_rows(r, L):
            _write(detail, row)
    _format(detail, detail_headers, {"满分": SCORE, "得分": SCORE, "申诉调整前得分": SCORE},
            {"排名": 6, "企业名称": 30, "指标": 22, "计算过程": 60, "说明": 28, "调整理由": 28}, "C2")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
