"""Pure checks on company data."""
from __future__ import annotations

from flask_babel import gettext as _
from stdnum import exceptions as stdnum_errors
from stdnum.cn import uscc

from ..core.errors import DomainError

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
