"""The lease list's and the rent-arrears list's exports: the lists' filters and order, money as numbers."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from incubator.core.excel import MONEY
from incubator.core.formatting import today
from incubator.core.roles import Role
from incubator.leases.models import RentCharge
from incubator.leases.services import create_lease, sign_lease

from ..factories import make_company, make_unit, make_user
from .conftest import EVIL, assert_neutralised, audit_entries, column, order_on_page, read


@pytest.fixture
def leases(session):
    """Carrier K: 甲's signed lease on 120.50 m² at ¥45 + ¥5 fee, an EVIL-named company's draft, and
    丁's lease ending within 90 days; 乙's signed lease in another carrier."""
    w = SimpleNamespace(operator=make_user(session, Role.OPERATOR))
    u1 = make_unit(session)
    w.carrier = u1.building.carrier
    u2 = make_unit(session, w.carrier, building=u1.building)
    u4 = make_unit(session, w.carrier, building=u1.building)
    u3 = make_unit(session)
    w.a, w.evil = make_company(session, name="东莞甲科技有限公司"), make_company(session, name=EVIL[1])
    w.b, w.d = make_company(session, name="东莞乙科技有限公司"), make_company(session, name="东莞丁科技有限公司")

    def lease(company, unit, start, end, sign=True, **kw):
        made = create_lease(session, w.operator, company, [unit], start_on=start, end_on=end,
                            rent_per_m2=Decimal("45.00"), **kw)
        if sign:
            sign_lease(session, w.operator, made, signed_on=start)
        return made

    w.l1 = lease(w.a, u1, dt.date(2025, 1, 1), dt.date(2027, 12, 31), property_fee_per_m2=Decimal("5.00"),
                 deposit=Decimal("10845.00"), note=EVIL[3])
    w.l2 = lease(w.evil, u2, dt.date(2026, 1, 1), dt.date(2028, 12, 31), sign=False)
    w.l3 = lease(w.b, u3, dt.date(2025, 6, 1), dt.date(2028, 5, 31))
    w.l4 = lease(w.d, u4, dt.date(2024, 1, 1), today() + dt.timedelta(days=30))
    return w


def test_lease_export(client, login, session, leases):
    w = leases
    login(w.operator)
    ws, rows = read(client.get(f"/leases/export.xlsx?carrier={w.carrier.id}"))
    assert ws.title == "租约"
    # newest first, as the list; 乙's lease is in another carrier
    assert [r["租约编号"] for r in rows] == [w.l4.number, w.l2.number, w.l1.number]
    page = client.get(f"/leases/?carrier={w.carrier.id}").text
    assert order_on_page(page, [w.l1.number, w.l2.number, w.l4.number]) == [w.l4.number, w.l2.number, w.l1.number]
    row = rows[2]
    assert (row["企业名称"], row["统一社会信用代码"], row["租赁单元"], row["状态"], row["计费周期"], row["先租后让"]) == (
        w.a.name, w.a.credit_code, w.l1.units[0].unit.label, "In force", "Monthly", "No")
    # 120.50 m² × ¥45 = ¥5,422.50 a month
    assert (row["面积（m²）"], row["租金单价（元/m²/月）"], row["物业费单价（元/m²/月）"], row["月租金（元）"], row["押金（元）"]) == (
        120.5, 45, 5, 5422.5, 10845)
    assert (row["起租日期"], row["到期日期"], row["签订日期"], row["终止日期"]) == (
        dt.datetime(2025, 1, 1), dt.datetime(2027, 12, 31), dt.datetime(2025, 1, 1), None)
    assert rows[1]["状态"] == "Awaiting signature" and rows[1]["签订日期"] is None
    rent = column(ws, "月租金（元）")[2]
    assert rent.data_type == "n" and rent.number_format == MONEY
    assert_neutralised(ws, EVIL[1], EVIL[3])

    _ws, rows = read(client.get(f"/leases/export.xlsx?carrier={w.carrier.id}&state=signed"))
    assert [r["租约编号"] for r in rows] == [w.l4.number, w.l1.number]
    _ws, rows = read(client.get("/leases/export.xlsx?expiring=1&q=东莞"))  # in force and ending within 90 days
    assert [r["企业名称"] for r in rows] == [w.d.name]
    assert [e.after["rows"] for e in audit_entries(session, "export.leases")] == [3, 2, 1]


def _charge(session, lease, due: dt.date, rent: str, fee: str, paid: str = "0.00", settled: bool = False):
    session.add(RentCharge(lease_id=lease.id, company_id=lease.company_id, period_start=due - dt.timedelta(days=20),
                           period_end=due - dt.timedelta(days=1), due_on=due,
                           rent_per_m2=lease.rent_per_m2, rent=Decimal(rent), property_fee=Decimal(fee),
                           paid=Decimal(paid), settled_on=due if settled else None))


def test_arrears_export(client, login, session, leases):
    w = leases
    day = today()
    _charge(session, w.l1, day - dt.timedelta(days=60), "5422.50", "602.50")  # owes 6,025.00
    _charge(session, w.l1, day - dt.timedelta(days=30), "5422.50", "602.50", paid="1000.00")  # owes 5,025.00
    _charge(session, w.l1, day - dt.timedelta(days=90), "5422.50", "602.50", paid="6025.00", settled=True)
    _charge(session, w.l1, day + dt.timedelta(days=5), "5422.50", "602.50")  # not due yet
    _charge(session, w.l3, day - dt.timedelta(days=10), "3000.00", "300.00")  # 乙 owes 3,300.00
    session.flush()
    login(make_user(session, Role.LEAD))

    ws, rows = read(client.get("/leases/arrears/export.xlsx"))
    assert ws.title == "租金欠缴"
    assert [(r["企业名称"], r["欠费租约"], r["逾期期数"], r["逾期天数"], r["逾期欠缴金额（元）"]) for r in rows] == [
        (w.a.name, w.l1.number, 2, 60, 11050), (w.b.name, w.l3.number, 1, 10, 3300)]  # the largest debt first
    assert rows[0]["最早应缴日期"] == dt.datetime.combine(day - dt.timedelta(days=60), dt.time())
    owed = column(ws, "逾期欠缴金额（元）")[0]
    assert owed.data_type == "n" and owed.number_format == MONEY

    _ws, rows = read(client.get("/leases/arrears/export.xlsx?q=甲科技"))
    assert [r["企业名称"] for r in rows] == [w.a.name]
    _ws, rows = read(client.get(f"/leases/arrears/export.xlsx?carrier={w.carrier.id}"))
    assert [r["企业名称"] for r in rows] == [w.a.name]
    assert [e.after for e in audit_entries(session, "export.arrears")] == [
        {"filters": {}, "rows": 2}, {"filters": {"q": "甲科技"}, "rows": 1},
        {"filters": {"carrier_id": w.carrier.id}, "rows": 1}]
