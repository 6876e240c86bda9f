"""The admission documents: plain-data contexts for the four PDFs (入驻通知书, 入驻证书,
评审意见汇总表, 申请表), issuing them through certificates.issue_document (the Excel export is
in exports.py). Official documents are in Chinese whatever the reader's UI language."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ..certificates.rules import DocumentKind
from ..certificates.services import issue_document
from ..companies.models import Agent, CompanyStatus
from ..core.calendar import add_working_days
from ..core.errors import TransitionNotAllowed
from ..core.formatting import format_area, format_date, format_money, local
from . import rules, services
from .models import Application
from .models import ApplicationState as S
from .models import AssignmentState as A

# the admission notice asks the company to sign its lease within this many working days
SIGN_WITHIN_WORKING_DAYS = 15
REVIEW_CLOSED = (S.JOINT_REVIEW, S.DECISION, S.ADMITTED, S.REJECTED)
DECIDED = {S.ADMITTED: "准予入驻", S.REJECTED: "不予入驻"}


def labels() -> dict:
    """The Chinese labels of templates/pdf/_labels.html, so the PDFs and the export say the same."""
    module = current_app.jinja_env.get_template("pdf/_labels.html").module
    return {name: getattr(module, name) for name in ("TRACKS", "UNIT_TYPES", "APPLICATION_STATES", "RECOMMENDATIONS")}


def _num(value, places: int = 1) -> str:
    return "—" if value is None else f"{Decimal(value):.{places}f}"


def _day(value) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return format_date(value)


def _money(value) -> str | None:
    return None if value in (None, "") else format_money(value)


def _heading(app: Application) -> dict:
    """What every admission document names: the company, the application and the space asked for."""
    return {
        "company": {"name": app.company.name, "credit_code": app.company.credit_code},
        "application": {"number": app.number, "project_name": app.project_name, "carrier": app.carrier.name,
                        "track": app.track.value, "unit_type": app.unit_type.value,
                        "area": format_area(app.area_requested)},
    }


def _lease(app: Application) -> dict | None:
    lease = app.lease
    if lease is None:
        return None
    return {"number": lease.number, "state": lease.state.value, "start_on": _day(lease.start_on),
            "end_on": _day(lease.end_on), "area": format_area(lease.area),
            "rent_per_m2": format_money(lease.rent_per_m2), "monthly_rent": format_money(lease.monthly_rent),
            "deposit": format_money(lease.deposit),
            "units": [{"label": lu.unit.label, "type": lu.unit.type.value, "area": format_area(lu.area)}
                      for lu in lease.units]}


# --- the four PDFs ----------------------------------------------------------------------------

def notice_context(session: Session, app: Application) -> dict:
    decided_on = local(app.decided_at).date()
    return {**_heading(app), "decided_on": _day(decided_on), "submitted_on": _day(local(app.submitted_at)),
            "lease": _lease(app),
            "sign_within": SIGN_WITHIN_WORKING_DAYS,
            "sign_by": _day(add_working_days(decided_on, SIGN_WITHIN_WORKING_DAYS)),
            "registration_move": bool(app.policy.config["conditions"].get("require_registration_move"))}


def certificate_context(session: Session, app: Application) -> dict:
    lease = _lease(app)
    return {**_heading(app), "decided_on": _day(local(app.decided_at).date()),
            "units": [u["label"] for u in lease["units"]] if lease else []}


def _sheet(assignment) -> dict:
    scores = {s.item_key: s for s in assignment.scores}
    return {"reviewer": assignment.reviewer.display_name, "submitted_on": _day(local(assignment.submitted_at)),
            "scores": {k: _num(s.score) for k, s in scores.items()},
            "comments": {k: s.comment for k, s in scores.items() if s.comment},
            "total": _num(assignment.total), "overall": assignment.overall_comment}


def review_summary_context(session: Session, app: Application) -> dict:
    config = app.policy.config
    summary = services.panel(app)
    reasons = {
        "too_few_reviewers": f"有效评分专家少于 {config['min_reviewers']} 名",
        "mean_below_pass": f"平均分低于合格线 {config['min_mean']} 分",
        "low_score_without_note": f"有专家总分低于 {config['low_score']} 分且未写明意见",
    }
    return {
        **_heading(app),
        "policy": {"version": app.policy.version, "min_reviewers": config["min_reviewers"],
                   "min_mean": str(config["min_mean"]), "low_score": str(config["low_score"]),
                   "max": str(rules.rubric_max(config))},
        "rubric": [{"key": i["key"], "label": i["label"], "weight": str(i["weight"])} for i in config["rubric"]],
        "sheets": [_sheet(a) for a in app.assignments if a.state == A.SUBMITTED],
        "excused": [a.reviewer.display_name for a in app.assignments if a.state == A.CONFLICT],
        "item_means": {k: _num(v, 2) for k, v in summary.item_means.items()},
        "mean": _num(summary.mean, 2), "spread": _num(summary.spread), "passes": summary.passes,
        "reasons": [reasons[r] for r in summary.reasons],
        "recommendation": app.joint_recommendation, "minutes": app.joint_minutes,
        "decision": DECIDED.get(app.state), "decision_reason": app.decision_reason,
        "decided_on": _day(local(app.decided_at)) if app.decided_at else None,
    }


def _submitted_version(document, until: dt.datetime | None):
    """The version of a material that was in the file when it was (last) submitted."""
    versions = [v for v in document.versions if until is None or v.uploaded_at <= until]
    return versions[-1] if versions else None


def application_form_context(session: Session, app: Application) -> dict:
    snap = app.snapshot or {}
    company, data = snap.get("company", {}), snap.get("application", {})
    agent = session.get(Agent, data["agent_id"]) if data.get("agent_id") else None
    materials = []
    for item in services.materials(session, app):
        files = []
        for document in item["documents"]:
            version = _submitted_version(document, app.submitted_at)
            if version is not None:
                files.append({"title": document.title, "name": version.display_name, "no": version.version_no,
                              "size": version.size, "sha256": version.sha256[:16],
                              "uploaded_on": _day(local(version.uploaded_at))})
        materials.append({"label": item["label"], "required": bool(item.get("required")), "files": files})
    return {
        **_heading(app),
        "submitted_on": _day(local(app.submitted_at)), "policy_version": snap.get("policy_version"),
        "company": {
            "name": company.get("name"), "credit_code": company.get("credit_code"),
            "legal_rep": company.get("legal_rep"), "registered_capital": _money(company.get("registered_capital")),
            "founded_on": _day(company.get("founded_on")), "headcount": company.get("headcount"),
            "talents_bachelor": company.get("talents_bachelor"),
            "talents_high_level": company.get("talents_high_level"),
            "ip": [company.get("ip_invention"), company.get("ip_utility"), company.get("ip_software")],
        },
        "form": {
            "project_name": data.get("project_name"), "project_summary": data.get("project_summary"),
            "team_summary": data.get("team_summary"), "ip_summary": data.get("ip_summary"),
            "track": data.get("track"), "unit_type": data.get("unit_type"),
            "area": format_area(data["area_requested"]) if data.get("area_requested") else None,
            "revenue": _money(data.get("revenue_last_year")), "tax": _money(data.get("tax_last_year")),
            "rd_expense": _money(data.get("rd_expense_last_year")),
            "financing": _money(data.get("financing_total")), "expected_jobs": data.get("expected_jobs"),
            "will_move_registration": bool(data.get("will_move_registration")),
            "agent": agent.name if agent else None,
        },
        "materials": materials,
    }


# kind → (title, template, context builder, when it may be issued)
PDFS = {
    DocumentKind.ADMISSION_NOTICE: ("入驻通知书", "admission_notice.html", notice_context,
                                    lambda app: app.state == S.ADMITTED),
    DocumentKind.ADMISSION_CERTIFICATE: ("入驻证书", "admission_certificate.html", certificate_context,
                                         lambda app: app.state == S.ADMITTED),
    DocumentKind.REVIEW_SUMMARY: ("评审意见汇总表", "review_summary.html", review_summary_context,
                                  lambda app: app.state in REVIEW_CLOSED),
    DocumentKind.APPLICATION_FORM: ("入驻申请表", "application_form.html", application_form_context,
                                    lambda app: app.snapshot is not None and app.state != S.DRAFT),
}


def issue_pdf(session: Session, actor, app: Application, kind: DocumentKind):
    """Issue (or reuse, when nothing changed) one of the admission PDFs; the caller authorises."""
    title, template, build, ready = PDFS[kind]
    if not ready(app):
        raise TransitionNotAllowed(_("This document is not available at this stage of the application."))
    valid_until = None
    if kind == DocumentKind.ADMISSION_CERTIFICATE:
        if app.company.status in (CompanyStatus.EXITED, CompanyStatus.GRADUATED):
            raise TransitionNotAllowed(_("The company has left the community; its admission certificate is no longer "
                                "issued."))
        # valid while the company is a tenant: until its lease ends (the exit workflow revokes earlier)
        valid_until = app.lease.end_on if app.lease else None
    return issue_document(session, actor, kind=kind, title=title, company=app.company, subject_type=services.SUBJECT,
                          subject_id=app.id, template=template, context=build(session, app),
                          valid_until=valid_until)
