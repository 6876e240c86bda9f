"""Chinese conventions for money and dates: ¥1,234,567.89 and 2026年11月22日."""
from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
FEN = Decimal("0.01")


def to_money(value) -> Decimal:
    """Exact yuan with two places; refuses floats (they are not exact) and non-finite values."""
    if isinstance(value, float):
        raise TypeError("money must not be a float")
    try:
        d = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"not an amount: {value!r}") from exc
    if not d.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    return d.quantize(FEN, rounding=ROUND_HALF_UP)


def format_money(value, symbol: bool = True) -> str:
    if value is None:
        return "—"
    d = to_money(value)
    text = f"{d:,.2f}"
    return f"¥{text}" if symbol else text


def format_area(value) -> str:
    if value is None:
        return "—"
    return f"{Decimal(value):,.2f} m²"


def local(ts: dt.datetime | None) -> dt.datetime | None:
    return ts.astimezone(SHANGHAI) if ts else None


def format_date(value: dt.date | dt.datetime | None, locale: str = "zh_CN") -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        value = local(value).date()
    if locale.startswith("zh"):
        return f"{value.year}年{value.month}月{value.day}日"
    return value.isoformat()


def format_datetime(value: dt.datetime | None, locale: str = "zh_CN") -> str:
    if value is None:
        return "—"
    t = local(value)
    if locale.startswith("zh"):
        return f"{t.year}年{t.month}月{t.day}日 {t:%H:%M}"
    return t.strftime("%Y-%m-%d %H:%M")


def today() -> dt.date:
    return dt.datetime.now(SHANGHAI).date()
