"""Rent arithmetic shared by the ledger and the subsidy engine (pure functions).

A month's rent is area × unit price; a part of a calendar month counts days / days in
that month (the usual 按日折算). Amounts round to the fen, half up, once per piece."""
from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

FEN = Decimal("0.01")


def to_fen(value: Decimal) -> Decimal:
    return value.quantize(FEN, ROUND_HALF_UP)


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day `years` later; 29 February becomes 1 March in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return dt.date(day.year + years, 3, 1)


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def month_segments(start: dt.date, end: dt.date) -> Iterator[tuple[dt.date, dt.date, Fraction]]:
    """Split [start, end] (inclusive) at calendar-month boundaries: (from, to, share of that month)."""
    current = start
    while current <= end:
        last = min(month_end(current), end)
        days_in_month = calendar.monthrange(current.year, current.month)[1]
        yield current, last, Fraction((last - current).days + 1, days_in_month)
        current = last + dt.timedelta(days=1)


def months_text(share: Fraction) -> str:
    """"1" for a whole month, "15/31" for part of one (as printed in line items)."""
    return str(share.numerator) if share.denominator == 1 else f"{share.numerator}/{share.denominator}"


def rent_for(area: Decimal, price: Decimal, share: Fraction) -> Decimal:
    """area × price × share, exact until the one rounding to the fen."""
    return to_fen(area * price * share.numerator / share.denominator)


def period_rent(area: Decimal, price: Decimal, start: dt.date, end: dt.date) -> Decimal:
    """Rent for [start, end]: whole months at the monthly rent, part months by days."""
    whole = sum((s for _f, _t, s in month_segments(start, end) if s == 1), Fraction(0))
    parts = [s for _f, _t, s in month_segments(start, end) if s != 1]
    return rent_for(area, price, whole) + sum((rent_for(area, price, s) for s in parts), Decimal("0.00"))
