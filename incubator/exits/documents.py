"""The exit documents (SPEC §8–9): the 退出通知书, the 毕业证书 and the 退出结算单 — numbered,
QR-verifiable PDFs through certificates.issue_document (the Excel list of exits is in exports.py).

The settlement is printed as the operator prepared it (`case.settlement`: what was reviewed and
approved), never computed afresh, so the statement always matches the decision. Official
documents are in Chinese whatever the reader's UI language."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ..admission.rules import months_between
from ..certificates.rules import DocumentKind
from ..certificates.services import issue_document
from ..core.errors import TransitionNotAllowed
from ..core.formatting import amount_in_words, format_date, format_money
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
