"""The subsidy documents: 补贴审批表 (line items a person can recompute, 大写 amount, approvals),
the batch's 公示名单, the 拨付明细 of a paid claim, the batch's Excel export, who may fetch them —
and amount_in_words. Claims are built directly (states and calculations set as the claim flow
would leave them); PDF text is extracted with pypdf and each PDF is also rendered to PNG under
test-artifacts/ for a look."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from fractions import Fraction

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from pypdf import PdfReader

from incubator.core.calendar import add_working_days
from incubator.core.formatting import amount_in_words
from incubator.core.models import WorkflowEvent
from incubator.core.roles import Role
from incubator.funds.models import FundPool, FundProgram, FundSource
from incubator.leases.rules import months_text, rent_for, to_fen
from incubator.subsidies.models import BatchState as B
from incubator.subsidies.models import ClaimState as C
from incubator.subsidies.models import SubsidyBatch, SubsidyClaim, SubsidyPolicy, SupportType

from ..factories import make_company, make_user
from ..pdfs import ARTIFACTS, embedded_fonts, get_pdf, issued, nospace, pdf_text

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EVIL = '=HYPERLINK("http://evil.example/x","点我领取补贴")'


# --- amount_in_words ---------------------------------------------------------------------------------

@pytest.mark.parametrize("amount, words", [
    ("0", "零元整"),
    ("0.05", "伍分"),
    ("0.50", "伍角"),
    ("1.05", "壹元零伍分"),
    ("10", "壹拾元整"),
    ("15", "壹拾伍元整"),
    ("110", "壹佰壹拾元整"),
    ("1001", "壹仟零壹元整"),
    ("1680.32", "壹仟陆佰捌拾元叁角贰分"),
    ("10010", "壹万零壹拾元整"),
    ("100000", "壹拾万元整"),
    ("100100", "壹拾万零壹佰元整"),
    ("101000", "壹拾万壹仟元整"),
    ("123456.78", "壹拾贰万叁仟肆佰伍拾陆元柒角捌分"),
    ("300000.00", "叁拾万元整"),
    ("1000000.01", "壹佰万元零壹分"),
    ("10000000.00", "壹仟万元整"),
    ("100001000", "壹亿零壹仟元整"),
    ("100010000", "壹亿零壹万元整"),
    ("99999999999999.99", "玖拾玖万亿玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
    ("0.005", "壹分"),  # rounded to the fen, half up
    ("-3.20", "负叁元贰角"),
])
def test_amount_in_words(amount, words):
    assert amount_in_words(Decimal(amount)) == words


def test_amount_in_words_refuses_what_is_not_an_amount():
    with pytest.raises(TypeError):
        amount_in_words(0.1)
    with pytest.raises(ValueError):
        amount_in_words(Decimal("NaN"))
    with pytest.raises(ValueError):
        amount_in_words(Decimal("1E16"))


# --- a batch with claims in every state that matters ----------------------------------------------------

def line(frm, to, lease, unit, area, eligible, price, share, year, rate, category="high_tech") -> dict:
    """One line item as the engine stores it, computed the way the form tells a reader to."""
    share = Fraction(share)
    base = rent_for(Decimal(eligible), Decimal(price), share)
    return {"from": frm, "to": to, "lease": lease, "unit": unit, "area": area, "eligible_area": eligible,
            "rent_per_m2": price, "price_used": price, "months": months_text(share),
            "rent": str(rent_for(Decimal(area), Decimal(price), share)), "base": str(base), "tenancy_year": year,
            "year_rate": rate, "band_rate": "1.00", "rate": rate, "amount": str(to_fen(base * Decimal(rate))),
            "category": category}


def calculation(policy_id: int) -> dict:
    """Jan–Jun 2026 for a company that moved in on 2025-03-15: year 1 (100%) until 14 March, then
    year 2 (50%); the lab is over the 1,000 m² cap; June is unpaid; a yearly cap trims year 1."""
    office, lab = ("ZL-2025-0003", "1栋-301", "600.00"), ("ZL-2025-0007", "2栋-105", "450.00")
    lines = []
    for lease, unit, area in (office, lab):
        eligible = area if unit == "1栋-301" else "400.00"
        price = "65.00" if unit == "1栋-301" else "58.50"
        lines += [line("2026-01-01", "2026-01-31", lease, unit, area, eligible, price, 1, 1, "1.00"),
                  line("2026-02-01", "2026-02-28", lease, unit, area, eligible, price, 1, 1, "1.00"),
                  line("2026-03-01", "2026-03-14", lease, unit, area, eligible, price, "14/31", 1, "1.00"),
                  line("2026-03-15", "2026-03-31", lease, unit, area, eligible, price, "17/31", 2, "0.50"),
                  line("2026-04-01", "2026-04-30", lease, unit, area, eligible, price, 1, 2, "0.50"),
                  line("2026-05-01", "2026-05-31", lease, unit, area, eligible, price, 1, 2, "0.50")]
    adjustments = [{"tenancy_year": 1, "reason": "yearly_cap", "cap": "200000.00", "already": "60000.00",
                    "amount": "-4321.09"}]
    total = sum(Decimal(x["amount"]) for x in lines) + Decimal("-4321.09")
    return {"policy_id": policy_id, "policy_version": 1, "support_type": "rent", "period": ["2026-01-01", "2026-06-30"],
            "tenancy_start": "2025-03-15", "lines": lines,
            "excluded": [{"from": "2026-06-01", "to": "2026-06-30", "lease": lease, "unit": unit, "reason": "unpaid",
                          "detail": "2026年6月租金尚未缴清"} for lease, unit, _a in (office, lab)],
            "adjustments": adjustments, "blocked": None, "total": str(total)}


class World:
    pass


def _event(session, claim, action, frm, to, actor, at, comment=None, visible=True):
    session.add(WorkflowEvent(object_type="subsidy_claim", object_id=claim.id, action=action, from_state=frm.value,
                              to_state=to.value, actor_id=actor.id, comment=comment, visible_to_company=visible,
                              at=at))


def _at(day: str, hour: int) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{hour:02d}:00:00+08:00")


@pytest.fixture
def world(session):
    w = World()
    w.policy = session.scalar(sa.select(SubsidyPolicy).join(SupportType).where(
        SupportType.code == "rent", SubsidyPolicy.version == 1))
    program = FundProgram(name="水乡社区专项政策经费（测试）", config={"phase_cap": "10000000", "max_city_phases": 3,
                                                                  "matching_ratio": "1"})
    session.add(program)
    session.flush()
    w.pool = FundPool(program_id=program.id, source=FundSource.CITY, phase=1, name="市科技局专项经费第一期",
                      allocated=Decimal("10000000.00"), opened_on=dt.date(2026, 1, 5))
    session.add(w.pool)
    session.flush()
    w.batch = SubsidyBatch(number="PC-2026-01", name="2026年上半年租金补贴", support_type_id=w.policy.support_type_id,
                           fund_pool_id=w.pool.id, intake_opens_on=dt.date(2026, 7, 1),
                           intake_closes_on=dt.date(2026, 7, 31), period_start=dt.date(2026, 1, 1),
                           period_end=dt.date(2026, 6, 30), state=B.NOTICE, notice_starts_on=dt.date(2026, 9, 28),
                           notice_ends_on=add_working_days(dt.date(2026, 9, 28), 7))  # over National Day
    session.add(w.batch)
    session.flush()
    w.operator = make_user(session, Role.OPERATOR, display_name="王初审")
    w.deputy = make_user(session, Role.DEPUTY, display_name="陈副总指挥")
    w.company = make_company(session, name="东莞水乡智造科技有限公司", moved_in_on=dt.date(2025, 3, 15))
    w.member = make_user(session, Role.COMPANY, company=w.company)
    calc = calculation(w.policy.id)
    w.claim = _claim(session, w, w.company, 1, C.IN_NOTICE, Decimal(calc["total"]), calc=calc, role="deputy")
    _event(session, w.claim, "submit", C.DRAFT, C.SUBMITTED, w.member, _at("2026-07-10", 9))
    _event(session, w.claim, "verify", C.SUBMITTED, C.VERIFIED, w.operator, _at("2026-08-03", 10), "租金凭证齐全，核定金额。")
    _event(session, w.claim, "note", C.VERIFIED, C.VERIFIED, w.operator, _at("2026-08-03", 11),
           "内部备注：不给企业看", visible=False)
    _event(session, w.claim, "approve_deputy", C.VERIFIED, C.APPROVED, w.deputy, _at("2026-09-10", 15), "同意。")
    _event(session, w.claim, "notice", C.APPROVED, C.IN_NOTICE, w.operator, _at("2026-09-28", 9))
    # the others on the list or not
    w.approved = _claim(session, w, make_company(session, name=EVIL), 2, C.APPROVED, Decimal("45678.90"))
    w.paid = _claim(session, w, make_company(session, name="麻涌新材料有限公司"), 3, C.DISBURSED, Decimal("88000.00"),
                    paid_on=dt.date(2026, 10, 20), payment_reference="BOC-20261020-0042")
    w.rejected = _claim(session, w, make_company(session, name="被异议科技有限公司"), 4, C.REJECTED, Decimal("1000.00"))
    w.verified = _claim(session, w, make_company(session, name="待审批科技有限公司"), 5, C.VERIFIED, Decimal("2000.00"))
    w.draft = _claim(session, w, make_company(session, name="草稿科技有限公司"), 6, C.DRAFT, None)
    session.flush()
    return w


def _claim(session, w, company, n, state, amount, calc=None, role="lead", **kw) -> SubsidyClaim:
    if calc is None and amount is not None:
        calc = {"policy_id": w.policy.id, "policy_version": 1, "support_type": "rent",
                "period": ["2026-01-01", "2026-06-30"], "tenancy_start": "2025-01-01",
                "lines": [{**line("2026-01-01", "2026-06-30", "ZL-2025-9", "3栋-1", "10.00", "10.00", "50.00", 6, 2,
                                  "0.50"), "rent": str(amount * 2), "base": str(amount * 2), "amount": str(amount)}],
                "excluded": [], "adjustments": [], "blocked": None, "total": str(amount)}
    claim = SubsidyClaim(number=f"BT-2026-{n:04d}", batch_id=w.batch.id, company_id=company.id, state=state,
                         policy_id=w.policy.id, amount=amount, calculation=calc, required_role=role if amount else None,
                         submitted_at=_at("2026-07-10", 9) if state != C.DRAFT else None, **kw)
    session.add(claim)
    session.flush()
    return claim


# --- 补贴审批表 -----------------------------------------------------------------------------------------

def test_approval_form_shows_lines_total_words_and_approvals(client, login, session, world):
    w = world
    login(w.member)
    data = get_pdf(client, f"/subsidies/claims/{w.claim.id}/approval.pdf", "subsidy-approval")
    text = pdf_text(data)
    [doc] = issued(session, "subsidy_approval", "subsidy_claim", w.claim.id)
    calc = w.claim.calculation
    total = Decimal(calc["total"])
    assert doc.number.startswith("SX-BT-") and doc.company_id == w.company.id
    for expected in ("补贴审批表", doc.number, w.company.name, w.company.credit_code, w.claim.number, "PC-2026-01",
                     "2026年上半年租金补贴", "场地空间（租金补贴）", "第1版", "2026年1月1日至2026年6月30日",
                     "2025年3月15日", "ZL-2025-0003", "1栋-301", "2栋-105", "14/31", "17/31", "第1年", "第2年",
                     "高新技术企业", "年度补贴上限调减", "-4321.09", "租金未缴清", "2026年6月租金尚未缴清",
                     calc["total"], f"¥{total:,.2f}", amount_in_words(total),
                     "计补基数=可补贴面积×计补单价×月数", "补贴金额=计补基数×比例",
                     "王初审", "租金凭证齐全，核定金额。", "副总指挥", "陈副总指挥", "同意。",
                     "2026年9月28日至2026年10月13日", "尚未拨付", "尚未收到签字盖章的纸质原件", "（盖章）"):
        assert nospace(expected) in text, expected
    for x in calc["lines"]:  # every figure a reader needs to recompute the line
        for key in ("area", "eligible_area", "price_used", "rent", "base", "rate", "amount"):
            assert x[key] in text, (key, x)
    assert "内部备注" not in text  # internal notes never reach the company's copy
    fonts = embedded_fonts(data)
    assert any("Noto-Sans-CJK-SC" in f for f in fonts) and any("Noto-Serif-CJK-SC" in f for f in fonts)

    # the same data: the stored document again; once paid, a new issue supersedes it
    assert get_pdf(client, f"/subsidies/claims/{w.claim.id}/approval.pdf") == data
    w.claim.state, w.claim.paid_on, w.claim.payment_reference = C.DISBURSED, dt.date(2026, 10, 20), "ICBC-778899"
    _event(session, w.claim, "disburse", C.IN_NOTICE, C.DISBURSED, w.operator, _at("2026-10-20", 16))
    text = pdf_text(get_pdf(client, f"/subsidies/claims/{w.claim.id}/approval.pdf"))
    assert "ICBC-778899" in text and "2026年10月20日" in text
    first, second = issued(session, "subsidy_approval", "subsidy_claim", w.claim.id)
    assert first.superseded_by_id == second.id


def test_approval_form_only_once_the_amount_is_fixed(client, login, session, world):
    w = world
    login(w.operator)
    for claim in (w.draft, w.rejected):
        resp = client.get(f"/subsidies/claims/{claim.id}/approval.pdf")
        assert resp.status_code == 409
        assert issued(session, "subsidy_approval", "subsidy_claim", claim.id) == []
    assert "待审批科技有限公司" in pdf_text(get_pdf(client, f"/subsidies/claims/{w.verified.id}/approval.pdf"))


def test_approval_form_of_a_declared_amount(client, login, session, world):
    """Support types checked by people have one line: the amount declared, the policy's limit, the amount fixed."""
    w = world
    w.verified.declared_amount = Decimal("2500.00")
    w.verified.calculation = {**w.verified.calculation, "support_type": "declared", "tenancy_start": None,
                              "lines": [{"from": "2026-01-01", "to": "2026-06-30", "declared": "2500.00",
                                         "max_amount": "2000.00", "amount": "2000.00"}], "total": "2000.00"}
    login(w.operator)
    text = pdf_text(get_pdf(client, f"/subsidies/claims/{w.verified.id}/approval.pdf", "subsidy-approval-declared"))
    for expected in ("2026-01-01至2026-06-30", "2500.00", "2000.00", "¥2,000.00", "贰仟元整", "核定金额=申报金额"):
        assert expected in text, expected
    assert "计补基数" not in text
    wb = load_workbook(io.BytesIO(client.get(f"/subsidies/batches/{w.batch.id}/export.xlsx").data))
    [row] = [r for r in _rows(wb["补贴明细"]) if r["申请编号"] == w.verified.number]
    assert row["补贴金额"] == 2000 and row["说明"] == "申报金额 2500.00，政策上限 2000.00"


