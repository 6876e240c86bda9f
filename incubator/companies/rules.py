"""Pure checks on company data."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal

from flask_babel import gettext as _
from stdnum import exceptions as stdnum_errors
from stdnum.cn import uscc

from ..core.errors import DomainError
from ..core.formatting import FEN

_FULLWIDTH = str.maketrans({chr(0xFF10 + i): str(i) for i in range(10)} |
                           {chr(0xFF21 + i): chr(0x41 + i) for i in range(26)} |
                           {chr(0xFF41 + i): chr(0x61 + i) for i in range(26)} | {"\u3000": " "})


def normalize_credit_code(raw: str) -> str:
    """The 统一社会信用代码 in canonical form (GB 32100-2015 check digit verified)."""
    code = (raw or "").translate(_FULLWIDTH)
    try:
        return uscc.validate(code)
    except stdnum_errors.InvalidLength:
        raise DomainError(_("The unified social credit code must have 18 characters."), field="credit_code") from None
    except stdnum_errors.InvalidChecksum:
        raise DomainError(_("The unified social credit code's check digit is wrong. Please check it."),
                          field="credit_code") from None
    except stdnum_errors.ValidationError:
        raise DomainError(_("This is not a valid unified social credit code."), field="credit_code") from None


MAX_CAPITAL = Decimal("1000000000000")  # Numeric(14, 2) holds up to 999,999,999,999.99
_AMOUNT = re.compile(r"^-?\d+(\.\d+)?$")


def parse_capital(raw) -> Decimal | None:
    """Registered capital in yuan: exact to the fen, never negative; blank means unknown.

    Accepts full-width digits and punctuation (１２３．４５) and thousands separators."""
    if raw is None:
        return None
    if isinstance(raw, float):
        raise TypeError("money must not be a float")
    if isinstance(raw, Decimal):
        value = raw
    else:
        text = unicodedata.normalize("NFKC", str(raw)).strip()
        text = text.removeprefix("¥").removesuffix("元").replace(",", "").replace(" ", "")
        if not text:
            return None
        if not _AMOUNT.match(text):
            raise DomainError(_("Please enter the registered capital in yuan as a number, e.g. 1000000 or 1000000.50."),
                              field="registered_capital")
        value = Decimal(text)
    if not value.is_finite():
        raise DomainError(_("Please enter the registered capital in yuan as a number, e.g. 1000000 or 1000000.50."),
                          field="registered_capital")
    if value < 0:
        raise DomainError(_("The registered capital cannot be negative."), field="registered_capital")
    if value >= MAX_CAPITAL:
        raise DomainError(_("The registered capital is too large."), field="registered_capital")
    if value != value.quantize(FEN):
        raise DomainError(_("The registered capital can have at most two decimal places (fen)."),
                          field="registered_capital")
    return value.quantize(FEN)


def check_founded_on(day: dt.date | None, today: dt.date) -> None:
    if day is not None and day > today:
        raise DomainError(_("The founding date cannot be in the future."), field="founded_on")


def check_counts(counts: dict[str, int]) -> None:
    """Headcount, talents and IP counts: whole numbers ≥ 0; talents are part of the headcount."""
    for name, value in counts.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise DomainError(_("Please enter a whole number (0 or more)."), field=name)
    headcount = counts.get("headcount", 0)
    for name in ("talents_bachelor", "talents_high_level"):
        if counts.get(name, 0) > headcount:
            raise DomainError(_("This cannot be more than the headcount."), field=name)


def missing_profile_fields(company) -> list[str]:
    """The key profile fields still empty (they feed admission and the assessments)."""
    return [name for name in ("legal_rep", "founded_on", "track", "registered_capital")
            if getattr(company, name) in (None, "")]
