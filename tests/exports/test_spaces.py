"""The unit list's export: the list's filters and order, who holds each unit, typed values."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from incubator.core.excel import AREA, MONEY
from incubator.core.roles import Role
from incubator.leases.services import create_lease, sign_lease
from incubator.spaces.models import UnitType

from ..factories import make_company, make_unit, make_user
from .conftest import EVIL, assert_neutralised, audit_entries, column, read


def test_export_holds_the_filtered_units_with_their_holders(client, login, session):
    operator = make_user(session, Role.OPERATOR)
    first = make_unit(session, number="0301", floor=3, note=EVIL[3])
    carrier, building = first.building.carrier, first.building
    leased = make_unit(session, carrier, building=building, number="0502", floor=5, area=Decimal("80.00"),
                       list_rent=Decimal("50.00"), in_startup_zone=False)
    make_unit(session, carrier, building=building, number="0101", floor=1, type=UnitType.FACTORY)
    make_unit(session, number="0201", floor=2)  # another carrier
    holder = make_company(session, name=EVIL[0])
    lease = create_lease(session, operator, holder, [leased], start_on=dt.date(2026, 1, 1), rent_per_m2=Decimal("50"))
    sign_lease(session, operator, lease, signed_on=dt.date(2026, 1, 1))
    login(operator)

    ws, rows = read(client.get(f"/spaces/units/export.xlsx?carrier={carrier.id}&type=office"))
    assert ws.title == "载体单元"
    assert [r["单元编号"] for r in rows] == ["0301", "0502"]  # by building, floor, number as the list
    vacant, held = rows
    assert (vacant["载体"], vacant["楼栋"], vacant["楼层"], vacant["空间类型"], vacant["状态"], vacant["承租企业"],
            vacant["租约编号"], vacant["创业孵化区"], vacant["备注"]) == (
        carrier.name, building.name, 3, "Office", "Vacant", None, None, "Yes", "'" + EVIL[3])
    assert (held["面积（m²）"], held["挂牌租金（元/m²/月）"], held["状态"], held["承租企业"], held["租约编号"],
            held["创业孵化区"]) == (80, 50, "Leased", "'" + EVIL[0], lease.number, "No")
    assert vacant["面积（m²）"] == 120.5
    area, rent = column(ws, "面积（m²）")[0], column(ws, "挂牌租金（元/m²/月）")[0]
    assert area.data_type == "n" and area.number_format == AREA and rent.number_format == MONEY
    assert_neutralised(ws, EVIL[0], EVIL[3])

    _ws, rows = read(client.get(f"/spaces/units/export.xlsx?carrier={carrier.id}&q=0502"))
    assert [r["单元编号"] for r in rows] == ["0502"]
    assert [e.after for e in audit_entries(session, "export.units")] == [
        {"filters": {"carrier_id": carrier.id, "type": "office"}, "rows": 2},
        {"filters": {"carrier_id": carrier.id, "q": "0502"}, "rows": 1}]