# --- 公示名单 ------------------------------------------------------------------------------------------

def test_notice_list_lists_only_approved_claims(client, login, session, world):
    w = world
    login(make_user(session, Role.COMPANY))  # public: any company member, not only those listed
    data = get_pdf(client, f"/subsidies/batches/{w.batch.id}/notice.pdf", "subsidy-notice")
    text = pdf_text(data)
    [doc] = issued(session, "subsidy_notice", "subsidy_batch", w.batch.id)
    listed = (w.claim, w.approved, w.paid)
    total = sum(c.amount for c in listed)
    for expected in ("补贴公示名单", doc.number, "PC-2026-01", "2026年9月28日至2026年10月13日", "7个工作日", "异议",
                     "运营服务中心", *[c.company.name for c in listed], *[c.company.credit_code for c in listed],
                     f"{w.claim.amount:,.2f}", "45,678.90", "88,000.00", f"¥{total:,.2f}", amount_in_words(total),
                     "3家企业"):
        assert nospace(expected) in text, expected
    for other in (w.rejected, w.verified, w.draft):
        assert other.company.name not in text
    assert doc.company_id is None
    assert any("Noto-Sans-CJK-SC" in f for f in embedded_fonts(data))
    page = client.get(f"/verify/{doc.verify_code}")  # anyone holding the paper can check it
    assert page.status_code == 200 and doc.number in page.text


