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


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_PLACES = ("", "拾", "佰", "仟")
_GROUPS = ("", "万", "亿", "万亿")


def _yuan_in_words(n: int) -> str:
    """Whole yuan in capitals, four digits per group (万, 亿): one 零 stands for any run of zeros
    between written digits; zeros at the end of the number are not written."""
    groups = []
    while n:
        n, group = divmod(n, 10000)
        groups.append(group)
    if len(groups) > len(_GROUPS):
        raise ValueError("amount too large to write in words")
    out, zero = "", False
    for index in reversed(range(len(groups))):
        group = groups[index]
        if group == 0:
            zero = bool(out)
            continue
        for place in (3, 2, 1, 0):
            digit = group // 10 ** place % 10
            if digit == 0:
                zero = zero or bool(out)
                continue
            if zero:
                out += "零"
                zero = False
            out += _DIGITS[digit] + _PLACES[place]
        out += _GROUPS[index]
        zero = False
    return out


def amount_in_words(value) -> str:
    """大写金额 as written on Chinese payment documents (支付结算办法): 壹拾贰万叁仟肆佰伍拾陆元柒角捌分,
    壹拾万元整, 壹佰万元零壹分, 伍分; amounts are rounded to the fen first."""
    fen = int(to_money(value) * 100)
    if fen < 0:
        return "负" + amount_in_words(Decimal(-fen) / 100)
    yuan, rest = divmod(fen, 100)
    jiao, fen = divmod(rest, 10)
    if yuan == 0 and rest == 0:
        return "零元整"
    words = _yuan_in_words(yuan) + "元" if yuan else ""
    if rest == 0:
        return words + "整"
    if jiao:
        words += _DIGITS[jiao] + "角"
    elif yuan:
        words += "零"
    return words + (_DIGITS[fen] + "分" if fen else "")
