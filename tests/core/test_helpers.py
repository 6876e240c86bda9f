"""Money and date formatting, Chinese working days, safe redirects, pagination."""
import datetime as dt
from decimal import Decimal

import pytest

from incubator.core.calendar import add_working_days, is_working_day, working_days_between
from incubator.core.formatting import format_date, format_money, to_money
from incubator.core.urls import safe_next


@pytest.mark.parametrize("value,text", [(Decimal("1234567.891"), "¥1,234,567.89"), ("0", "¥0.00"),
                                        (Decimal("-12.5"), "¥-12.50"), (None, "—")])
def test_format_money(value, text):
    assert format_money(value) == text


@pytest.mark.parametrize("bad", ["abc", "NaN", "inf", "", "1e"])
def test_to_money_refuses_non_amounts(bad):
    with pytest.raises(ValueError):
        to_money(bad)


def test_to_money_refuses_float():
    with pytest.raises(TypeError):
        to_money(0.1)


def test_format_date_chinese():
    assert format_date(dt.date(2026, 11, 22)) == "2026年11月22日"
    assert format_date(dt.date(2026, 11, 22), "en") == "2026-11-22"
    # a UTC timestamp late in the evening is already the next day in Shanghai
    assert format_date(dt.datetime(2026, 11, 21, 17, 30, tzinfo=dt.UTC)) == "2026年11月22日"


def test_national_day_and_make_up_workday():
    assert not is_working_day(dt.date(2026, 10, 1))  # 国庆
    assert is_working_day(dt.date(2026, 10, 10))  # Saturday 调休 working day
    assert not is_working_day(dt.date(2026, 11, 22))  # ordinary Sunday


def test_ten_working_days_across_national_day():
    # returned on 2026-09-29 (Tue): 9/30 is day 1; the holiday 10/1–10/7 does not count; 10/8, 10/9,
    # 10/10 (Saturday, 调休 working day), 10/12–10/16 are days 2–9; 10/19 (Monday) is day 10
    assert add_working_days(dt.date(2026, 9, 29), 10) == dt.date(2026, 10, 19)
    assert working_days_between(dt.date(2026, 9, 29), dt.date(2026, 10, 19)) == 10


def test_unknown_year_falls_back_to_weekdays():
    assert add_working_days(dt.date(2030, 3, 1), 5) == dt.date(2030, 3, 8)


@pytest.mark.parametrize("target,expected", [("/companies/3", "/companies/3"), ("https://evil.com", None),
                                             ("//evil.com", None), ("/\\evil.com", None), ("", None),
                                             ("javascript:alert(1)", None)])
def test_safe_next(target, expected):
    assert safe_next(target) == expected
