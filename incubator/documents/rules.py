"""Document categories and the pure rules for display names."""
from __future__ import annotations

import re
import unicodedata
from pathlib import PurePosixPath

from flask_babel import lazy_gettext as _l

from ..core.enums import LabeledEnum


class DocumentCategory(LabeledEnum):
    BUSINESS_LICENCE = "business_licence"
    LEGAL_REP_ID = "legal_rep_id"
    BUSINESS_PLAN = "business_plan"
    FINANCIAL_STATEMENTS = "financial_statements"
    IP_CERTIFICATE = "ip_certificate"
    TEAM_CVS = "team_cvs"
    QUALIFICATION_CERTIFICATE = "qualification_certificate"
    ENV_SAFETY_STATEMENT = "env_safety_statement"
    SPACE_REQUIREMENT = "space_requirement"
    PAYMENT_EVIDENCE = "payment_evidence"
    OTHER = "other"


DocumentCategory.__labels__ = {
    DocumentCategory.BUSINESS_LICENCE: _l("Business licence"),
    DocumentCategory.LEGAL_REP_ID: _l("Legal representative's ID"),
    DocumentCategory.BUSINESS_PLAN: _l("Business plan"),
    DocumentCategory.FINANCIAL_STATEMENTS: _l("Financial statements"),
    DocumentCategory.IP_CERTIFICATE: _l("Intellectual property certificate"),
    DocumentCategory.TEAM_CVS: _l("Team CVs"),
    DocumentCategory.QUALIFICATION_CERTIFICATE: _l("Qualification certificate"),
    DocumentCategory.ENV_SAFETY_STATEMENT: _l("Environmental and safety statement"),
    DocumentCategory.SPACE_REQUIREMENT: _l("Space requirement"),
    DocumentCategory.PAYMENT_EVIDENCE: _l("Payment evidence"),
    DocumentCategory.OTHER: _l("Other"),
}

_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')


def display_name(raw: str | None, ext: str, extensions: tuple[str, ...]) -> str:
    """The name shown and offered on download: Unicode kept, path parts and control
    characters dropped; the detected type's extension is appended when the name's does not fit."""
    name = unicodedata.normalize("NFC", (raw or "").replace("\\", "/"))
    name = PurePosixPath(name).name
    name = _UNSAFE.sub("", name).strip(" .")
    name = name[:200] or "document"
    if "." not in name or name.rpartition(".")[2].lower() not in extensions:
        name = f"{name}.{ext}"
    return name


def category_label(value: str) -> str:
    """The label of a stored category (later modules may store their own values)."""
    try:
        return DocumentCategory(value).label
    except ValueError:
        return value
