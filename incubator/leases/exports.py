"""The Excel exports of the lease list and the rent-arrears list: the staff lists' rows (their
filters and order), money as numbers, labels in the page's language."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy.orm import Session

from ..core.excel import AREA, DATE, MONEY, table_bytes, yes_no
from . import ledger
from .models import Lease
from .rules import FEN

LEASE_COLUMNS = (("租约编号", 16, None), ("企业名称", 30, None), ("统一社会信用代码", 22, None), ("租赁单元", 24, None),
                 ("面积（m²）", 12, AREA), ("租金单价（元/m²/月）", 12, MONEY), ("物业费单价（元/m²/月）", 12, MONEY),
                 ("月租金（元）", 14, MONEY), ("押金（元）", 14, MONEY), ("计费周期", 10, None), ("起租日期", 12, DATE),
                 ("到期日期", 12, DATE), ("签订日期", 12, DATE), ("终止日期", 12, DATE), ("状态", 10, None),
                 ("先租后让", 8, None), ("备注", 30, None))


def leases_workbook(leases: list[Lease]) -> bytes:
    rows = [[lease.number, lease.company.name, lease.company.credit_code, "、".join(lu.unit.label for lu in lease.units),
             lease.area, lease.rent_per_m2, lease.property_fee_per_m2, lease.monthly_rent, lease.deposit,
             lease.billing_cycle.label, lease.start_on, lease.end_on, lease.signed_on, lease.ended_on, lease.state.label,
             yes_no(lease.lease_then_transfer), lease.note] for lease in leases]
    return table_bytes("租约", LEASE_COLUMNS, rows)


ARREARS_COLUMNS = (("企业名称", 30, None), ("欠费租约", 24, None), ("逾期期数", 8, None), ("最早应缴日期", 12, DATE),
                   ("逾期天数", 8, None), ("逾期欠缴金额（元）", 16, MONEY))
CHUNK = 1000  # company ids per lookup of their leases (bound parameters have a limit)


def arrears_workbook(session: Session, rows: list, filters: ledger.ArrearsFilters, day: dt.date) -> bytes:
    """`rows`: ledger.arrears_query's (company id, name, total, oldest due day, periods)."""
    ids = [r.id for r in rows]
    leases: dict[int, list[tuple[int, str]]] = {}
    for i in range(0, len(ids), CHUNK):
        leases.update(ledger.arrears_leases(session, filters, day, ids[i:i + CHUNK]))
    return table_bytes("租金欠缴", ARREARS_COLUMNS, [
        [r.name, "、".join(number for _id, number in leases.get(r.id, [])), r.periods, r.oldest, (day - r.oldest).days,
         Decimal(str(r.total)).quantize(FEN)] for r in rows])
