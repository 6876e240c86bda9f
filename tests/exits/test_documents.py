"""The exit documents: the 退出通知书, the 毕业证书, the 退出结算单, the Excel list of a year's exits,
and who may fetch them. Cases are built directly as rows in the states they need, each with a
settlement as `services.prepare` stores it (ledger lines per billing period, the subsidy engine's
clawback basis, figures); PDF text is extracted with pypdf and each PDF is also rendered to PNG
under test-artifacts/ for a look."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from pypdf import PdfReader

from incubator.certificates.models import IssuedDocument
from incubator.companies.models import CompanyStatus
from incubator.core.models import WorkflowEvent
from incubator.core.roles import Role
from incubator.exits.models import BreachType, ExitCase, ExitKind, ExitOrigin, ExitPolicy
from incubator.exits.models import ExitState as S

from .. import pdfs
from ..factories import make_company, make_user
from ..pdfs import ARTIFACTS, cjk, get_pdf, pdf_text

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EVIL = '=HYPERLINK("http://evil.example/x","查看退出结算")'
CHECKED = {"keys": {"done": True, "note": "交还钥匙6把"}, "access_cards": {"done": True, "note": "门禁卡4张已注销"},
           "unit_inspected": {"done": True, "note": None}, "documents_returned": {"done": True, "note": None}}


@pytest.fixture(autouse=True)
def english(english):
    """Refusals read in English (the PDFs are Chinese whatever the language)."""
    return english


# --- building cases as services.prepare stores them ---------------------------------------------------------

def _months(first: dt.date, last: dt.date) -> list[tuple[dt.date, dt.date]]:
    """Monthly billing periods from the month of `first` to the month of `last`."""
    periods, start = [], first
    while start <= last:
        after = dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)
        periods.append((start, after - dt.timedelta(days=1)))
        start = after
    return periods


def _lines(first: dt.date, last: dt.date, monthly: str, special: dict) -> list[dict]:
    """Every period paid exactly, except `special`: period start → (due, paid, charged)."""
    lines = []
    for start, end in _months(first, last):
        due, paid, charged = special.get(start, (monthly, monthly, True))
        lines.append({"period_start": start.isoformat(), "period_end": end.isoformat(), "due": due, "paid": paid,
                      "charged": charged})
    return lines


def _lease(lease_id, number, start, end, last_day, deposit, units, owed, prepaid, lines) -> dict:
    return {"lease_id": lease_id, "number": number, "start_on": start, "end_on": end, "last_day": last_day,
            "deposit": deposit, "units": units, "owed": owed, "prepaid": prepaid, "lines": lines}


def _settlement(exit_on, approved, leases, clawback, earlier, damage_note, figures, prepared_on) -> dict:
    keys = ("arrears", "clawback", "damage", "deposit", "prepaid", "deposit_refund", "prepaid_refund", "forfeited",
            "owed_by_company", "owed_to_company", "net")
    return {"exit_on": exit_on, "departure_approved": approved, "prepared_on": prepared_on, "policy_version": 1,
            "leases": leases, "clawback": clawback, "earlier_clawbacks": earlier, "damage_note": damage_note,
            "figures": dict(zip(keys, figures, strict=True))}


def _claim(number, batch, paid_on, amount, until, **extra) -> dict:
    return {"claim_id": 1, "number": number, "batch": batch, "fund_pool_id": 1, "paid_on": paid_on,
            "amount": amount, "lock_in_until": until, **extra}


def _case(session, w, company, n, kind, state, exit_on, reason, settlement=None, breach_type=None,
          origin=ExitOrigin.OPERATOR, basis=None) -> ExitCase:
    f = (settlement or {}).get("figures", {})
    case = ExitCase(number=f"TC-{exit_on.year}-{n:04d}", company_id=company.id, policy_id=w.policy.id, kind=kind,
                    breach_type=breach_type, origin=origin, reason=reason, basis=basis, state=state,
                    planned_exit_on=exit_on, departure_approved=(settlement or {}).get("departure_approved", True),
                    checklist=CHECKED if settlement else None, settlement=settlement,
                    executed_on=exit_on if state in (S.EXECUTED, S.ARCHIVED) else None,
                    proposed_by_id=None if origin == ExitOrigin.SYSTEM else w.operator.id,
                    **{k: Decimal(f.get(k, "0.00")) for k in ("arrears", "clawback", "damage", "deposit_refund",
                                                      "prepaid_refund", "forfeited", "net")})
    session.add(case)
    session.flush()
    return case


def _history(session, case, w, steps: list[tuple[str, str, str]]) -> None:
    """steps: (action, to_state, local date) in order; who took each step follows the workflow."""
    actors = {"propose": w.operator, "prepare": w.operator, "review": w.lead, "approve": w.commander,
              "execute": w.operator}
    state = ""
    for action, to_state, day in steps:
        session.add(WorkflowEvent(object_type="exit_case", object_id=case.id, action=action, from_state=state,
                                  to_state=to_state, actor_id=actors[action].id,
                                  at=dt.datetime.fromisoformat(f"{day}T10:00:00+08:00")))
        state = to_state
    session.flush()


UP_TO_APPROVAL = [("propose", "proposed", "2026-06-20"), ("prepare", "prepared", "2026-07-20"),
                  ("review", "reviewed", "2026-07-24"), ("approve", "approved", "2026-07-28")]


@pytest.fixture
def exits(session):
    """A community's exits: a breach (approved, not yet executed, departure not approved), a voluntary exit
    (executed), a graduation (executed), a lease ending (just proposed), an exit after two failed
    assessments (archived) and a voluntary exit of 2025."""
    w = SimpleNamespace(policy=session.scalar(sa.select(ExitPolicy).where(ExitPolicy.version == 1)))
    w.operator = make_user(session, Role.OPERATOR, display_name="运营 王敏")
    w.lead = make_user(session, Role.LEAD, display_name="组长 刘洋")
    w.commander = make_user(session, Role.COMMANDER, display_name="指挥长 赵刚")
    w.supervisor = make_user(session, Role.SUPERVISOR)
    names = ["麻涌新材料有限公司", "洪梅智能装备科技有限公司", "望牛墩数字科技有限公司", EVIL, "道滘生物医药有限公司",
             "中堂电子商务有限公司"]
    w.a, w.b, w.c, w.d, w.e, w.f = companies = [
        make_company(session, name=n, status=CompanyStatus.TENANT, moved_in_on=dt.date(2022, 3, 1)) for n in names]
    w.members = {c.id: make_user(session, Role.COMPANY, company=c) for c in companies}

    # 麻涌: sublet two units; June and July in arrears, August not charged yet; a subsidy within its
    # lock-in period and an earlier clawback still owed; leaving without approval forfeits the deposit
    lines = _lines(dt.date(2025, 3, 1), dt.date(2026, 8, 1), "8000.00", {
        dt.date(2026, 6, 1): ("8000.00", "0.00", True), dt.date(2026, 7, 1): ("8000.00", "3000.00", True),
        dt.date(2026, 8, 1): ("8000.00", "0.00", False)})
    breach = _settlement(
        "2026-08-31", False,
        [_lease(11, "ZL-2025-0012", "2025-03-01", "2028-02-29", "2026-08-31", "16000.00", ["KC-2栋-105", "KC-2栋-106"],
                "21000.00", "0.00", lines)],
        {"reason": "breach", "trigger_on": "2026-08-31", "total": "36000.00",
         "claims": [_claim("BT-2025-0011", "PC-2025-02", "2025-12-20", "36000.00", "2027-12-20")],
         "excluded": [_claim("BT-2025-0004", "PC-2025-01", "2025-06-30", "9000.00", "2027-06-30", why="counted",
                             clawback="ZH-2026-0002")]},
        [{"number": "ZH-2026-0002", "outstanding": "1500.00"}], "隔断墙拆改恢复及墙面修复",
        ["21000.00", "37500.00", "3200.00", "16000.00", "0.00", "0.00", "0.00", "16000.00", "61700.00", "0.00",
         "61700.00"], "2026-07-20")
    w.ca = _case(session, w, w.a, 3, ExitKind.BREACH, S.APPROVED, dt.date(2026, 8, 31),
                 "经现场核查，该企业将KC-2栋-106擅自转租给第三方使用。", breach, breach_type=BreachType.SUBLET)
    w.ca.decision_reason = "违约事实清楚，同意清退。"
    _history(session, w.ca, w, UP_TO_APPROVAL)

    # 洪梅: asked to leave mid-June; May part paid, June paid in full and July in advance (refunded)
    lines = _lines(dt.date(2024, 7, 1), dt.date(2026, 7, 1), "5422.50", {
        dt.date(2026, 5, 1): ("5422.50", "2000.00", True), dt.date(2026, 6, 1): ("2711.25", "5422.50", True),
        dt.date(2026, 7, 1): ("0.00", "5422.50", True)})
    voluntary = _settlement(
        "2026-06-15", True,
        [_lease(7, "ZL-2024-0007", "2024-07-01", "2027-06-30", "2026-06-15", "10845.00", ["KC-1栋-301"], "3422.50",
                "8133.75", lines)],
        {"reason": "exit", "trigger_on": "2026-06-15", "total": "0.00", "claims": [],
         "excluded": [_claim("BT-2024-0003", "PC-2024-01", "2024-05-20", "15000.00", "2026-05-20", why="lock_in_over")]},
        [], None,
        ["3422.50", "0.00", "0.00", "10845.00", "8133.75", "10845.00", "8133.75", "0.00", "3422.50", "18978.75",
         "-15556.25"], "2026-06-01")
    w.cb = _case(session, w, w.b, 2, ExitKind.VOLUNTARY, S.EXECUTED, dt.date(2026, 6, 15), "公司业务调整，迁往广州办公。",
                 voluntary, origin=ExitOrigin.COMPANY)
    _history(session, w.cb, w, [("propose", "proposed", "2026-05-10"), ("prepare", "prepared", "2026-06-01"),
                                ("review", "reviewed", "2026-06-03"), ("approve", "approved", "2026-06-05"),
                                ("execute", "executed", "2026-06-16")])

    # 望牛墩 graduates: incubation over, financing and revenue above the thresholds, moving to a larger plant
    conditions = [
        {"key": "incubation_over", "met": True, "values": {"moved_in_on": "2022-03-01", "months": 48,
                                                           "ends_on": "2026-03-01", "elapsed": 50}},
        {"key": "high_tech", "met": False, "values": {}},
        {"key": "financing", "met": True, "values": {"total": "6200000.00", "over": "5000000.00"}},
        {"key": "revenue", "met": True, "values": {"over": "10000000.00", "years": 2, "run": [2024, 2025],
                                                   "by_year": {"2023": "6500000.00", "2024": "10800000.00",
                                                               "2025": "12000000.00"}}},
        {"key": "acquired", "met": False, "values": {}}, {"key": "listed", "met": False, "values": {}},
        {"key": "larger_space", "met": True, "values": {}}]
    graduation = _settlement(
        "2026-05-31", True,
        [_lease(5, "ZL-2022-0005", "2022-03-01", "2027-02-28", "2026-05-31", "12000.00", ["KC-3栋-201"], "0.00",
                "0.00", _lines(dt.date(2022, 3, 1), dt.date(2026, 5, 1), "6000.00", {}))],
        {"reason": "exit", "trigger_on": "2026-05-31", "total": "0.00", "claims": [], "excluded": []}, [], None,
        ["0.00", "0.00", "0.00", "12000.00", "0.00", "12000.00", "0.00", "0.00", "0.00", "12000.00", "-12000.00"],
        "2026-05-06")
    w.cc = _case(session, w, w.c, 1, ExitKind.GRADUATION, S.EXECUTED, dt.date(2026, 5, 31),
                 "满足毕业条件：孵化期满；累计融资超过500万元；连续2年营业收入超过1000万元。", graduation,
                 basis={"conditions": conditions})
    _history(session, w.cc, w, [("propose", "proposed", "2026-04-20"), ("prepare", "prepared", "2026-05-06"),
                                ("review", "reviewed", "2026-05-08"), ("approve", "approved", "2026-05-12"),
                                ("execute", "executed", "2026-05-31")])

    w.cd = _case(session, w, w.d, 9, ExitKind.LEASE_EXPIRY, S.PROPOSED, dt.date(2026, 12, 31),
                 "租约ZL-2023-0018将于2026-12-31到期，未续签。", origin=ExitOrigin.SYSTEM,
                 basis={"lease": "ZL-2023-0018", "end_on": "2026-12-31"})
    _history(session, w.cd, w, [("propose", "proposed", "2026-10-02")])

    cleared = _settlement(
        "2026-03-31", True,
        [_lease(9, "ZL-2023-0009", "2023-04-01", "2026-03-31", "2026-03-31", "8000.00", ["KC-1栋-402"], "0.00", "0.00",
                _lines(dt.date(2023, 4, 1), dt.date(2026, 3, 1), "4000.00", {}))],
        {"reason": "cleared", "trigger_on": "2026-03-31", "total": "12000.00", "excluded": [],
         "claims": [_claim("BT-2025-0020", "PC-2025-03", "2025-06-30", "12000.00", "2027-06-30")]}, [], None,
        ["0.00", "12000.00", "0.00", "8000.00", "0.00", "8000.00", "0.00", "0.00", "12000.00", "8000.00", "4000.00"],
        "2026-03-10")
    w.ce = _case(session, w, w.e, 4, ExitKind.CONSECUTIVE_FAILURES, S.ARCHIVED, dt.date(2026, 3, 31),
                 "2024年度绩效考核（52.00 分）与2025年度绩效考核（48.50 分）连续两次考核不合格", cleared,
                 origin=ExitOrigin.SYSTEM)
    w.ce.decision_reason = "连续两次考核不合格，按规定清退。"
    _history(session, w.ce, w, [("propose", "proposed", "2026-02-02"), ("prepare", "prepared", "2026-03-10"),
                                ("review", "reviewed", "2026-03-12"), ("approve", "approved", "2026-03-16"),
                                ("execute", "executed", "2026-03-31")])

    earlier = _settlement(
        "2025-10-31", True, [], None, [], None,
        ["0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00"], "2025-10-15")
    w.cf = _case(session, w, w.f, 5, ExitKind.VOLUNTARY, S.EXECUTED, dt.date(2025, 10, 31), "迁回总部。", earlier,
                 origin=ExitOrigin.COMPANY)
    for case, status in ((w.cb, CompanyStatus.EXITED), (w.cc, CompanyStatus.GRADUATED), (w.ce, CompanyStatus.EXITED),
                         (w.cf, CompanyStatus.EXITED)):
        case.company.status, case.company.left_on = status, case.planned_exit_on
    session.flush()
    return w


# --- helpers ------------------------------------------------------------------------------------------------

def issued(session, kind: str, case: ExitCase) -> list[IssuedDocument]:
    return pdfs.issued(session, kind, "exit_case", case.id)


def has_all(text: str, *expected: str) -> None:
    for value in expected:
        assert "".join(value.split()) in text, value


# --- 退出通知书 -----------------------------------------------------------------------------------------------

def test_notice_of_a_breach_says_why_what_to_hand_over_and_what_is_owed(client, login, session, exits):
    w = exits
    login(w.members[w.a.id])
    data = get_pdf(client, f"/exits/{w.ca.id}/notice.pdf", "exit-notice-breach")
    text = pdf_text(data)
    [doc] = issued(session, "exit_notice", w.ca)
    assert doc.number.startswith("SX-TC-") and doc.company_id == w.a.id
    has_all(text, "退出通知书", doc.number, f"{w.a.name}：", w.a.credit_code, "TC-2026-0003", "因贵单位存在擅自转租的违约情形",
            "经现场核查，该企业将KC-2栋-106擅自转租给第三方使用。", "2026年7月28日批准予以清退", "退出日期为2026年8月31日",
            "待退出日后办理", "违约事实清楚，同意清退。", "KC-2栋-105、KC-2栋-106（合同 ZL-2025-0012）",
            "交还全部钥匙（已办结：交还钥匙6把）", "门禁卡并注销门禁权限（已办结：门禁卡4张已注销）",
            "欠缴租金及物业费（截至退出日）¥21,000.00", "补贴追回¥37,500.00", "损坏赔偿¥3,200.00隔断墙拆改恢复及墙面修复",
            "未经批准退出，押金及预付租金不予退还", "不予退还的押金及预付租金¥16,000.00",
            "结算净额¥61,700.00贵单位应向社区支付", "大写：人民币陆万壹仟柒佰元整", "回执", "签收人")
    assert cjk(data)
    assert get_pdf(client, f"/exits/{w.ca.id}/notice.pdf") == data  # the same data: the stored document again

    w.ca.state, w.ca.executed_on = S.EXECUTED, w.ca.planned_exit_on  # executed: reissued, saying so
    text = pdf_text(get_pdf(client, f"/exits/{w.ca.id}/notice.pdf"))
    assert "已于2026年8月31日办理退出" in text and "待退出日后办理" not in text
    first, second = issued(session, "exit_notice", w.ca)
    assert first.superseded_by_id == second.id


def test_notice_of_a_voluntary_exit_refunds_the_balance(client, login, session, exits):
    w = exits
    login(w.operator)
    data = get_pdf(client, f"/exits/{w.cb.id}/notice.pdf", "exit-notice-voluntary")
    text = pdf_text(data)
    has_all(text, f"{w.b.name}：", "贵单位提出的退出社区申请", "2026年6月5日批准同意退出社区", "已于2026年6月15日办理退出", "主动退出",
            "退还押金¥10,845.00", "经批准退出，押金及预付租金予以退还", "退还预付租金（退出日之后期间）¥8,133.75",
            "社区应退小计¥18,978.75", "结算净额¥15,556.25社区应向贵单位退还", "人民币壹万伍仟伍佰伍拾陆元贰角伍分",
            "请向运营服务中心提供收款账户信息")
    assert "不予退还的押金" not in text and cjk(data)


def test_notice_of_a_clearance_and_of_a_graduation(client, login, session, exits):
    w = exits
    login(w.operator)
    text = pdf_text(get_pdf(client, f"/exits/{w.ce.id}/notice.pdf", "exit-notice-cleared"))
    has_all(text, f"{w.e.name}：", "因贵单位连续两次绩效考核不合格", "2026年3月16日批准予以清退", "连续两次考核不合格清退",
            "2024年度绩效考核（52.00 分）与2025年度绩效考核（48.50 分）连续两次考核不合格", "连续两次考核不合格，按规定清退。",
            "补贴追回¥12,000.00", "结算净额¥4,000.00贵单位应向社区支付", "人民币肆仟元整")
    text = pdf_text(get_pdf(client, f"/exits/{w.cc.id}/notice.pdf", "exit-notice-graduation"))
    has_all(text, "贵单位符合社区企业毕业条件", "2026年5月12日批准准予毕业并退出社区", "结算净额¥12,000.00社区应向贵单位退还",
            "人民币壹万贰仟元整", "祝贺贵单位毕业")


def test_notice_only_once_the_exit_is_approved(client, login, session, exits):
    w = exits
    login(w.operator)
    resp = client.get(f"/exits/{w.cd.id}/notice.pdf")  # proposed
    assert resp.status_code == 409 and "approved" in resp.text
    for state in (S.PREPARED, S.REVIEWED, S.REJECTED, S.WITHDRAWN):
        w.cb.state = state
        assert client.get(f"/exits/{w.cb.id}/notice.pdf").status_code == 409, state
    assert issued(session, "exit_notice", w.cb) == [] and issued(session, "exit_notice", w.cd) == []


# --- 毕业证书 -------------------------------------------------------------------------------------------------

def test_graduation_certificate(client, login, session, exits):
    w = exits
    login(w.members[w.c.id])
    data = get_pdf(client, f"/exits/{w.cc.id}/certificate.pdf", "exit-certificate")
    text = pdf_text(data)
    [doc] = issued(session, "graduation_certificate", w.cc)
    assert doc.number.startswith("SX-BY-") and doc.company_id == w.c.id and doc.valid_until is None
    has_all(text, "毕业证书", doc.number, "兹证明", w.c.name, f"统一社会信用代码：{w.c.credit_code}",
            "于2022年3月1日入驻", "在孵 50 个月", "于2026年5月31日毕业", "所具备的毕业条件",
            "孵化期满（孵化期 48 个月，于2026年3月1日届满）",
            "入驻期间累计融资 ¥6,200,000.00，超过 ¥5,000,000.00",
            "连续 2 年营业收入超过 ¥10,000,000.00（2024 年 ¥10,800,000.00；2025 年 ¥12,000,000.00）",
            "迁往更大的生产空间", "TC-2026-0001")
    assert "高新技术企业" not in text and "收购" not in text  # conditions not met are not claimed
    assert len(PdfReader(io.BytesIO(data)).pages) == 1 and cjk(data)
    page = client.get(f"/verify/{doc.verify_code}")
    assert page.status_code == 200 and doc.number in page.text


def test_certificate_of_a_company_meeting_every_condition_stays_on_one_page(client, login, session, exits):
    w = exits
    w.c.name = "东莞市水乡新型研发机构生物医药集成电路研究院有限公司"
    for condition in w.cc.basis["conditions"]:
        condition["met"] = True
    w.cc.basis = {"conditions": [dict(c) for c in w.cc.basis["conditions"]]}
    login(w.operator)
    data = get_pdf(client, f"/exits/{w.cc.id}/certificate.pdf", "exit-certificate-every-condition")
    text = pdf_text(data)
    has_all(text, w.c.name, "迁往更大的生产空间", "认定为高新技术企业", "被其他企业收购", "上市")
    assert len(PdfReader(io.BytesIO(data)).pages) == 1


def test_certificate_only_for_an_executed_graduation(client, login, session, exits):
    w = exits
    login(w.operator)
    resp = client.get(f"/exits/{w.cb.id}/certificate.pdf")
    assert resp.status_code == 409 and "graduates" in resp.text
    assert client.get(f"/exits/{w.ca.id}/certificate.pdf").status_code == 409
    for state in (S.PROPOSED, S.REVIEWED, S.APPROVED, S.REJECTED):
        w.cc.state = state
        resp = client.get(f"/exits/{w.cc.id}/certificate.pdf")
        assert resp.status_code == 409 and "executed" in resp.text, state
    w.cc.state = S.ARCHIVED  # still the company's certificate after archiving
    assert client.get(f"/exits/{w.cc.id}/certificate.pdf").status_code == 200
    assert session.scalar(sa.select(sa.func.count()).select_from(IssuedDocument).where(
        IssuedDocument.kind == "graduation_certificate")) == 1


# --- 退出结算单 -----------------------------------------------------------------------------------------------

def test_settlement_statement_of_a_breach(client, login, session, exits):
    w = exits
    login(w.members[w.a.id])
    data = get_pdf(client, f"/exits/{w.ca.id}/settlement.pdf", "exit-settlement-breach")
    text = pdf_text(data)
    [doc] = issued(session, "exit_settlement", w.ca)
    assert doc.number.startswith("SX-JS-") and doc.company_id == w.a.id
    has_all(text, "退出结算单", doc.number, "结算状态：已经指挥长批准，待执行", w.a.name, w.a.credit_code,
            "违约清退（擅自转租）", "未经批准退出：押金及预付租金不予退还", "结算编制日期2026年7月20日", "第 1 版",
            "合同 ZL-2025-0012：KC-2栋-105、KC-2栋-106；租期 2025年3月1日 至 2028年2月29日，计费至 2026年8月31日",
            # the periods in arrears one by one, the one not charged yet marked, the rest summed
            "2026年6月1日至2026年6月30日¥8,000.00¥0.00¥8,000.00¥0.00",
            "2026年7月1日至2026年7月31日¥8,000.00¥3,000.00¥5,000.00¥0.00",
            "2026年8月1日至2026年8月31日尚未出账，按合同计算¥8,000.00¥0.00¥8,000.00¥0.00",
            "其余 15 期（2025年3月1日 至 2026年5月31日）均已按期足额缴清¥120,000.00¥120,000.00",
            "合计¥144,000.00¥123,000.00¥21,000.00¥0.00",
            # the clawback with its basis
            "BT-2025-0011PC-2025-022025年12月20日2027年12月20日¥36,000.00¥36,000.00",
            "BT-2025-0004PC-2025-012025年6月30日2027年6月30日¥9,000.00¥0.00不予追回：已计入此前的追回（ZH-2026-0002）",
            "ZH-2026-0002此前追回尚未缴清的余额¥1,500.00", "补贴追回合计¥37,500.00", "追回依据：违约",
            "押金（合同 ZL-2025-0012）¥16,000.00不予退还", "损坏赔偿¥3,200.00隔断墙拆改恢复及墙面修复",
            "钥匙已交还已完成交还钥匙6把", "门禁卡已交还已完成门禁卡4张已注销", "单元已查验已完成",
            "企业应付小计（A）¥61,700.00", "社区应退小计（B）¥0.00", "不予退还的押金及预付租金¥16,000.00",
            "结算净额（A − B）¥61,700.00企业应向社区支付", "结算净额（大写）人民币陆万壹仟柒佰元整",
            "编制（运营服务中心）运营 王敏 2026年7月20日", "审核（工作组组长）组长 刘洋 2026年7月24日",
            "批准（指挥长）指挥长 赵刚 2026年7月28日", f"企业（{w.a.name}）", "法定代表人或授权代表签字：", "企业盖章")
    assert cjk(data)


def test_settlement_statement_of_a_voluntary_exit(client, login, session, exits):
    w = exits
    login(w.supervisor)
    text = pdf_text(get_pdf(client, f"/exits/{w.cb.id}/settlement.pdf", "exit-settlement-voluntary"))
    has_all(text, "结算状态：已批准并执行", "经批准退出：押金及退出日之后的预付租金予以退还",
            "2026年5月1日至2026年5月31日¥5,422.50¥2,000.00¥3,422.50¥0.00",
            "2026年6月1日至2026年6月30日¥2,711.25¥5,422.50¥0.00¥2,711.25",  # cut at the exit date
            "2026年7月1日至2026年7月31日¥0.00¥5,422.50¥0.00¥5,422.50",  # after it: all prepaid
            "其余 22 期（2024年7月1日 至 2026年4月30日）", "¥119,295.00",
            "合计¥127,428.75¥132,140.00¥3,422.50¥8,133.75",
            "退出日无处于锁定期内且尚未追回的已拨付补贴", "¥15,000.00¥0.00不予追回：退出日锁定期已满", "追回依据：锁定期内退出",
            "押金（合同 ZL-2024-0007）¥10,845.00退还", "预付租金（退出日之后期间）¥8,133.75退还",
            "社区应退小计（B）¥18,978.75", "结算净额（A − B）¥15,556.25社区应向企业退还", "人民币壹万伍仟伍佰伍拾陆元贰角伍分")


def test_settlement_statement_before_the_approval_says_so(client, login, session, exits):
    w = exits
    w.cb.state = S.PREPARED
    session.execute(sa.delete(WorkflowEvent).where(WorkflowEvent.object_id == w.cb.id,
                                                   WorkflowEvent.action.in_(("review", "approve", "execute"))))
    login(w.lead)
    text = pdf_text(get_pdf(client, f"/exits/{w.cb.id}/settlement.pdf", "exit-settlement-prepared"))
    has_all(text, "结算已编制，待工作组组长审核（未经批准，仅供核对）", "编制（运营服务中心）运营 王敏 2026年6月1日",
            "审核（工作组组长）签字：____", "批准（指挥长）签字：____")
    _history(session, w.cb, w, [("review", "reviewed", "2026-06-03")])
    w.cb.state = S.REVIEWED
    text = pdf_text(get_pdf(client, f"/exits/{w.cb.id}/settlement.pdf"))
    has_all(text, "已经工作组组长审核，待指挥长批准", "审核（工作组组长）组长 刘洋 2026年6月3日")
    first, second = issued(session, "exit_settlement", w.cb)
    assert first.superseded_by_id == second.id

    for state in (S.PROPOSED, S.WITHDRAWN, S.REJECTED):  # sent back, or closed without an exit
        w.cb.state = state
        resp = client.get(f"/exits/{w.cb.id}/settlement.pdf")
        assert resp.status_code == 409 and "prepared" in resp.text, state
    assert client.get(f"/exits/{w.cd.id}/settlement.pdf").status_code == 409  # no settlement at all


# --- who may fetch them -------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["notice", "settlement"])
def test_case_documents_access(name, client, login, session, exits):
    w = exits
    path = f"/exits/{w.cb.id}/{name}.pdf"
    assert "/login" in client.get(path).headers.get("Location", "")
    login(w.members[w.a.id])  # another company
    assert client.get(path).status_code == 404
    login(make_user(session, Role.REVIEWER))
    assert client.get(path).status_code == 403
    login(make_user(session, Role.COMPANY, company=w.b))  # its own, also after it left
    assert client.get(path).status_code == 200
    for staff in (w.supervisor, w.lead, w.commander, make_user(session, Role.DEPUTY), make_user(session, Role.ADMIN)):
        login(staff)
        assert client.get(path).status_code == 200
    assert client.get(f"/exits/999999/{name}.pdf").status_code == 404


def test_certificate_and_export_access(client, login, session, exits):
    w = exits
    certificate, export = f"/exits/{w.cc.id}/certificate.pdf", "/exits/export.xlsx?year=2026"
    for path in (certificate, export):
        assert "/login" in client.get(path).headers.get("Location", "")
    login(w.members[w.b.id])
    assert client.get(certificate).status_code == 404 and client.get(export).status_code == 403
    login(w.members[w.c.id])
    assert client.get(certificate).status_code == 200 and client.get(export).status_code == 403
    login(make_user(session, Role.REVIEWER))
    assert client.get(certificate).status_code == 403 and client.get(export).status_code == 403
    login(w.supervisor)
    assert client.get(certificate).status_code == 200 and client.get(export).status_code == 200


# --- Excel -----------------------------------------------------------------------------------------------------

def _rows(data: bytes) -> tuple[list, list[dict]]:
    wb = load_workbook(io.BytesIO(data))
    ws = wb.active
    header = [c.value for c in ws[1]]
    return ws, [dict(zip(header, row, strict=True)) for row in ws.iter_rows(min_row=2, values_only=True)]


def test_export_of_a_year(client, login, session, exits):
    w = exits
    login(w.operator)
    resp = client.get("/exits/export.xlsx?year=2026")
    assert resp.status_code == 200 and resp.mimetype == XLSX
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "exits-2026.xlsx").write_bytes(resp.data)
    ws, rows = _rows(resp.data)
    assert ws.title == "2026年退出"
    # the list's order (the newest case first); 2025's exit is not in 2026
    assert [r["案件编号"] for r in rows] == ["TC-2026-0004", "TC-2026-0009", "TC-2026-0001", "TC-2026-0002",
                                          "TC-2026-0003"]
    assert [r["企业名称"] for r in rows] == [w.e.name, "'" + EVIL, w.c.name, w.b.name, w.a.name]
    breach = rows[4]
    assert (breach["统一社会信用代码"], breach["退出类型"], breach["违约情形"], breach["提出方式"], breach["状态"]) == (
        w.a.credit_code, "违约清退", "擅自转租", "运营服务中心提出", "指挥长已批准")
    assert (breach["批准日期"], breach["退出日期"], breach["执行日期"], breach["经批准退出"]) == (
        dt.datetime(2026, 7, 28), dt.datetime(2026, 8, 31), None, "否")
    assert (breach["欠缴租金及物业费"], breach["补贴追回"], breach["损坏赔偿"], breach["退还押金"], breach["退还预付租金"],
            breach["不予退还的押金及预付租金"], breach["结算净额（正数为企业应付）"]) == (21000, 37500, 3200, 0, 0, 16000, 61700)
    voluntary = rows[3]
    assert (voluntary["退出类型"], voluntary["提出方式"], voluntary["状态"], voluntary["执行日期"], voluntary["经批准退出"],
            voluntary["结算净额（正数为企业应付）"], voluntary["退出事由"]) == (
        "主动退出", "企业申请", "已执行", dt.datetime(2026, 6, 15), "是", -15556.25, "公司业务调整，迁往广州办公。")
    assert (rows[0]["退出类型"], rows[0]["状态"], rows[0]["提出方式"], rows[2]["退出类型"]) == (
        "连续两次考核不合格清退", "已归档", "系统自动提出", "毕业")
    proposed = rows[1]  # no settlement yet: no figures rather than zeros
    assert proposed["状态"] == "已提出" and proposed["批准日期"] is None
    assert all(proposed[h] is None for h in ("欠缴租金及物业费", "结算净额（正数为企业应付）", "经批准退出"))
    net = ws.cell(row=2, column=19)
    assert net.data_type == "n" and net.number_format == "#,##0.00"
    assert ws.cell(row=2, column=10).number_format == "yyyy-mm-dd"

    _ws, rows = _rows(client.get("/exits/export.xlsx?year=2025").data)
    assert [r["企业名称"] for r in rows] == [w.f.name]
    for junk in ("", "abc", "99999"):  # no year filter, as the list: every year
        _ws, rows = _rows(client.get(f"/exits/export.xlsx?year={junk}").data)
        assert sorted(r["案件编号"] for r in rows) == ["TC-2025-0005", "TC-2026-0001", "TC-2026-0002", "TC-2026-0003",
                                                   "TC-2026-0004", "TC-2026-0009"]


def test_export_neutralises_formulas(client, login, session, exits):
    w = exits
    w.cb.reason = "+86 769 联系人说明"
    w.ca.reason = "@SUM(1+1)"
    login(w.operator)
    ws, _rows_ = _rows(client.get("/exits/export.xlsx?year=2026").data)
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "'" + EVIL in texts and "'+86 769 联系人说明" in texts and "'@SUM(1+1)" in texts
    assert not any(t.startswith(("=", "+", "-", "@")) for t in texts)
