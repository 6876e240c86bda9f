"""Kinds of issued documents, their number prefixes and status, and the pure rules
for numbers and data fingerprints."""
from __future__ import annotations

import datetime as dt
import hashlib
import json

from flask_babel import lazy_gettext as _l

from ..core.enums import LabeledEnum


class DocumentKind(LabeledEnum):
    COMPANY_DOSSIER = "company_dossier"
    ADMISSION_NOTICE = "admission_notice"
    ADMISSION_CERTIFICATE = "admission_certificate"
    REVIEW_SUMMARY = "review_summary"
    APPLICATION_FORM = "application_form"
    SUBSIDY_APPROVAL = "subsidy_approval"
    DISBURSEMENT_STATEMENT = "disbursement_statement"
    SUBSIDY_NOTICE = "subsidy_notice"
    ASSESSMENT_REPORT = "assessment_report"
    ASSESSMENT_RANKING = "assessment_ranking"  # 排名表
    RECTIFICATION_NOTICE = "rectification_notice"
    EXIT_NOTICE = "exit_notice"
    GRADUATION_CERTIFICATE = "graduation_certificate"
    EXIT_SETTLEMENT = "exit_settlement"  # 退出结算单
    EXCELLENCE_CERTIFICATE = "excellence_certificate"  # 年度优秀入驻企业
    MEETING_MINUTES = "meeting_minutes"  # 会议纪要


DocumentKind.__labels__ = {
    DocumentKind.COMPANY_DOSSIER: _l("Company dossier"),
    DocumentKind.ADMISSION_NOTICE: _l("Admission notice"),
    DocumentKind.ADMISSION_CERTIFICATE: _l("Admission certificate"),
    DocumentKind.REVIEW_SUMMARY: _l("Review summary"),
    DocumentKind.APPLICATION_FORM: _l("Admission application form"),
    DocumentKind.SUBSIDY_APPROVAL: _l("Subsidy approval form"),
    DocumentKind.DISBURSEMENT_STATEMENT: _l("Disbursement statement"),
    DocumentKind.SUBSIDY_NOTICE: _l("Subsidy public-notice list"),
    DocumentKind.ASSESSMENT_REPORT: _l("Assessment report"),
    DocumentKind.ASSESSMENT_RANKING: _l("Assessment ranking table"),
    DocumentKind.RECTIFICATION_NOTICE: _l("Rectification notice"),
    DocumentKind.EXIT_NOTICE: _l("Exit notice"),
    DocumentKind.GRADUATION_CERTIFICATE: _l("Graduation certificate"),
    DocumentKind.EXIT_SETTLEMENT: _l("Exit settlement statement"),
    DocumentKind.EXCELLENCE_CERTIFICATE: _l("Outstanding tenant of the year certificate"),
    DocumentKind.MEETING_MINUTES: _l("Meeting minutes"),
}

# Number prefixes from the pinyin of the Chinese names (档案, 入驻通知, 入驻证书, 评审, 申报, ...).
KIND_PREFIX = {
    DocumentKind.COMPANY_DOSSIER: "DA",
    DocumentKind.ADMISSION_NOTICE: "RT",
    DocumentKind.ADMISSION_CERTIFICATE: "RZ",
    DocumentKind.REVIEW_SUMMARY: "PS",
    DocumentKind.APPLICATION_FORM: "SB",
    DocumentKind.SUBSIDY_APPROVAL: "BT",
    DocumentKind.DISBURSEMENT_STATEMENT: "BF",
    DocumentKind.SUBSIDY_NOTICE: "GS",
    DocumentKind.ASSESSMENT_REPORT: "KH",
    DocumentKind.ASSESSMENT_RANKING: "PM",
    DocumentKind.RECTIFICATION_NOTICE: "ZG",
    DocumentKind.EXIT_NOTICE: "TC",
    DocumentKind.GRADUATION_CERTIFICATE: "BY",
    DocumentKind.EXIT_SETTLEMENT: "JS",
    DocumentKind.EXCELLENCE_CERTIFICATE: "YX",
    DocumentKind.MEETING_MINUTES: "JY",
}


class IssuedStatus(LabeledEnum):
    VALID = "valid"
    SUPERSEDED = "superseded"
    EXPIRED = "expired"
    REVOKED = "revoked"


IssuedStatus.__labels__ = {
    IssuedStatus.VALID: _l("Valid"),
    IssuedStatus.SUPERSEDED: _l("Superseded by a newer issue"),
    IssuedStatus.EXPIRED: _l("Expired"),
    IssuedStatus.REVOKED: _l("Revoked"),
}
IssuedStatus.__badges__ = {IssuedStatus.VALID: "green", IssuedStatus.SUPERSEDED: "yellow",
                           IssuedStatus.EXPIRED: "orange", IssuedStatus.REVOKED: "red"}


def format_number(community_short: str, kind: DocumentKind, year: int, seq: int) -> str:
    return f"{community_short}-{KIND_PREFIX[kind]}-{year}-{seq:05d}"


def data_fingerprint(data) -> str:
    """SHA-256 of the canonical JSON of what a document shows (keys sorted, no whitespace)."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def status_of(*, revoked_at, superseded_by_id, valid_until: dt.date | None, today: dt.date) -> IssuedStatus:
    if revoked_at is not None:
        return IssuedStatus.REVOKED
    if superseded_by_id is not None:
        return IssuedStatus.SUPERSEDED
    if valid_until is not None and valid_until < today:
        return IssuedStatus.EXPIRED
    return IssuedStatus.VALID
