"""Reviewer pages (my reviews; declaration, then the score sheet; the panel once submitted) and
the admission documents: the four PDFs and the Excel export."""
from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import contains_eager, lazyload, selectinload

from ..certificates.rules import DocumentKind
from ..certificates.views import _send_pdf
from ..core.errors import DomainError
from ..core.excel import send_export
from ..core.pagination import paginate, parse_page
from ..core.permissions import get_or_404, roles_required
from ..core.roles import STAFF_READERS, Role
from ..db import db
from . import documents, exports, rules, services
from .forms_review import DeclarationForm, score_form
from .models import Application, ReviewAssignment
from .models import ApplicationState as S
from .models import AssignmentState as A
from .views import _list_filters, _list_query, bp

OPEN = (A.ASSIGNED, A.SCORING)
TABS = ("open", "done", "all")
EXPORT_LIMIT = 5000  # a heavy workbook: every reviewer's every score on a second sheet


# --- the reviewer's pages ------------------------------------------------------------------------

@bp.get("/reviews")
@roles_required(Role.REVIEWER)
def my_reviews():
    tab = request.args.get("show") if request.args.get("show") in TABS else "open"
    mine = sa.select(ReviewAssignment).join(ReviewAssignment.application).where(
        ReviewAssignment.reviewer_id == current_user.id)
    is_open = sa.and_(ReviewAssignment.state.in_(OPEN), Application.state.in_((S.ACCEPTED, S.EXPERT_REVIEW)))
    counts = {"open": db.session.scalar(sa.select(sa.func.count()).select_from(mine.where(is_open).subquery())),
              "all": db.session.scalar(sa.select(sa.func.count()).select_from(mine.subquery()))}
    counts["done"] = counts["all"] - counts["open"]
    stmt = mine.where(is_open) if tab == "open" else mine.where(~is_open) if tab == "done" else mine
    stmt = (stmt.options(contains_eager(ReviewAssignment.application), lazyload(ReviewAssignment.scores),
                         lazyload(ReviewAssignment.reviewer))
            .order_by(ReviewAssignment.assigned_at.desc(), ReviewAssignment.id.desc()))
    page = paginate(db.session, stmt, parse_page(request.args.get("page")))
    return render_template("admission/review/my_reviews.html", page=page, tab=tab, counts=counts, A=A, S=S)


def _own(assignment_id: int) -> ReviewAssignment:
    """Only the assigned reviewer reaches an assignment; any other id is simply not found."""
    assignment = get_or_404(db.session, ReviewAssignment, assignment_id)
    if assignment.reviewer_id != current_user.id:
        abort(404)
    return assignment


def _sheet_data(assignment: ReviewAssignment) -> dict:
    data = {"overall": assignment.overall_comment}
    for s in assignment.scores:
        data[f"score_{s.item_key}"] = s.score
        data[f"comment_{s.item_key}"] = s.comment
    return data


def _render_review(assignment: ReviewAssignment, status: int = 200, declaration=None, sheet=None):
    app = assignment.application
    config = app.policy.config
    scoring_open = assignment.state == A.SCORING and app.state == S.EXPERT_REVIEW
    if assignment.state == A.ASSIGNED and declaration is None:
        declaration = DeclarationForm(formdata=None)
    if scoring_open and sheet is None:
        sheet = score_form(config["rubric"], formdata=None, data=_sheet_data(assignment))
    # the panel only after one's own sheet is in: never before, whatever else is true
    submitted = assignment.state == A.SUBMITTED
    others = [a for a in app.assignments if a.state == A.SUBMITTED and a.id != assignment.id] if submitted else []
    scored = [v for v in sheet.scores().values() if v is not None] if sheet is not None else []
    return render_template(
        "admission/review/review.html", running_total=sum(scored) if scored else None,
        low_score=Decimal(str(config["low_score"])), assignment=assignment, app=app, config=config, A=A, S=S,
        declaration=declaration, sheet=sheet, scoring_open=scoring_open, others=others,
        panel=services.panel(app) if submitted else None, max_total=rules.rubric_max(config),
        own_scores={s.item_key: s for s in assignment.scores}), status


@bp.route("/reviews/<int:assignment_id>", methods=["GET", "POST"])
@roles_required(Role.REVIEWER)
def review(assignment_id: int):
    assignment = _own(assignment_id)
    if request.method == "GET":
        return _render_review(assignment)
    step = request.form.get("step")
    if step == "declare":
        return _declare(assignment)
    if step == "scores":
        return _save_sheet(assignment)
    abort(400)


