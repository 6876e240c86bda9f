"""The assessment Excel exports: the staff list of campaigns (its rows as the page reads them,
labels in the page's language) and one campaign's filings, results and indicators (the campaign
page's and the ranking page's rows; labels are the assessment PDFs' Chinese ones, so the
documents and the export say the same)."""
from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from sqlalchemy.orm import Session

from ..core.excel import DATE, MONEY, STAMP, safe_cell, stamp, table_bytes, workbook_bytes
from ..core.formatting import format_money
from . import reports, rules, services
from .documents import labels
from .models import FIGURES, MONEY_FIGURES, Campaign, CheckOutcome, Filing, Result
from .models import FilingState as F

SCORE = "0.00"
FILED = (F.SUBMITTED, F.RESUBMITTED, F.VERIFIED, F.RETURNED)  # as the campaigns list counts "filed"


# --- the staff list of campaigns -------------------------------------------------------------------

CAMPAIGN_COLUMNS = (("考核名称", 30, None), ("类型", 12, None), ("考核年度", 8, None), ("填报开始日期", 12, DATE),
                    ("填报截止日期", 12, DATE), ("状态", 12, None), ("参评企业数", 10, None), ("已报送", 8, None),
                    ("已核实", 8, None), ("逾期未报", 8, None))


def campaigns_workbook(session: Session, campaigns: list[Campaign]) -> bytes:
    ids = [c.id for c in campaigns]
    counts = reports.state_counts(session, ids)
    overdue = dict(session.execute(sa.select(Filing.campaign_id, sa.func.count()).where(
        Filing.campaign_id.in_(ids), services.overdue_condition()).group_by(Filing.campaign_id)).all()) if ids else {}
    rows = []
    for c in campaigns:
        n = counts.get(c.id, {})
        rows.append([c.name, c.kind.label, c.year, c.opens_on, c.closes_on, c.state.label, sum(n.values()),
                     sum(n.get(s, 0) for s in FILED), n.get(F.VERIFIED, 0), overdue.get(c.id, 0)])
    return table_bytes("绩效考核", CAMPAIGN_COLUMNS, rows)


# --- one campaign ---------------------------------------------------------------------------------------

def _figure_header(key: str) -> str:
    return f"{rules.FIGURE_LABELS[key]}（元）" if key in MONEY_FIGURES else rules.FIGURE_LABELS[key]


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
            stamp(filing.submitted_at), stamp(filing.resubmitted_at), stamp(filing.verified_at),
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


def campaign_workbook(campaign: Campaign, filings: list[Filing], results: list[Result]) -> bytes:
    """Sheet 1: the filings (the campaign page's rows) with every figure (as filed) and its state;
    sheet 2: the results in force (the ranking page's rows) with dimension scores; sheet 3: every
    indicator's points and arithmetic. Numbers are numbers; text that a spreadsheet would run is
    neutralised."""
    L = labels()
    config = campaign.scheme.config
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
    return workbook_bytes(wb)
