"""The Excel export of the staff list of applications (the list's filters and order): one row per
application with the reviewers' totals and means, and a sheet with every score and comment. Its
labels are the admission PDFs' Chinese ones, so the documents and the export say the same."""
from __future__ import annotations

from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from sqlalchemy.orm import Session

from ..core.excel import DATE, safe_cell, workbook_bytes
from ..core.formatting import local
from . import rules, services
from .documents import DECIDED, labels
from .models import Application
from .models import AssignmentState as A


def _rubric_columns(apps: list[Application]) -> list[tuple[str, str]]:
    """Every rubric item of the policies in the export, in first-seen order (key, label)."""
    seen: dict[str, str] = {}
    for app in apps:
        for item in app.policy.config["rubric"]:
            seen.setdefault(item["key"], item["label"])
    return list(seen.items())


def _write(ws, row: list) -> None:
    ws.append([safe_cell(v) for v in row])


def applications_workbook(session: Session, apps: list[Application]) -> bytes:
    """One row per application (reviewer totals, mean per item, mean, spread, recommendation,
    decision) and a second sheet with every score and comment."""
    L = labels()
    rubric = _rubric_columns(apps)
    panels = {app.id: services.panel(app) for app in apps}
    sheets = {app.id: [a for a in app.assignments if a.state == A.SUBMITTED] for app in apps}
    most = max((len(s) for s in sheets.values()), default=0)

    wb = Workbook()
    ws = wb.active
    ws.title = "申请汇总"
    _write(ws, ["申请编号", "企业名称", "统一社会信用代码", "载体", "产业方向", "状态", "提交日期", "评审专家",
                *[f"专家{i}总分" for i in range(1, most + 1)], *[f"{label}（均分）" for _k, label in rubric],
                "平均分", "极差", "是否达标", "联合评审建议", "决定", "决定理由"])
    for app in apps:
        summary, done = panels[app.id], sheets[app.id]
        totals = [a.total for a in done] + [None] * (most - len(done))
        _write(ws, [
            app.number, app.company.name, app.company.credit_code, app.carrier.name, L["TRACKS"].get(app.track.value),
            L["APPLICATION_STATES"].get(app.state.value), local(app.submitted_at).date() if app.submitted_at else None,
            "、".join(a.reviewer.display_name for a in done) or None, *totals,
            *[summary.item_means.get(key) for key, _label in rubric],
            summary.mean, summary.spread, ("是" if summary.passes else "否") if done else None,
            L["RECOMMENDATIONS"].get(app.joint_recommendation), DECIDED.get(app.state), app.decision_reason])

    scores = wb.create_sheet("评分明细")
    _write(scores, ["申请编号", "企业名称", "评审专家", "评分项", "满分", "得分", "评语"])
    for app in apps:
        config = app.policy.config
        for a in sheets[app.id]:
            given = {s.item_key: s for s in a.scores}
            for item in config["rubric"]:
                s = given.get(item["key"])
                _write(scores, [app.number, app.company.name, a.reviewer.display_name, item["label"],
                                Decimal(str(item["weight"])), s.score if s else None, s.comment if s else None])
            _write(scores, [app.number, app.company.name, a.reviewer.display_name, "总分及总体意见",
                            rules.rubric_max(config), a.total, a.overall_comment])

    for cell in ws["G"][1:]:
        cell.number_format = DATE
    for sheet, widths in ((ws, (16, 30, 22, 20, 14, 14, 12, 24)), (scores, (16, 30, 14, 26, 8, 8, 60))):
        sheet.freeze_panes = "C2"
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for column, width in zip("ABCDEFGH", widths, strict=False):
            sheet.column_dimensions[column].width = width
    return workbook_bytes(wb)
