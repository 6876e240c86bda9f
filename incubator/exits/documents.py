"""The exit documents (SPEC §8–9): the 退出通知书, the 毕业证书 and the 退出结算单 — numbered,
QR-verifiable PDFs through certificates.issue_document — and the Excel list of a year's exits.

The settlement is printed as the operator prepared it (`case.settlement`: what was reviewed and
approved), never computed afresh, so the statement always matches the decision. Official
documents are in Chinese whatever the reader's UI language."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from sqlalchemy.orm import Session

from ..admission.documents import safe_cell
from ..admission.rules import months_between
from ..certificates.rules import DocumentKind
from ..certificates.services import issue_document
from ..core.errors import TransitionNotAllowed
from ..core.formatting import amount_in_words, format_date, format_money, local
from ..core.models import WorkflowEvent
from ..spaces.services import named_history
from . import rules
from .models import ExitCase
from .models import ExitState as S
from .services import SUBJECT
from .settlement import CHECKLIST
from .workflow import EXIT_FLOW

SETTLED = (S.PREPARED, S.REVIEWED, S.APPROVED, S.EXECUTED, S.ARCHIVED)  # a settlement stands from here on
DECIDED = (S.APPROVED, S.EXECUTED, S.ARCHIVED)  # approved by the commander
LEFT = (S.EXECUTED, S.ARCHIVED)  # the company has left
# the figures of settlement.figures shown as money (net is shown as who pays whom)
MONEY_KEYS = ("arrears", "clawback", "damage", "deposit", "prepaid", "deposit_refund", "prepaid_refund", "forfeited",
              "owed_by_company", "owed_to_company")


def labels() -> dict:
    """The Chinese labels of templates/pdf/exit_labels.html, so the PDFs and the export say the same."""
    module = current_app.jinja_env.get_template("pdf/exit_labels.html").module
    return {name: getattr(module, name) for name in ("KINDS", "BREACHES", "ORIGINS", "STATES", "CONDITIONS")}


def _day(value) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return format_date(value)


def _money(value) -> str:
    return format_money(Decimal(str(value)))


def _net(net: Decimal) -> dict:
    """Who pays whom (company | community | None when even), in figures and 大写 of the amount paid."""
    payer = "company" if net > 0 else "community" if net < 0 else None
    return {"payer": payer, "figures": format_money(abs(net)), "words": amount_in_words(abs(net))}


def _company(company) -> dict:
    return {"name": company.name, "credit_code": company.credit_code, "legal_rep": company.legal_rep,
            "moved_in_on": _day(company.moved_in_on)}


def _case(case: ExitCase) -> dict:
    return {"number": case.number, "kind": case.kind.value, "origin": case.origin.value, "state": case.state.value,
            "breach_type": case.breach_type.value if case.breach_type else None, "reason": case.reason,
            "exit_on": _day(case.planned_exit_on), "executed_on": _day(case.executed_on),
            "decision_reason": case.decision_reason, "departure_approved": case.departure_approved}


def _steps(session: Session, case: ExitCase) -> dict:
    """action → {"by", "on"} of the latest such step the company may see (who prepared, reviewed,
    approved and executed; after a send-back the later step counts)."""
    return {event.action: {"by": name, "on": _day(event.at)}
            for event, name in named_history(session, EXIT_FLOW.name, case.id, company_view=True)}


def _figures(settlement: dict) -> dict:
    f = settlement["figures"]
    return {**{k: _money(f[k]) for k in MONEY_KEYS}, "net": _net(Decimal(f["net"])),
            "forfeits": Decimal(f["forfeited"]) > 0}


def _checklist(case: ExitCase) -> dict:
    """key → {"done", "note"} for every hand-over item, in the checklist's order."""
    items = case.checklist or {}
    return {key: {"done": bool(items.get(key, {}).get("done")), "note": items.get(key, {}).get("note")}
            for key in CHECKLIST}


def _units(settlement: dict) -> list[dict]:
    return [{"number": lease["number"], "units": lease["units"]} for lease in settlement["leases"]]


# --- 退出通知书 --------------------------------------------------------------------------------------------

