"""The subsidy Excel exports: the staff lists of batches, claims and clawbacks (their rows as the
page reads them, labels in the page's language), and one batch's claims with every line item (its
labels are the subsidy PDFs' Chinese ones, so the documents and the export say the same)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import sqlalchemy as sa
from flask import current_app
from flask_babel import get_locale
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from sqlalchemy.orm import Session

from ..core.excel import DATE, MONEY, safe_cell, table_bytes, workbook_bytes, yes_no
from ..core.formatting import local
from ..core.models import WorkflowEvent
from .clawbacks import OPEN_STATES
from .documents import APPROVALS, SUBJECT_CLAIM, labels
from .models import ClaimState as C
from .models import Clawback, SubsidyBatch, SubsidyClaim, SupportType
from .workflow import CHECKING, TIER_LABELS

APPROVED = (C.APPROVED, C.IN_NOTICE, C.DISBURSED)
ZERO = Decimal("0.00")


def support_type_name(support_type: SupportType) -> str:
    """The support type in the reader's language (the names are data: Chinese and English)."""
    return support_type.name_en if str(get_locale()).startswith("en") else support_type.name


# --- the staff lists ---------------------------------------------------------------------------------

BATCH_COLUMNS = (("批次编号", 14, None), ("批次名称", 30, None), ("支持类型", 18, None), ("受理开始日期", 12, DATE),
                 ("受理截止日期", 12, DATE), ("补贴期间起", 12, DATE), ("补贴期间止", 12, DATE), ("状态", 12, None),
                 ("公示截止日期", 12, DATE), ("申请数", 8, None), ("待审核数", 8, None),
                 ("已批准金额（元）", 16, MONEY), ("已拨付金额（元）", 16, MONEY), ("资金池", 26, None))


def batch_stats(session: Session, batch_ids: list[int]) -> dict:
    """batch id → (claims, to check, approved amount, paid amount), as the batches list counts them."""
    if not batch_ids:
        return {}
    return {row.batch_id: row for row in session.execute(
        sa.select(SubsidyClaim.batch_id, sa.func.count().label("claims"),
                  sa.func.count().filter(SubsidyClaim.state.in_(CHECKING)).label("to_check"),
                  sa.func.sum(sa.case((SubsidyClaim.state.in_(APPROVED), SubsidyClaim.amount))).label("approved"),
                  sa.func.sum(sa.case((SubsidyClaim.state == C.DISBURSED, SubsidyClaim.amount))).label("paid"))
        .where(SubsidyClaim.batch_id.in_(batch_ids)).group_by(SubsidyClaim.batch_id))}


def batches_workbook(session: Session, batches: list[SubsidyBatch]) -> bytes:
    stats = batch_stats(session, [b.id for b in batches])
    rows = []
    for b in batches:
        st = stats.get(b.id)
        rows.append([b.number, b.name, support_type_name(b.support_type), b.intake_opens_on, b.intake_closes_on,
                     b.period_start, b.period_end, b.state.label, b.notice_ends_on, st.claims if st else 0,
                     st.to_check if st else 0, st.approved if st and st.approved is not None else ZERO,
                     st.paid if st and st.paid is not None else ZERO, b.fund_pool.name])
    return table_bytes("补贴批次", BATCH_COLUMNS, rows)


CLAIM_LIST_COLUMNS = (("申请编号", 16, None), ("企业名称", 30, None), ("统一社会信用代码", 22, None),
                      ("批次编号", 14, None), ("批次名称", 26, None), ("状态", 12, None), ("补贴金额（元）", 16, MONEY),
                      ("审批层级", 14, None), ("提交日期", 12, DATE), ("补正截止日期", 12, DATE),
                      ("拨付日期", 12, DATE), ("拨付凭证号", 20, None), ("原件收到日期", 12, DATE))


