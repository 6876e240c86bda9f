"""Excel exports of the staff lists: English pages (labels in the file follow the page's language;
headers are Chinese), and helpers to read a downloaded workbook back."""
from __future__ import annotations

import io
import re
from urllib.parse import unquote

import pytest
import sqlalchemy as sa
from markupsafe import escape
from openpyxl import load_workbook

from incubator.audit.models import AuditEntry

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# text a spreadsheet would run: a DDE payload, and the other three formula starts
EVIL = ["=cmd|' /C calc'!A0", "+1 东莞测试有限公司", "-2 东莞测试有限公司", "@SUM(A1)"]


@pytest.fixture(autouse=True)
def english_everywhere(english):
    """Pages and service messages in English (tests/conftest.py::english)."""


def workbook(resp):
    assert resp.status_code == 200, resp.data[:300]
    assert resp.mimetype == XLSX
    return load_workbook(io.BytesIO(resp.data))


def read(resp, sheet: str | None = None) -> tuple:
    """(the worksheet, its rows as {header: value})."""
    wb = workbook(resp)
    ws = wb[sheet] if sheet else wb.active
    header = [c.value for c in ws[1]]
    return ws, [dict(zip(header, row, strict=True)) for row in ws.iter_rows(min_row=2, values_only=True)]


def column(ws, header: str) -> list:
    """The cells (not values) of the column under `header`, data rows only."""
    index = [c.value for c in ws[1]].index(header) + 1
    return [row[0] for row in ws.iter_rows(min_row=2, min_col=index, max_col=index)]


def texts(ws) -> list[str]:
    return [c.value for row in ws.iter_rows(min_row=2) for c in row if isinstance(c.value, str)]


def assert_neutralised(ws, *evil: str) -> None:
    """Each payload is there, quoted and stored as text; no cell starts like a formula."""
    cells = {c.value: c for row in ws.iter_rows(min_row=2) for c in row if isinstance(c.value, str)}
    for text in evil:
        cell = cells.get("'" + text)
        assert cell is not None, f"{text!r} is missing or not neutralised"
        assert cell.data_type == "s"
    assert not [t for t in texts(ws) if t.startswith(("=", "+", "-", "@", "\t", "\r"))]


def filename(resp) -> str:
    """The download name (RFC 5987: filename*=UTF-8''…)."""
    match = re.search(r"filename\*=UTF-8''([^;]+)", resp.headers["Content-Disposition"])
    return unquote(match.group(1))


def audit_entries(session, action: str) -> list[AuditEntry]:
    session.expire_all()
    return list(session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def order_on_page(html: str, names: list[str]) -> list[str]:
    """`names` in the order they appear on a list page (each must be there)."""
    found = {name: html.find(str(escape(name))) for name in names}
    assert all(pos >= 0 for pos in found.values()), {n: p for n, p in found.items() if p < 0}
    return sorted(names, key=found.get)
