"""The Excel export of the unit list: the staff list's rows (its filters and order) with who holds
each unit now, labels in the page's language."""
from __future__ import annotations

from sqlalchemy.orm import Session

from ..core.excel import AREA, MONEY, table_bytes, yes_no
from ..leases.services import current_leases
from .models import Unit

COLUMNS = (("单元编号", 10, None), ("载体", 24, None), ("楼栋", 12, None), ("楼层", 6, None), ("空间类型", 12, None),
           ("面积（m²）", 12, AREA), ("挂牌租金（元/m²/月）", 14, MONEY), ("创业孵化区", 10, None), ("状态", 10, None),
           ("承租企业", 30, None), ("租约编号", 16, None), ("备注", 30, None))
CHUNK = 1000  # unit ids per lookup of their holders (bound parameters have a limit)


def units_workbook(session: Session, units: list[Unit]) -> bytes:
    ids = [u.id for u in units]
    holders = {}
    for i in range(0, len(ids), CHUNK):
        holders.update(current_leases(session, ids[i:i + CHUNK]))
    rows = []
    for u in units:
        lease = holders.get(u.id)
        rows.append([u.number, u.building.carrier.name, u.building.name, u.floor, u.type.label, u.area, u.list_rent,
                     yes_no(u.in_startup_zone), u.status.label, lease.company.name if lease else None,
                     lease.number if lease else None, u.note])
    return table_bytes("载体单元", COLUMNS, rows)