def test_a_long_notice_list_repeats_its_header_on_every_page(client, login, session, world):
    w = world
    for n in range(7, 67):
        _claim(session, w, make_company(session, name=f"长名单第{n}号智能装备科技有限公司"), n, C.IN_NOTICE,
               Decimal("12345.67"))
    login(w.operator)
    data = get_pdf(client, f"/subsidies/batches/{w.batch.id}/notice.pdf", "subsidy-notice-long")
    pages = ["".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages]
    assert len(pages) >= 3
    assert all("序号企业名称统一社会信用代码补贴时段补贴金额（元）" in p for p in pages)
    assert "长名单第66号智能装备科技有限公司" in pages[-1] and "63家企业" in pages[-1]


def test_notice_list_only_once_published(client, login, session, world):
    w = world
    w.batch.state, w.batch.notice_starts_on, w.batch.notice_ends_on = B.REVIEWING, None, None
    login(w.member)
    assert client.get(f"/subsidies/batches/{w.batch.id}/notice.pdf").status_code == 404
    login(w.operator)
    assert client.get(f"/subsidies/batches/{w.batch.id}/notice.pdf").status_code == 409
    assert issued(session, "subsidy_notice", "subsidy_batch", w.batch.id) == []


# --- 拨付明细 ------------------------------------------------------------------------------------------

