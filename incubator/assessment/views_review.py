"""Reviewer pages: the assigned companies (and only those), the declaration, then the score
sheet of the scheme's reviewer items beside the filed and verified figures."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import contains_eager

from ..admission.forms_review import score_form
from ..core.errors import DomainError
from ..core.pagination import paginate, parse_page
from ..core.permissions import get_or_404, roles_required
from ..core.roles import Role
from ..db import db
from . import rules, scoring, services
from .forms import DeclarationForm
from .models import AssignmentState as A
from .models import Campaign, Filing, ReviewerAssignment
from .models import CampaignState as C
from .views import bp
from .views_filing import figure_rows

TABS = ("open", "done", "all")


@bp.get("/reviews")
@roles_required(Role.REVIEWER)
def my_reviews():
    tab = request.args.get("show") if request.args.get("show") in TABS else "open"
    mine = (sa.select(ReviewerAssignment).join(ReviewerAssignment.filing).join(Filing.campaign)
            .where(ReviewerAssignment.reviewer_id == current_user.id))
    is_open = sa.and_(ReviewerAssignment.state.in_((A.ASSIGNED, A.SCORING)),
                      Campaign.state.in_((C.OPEN, C.REVIEWING)))
    counts = {"open": db.session.scalar(sa.select(sa.func.count()).select_from(mine.where(is_open).subquery())),
              "all": db.session.scalar(sa.select(sa.func.count()).select_from(mine.subquery()))}
    counts["done"] = counts["all"] - counts["open"]
    stmt = mine.where(is_open) if tab == "open" else mine.where(~is_open) if tab == "done" else mine
    stmt = (stmt.options(contains_eager(ReviewerAssignment.filing).contains_eager(Filing.campaign))
            .order_by(ReviewerAssignment.assigned_at.desc(), ReviewerAssignment.id.desc()))
    page = paginate(db.session, stmt, parse_page(request.args.get("page")))
    return render_template("assessment/my_reviews.html", page=page, tab=tab, counts=counts, A=A)


def _own(assignment_id: int) -> ReviewerAssignment:
    """Only the assigned reviewer reaches an assignment; any other id is simply not found."""
    assignment = get_or_404(db.session, ReviewerAssignment, assignment_id)
    if assignment.reviewer_id != current_user.id:
        abort(404)
    return assignment


def _rubric(config: dict) -> list[dict]:
    return [{**i, "weight": i["cap"]} for i in rules.reviewer_items(config)]


def _render(assignment: ReviewerAssignment, status: int = 200, declaration=None, sheet=None):
    filing = assignment.filing
    config = filing.campaign.scheme.config
    is_open = scoring.scoring_open(assignment)
    if assignment.state == A.ASSIGNED and declaration is None:
        declaration = DeclarationForm(formdata=None)
    if is_open and sheet is None:
        data = {"overall": assignment.overall_comment}
        for s in assignment.scores:
            data[f"score_{s.indicator}"], data[f"comment_{s.indicator}"] = s.score, s.comment
        sheet = score_form(_rubric(config), formdata=None, data=data)
    may_read = assignment.state in (A.SCORING, A.SUBMITTED)
    previous = services.previous_filing(db.session, filing) if may_read else None
    return render_template(
        "assessment/review.html", assignment=assignment, filing=filing, config=config, A=A, declaration=declaration,
        sheet=sheet, scoring_open=is_open, may_read=may_read,
        rows=figure_rows(filing, previous) if may_read else [], previous=previous,
        evidence=services.evidence(db.session, filing) if may_read else [],
        own_scores={s.indicator: s for s in assignment.scores}), status


@bp.route("/reviews/<int:assignment_id>", methods=["GET", "POST"])
@roles_required(Role.REVIEWER)
def review(assignment_id: int):
    assignment = _own(assignment_id)
    if request.method == "GET":
        return _render(assignment)
    step = request.form.get("step")
    if step == "declare":
        form = DeclarationForm()
        if not form.validate():
            return _render(assignment, 400, declaration=form)
        conflict = form.conflict.data == "conflict"
        scoring.declare_interest(db.session, current_user, assignment, conflict=conflict, note=form.note.data)
        db.session.commit()
        flash(_("Your conflict of interest is recorded; you are excused from this review.") if conflict
              else _("Thank you. You can now read the filing and score it."), "success")
        return redirect(url_for("assessment.review", assignment_id=assignment.id), 303)
    if step != "scores":
        abort(400)
    form = score_form(_rubric(assignment.filing.campaign.scheme.config))
    submit = request.form.get("action") == "submit"
    valid = form.validate()
    if valid and submit:
        valid = form.require_all()
    if not valid:
        flash(_("Please correct the marked scores."), "danger")
        return _render(assignment, 400, sheet=form)
    try:
        scoring.save_scores(db.session, current_user, assignment, form.scores(), form.comments(), form.overall.data,
                            submit=submit)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return _render(assignment, exc.status_code, sheet=form)
    db.session.commit()
    flash(_("Your scores are submitted.") if submit else _("Draft saved. Submit the scores when you are done."),
          "success")
    return redirect(url_for("assessment.review", assignment_id=assignment.id), 303)
