"""The Excel list of expense requests: the staff list's rows (its filters and order), amounts as
numbers, labels in Chinese (the workbook is a record, whatever the reader's language)."""
from __future__ import annotations

from ..core.excel import DATE, MONEY, STAMP, stamp, table_bytes
from .models import POOL_ZH, ExpenseRequest

STATES = {"draft": "草稿", "submitted": "待审批", "returned": "退回修改", "approved": "已批准", "paid": "已支付",
          "rejected": "不予批准", "withdrawn": "已撤回"}
TIERS = {"lead": "工作组分管领导", "deputy": "现场副指挥长", "commander": "指挥长"}
COLUMNS = (("申请编号", 15, None), ("预算年度", 9, None), ("经费", 14, None), ("支出类别", 16, None),
           ("事项", 36, None), ("收款方", 28, None), ("金额（元）", 14, MONEY), ("审批层级", 14, None),
           ("状态", 10, None), ("申请人", 14, None), ("提交时间", 17, STAMP), ("审批时间", 17, STAMP),
           ("审批人", 14, None), ("支付日期", 12, DATE), ("支付凭证号", 22, None), ("用途及依据", 48, None))


def _row(r: ExpenseRequest) -> list:
    return [r.number, r.year, POOL_ZH[r.category.pool], r.category.name, r.title, r.payee, r.amount, TIERS[r.tier],
            STATES[r.state.value], r.requested_by.display_name, stamp(r.submitted_at), stamp(r.decided_at),
            r.decided_by.display_name if r.decided_by else None, r.paid_on, r.payment_reference, r.purpose]


def requests_workbook(requests: list[ExpenseRequest], year: int | None = None) -> bytes:
    return table_bytes(f"{year}年经费支出申请" if year else "经费支出申请", COLUMNS, [_row(r) for r in requests])