def test_payment_statement_of_a_paid_claim(client, login, session, world):
    w = world
    member = make_user(session, Role.COMPANY, company=w.paid.company)
    login(member)
    data = get_pdf(client, f"/subsidies/claims/{w.paid.id}/statement.pdf", "subsidy-statement")
    text = pdf_text(data)
    [doc] = issued(session, "disbursement_statement", "subsidy_claim", w.paid.id)
    for expected in ("补贴拨付明细", doc.number, "麻涌新材料有限公司", w.paid.company.credit_code, w.paid.number,
                     "PC-2026-01", "¥88,000.00", "捌万捌仟元整", "BOC-20261020-0042", "2026年10月20日",
                     "水乡社区专项政策经费（测试）", "市科技局专项经费第一期", "第1期", "上述款项已收到"):
        assert nospace(expected) in text, expected
    assert doc.number.startswith("SX-BF-") and any("Noto-Sans-CJK-SC" in f for f in embedded_fonts(data))


@pytest.mark.parametrize("state", [C.APPROVED, C.IN_NOTICE, C.VERIFIED, C.REJECTED])
def test_payment_statement_refused_before_payment(state, client, login, session, world):
    w = world
    w.claim.state = state
    login(w.member)
    resp = client.get(f"/subsidies/claims/{w.claim.id}/statement.pdf")
    assert resp.status_code == 409
    assert issued(session, "disbursement_statement", "subsidy_claim", w.claim.id) == []


