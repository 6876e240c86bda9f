"""Excel exports shared by every list: neutralised cells, a one-sheet workbook, the download
response, and `send_export`, the one way a staff list becomes a file (same filters and order as
the list, a row limit, an audit entry)."""
from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Sequence

import sqlalchemy as sa
from flask import Response, flash, redirect, send_file
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import Session

from ..audit.services import record
from .formatting import SHANGHAI, today

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# a cell a spreadsheet would run as a formula (or a DDE payload) starts with one of these
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MONEY = "#,##0.00"  # yuan, as numbers (the header says 元)
AREA = "#,##0.00"
DATE = "yyyy-mm-dd"
STAMP = "yyyy-mm-dd hh:mm"
# more rows than this and an export is refused: the filters should be narrowed instead
EXPORT_LIMIT = 20_000


def safe_cell(value):
    """Text that a spreadsheet would run as a formula is prefixed with a quote; control characters
    a workbook cannot hold (pasted text has them) are dropped rather than failing the export;
    numbers pass."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith(FORMULA_STARTS):
            return "'" + value
    return value


def write_rows(ws, rows: Iterable[Sequence]) -> None:
    for row in rows:
        ws.append([safe_cell(v) for v in row])


def sheet_bytes(title: str, headers: Sequence[str], rows: Iterable[Sequence], widths: Sequence[int] = (),
                formats: Sequence[str | None] = ()) -> bytes:
    """A workbook of one sheet: a bold header row, then `rows` (Decimal and dates stay typed);
    `formats` are the columns' number formats (None: as openpyxl sets it)."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title(title)
    write_rows(ws, [headers])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    write_rows(ws, rows)
    ws.freeze_panes = "A2"
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    for i, fmt in enumerate(formats, start=1):
        if fmt:
            for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                if cell.value is not None and cell.number_format != fmt:  # dates come formatted; styling costs
                    cell.number_format = fmt
    return workbook_bytes(wb)


def sheet_title(text: str) -> str:
    """A sheet name Excel accepts: at most 31 characters, none of \\ / ? * [ ] :, no quote at either end."""
    return re.sub(r"[\\/?*\[\]:]", "-", text)[:31].strip("'") or "Sheet1"


def table_bytes(title: str, columns: Sequence[tuple[str, int, str | None]], rows: Iterable[Sequence]) -> bytes:
    """`sheet_bytes` with the columns declared together: (Chinese header, width, number format)."""
    return sheet_bytes(title, [c[0] for c in columns], rows, [c[1] for c in columns], [c[2] for c in columns])


def stamp(value: dt.datetime | None) -> dt.datetime | None:
    """A stored (UTC) time as Asia/Shanghai wall-clock time: Excel cells have no time zone."""
    return value.astimezone(SHANGHAI).replace(tzinfo=None) if value else None


def yes_no(value: bool | None) -> str | None:
    return None if value is None else _("Yes") if value else _("No")


def workbook_bytes(wb: Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def xlsx_response(data: bytes, filename: str) -> Response:
    resp = send_file(io.BytesIO(data), as_attachment=True, mimetype=XLSX_MIME, download_name=filename)
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


def _filters_record(filters) -> dict:
    """The filters as applied (the list's own parse of the query string), without the empty ones."""
    if dataclasses.is_dataclass(filters):
        filters = dataclasses.asdict(filters)
    return {k: v for k, v in filters.items() if v not in (None, "", False)}


def send_export(session: Session, actor, name: str, stmt: sa.Select, build: Callable[[list], bytes], *,
                filename: str, filters, back: str, obj=None, scalars: bool = True,
                limit: int | None = None) -> Response:
    """A staff list as a workbook: `stmt` is the list's own statement (its filters and its order),
    read whole rather than a page; `build(rows)` makes the file. More rows than the limit are
    refused with a message back on the list (`back`). Exports carry personal data, so each is an
    audit event: "export.<name>" with the filters and the row count. `limit` may only lower the
    shared EXPORT_LIMIT (a heavier workbook)."""
    limit = min(limit, EXPORT_LIMIT) if limit else EXPORT_LIMIT
    total = session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())) or 0
    if total > limit:
        shown, most = format(total, ","), format(limit, ",")
        flash(_("%(n)s rows match the filters, more than the %(limit)s an export may hold. Please narrow the "
                "filters and export again.", n=shown, limit=most), "danger")
        return redirect(back, 303)
    result = session.execute(stmt)
    rows = list(result.unique().scalars() if scalars else result)
    data = build(rows)
    name_of_file = f"{filename}-{today().isoformat()}.xlsx"
    record(session, actor, f"export.{name}", obj, object_type=None if obj is not None else "export",
           after={"filters": _filters_record(filters), "rows": len(rows)},
           summary=f"{name_of_file} ({len(rows)})")
    session.commit()
    return xlsx_response(data, name_of_file)
