"""Parsing areas and rents as people type them."""
from decimal import Decimal

import pytest

from incubator.core.errors import DomainError
from incubator.spaces.rules import parse_amount


@pytest.mark.parametrize("raw, expected", [
    ("120.5", Decimal("120.50")),
    (" 120.50 ", Decimal("120.50")),
    ("１２０．５", Decimal("120.50")),   # full-width digits and point from a Chinese input method
    ("1,234.56", Decimal("1234.56")),
    ("１，２３４", Decimal("1234.00")),
    ("120.500", Decimal("120.50")),     # trailing zeros are not extra precision
    ("0", Decimal("0.00")),
    (Decimal("7"), Decimal("7.00")),
    (12, Decimal("12.00")),
])
def test_accepted(raw, expected):
    assert parse_amount(raw) == expected


@pytest.mark.parametrize("raw, kw", [
    ("", {}), (None, {}), ("abc", {}), ("1e3", {}), ("NaN", {}), ("Infinity", {}), ("12.345", {}),
    ("1.2.3", {}), ("-1", {}), ("0", {"positive": True}), ("-0.01", {"positive": True}),
    ("100000000", {}),  # does not fit Numeric(10, 2)
    ("٣", {}),  # other scripts' digits are refused rather than guessed
])
def test_refused(raw, kw):
    with pytest.raises(DomainError) as err:
        parse_amount(raw, "area", **kw)
    assert err.value.field == "area" and err.value.message


def test_floats_are_a_programming_error():
    with pytest.raises(TypeError):
        parse_amount(1.5)


def test_wider_columns():
    assert parse_amount("9999999999.99", digits=12) == Decimal("9999999999.99")