def _declare(assignment: ReviewAssignment):
    form = DeclarationForm()
    if not form.validate():
        return _render_review(assignment, 400, declaration=form)
    conflict = form.conflict.data == "conflict"
    try:
        services.declare_interest(db.session, current_user, assignment, conflict=conflict, note=form.note.data)
    except DomainError as exc:
        if exc.status_code not in (400, 409):
            raise
        db.session.rollback()
        flash(exc.message, "danger")
        return _render_review(assignment, exc.status_code, declaration=form)
    db.session.commit()
    flash(_("Your conflict of interest is recorded; you are excused from this review.") if conflict
          else _("Thank you. You can now read the application file and score it."), "success")
    return redirect(url_for("admission.review", assignment_id=assignment.id), 303)


def _save_sheet(assignment: ReviewAssignment):
    config = assignment.application.policy.config
    form = score_form(config["rubric"])
    submit = request.form.get("action") == "submit"
    valid = form.validate()
    if valid and submit:
        valid = form.require_all()
    if not valid:
        flash(_("Please correct the marked scores."), "danger")
        return _render_review(assignment, 400, sheet=form)
    try:
        services.save_scores(db.session, current_user, assignment, form.scores(), form.comments(), form.overall.data,
                             submit=submit)
    except DomainError as exc:
        if exc.status_code not in (400, 409):
            raise
        db.session.rollback()
        if exc.field == "overall":
            form.overall.errors = [*form.overall.errors, exc.message]
        else:
            flash(exc.message, "danger")
        return _render_review(assignment, exc.status_code, sheet=form)
    db.session.commit()
    flash(_("Your scores are submitted. You can now see the other reviewers' submitted scores.") if submit
          else _("Draft saved. Submit the scores when you are done."), "success")
    return redirect(url_for("admission.review", assignment_id=assignment.id), 303)


# --- PDFs ----------------------------------------------------------------------------------------------

def _readable(app_id: int, owner_may: bool) -> Application:
    """Staff readers; members of the applying company where `owner_may`; members of other
    companies get 404, everyone else (reviewers included) 403."""
    app = get_or_404(db.session, Application, app_id)
    if current_user.is_staff_reader:
        return app
    if current_user.has_role(Role.COMPANY):
        if owner_may and current_user.company_id == app.company_id:
            return app
        abort(404)
    abort(403)


def _pdf(app: Application, kind: DocumentKind):
    doc = documents.issue_pdf(db.session, current_user, app, kind)
    db.session.commit()
    return _send_pdf(doc, inline=True)


@bp.get("/<int:app_id>/notice.pdf")
@login_required
def notice_pdf(app_id: int):
    return _pdf(_readable(app_id, owner_may=True), DocumentKind.ADMISSION_NOTICE)


@bp.get("/<int:app_id>/certificate.pdf")
@login_required
def certificate_pdf(app_id: int):
    return _pdf(_readable(app_id, owner_may=True), DocumentKind.ADMISSION_CERTIFICATE)


@bp.get("/<int:app_id>/review-summary.pdf")
@roles_required(*STAFF_READERS)
def review_summary_pdf(app_id: int):
    return _pdf(get_or_404(db.session, Application, app_id), DocumentKind.REVIEW_SUMMARY)


@bp.get("/<int:app_id>/form.pdf")
@login_required
def form_pdf(app_id: int):
    return _pdf(_readable(app_id, owner_may=True), DocumentKind.APPLICATION_FORM)


# --- Excel export -------------------------------------------------------------------------------------------

@bp.get("/export.xlsx")
@roles_required(*STAFF_READERS)
def export_xlsx():
    """The staff list as a workbook: its filters (round, state, carrier, track, …) and its order."""
    f = _list_filters(request.args)
    stmt = _list_query(f).options(lazyload(Application.agent),
                                  selectinload(Application.assignments).selectinload(ReviewAssignment.scores))
    return send_export(db.session, current_user, "applications", stmt,
                       lambda apps: exports.applications_workbook(db.session, apps), filename="入驻申请", filters=f,
                       back=url_for("admission.index", **request.args.to_dict()), limit=EXPORT_LIMIT)
