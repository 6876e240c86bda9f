"""core/excel.py: what every export relies on — neutralised text, typed numbers and dates."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from openpyxl import load_workbook

from incubator.core.excel import DATE, MONEY, STAMP, safe_cell, stamp, table_bytes

from .conftest import EVIL


def test_safe_cell_quotes_what_a_spreadsheet_would_run():
    for text in (*EVIL, "\tx", "\rx"):
        assert safe_cell(text) == "'" + text
    # ordinary text, and numbers however negative, pass untouched
    assert safe_cell("东莞科技 = 好") == "东莞科技 = 好"
    assert safe_cell(Decimal("-2.50")) == Decimal("-2.50") and safe_cell(-3) == -3 and safe_cell(None) is None


def test_control_characters_do_not_break_an_export():
    """Text pasted from elsewhere may carry characters no workbook can hold: they are dropped, and
    what they hid in front of a formula is still neutralised."""
    assert safe_cell("东莞\x0b甲科技\x00有限公司") == "东莞甲科技有限公司"
    assert safe_cell("\x01=1+1") == "'=1+1"
    ws = load_workbook(io.BytesIO(table_bytes("测试", (("名称", 10, None),), [["甲\x1f乙\n丙"]]))).active
    assert ws["A2"].value == "甲乙\n丙"  # a line break is allowed


def test_a_table_keeps_types_and_formats():
    columns = (("名称", 20, None), ("金额（元）", 14, MONEY), ("日期", 12, DATE), ("时间", 17, STAMP))
    when = dt.datetime(2026, 11, 30, 1, 30, tzinfo=dt.UTC)  # 09:30 in Dongguan
    data = table_bytes("测试", columns, [["-2 东莞测试有限公司", Decimal("-1234.50"), dt.date(2026, 11, 30), stamp(when)],
                                       ["@SUM(A1)", Decimal("0.10"), None, None]])
    ws = load_workbook(io.BytesIO(data)).active
    assert ws.title == "测试" and [c.value for c in ws[1]] == ["名称", "金额（元）", "日期", "时间"]
    name, amount, day, at = ws[2]
    assert name.value == "'-2 东莞测试有限公司" and name.data_type == "s"
    assert amount.value == -1234.5 and amount.data_type == "n" and amount.number_format == MONEY
    assert day.value == dt.datetime(2026, 11, 30) and day.is_date and day.number_format == DATE
    assert at.value == dt.datetime(2026, 11, 30, 9, 30) and at.number_format == STAMP
    assert ws["A3"].value == "'@SUM(A1)" and ws["B3"].value == 0.1


def test_any_name_makes_a_sheet_title():
    """A pool named by its users may hold characters Excel refuses in a sheet name."""
    ws = load_workbook(io.BytesIO(table_bytes("市专项/一期[2026]:补充*", (("名称", 10, None),), [["x"]]))).active
    assert ws.title == "市专项-一期-2026--补充-" and ws["A2"].value == "x"
