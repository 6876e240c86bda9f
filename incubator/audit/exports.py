"""The Excel export of the audit log: the staff page's entries (its filters and order), the change
as the page shows it (JSON)."""
from __future__ import annotations

import json

from ..core.excel import STAMP, stamp, table_bytes
from .models import AuditEntry

COLUMNS = (("序号", 8, None), ("时间", 17, STAMP), ("操作人", 12, None), ("操作", 22, None), ("对象类型", 16, None),
           ("对象编号", 8, None), ("企业编号", 8, None), ("摘要", 40, None), ("变更前", 40, None), ("变更后", 40, None))
CELL_LIMIT = 32_767  # the most characters an Excel cell holds


def _json(value) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True)[:CELL_LIMIT]


def entries_workbook(entries: list[AuditEntry]) -> bytes:
    return table_bytes("审计日志", COLUMNS, [
        [e.seq, stamp(e.at), e.actor_name, e.action, e.object_type, e.object_id, e.company_id, e.summary,
         _json(e.before), _json(e.after)] for e in entries])
