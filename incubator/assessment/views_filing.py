"""The filing: one page for staff and the owning company; the company's form (previous year beside
each figure), evidence, submission; the operator's per-figure checks and findings; and the
company's own list of campaigns, results and rectifications."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..core.errors import DomainError
from ..core.forms import form_error
from ..core.pagination import paginate, parse_page
from ..core.permissions import get_or_404, roles_required
from ..core.roles import STAFF_EDITORS, Role
from ..core.workflow import history
from ..db import db
from ..documents.models import Document, DocumentVersion
from ..documents.storage import file_store
from ..spaces.services import named_history
from . import rules, services
from .consequences import PUBLISHED
from .forms import FIGURE_FIELD_LABELS, CheckForm, CommentForm, EvidenceForm, FilingForm, compliance_form
from .models import (
    COUNT_FIGURES,
    FIGURES,
    Campaign,
    CheckOutcome,
    Filing,
    Rectification,
    Result,
    ReviewerAssignment,
)
from .models import AssignmentState as A
from .models import CampaignState as C
from .views import bp
from .workflow import FILING


def _viewer(filing: Filing) -> str:
    """staff | owner | reviewer (assigned, declared no conflict); anyone else gets 404."""
    if current_user.is_staff_reader:
        return "staff"
    if current_user.has_role(Role.COMPANY) and current_user.company_id == filing.company_id:
        return "owner"
    if current_user.has_role(Role.REVIEWER) and db.session.scalar(sa.select(ReviewerAssignment.id).where(
            ReviewerAssignment.filing_id == filing.id, ReviewerAssignment.reviewer_id == current_user.id,
            ReviewerAssignment.state.in_((A.SCORING, A.SUBMITTED)))):
        return "reviewer"
    abort(404)


def _own(filing_id: int) -> Filing:
    filing = get_or_404(db.session, Filing, filing_id)
    if filing.company_id != current_user.company_id or filing.campaign.state in (C.DRAFT, C.CANCELLED):
        abort(404)
    return filing


def figure_rows(filing: Filing, previous: Filing | None) -> list[dict]:
    """Each figure as filed, last year's value, the operator's check and the value scoring uses."""
    checks = {c.figure: c for c in filing.checks}
    pending = set(services.pending_figures(filing))
    verified = services.verified_figures(filing)
    last = services.verified_figures(previous) if previous else {}
    return [{"key": key, "label": FIGURE_FIELD_LABELS[key], "money": key not in COUNT_FIGURES,
             "value": getattr(filing, key), "previous": last.get(key), "check": checks.get(key),
             "pending": key in pending, "used": verified[key]} for key in FIGURES]


def _published_result(filing: Filing) -> Result | None:
    if filing.campaign.state not in PUBLISHED:
        return None
    return db.session.scalar(sa.select(Result).where(Result.filing_id == filing.id, Result.current))


def _render(filing: Filing, viewer: str, status: int = 200, **forms):
    staff = viewer == "staff"
    editor = staff and current_user.has_role(*STAFF_EDITORS)
    previous = services.previous_filing(db.session, filing)
    actions = FILING.available(db.session, current_user, filing) if viewer in ("staff", "owner") else []
    config = filing.campaign.scheme.config
    if editor and filing.campaign.state in (C.OPEN, C.REVIEWING) and "compliance_form" not in forms:
        forms["compliance_form"] = compliance_form(config["vetoes"], formdata=None, data={
            "breach_note": filing.breach_note,
            **{f"tick_{k}": True for k in (filing.vetoes or {})},
            **{f"veto_{k}": v for k, v in (filing.vetoes or {}).items()}})
    may_upload = (viewer == "owner" and services.filing_editable(filing)) or (
        editor and filing.campaign.state in (C.OPEN, C.REVIEWING))
    if may_upload and "evidence_form" not in forms:
        forms["evidence_form"] = EvidenceForm(formdata=None)
    can_check = editor and filing.state.value in ("submitted", "resubmitted")
    result = (db.session.scalar(sa.select(Result).where(Result.filing_id == filing.id, Result.current))
              if staff else _published_result(filing))
    return render_template(
        "assessment/filing.html", filing=filing, viewer=viewer, staff=staff, editor=editor, actions=actions,
        rows=figure_rows(filing, previous), previous=previous, evidence=services.evidence(db.session, filing),
        can_check=can_check, check_form=CheckForm(formdata=None), outcomes=list(CheckOutcome),
        comment_form=CommentForm(formdata=None), overdue=services.is_overdue(filing),
        editable=viewer == "owner" and services.filing_editable(filing), result=result,
        missing=[FIGURE_FIELD_LABELS[k] for k in services.missing_figures(filing)],
        veto_labels={v["key"]: v["label"] for v in config["vetoes"]},
        events=named_history(db.session, FILING.name, filing.id) if staff else [],
        history=history(db.session, FILING.name, filing.id, company_view=True) if viewer == "owner" else [],
        **forms), status


@bp.get("/filings/<int:filing_id>")
@login_required
def filing(filing_id: int):
    f = get_or_404(db.session, Filing, filing_id)
    viewer = _viewer(f)
    if viewer == "owner" and f.campaign.state in (C.DRAFT, C.CANCELLED):
        abort(404)
    return _render(f, viewer)


@bp.get("/filings/<int:filing_id>/files/<int:version_id>")
@login_required
def evidence_file(filing_id: int, version_id: int):
    """An evidence file, for whoever may read the filing (assigned reviewers included)."""
    f = get_or_404(db.session, Filing, filing_id)
    _viewer(f)
    version = get_or_404(db.session, DocumentVersion, version_id)
    document: Document = version.document
    if document.subject_type != services.SUBJECT or document.subject_id != f.id:
        abort(404)
    resp = send_file(file_store().path(version.storage_key), mimetype=version.mime, as_attachment=True,
                     download_name=version.display_name, conditional=True, etag=version.sha256)
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


def _to_filing(f: Filing, message: str, anchor: str | None = None):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("assessment.filing", filing_id=f.id, _anchor=anchor), 303)


# --- the company's side ------------------------------------------------------------------------------

@bp.get("/mine")
@roles_required(Role.COMPANY)
def mine():
    if not current_user.company_id:
        abort(404)
    cid = current_user.company_id
    stmt = (sa.select(Filing).join(Campaign, Filing.campaign_id == Campaign.id)
            .where(Filing.company_id == cid, Campaign.state.not_in((C.DRAFT, C.CANCELLED)))
            .order_by(Campaign.closes_on.desc(), Filing.id.desc()))
    page = paginate(db.session, stmt, parse_page(request.args.get("page")))
    results = {r.filing_id: r for r in db.session.scalars(
        sa.select(Result).join(Campaign).where(Result.company_id == cid, Result.current,
                                               Campaign.state.in_(PUBLISHED)))}
    rectifications = db.session.scalars(sa.select(Rectification).where(Rectification.company_id == cid)
                                        .order_by(Rectification.issued_on.desc())).all()
    return render_template("assessment/mine.html", page=page, results=results, rectifications=rectifications,
                           editable=services.filing_editable)


def _filing_form_page(f: Filing, form: FilingForm, status: int = 200):
    previous = services.previous_filing(db.session, f)
    last = services.verified_figures(previous) if previous else {}
    checks = {c.figure: c for c in f.checks}
    return render_template("assessment/filing_form.html", filing=f, form=form, previous=previous, last=last,
                           checks=checks, count_figures=COUNT_FIGURES, figures=FIGURES,
                           history=history(db.session, FILING.name, f.id, company_view=True)), status


@bp.route("/filings/<int:filing_id>/edit", methods=["GET", "POST"])
@roles_required(Role.COMPANY)
def edit_filing(filing_id: int):
    f = _own(filing_id)
    if not services.filing_editable(f):
        flash(_("The filing can be changed only as a draft or when returned, while filing is open."), "warning")
        return redirect(url_for("assessment.filing", filing_id=f.id))
    form = FilingForm(obj=f) if request.method == "GET" else FilingForm()
    if request.method == "GET":
        return _filing_form_page(f, form)
    if not form.validate():
        return _filing_form_page(f, form, 400)
    try:
        services.save_filing(db.session, current_user, f, form.figures(), form.company_note.data)
    except DomainError as exc:
        db.session.rollback()
        return _filing_form_page(f, form, form_error(form, exc))
    if request.form.get("then") == "submit":
        db.session.commit()  # the figures are kept even if the submission is refused
        services.submit_filing(db.session, current_user, f)
        return _to_filing(f, _("Your filing was submitted. The operator will verify each figure."))
    return _to_filing(f, _("Saved as a draft. Submit it before %(day)s.", day=f.campaign.closes_on.isoformat()))


@bp.post("/filings/<int:filing_id>/submit")
@roles_required(Role.COMPANY)
def submit_filing(filing_id: int):
    f = _own(filing_id)
    services.submit_filing(db.session, current_user, f)
    return _to_filing(f, _("Your filing was submitted. The operator will verify each figure."))


@bp.post("/filings/<int:filing_id>/evidence")
@roles_required(Role.COMPANY, *STAFF_EDITORS)
def upload_evidence(filing_id: int):
    f = get_or_404(db.session, Filing, filing_id)
    if not current_user.has_role(*STAFF_EDITORS):
        f = _own(filing_id)
    form = EvidenceForm()
    if not form.validate():
        raise DomainError(_("Please choose a file.") if form.file.errors else _("Please choose a category from the list."))
    document = services.upload_evidence(db.session, current_user, f, form.category.data, form.title.data,
                                        form.file.data)
    return _to_filing(f, _("%(name)s was uploaded.", name=document.current.display_name), "evidence")


# --- the operator's side -----------------------------------------------------------------------------------

@bp.post("/filings/<int:filing_id>/check")
@roles_required(*STAFF_EDITORS)
def check_figure(filing_id: int):
    f = get_or_404(db.session, Filing, filing_id)
    form = CheckForm()
    if not form.validate():
        errors = [e for field in form for e in field.errors]
        raise DomainError(str(errors[0]) if errors else _("Please check what you entered."))
    services.check_figure(db.session, current_user, f, form.figure.data, CheckOutcome(form.outcome.data),
                          form.corrected.data, form.reason.data)
    return _to_filing(f, _("%(figure)s: %(outcome)s.", figure=rules.FIGURE_LABELS[form.figure.data],
                           outcome=CheckOutcome(form.outcome.data).label), "figures")


@bp.post("/filings/<int:filing_id>/<any(return, verify, reopen):step>")
@roles_required(*STAFF_EDITORS)
def filing_step(filing_id: int, step: str):
    f = get_or_404(db.session, Filing, filing_id)
    if step == "verify":
        services.verify_filing(db.session, current_user, f)
        return _to_filing(f, _("The filing of %(company)s is verified.", company=f.company.name))
    form = CommentForm()
    if not form.validate():
        raise DomainError(_("A reason is required."))
    if step == "return":
        services.return_filing(db.session, current_user, f, form.comment.data)
        return _to_filing(f, _("The filing was returned to %(company)s for correction.", company=f.company.name))
    services.reopen_filing(db.session, current_user, f, form.comment.data)
    return _to_filing(f, _("The filing is open for checking again."))


@bp.post("/filings/<int:filing_id>/compliance")
@roles_required(*STAFF_EDITORS)
def compliance(filing_id: int):
    f = get_or_404(db.session, Filing, filing_id)
    form = compliance_form(f.campaign.scheme.config["vetoes"])
    if not form.validate():
        return _render(f, "staff", 400, compliance_form=form)
    services.record_compliance(db.session, current_user, f, breach_note=form.breach_note.data, vetoes=form.vetoes())
    return _to_filing(f, _("The findings are recorded."), "compliance")