# --- who may fetch them -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["approval", "statement"])
def test_claim_documents_access(name, client, login, session, world):
    w = world
    path = f"/subsidies/claims/{w.paid.id}/{name}.pdf"
    assert "/login" in client.get(path).headers.get("Location", "")
    login(w.member)  # a member of another company
    assert client.get(path).status_code == 404
    login(make_user(session, Role.REVIEWER))
    assert client.get(path).status_code == 403
    login(make_user(session, Role.COMPANY, company=w.paid.company))
    assert client.get(path).status_code == 200
    login(make_user(session, Role.SUPERVISOR))
    assert client.get(path).status_code == 200
    assert client.get(f"/subsidies/claims/999999/{name}.pdf").status_code == 404
    assert client.get(f"/subsidies/claims/99999999999/{name}.pdf").status_code == 404


def test_notice_and_export_access(client, login, session, world):
    w = world
    notice, export = f"/subsidies/batches/{w.batch.id}/notice.pdf", f"/subsidies/batches/{w.batch.id}/export.xlsx"
    for path in (notice, export):
        assert "/login" in client.get(path).headers.get("Location", "")
    login(make_user(session, Role.REVIEWER))
    assert client.get(notice).status_code == 403 and client.get(export).status_code == 403
    login(w.member)
    assert client.get(notice).status_code == 200 and client.get(export).status_code == 403
    login(make_user(session, Role.SUPERVISOR))
    assert client.get(notice).status_code == 200 and client.get(export).status_code == 200
    assert client.get("/subsidies/batches/999999/export.xlsx").status_code == 404


# --- Excel ----------------------------------------------------------------------------------------------

def _rows(ws) -> list[dict]:
    header = [c.value for c in ws[1]]
    return [dict(zip(header, row, strict=True)) for row in ws.iter_rows(min_row=2, values_only=True)]