def notice_context(session: Session, case: ExitCase) -> dict:
    steps = _steps(session, case)
    return {"company": _company(case.company), "case": _case(case), "approved_on": (steps.get("approve") or {}).get("on"),
            "left": case.state in LEFT, "leases": _units(case.settlement), "checklist": _checklist(case),
            "figures": _figures(case.settlement), "damage_note": case.settlement.get("damage_note")}


def issue_notice(session: Session, actor, case: ExitCase):
    """The 退出通知书 once the commander has approved the exit (reissued when it is executed, as the
    notice then says so); the caller authorises."""
    if case.state not in DECIDED or not case.settlement:
        raise TransitionNotAllowed(_("The exit notice is issued once the commander has approved the exit."))
    return issue_document(session, actor, kind=DocumentKind.EXIT_NOTICE, title="退出通知书", company=case.company,
                          subject_type=SUBJECT, subject_id=case.id, template="exit_notice.html",
                          context=notice_context(session, case))


# --- 毕业证书 ------------------------------------------------------------------------------------------------

def _condition_text(condition: dict, names: dict) -> str:
    """One graduation condition met, in words, with the figures the decision rested on."""
    key, v = condition["key"], condition.get("values") or {}
    if key == "incubation_over":
        return f"孵化期满（孵化期 {v['months']} 个月，于{_day(v['ends_on'])}届满）"
    if key == "financing":
        return f"入驻期间累计融资 {_money(v['total'])}，超过 {_money(v['over'])}"
    if key == "revenue":
        years = "；".join(f"{y} 年 {_money(v['by_year'][str(y)])}" for y in v["run"])
        return f"连续 {v['years']} 年营业收入超过 {_money(v['over'])}（{years}）"
    return names.get(key, key)


def certificate_context(session: Session, case: ExitCase) -> dict:
    company = case.company
    graduated_on = case.executed_on or case.planned_exit_on
    names = labels()["CONDITIONS"]
    return {"company": _company(company), "case": {"number": case.number}, "graduated_on": _day(graduated_on),
            "months": months_between(company.moved_in_on, graduated_on) if company.moved_in_on else None,
            "conditions": [_condition_text(c, names) for c in (case.basis or {}).get("conditions", []) if c.get("met")]}


def issue_certificate(session: Session, actor, case: ExitCase):
    """The 毕业证书 of an executed graduation; the caller authorises."""
    if not case.graduates:
        raise TransitionNotAllowed(_("A graduation certificate is issued only when a company graduates."))
    if case.state not in LEFT:
        raise TransitionNotAllowed(_("The graduation certificate is issued once the graduation has been executed."))
    return issue_document(session, actor, kind=DocumentKind.GRADUATION_CERTIFICATE, title="毕业证书",
                          company=case.company, subject_type=SUBJECT, subject_id=case.id,
                          template="exit_certificate.html", context=certificate_context(session, case))


# --- 退出结算单 ----------------------------------------------------------------------------------------------

def _lease(lease: dict) -> dict:
    """A lease's billing periods that leave something to settle, each with what is owed on it or was
    paid in advance; the periods paid exactly are summed into one line."""
    lines, settled = [], []
    totals = dict.fromkeys(("due", "paid", "owed", "prepaid"), rules.ZERO)
    for line in lease["lines"]:
        due, paid = Decimal(line["due"]), Decimal(line["paid"])
        owed, prepaid = rules.ledger_position([rules.LedgerLine(due, paid)])
        for key, value in (("due", due), ("paid", paid), ("owed", owed), ("prepaid", prepaid)):
            totals[key] += value
        if owed or prepaid:
            lines.append({"from": _day(line["period_start"]), "to": _day(line["period_end"]), "due": _money(due),
                          "paid": _money(paid), "owed": _money(owed), "prepaid": _money(prepaid),
                          "charged": line["charged"]})
        else:
            settled.append(line)
    return {"number": lease["number"], "units": lease["units"], "start_on": _day(lease["start_on"]),
            "end_on": _day(lease["end_on"]), "last_day": _day(lease["last_day"]), "deposit": _money(lease["deposit"]),
            "lines": lines, "total": {k: _money(v) for k, v in totals.items()},
            "settled": {"count": len(settled), "from": _day(settled[0]["period_start"]),
                        "to": _day(settled[-1]["period_end"]),
                        "amount": _money(sum((Decimal(x["paid"]) for x in settled), rules.ZERO))} if settled else None}