def claims_workbook(claims: list[SubsidyClaim]) -> bytes:
    rows = [[c.number, c.company.name, c.company.credit_code, c.batch.number, c.batch.name, c.state.label, c.amount,
             str(TIER_LABELS[c.required_role]) if c.required_role in TIER_LABELS else None,
             local(c.submitted_at).date() if c.submitted_at else None,
             c.due_on if c.state == C.RETURNED else None, c.paid_on, c.payment_reference, c.originals_received_on]
            for c in claims]
    return table_bytes("补贴申请", CLAIM_LIST_COLUMNS, rows)


CLAWBACK_COLUMNS = (("追回编号", 16, None), ("企业名称", 30, None), ("统一社会信用代码", 22, None),
                    ("追回原因", 18, None), ("触发日期", 12, DATE), ("应追回金额（元）", 16, MONEY),
                    ("已退回金额（元）", 16, MONEY), ("待退回金额（元）", 16, MONEY), ("状态", 12, None),
                    ("退回期限", 12, DATE), ("已逾期", 8, None))


def clawbacks_workbook(clawbacks: list[Clawback], day: dt.date) -> bytes:
    rows = []
    for c in clawbacks:
        still_open = c.state in OPEN_STATES
        rows.append([c.number, c.company.name, c.company.credit_code, c.reason.label, c.trigger_on, c.amount, c.repaid,
                     c.amount - c.repaid if still_open else ZERO, c.state.label, c.due_on,
                     yes_no(c.due_on is not None and c.due_on < day) if still_open else None])
    return table_bytes("补贴追回", CLAWBACK_COLUMNS, rows)


# --- one batch, line by line ------------------------------------------------------------------------

CLAIM_COLUMNS = ["申请编号", "企业名称", "统一社会信用代码", "状态", "补贴金额", "审批层级", "提交日期", "核定日期",
                 "审批日期", "拨付日期", "拨付凭证号", "原件收到日期"]
LINE_COLUMNS = ["申请编号", "企业名称", "类型", "期间起", "期间止", "租约", "单元", "企业类别", "计租面积", "可补贴面积",
                "单价", "计补单价", "月数", "月数（数值）", "租金", "计补基数", "租期年度", "年度比例", "面积档比例",
                "比例", "补贴金额", "说明"]
# number formats of the line sheet's numeric columns (by header)
LINE_FORMATS = {"计租面积": MONEY, "可补贴面积": MONEY, "单价": MONEY, "计补单价": MONEY, "月数（数值）": "0.000000",
                "租金": MONEY, "计补基数": MONEY, "年度比例": "0.00", "面积档比例": "0.00", "比例": "0.00", "补贴金额": MONEY}


def _number(value) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def _months(value) -> float | None:
    """"15/31" → 0.483871 (a share of a month; not money, so a float is fine for recomputing)."""
    return None if value in (None, "") else float(Fraction(str(value)))


def _date(value) -> dt.date | None:
    return dt.date.fromisoformat(value[:10]) if value else None


def _event_days(session: Session, claim_ids: list[int]) -> dict[tuple[int, str], dt.date]:
    """(claim id, "verify" | "approve") → the local date of the latest such event."""
    rows = session.execute(sa.select(WorkflowEvent.object_id, WorkflowEvent.action, WorkflowEvent.at).where(
        WorkflowEvent.object_type == SUBJECT_CLAIM, WorkflowEvent.object_id.in_(claim_ids),
        WorkflowEvent.action.in_(("verify", *APPROVALS))).order_by(WorkflowEvent.at, WorkflowEvent.id)) if claim_ids else []
    return {(oid, "approve" if action in APPROVALS else action): local(at).date() for oid, action, at in rows}


def _declared_note(line: dict) -> str | None:
    """Lines of declared-amount support types carry the amount claimed and the policy's limit instead of rent."""
    if "declared" not in line:
        return None
    return f"申报金额 {line['declared']}，政策上限 {line.get('max_amount') or '不设上限'}"