def test_export_of_a_batch(client, login, session, world):
    w = world
    w.claim.originals_received_on = dt.date(2026, 8, 5)
    login(w.operator)
    resp = client.get(f"/subsidies/batches/{w.batch.id}/export.xlsx")
    assert resp.status_code == 200 and resp.mimetype == XLSX
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "subsidy-batch.xlsx").write_bytes(resp.data)
    wb = load_workbook(io.BytesIO(resp.data))
    assert wb.sheetnames == ["补贴申请", "补贴明细"]

    claims = {r["申请编号"]: r for r in _rows(wb["补贴申请"])}
    assert sorted(claims) == sorted(c.number for c in (w.claim, w.approved, w.paid, w.rejected, w.verified))
    row = claims[w.claim.number]
    assert (row["企业名称"], row["统一社会信用代码"], row["状态"], row["审批层级"]) == (
        w.company.name, w.company.credit_code, "公示中", "副总指挥")
    assert isinstance(row["补贴金额"], float) and Decimal(str(row["补贴金额"])) == w.claim.amount
    assert (row["提交日期"].date(), row["核定日期"].date(), row["审批日期"].date(), row["原件收到日期"].date()) == (
        dt.date(2026, 7, 10), dt.date(2026, 8, 3), dt.date(2026, 9, 10), dt.date(2026, 8, 5))
    assert row["拨付日期"] is None
    paid = claims[w.paid.number]
    assert (paid["拨付日期"].date(), paid["拨付凭证号"], paid["状态"]) == (dt.date(2026, 10, 20), "BOC-20261020-0042",
                                                                   "已拨付")
    amount_cell = next(c for c in wb["补贴申请"]["E"][1:] if c.value is not None)
    assert amount_cell.data_type == "n" and amount_cell.number_format == "#,##0.00"

    lines = _rows(wb["补贴明细"])
    mine = [x for x in lines if x["申请编号"] == w.claim.number]
    assert [x["类型"] for x in mine].count("明细") == 12 and [x["类型"] for x in mine].count("不计补贴") == 2
    for number, claim_row in claims.items():  # the line sheet adds up to each claim's amount
        amounts = [Decimal(str(x["补贴金额"])) for x in lines if x["申请编号"] == number and x["补贴金额"] is not None]
        assert sum(amounts) == Decimal(str(claim_row["补贴金额"])), number
    for x in (x for x in mine if x["类型"] == "明细"):  # and each line recomputes from its own cells
        base = to_fen(Decimal(str(x["可补贴面积"])) * Decimal(str(x["计补单价"])) * Decimal(str(x["月数（数值）"])))
        assert abs(base - Decimal(str(x["计补基数"]))) <= Decimal("0.01")
        assert to_fen(Decimal(str(x["计补基数"])) * Decimal(str(x["比例"]))) == Decimal(str(x["补贴金额"]))
        assert isinstance(x["计租面积"], int | float) and isinstance(x["期间起"], dt.datetime)
    march = next(x for x in mine if x["月数"] == "14/31")
    assert march["月数（数值）"] == pytest.approx(14 / 31) and march["企业类别"] == "高新技术企业"
    cap = next(x for x in mine if x["类型"] == "年度补贴上限调减")
    assert cap["补贴金额"] == -4321.09 and "200000.00" in cap["说明"]
    unpaid = next(x for x in mine if x["类型"] == "不计补贴")
    assert unpaid["说明"] == "租金未缴清；2026年6月租金尚未缴清" and unpaid["补贴金额"] is None


def test_export_neutralises_formulas(client, login, session, world):
    w = world
    w.paid.payment_reference = "+1-2 凭证"
    calc = w.claim.calculation
    w.claim.calculation = {**calc, "lines": [{**calc["lines"][0], "unit": "@SUM(1+1)"}, *calc["lines"][1:]]}
    login(w.operator)
    wb = load_workbook(io.BytesIO(client.get(f"/subsidies/batches/{w.batch.id}/export.xlsx").data))
    evil = next(c for c in wb["补贴申请"]["B"] if c.value and "HYPERLINK" in c.value)
    assert evil.value == "'" + EVIL and evil.data_type == "s"
    texts = [c.value for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "'+1-2 凭证" in texts and "'@SUM(1+1)" in texts
    assert not any(t.startswith(("=", "+", "-", "@")) for t in texts)
