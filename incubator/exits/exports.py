"""The Excel list of exit cases: the staff list's rows (its filters and order) with their settlement
figures as numbers. Its labels are the exit PDFs' Chinese ones, so the documents and the export
say the same."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..core.excel import DATE, MONEY, table_bytes
from ..core.formatting import local
from ..core.models import WorkflowEvent
from .documents import labels
from .models import ExitCase
from .workflow import EXIT_FLOW

COLUMNS = (("案件编号", 15, None), ("企业名称", 30, None), ("统一社会信用代码", 22, None), ("退出类型", 16, None),
           ("违约情形", 18, None), ("提出方式", 14, None), ("状态", 12, None), ("提出日期", 12, DATE),
           ("批准日期", 12, DATE), ("退出日期", 12, DATE), ("执行日期", 12, DATE), ("经批准退出", 10, None),
           ("欠缴租金及物业费", 14, MONEY), ("补贴追回", 14, MONEY), ("损坏赔偿", 14, MONEY), ("退还押金", 14, MONEY),
           ("退还预付租金", 14, MONEY), ("不予退还的押金及预付租金", 14, MONEY), ("结算净额（正数为企业应付）", 14, MONEY),
           ("退出事由", 48, None))


def _approved_on(session: Session, case_ids: list[int]) -> dict[int, dt.date]:
    """case id → the local date of its (latest) approval."""
    if not case_ids:
        return {}
    rows = session.execute(sa.select(WorkflowEvent.object_id, WorkflowEvent.at).where(
        WorkflowEvent.object_type == EXIT_FLOW.name, WorkflowEvent.object_id.in_(case_ids),
        WorkflowEvent.action == "approve").order_by(WorkflowEvent.at, WorkflowEvent.id))
    return {object_id: local(at).date() for object_id, at in rows}


def _row(case: ExitCase, L: dict, approved_on: dt.date | None) -> list:
    # figures only once a settlement stands (before, the columns hold defaults, not a settlement)
    figures = ([case.arrears, case.clawback, case.damage, case.deposit_refund, case.prepaid_refund, case.forfeited,
                case.net] if case.settlement else [None] * 7)
    return [case.number, case.company.name, case.company.credit_code, L["KINDS"].get(case.kind.value),
            L["BREACHES"].get(case.breach_type.value) if case.breach_type else None, L["ORIGINS"].get(case.origin.value),
            L["STATES"].get(case.state.value), local(case.created_at).date(), approved_on, case.planned_exit_on,
            case.executed_on, ("是" if case.departure_approved else "否") if case.settlement else None, *figures,
            case.reason]


def cases_workbook(session: Session, cases: list[ExitCase], year: int | None = None) -> bytes:
    """One row per case in every state; the sheet is named after the year when the list shows one."""
    L = labels()
    approvals = _approved_on(session, [c.id for c in cases])
    return table_bytes(f"{year}年退出" if year else "退出企业", COLUMNS,
                       [_row(case, L, approvals.get(case.id)) for case in cases])