def _write(ws, row: list) -> None:
    ws.append([safe_cell(v) for v in row])


def _line_rows(claim: SubsidyClaim, L: dict, categories: dict) -> list[list]:
    calc = claim.calculation or {}
    head = [claim.number, claim.company.name]
    rows = [[*head, "明细", _date(x["from"]), _date(x["to"]), x.get("lease"), x.get("unit"),
             categories.get(x.get("category"), x.get("category")), _number(x.get("area")),
             _number(x.get("eligible_area")), _number(x.get("rent_per_m2")), _number(x.get("price_used")),
             x.get("months"), _months(x.get("months")), _number(x.get("rent")), _number(x.get("base")),
             x.get("tenancy_year"), _number(x.get("year_rate")), _number(x.get("band_rate")), _number(x.get("rate")),
             _number(x.get("amount")), _declared_note(x)] for x in calc.get("lines", [])]
    for x in calc.get("excluded", []):
        reason = L["REASONS"].get(x.get("reason"), x.get("reason"))
        rows.append([*head, "不计补贴", _date(x.get("from")), _date(x.get("to")), x.get("lease"), x.get("unit"),
                     *[None] * 14, "；".join(t for t in (reason, x.get("detail")) if t)])
    for adj in calc.get("adjustments", []):
        note = f"上限 {adj.get('cap')}，此前已补贴 {adj.get('already')}" if adj.get("cap") else None
        rows.append([*head, L["ADJUSTMENTS"].get(adj.get("reason"), adj.get("reason")), *[None] * 13,
                     adj.get("tenancy_year"), None, None, None, _number(adj.get("amount")), note])
    return rows


def batch_claims(batch: SubsidyBatch) -> sa.Select:
    """A batch's claims in its export: drafts are the companies' own business and left out."""
    return (sa.select(SubsidyClaim).where(SubsidyClaim.batch_id == batch.id, SubsidyClaim.state != C.DRAFT)
            .order_by(SubsidyClaim.number))


def batch_workbook(session: Session, claims: list[SubsidyClaim]) -> bytes:
    """One row per claim and a second sheet with every line item and adjustment, as numbers, so
    each amount can be recomputed."""
    L = labels()
    categories = current_app.jinja_env.get_template("pdf/_labels.html").module.QUALIFICATIONS
    days = _event_days(session, [c.id for c in claims])

    wb = Workbook()
    ws = wb.active
    ws.title = "补贴申请"
    _write(ws, CLAIM_COLUMNS)
    for c in claims:
        _write(ws, [c.number, c.company.name, c.company.credit_code, L["CLAIM_STATES"].get(c.state.value), c.amount,
                    L["TIERS"].get(c.required_role), local(c.submitted_at).date() if c.submitted_at else None,
                    days.get((c.id, "verify")), days.get((c.id, "approve")), c.paid_on, c.payment_reference,
                    c.originals_received_on])
    lines = wb.create_sheet("补贴明细")
    _write(lines, LINE_COLUMNS)
    for c in claims:
        for row in _line_rows(c, L, categories):
            _write(lines, row)

    for cell in ws["E"][1:]:
        cell.number_format = MONEY
    for column in "GHIJL":
        for cell in ws[column][1:]:
            cell.number_format = DATE
    for index, header in enumerate(LINE_COLUMNS, start=1):
        fmt = LINE_FORMATS.get(header) or (DATE if header in ("期间起", "期间止") else None)
        if fmt:
            for (cell,) in lines.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = fmt
    for sheet, widths in ((ws, (16, 30, 22, 14, 14, 12, 12, 12, 12, 12, 20, 12)),
                          (lines, (16, 30, 14, 12, 12, 16, 14, 14, 10, 10, 9, 9, 8, 10, 12, 12, 8, 8, 8, 8, 12, 36))):
        sheet.freeze_panes = "C2"
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = width
    return workbook_bytes(wb)
