"""The Excel export of a fund pool's ledger: the pool page's entries (its movement filter and order),
money as numbers, labels in the page's language."""
from __future__ import annotations

from ..core.excel import MONEY, STAMP, stamp, table_bytes
from .models import FundPool

COLUMNS = (("时间", 17, STAMP), ("资金变动", 14, None), ("金额（元）", 16, MONEY), ("关联单据", 18, None),
           ("经办人", 12, None), ("备注", 40, None))


def entries_workbook(pool: FundPool, rows: list, documents: dict[int, str]) -> bytes:
    """`rows`: (FundEntry, the actor's display name); `documents`: entry id → the number of the claim
    or clawback it moved money for."""
    return table_bytes(pool.name, COLUMNS, [[stamp(e.at), e.kind.label, e.amount, documents.get(e.id), who, e.note]
                                            for e, who in rows])
