"""A fund pool's ledger export: the pool page's movement filter and order, amounts as numbers,
the claim each movement was for."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from incubator.core.excel import MONEY, STAMP
from incubator.core.roles import Role
from incubator.funds import services
from incubator.funds.models import FundEntry, FundEntryKind, FundPool, FundProgram, FundSource
from incubator.subsidies.models import BatchState, ClaimState, SubsidyBatch, SubsidyClaim, SubsidyPolicy

from ..factories import make_company, make_user
from .conftest import EVIL, assert_neutralised, audit_entries, column, read


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text + "+08:00")


def test_pool_ledger_export(client, login, session):
    operator = make_user(session, Role.OPERATOR, display_name="运营 王敏")
    program = FundProgram(name="导出测试专项经费", config={"phase_cap": "10000000", "max_city_phases": 3,
                                                         "matching_ratio": "1"})
    pool = FundPool(program=program, source=FundSource.CITY, phase=1, name="市专项一期",
                    allocated=Decimal("1500000.00"), opened_on=dt.date(2026, 1, 1))
    other = FundPool(program=program, source=FundSource.COMMITTEE, phase=1, name="管委会配套一期",
                     allocated=Decimal("100000.00"), opened_on=dt.date(2026, 1, 1))
    session.add_all([program, pool, other])
    session.flush()
    policy = session.scalar(sa.select(SubsidyPolicy).where(SubsidyPolicy.support_type_id == 1))
    batch = SubsidyBatch(number="PC-X-01", name="租金补贴", support_type_id=1, fund_pool_id=pool.id,
                         intake_opens_on=dt.date(2026, 6, 1), intake_closes_on=dt.date(2026, 6, 30),
                         period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 6, 30), state=BatchState.PAYING)
    session.add(batch)
    session.flush()
    claim = SubsidyClaim(number="BT-X-0001", batch_id=batch.id, company_id=make_company(session).id,
                         policy_id=policy.id, state=ClaimState.DISBURSED, amount=Decimal("12000.50"))
    session.add(claim)
    session.flush()

    def entry(kind, amount, at, actor=None, note=None, claim_id=None, target=pool):
        session.add(FundEntry(pool_id=target.id, kind=kind, amount=Decimal(amount), at=_at(at),
                              actor_id=actor.id if actor else None, note=note,
                              object_type=services.CLAIM if claim_id else None, object_id=claim_id))

    entry(FundEntryKind.ALLOCATE, "1000000.00", "2026-01-05T10:00", operator, "首期拨入")
    entry(FundEntryKind.COMMIT, "12000.50", "2026-07-01T09:30", operator, claim_id=claim.id)
    entry(FundEntryKind.PAY, "12000.50", "2026-07-20T15:45", note=EVIL[2], claim_id=claim.id)
    entry(FundEntryKind.ALLOCATE, "500000.00", "2026-08-01T08:00", operator)
    entry(FundEntryKind.ALLOCATE, "100000.00", "2026-08-02T08:00", operator, target=other)  # another pool
    session.flush()
    login(make_user(session, Role.SUPERVISOR))

    ws, rows = read(client.get(f"/funds/pools/{pool.id}/export.xlsx"))
    assert ws.title == "市专项一期"
    assert [(r["时间"], r["资金变动"], r["金额（元）"], r["关联单据"], r["经办人"], r["备注"]) for r in rows] == [
        (dt.datetime(2026, 8, 1, 8, 0), "Allocated", 500000, None, "运营 王敏", None),
        (dt.datetime(2026, 7, 20, 15, 45), "Paid out", 12000.5, "BT-X-0001", None, "'" + EVIL[2]),
        (dt.datetime(2026, 7, 1, 9, 30), "Committed", 12000.5, "BT-X-0001", "运营 王敏", None),
        (dt.datetime(2026, 1, 5, 10, 0), "Allocated", 1000000, None, "运营 王敏", "首期拨入")]  # newest first
    assert column(ws, "时间")[0].number_format == STAMP and column(ws, "金额（元）")[0].number_format == MONEY
    assert_neutralised(ws, EVIL[2])

    _ws, rows = read(client.get(f"/funds/pools/{pool.id}/export.xlsx?kind=allocate"))
    assert [r["金额（元）"] for r in rows] == [500000, 1000000]
    entries = audit_entries(session, "export.fund_entries")
    assert [(e.object_type, e.object_id, e.after) for e in entries] == [
        ("fund_pools", pool.id, {"filters": {"pool": "市专项一期"}, "rows": 4}),
        ("fund_pools", pool.id, {"filters": {"kind": "allocate", "pool": "市专项一期"}, "rows": 2})]
    assert client.get("/funds/pools/999999/export.xlsx").status_code == 404
