"""The subsidy lists' exports (batches, claims, clawbacks) and the batch export that existed: the
lists' filters and order, amounts as numbers, labels in the page's language."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from incubator.core.excel import MONEY
from incubator.core.formatting import today
from incubator.core.roles import Role
from incubator.funds.models import FundPool, FundProgram, FundSource
from incubator.subsidies.models import BatchState as B
from incubator.subsidies.models import ClaimState as C
from incubator.subsidies.models import (
    Clawback,
    ClawbackReason,
    ClawbackState,
    SubsidyBatch,
    SubsidyClaim,
    SubsidyPolicy,
)

from ..factories import make_company, make_user
from .conftest import EVIL, assert_neutralised, audit_entries, column, order_on_page, read


@pytest.fixture
def subsidies(session):
    """Three rent batches (the one taking payments named like a formula) and its four claims."""
    w = SimpleNamespace(operator=make_user(session, Role.OPERATOR))
    program = FundProgram(name="导出测试专项经费", config={"phase_cap": "10000000", "max_city_phases": 3,
                                                         "matching_ratio": "1"})
    w.pool = FundPool(program=program, source=FundSource.CITY, phase=1, name="市专项一期",
                      allocated=Decimal("1000000.00"), opened_on=dt.date(2026, 1, 1))
    session.add_all([program, w.pool])
    session.flush()
    policy = session.scalar(sa.select(SubsidyPolicy).where(SubsidyPolicy.support_type_id == 1,
                                                           SubsidyPolicy.version == 1))

    def batch(number, name, state, opens):
        made = SubsidyBatch(number=number, name=name, support_type_id=1, fund_pool_id=w.pool.id, intake_opens_on=opens,
                            intake_closes_on=opens + dt.timedelta(days=25), period_start=dt.date(2025, 7, 1),
                            period_end=dt.date(2025, 12, 31), state=state)
        session.add(made)
        session.flush()
        return made

    w.b1 = batch("PC-X-01", "2026年第一批租金补贴", B.OPEN, dt.date(2026, 1, 5))
    w.b2 = batch("PC-X-02", EVIL[3], B.PAYING, dt.date(2026, 6, 1))
    w.b3 = batch("PC-X-00", "2025年租金补贴", B.CLOSED, dt.date(2025, 6, 1))
    w.a, w.evil = make_company(session, name="东莞甲科技有限公司"), make_company(session, name=EVIL[0])
    w.b, w.d = make_company(session, name="东莞乙科技有限公司"), make_company(session, name="东莞丁科技有限公司")

    def claim(number, company, state, amount=None, **kw):
        made = SubsidyClaim(number=number, batch_id=w.b2.id, company_id=company.id, policy_id=policy.id, state=state,
                            amount=Decimal(amount) if amount else None, **kw)
        session.add(made)
        session.flush()
        return made

    w.c1 = claim("BT-X-0001", w.a, C.SUBMITTED, submitted_at=dt.datetime(2026, 6, 10, 2, 0, tzinfo=dt.UTC))
    w.c2 = claim("BT-X-0002", w.evil, C.APPROVED, "30000.00", required_role="deputy")
    w.c3 = claim("BT-X-0003", w.b, C.DISBURSED, "12000.50", required_role="lead", paid_on=dt.date(2026, 7, 20),
                 payment_reference="-2 财政转账 20260720")
    w.c4 = claim("BT-X-0004", w.d, C.DRAFT)
    return w


def test_batches_export(client, login, session, subsidies):
    w = subsidies
    login(w.operator)
    ws, rows = read(client.get("/subsidies/batches/export.xlsx"))
    assert ws.title == "补贴批次"
    assert [r["批次编号"] for r in rows] == ["PC-X-02", "PC-X-01", "PC-X-00"]  # the latest intake first
    page = client.get("/subsidies/").text
    assert order_on_page(page, ["PC-X-00", "PC-X-01", "PC-X-02"]) == ["PC-X-02", "PC-X-01", "PC-X-00"]
    paying = rows[0]
    assert (paying["批次名称"], paying["支持类型"], paying["状态"], paying["资金池"]) == (
        "'" + EVIL[3], "Space (rent subsidy)", "Payment", "市专项一期")
    assert (paying["受理开始日期"], paying["补贴期间止"]) == (dt.datetime(2026, 6, 1), dt.datetime(2025, 12, 31))
    # four claims (the draft counts, as on the page), one to check, approved 30,000.00 + 12,000.50, paid 12,000.50
    assert (paying["申请数"], paying["待审核数"], paying["已批准金额（元）"], paying["已拨付金额（元）"]) == (4, 1, 42000.5, 12000.5)
    assert (rows[1]["申请数"], rows[1]["已批准金额（元）"]) == (0, 0)
    assert column(ws, "已批准金额（元）")[0].number_format == MONEY
    assert_neutralised(ws, EVIL[3])

    _ws, rows = read(client.get("/subsidies/batches/export.xlsx?state=closed"))
    assert [r["批次编号"] for r in rows] == ["PC-X-00"]
    assert [e.after for e in audit_entries(session, "export.subsidy_batches")] == [
        {"filters": {}, "rows": 3}, {"filters": {"state": "closed"}, "rows": 1}]


def test_claims_export(client, login, session, subsidies):
    w = subsidies
    login(make_user(session, Role.DEPUTY))
    ws, rows = read(client.get(f"/subsidies/claims/export.xlsx?batch={w.b2.id}"))
    assert ws.title == "补贴申请"
    assert [r["申请编号"] for r in rows] == ["BT-X-0004", "BT-X-0003", "BT-X-0002", "BT-X-0001"]  # newest first
    paid = rows[1]
    assert (paid["企业名称"], paid["统一社会信用代码"], paid["批次编号"], paid["状态"], paid["补贴金额（元）"],
            paid["审批层级"], paid["拨付日期"], paid["拨付凭证号"]) == (
        w.b.name, w.b.credit_code, "PC-X-02", "Paid", 12000.5, "Work-group lead", dt.datetime(2026, 7, 20),
        "'-2 财政转账 20260720")
    assert rows[3]["提交日期"] == dt.datetime(2026, 6, 10) and rows[3]["补贴金额（元）"] is None
    assert (rows[2]["审批层级"], rows[2]["状态"]) == ("Deputy commander", "Approved")
    amount = column(ws, "补贴金额（元）")[1]
    assert amount.data_type == "n" and amount.number_format == MONEY
    assert_neutralised(ws, EVIL[0])

    def numbers(query):
        return [r["申请编号"] for r in read(client.get("/subsidies/claims/export.xlsx" + query))[1]]

    assert numbers(f"?batch={w.b2.id}&state=disbursed") == ["BT-X-0003"]
    assert numbers("?tier=deputy") == ["BT-X-0002"]
    assert numbers("?q=东莞") == ["BT-X-0004", "BT-X-0003", "BT-X-0001"]
    assert numbers(f"?batch={w.b1.id}") == []
    assert audit_entries(session, "export.subsidy_claims")[1].after == {
        "filters": {"batch": w.b2.id, "state": "disbursed"}, "rows": 1}


def test_clawbacks_export(client, login, session, subsidies):
    w = subsidies
    day = today()

    def clawback(number, company, reason, amount, repaid, state, due_on=None):
        session.add(Clawback(number=number, company_id=company.id, reason=reason, trigger_on=dt.date(2026, 8, 31),
                             amount=Decimal(amount), repaid=Decimal(repaid), state=state, due_on=due_on,
                             basis={"claims": [], "total": amount}))
        session.flush()

    clawback("ZH-X-0001", w.a, ClawbackReason.BREACH, "36000.00", "10000.00", ClawbackState.PARTLY_REPAID,
             day - dt.timedelta(days=5))
    clawback("ZH-X-0002", w.evil, ClawbackReason.EXIT, "5000.00", "5000.00", ClawbackState.REPAID, day)
    clawback("ZH-X-0003", w.a, ClawbackReason.BREACH, "2000.00", "0.00", ClawbackState.WAIVED)
    login(w.operator)
    ws, rows = read(client.get("/subsidies/clawbacks/export.xlsx"))
    assert ws.title == "补贴追回"
    assert [r["追回编号"] for r in rows] == ["ZH-X-0003", "ZH-X-0002", "ZH-X-0001"]
    owed = rows[2]
    assert (owed["追回原因"], owed["触发日期"], owed["应追回金额（元）"], owed["已退回金额（元）"], owed["待退回金额（元）"],
            owed["状态"], owed["已逾期"]) == (
        "Breach (sublet, change of use, false data)", dt.datetime(2026, 8, 31), 36000, 10000, 26000, "Partly repaid",
        "Yes")
    assert (rows[1]["待退回金额（元）"], rows[1]["已逾期"], rows[0]["待退回金额（元）"], rows[0]["状态"]) == (0, None, 0, "Waived")
    assert_neutralised(ws, EVIL[0])

    _ws, rows = read(client.get("/subsidies/clawbacks/export.xlsx?reason=breach&state=partly_repaid"))
    assert [r["追回编号"] for r in rows] == ["ZH-X-0001"]
    assert audit_entries(session, "export.clawbacks")[-1].after == {
        "filters": {"reason": "breach", "state": "partly_repaid"}, "rows": 1}


def test_a_batch_export_is_audited(client, login, session, subsidies):
    w = subsidies
    login(w.operator)
    _ws, rows = read(client.get(f"/subsidies/batches/{w.b2.id}/export.xlsx"), "补贴申请")
    assert [r["申请编号"] for r in rows] == ["BT-X-0001", "BT-X-0002", "BT-X-0003"]  # drafts stay the company's own
    [entry] = audit_entries(session, "export.subsidy_batch")
    assert (entry.object_type, entry.object_id, entry.after) == (
        "subsidy_batches", w.b2.id, {"filters": {"batch": "PC-X-02"}, "rows": 3})