def _clawback(basis: dict | None) -> dict | None:
    if basis is None:
        return None

    def claim(c: dict) -> dict:
        return {"number": c["number"], "batch": c["batch"], "paid_on": _day(c["paid_on"]),
                "lock_in_until": _day(c["lock_in_until"]), "amount": _money(c["amount"])}

    return {"reason": basis["reason"], "trigger_on": _day(basis["trigger_on"]),
            "claims": [claim(c) for c in basis["claims"]],
            "excluded": [{**claim(c), "why": c["why"], "clawback": c.get("clawback")} for c in basis["excluded"]],
            "total": _money(basis["total"])}


def settlement_context(session: Session, case: ExitCase) -> dict:
    s = case.settlement
    steps = _steps(session, case)
    return {"company": _company(case.company), "case": _case(case), "exit_on": _day(s["exit_on"]),
            "departure_approved": s["departure_approved"], "prepared_on": _day(s.get("prepared_on")),
            "policy_version": s.get("policy_version"), "leases": [_lease(lease) for lease in s["leases"]],
            "clawback": _clawback(s.get("clawback")),
            "earlier_clawbacks": [{"number": c["number"], "outstanding": _money(c["outstanding"])}
                                  for c in s.get("earlier_clawbacks", [])],
            "damage_note": s.get("damage_note"), "checklist": _checklist(case), "figures": _figures(s),
            "signatures": {action: steps.get(action) for action in ("prepare", "review", "approve")}}


def issue_settlement(session: Session, actor, case: ExitCase):
    """The 退出结算单 from the prepared settlement on; before the approval it says it is not approved
    yet, and each later step issues it anew (superseding the earlier issue). The caller authorises."""
    if case.state not in SETTLED or not case.settlement:
        raise TransitionNotAllowed(_("The settlement statement exists once the settlement has been prepared."))
    return issue_document(session, actor, kind=DocumentKind.EXIT_SETTLEMENT, title="退出结算单", company=case.company,
                          subject_type=SUBJECT, subject_id=case.id, template="exit_settlement.html",
                          context=settlement_context(session, case))


# --- Excel export -----------------------------------------------------------------------------------------------

COLUMNS = ["案件编号", "企业名称", "统一社会信用代码", "退出类型", "违约情形", "提出方式", "状态", "提出日期", "批准日期",
           "退出日期", "执行日期", "经批准退出", "欠缴租金及物业费", "补贴追回", "损坏赔偿", "退还押金", "退还预付租金",
           "不予退还的押金及预付租金", "结算净额（正数为企业应付）", "退出事由"]
MONEY_COLUMNS = ("欠缴租金及物业费", "补贴追回", "损坏赔偿", "退还押金", "退还预付租金", "不予退还的押金及预付租金",
                 "结算净额（正数为企业应付）")
DATE_COLUMNS = ("提出日期", "批准日期", "退出日期", "执行日期")
WIDTHS = {"案件编号": 15, "企业名称": 30, "统一社会信用代码": 22, "退出类型": 16, "违约情形": 18, "提出方式": 14,
          "状态": 12, "经批准退出": 10, "退出事由": 48}
MONEY = "#,##0.00"


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


def export_year(session: Session, year: int) -> bytes:
    """One row per exit case whose exit date falls in `year` (as the staff list's year filter),
    in every state, with its settlement figures as numbers; text a spreadsheet would run is
    neutralised."""
    L = labels()
    cases = list(session.scalars(sa.select(ExitCase).where(
        ExitCase.planned_exit_on.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
        .order_by(ExitCase.planned_exit_on, ExitCase.number)))
    approvals = _approved_on(session, [c.id for c in cases])
    wb = Workbook()
    ws = wb.active
    ws.title = f"{year}年退出"
    ws.append(COLUMNS)
    for case in cases:
        ws.append([safe_cell(v) for v in _row(case, L, approvals.get(case.id))])
    ws.freeze_panes = "C2"
    for index, header in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=index)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[cell.column_letter].width = WIDTHS.get(header, 14)
        fmt = MONEY if header in MONEY_COLUMNS else "yyyy-mm-dd" if header in DATE_COLUMNS else None
        if fmt:
            for (c,) in ws.iter_rows(min_row=2, min_col=index, max_col=index):
                c.number_format = fmt
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
