"""Admission pages: the staff list, the one application page every allowed reader shares, and
the staff steps on it (completeness check, reviewers, joint review, decision, units and lease).
The company's and the reviewers' pages register their routes on the same blueprint (see the
imports at the end)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy.orm import lazyload

from ..accounts.models import User, UserRole
from ..certificates.rules import DocumentKind
from ..companies.models import Company, IndustryTrack
from ..core.errors import DomainError, TransitionNotAllowed
from ..core.formatting import today
from ..core.pagination import paginate, parse_page
from ..core.permissions import MAX_ID, get_or_404, roles_required
from ..core.roles import STAFF_EDITORS, STAFF_READERS, Role
from ..core.workflow import history
from ..db import db
from ..documents.models import Document, DocumentVersion
from ..documents.storage import file_store
from ..leases import services as lease_services
from ..leases.models import LeaseState
from ..leases.rules import add_years
from ..spaces.models import Unit
from ..spaces.rules import int_arg, normalize_text
from ..spaces.services import carriers, named_history
from . import documents, services, tasks
from .forms import AllocateForm, AssignForm, DecideForm, RecommendForm, return_form
from .models import Application, IntakeRound, ReviewAssignment
from .models import ApplicationState as S
from .models import AssignmentState as A
from .workflow import ACTION_LABELS, ADMISSION

bp = Blueprint("admission", __name__, url_prefix="/admission")

PANEL_STATES = (S.JOINT_REVIEW, S.DECISION, S.ADMITTED, S.REJECTED, S.WITHDRAWN)
PANEL_REASONS = {
    "too_few_reviewers": _l("Fewer reviewers than the policy requires submitted scores."),
    "mean_below_pass": _l("The mean is below the passing mark."),
    "low_score_without_note": _l("A reviewer's total is below the low-score threshold without a written note."),
}


# --- the staff list ------------------------------------------------------------------------------

def _list_filters(args) -> dict:
    queue = args.get("queue")
    return {"q": normalize_text(args.get("q"))[:60], "state": S.from_arg(args.get("state")),
            "carrier": int_arg(args.get("carrier")), "track": IndustryTrack.from_arg(args.get("track")),
            "round": int_arg(args.get("round")), "reviewer": int_arg(args.get("reviewer")),
            "queue": queue if queue in tasks.QUEUES else None}


def _conditions(f: dict) -> list:
    """Every filter but the state (the state pills count across the others)."""
    conditions = []
    if f["q"]:
        like = f"%{f['q']}%"
        companies = sa.select(Company.id).where(sa.or_(Company.name.ilike(like), Company.credit_code.ilike(like)))
        conditions.append(sa.or_(Application.number.ilike(like), Application.project_name.ilike(like),
                                 Application.company_id.in_(companies)))
    if f["carrier"]:
        conditions.append(Application.carrier_id == f["carrier"])
    if f["track"]:
        conditions.append(Application.track == f["track"])
    if f["round"]:
        conditions.append(Application.round_id == f["round"])
    if f["reviewer"]:
        conditions.append(Application.id.in_(sa.select(ReviewAssignment.application_id)
                                             .where(ReviewAssignment.reviewer_id == f["reviewer"])))
    if f["queue"]:
        conditions.extend(tasks.QUEUES[f["queue"]][1])
    return conditions


def _list_query(f: dict) -> sa.Select:
    """The list's rows (every filter, the state too), newest first by the primary key: the page
    and its export."""
    stmt = sa.select(Application).where(*_conditions(f)).order_by(Application.id.desc())
    if f["state"]:
        stmt = stmt.where(Application.state == f["state"])
    return stmt


def _reviewers() -> list[tuple[int, str]]:
    return list(db.session.execute(
        sa.select(User.id, User.display_name).join(UserRole).where(UserRole.role == Role.REVIEWER, User.active)
        .order_by(User.display_name, User.id)).all())


@bp.get("/")
@roles_required(*STAFF_READERS)
def index():
    f = _list_filters(request.args)
    conditions = _conditions(f)
    counts = dict(db.session.execute(sa.select(Application.state, sa.func.count()).where(*conditions)
                                     .group_by(Application.state)).all())
    # the policy and the agent are not shown: skip the JSON
    stmt = _list_query(f).options(lazyload(Application.policy), lazyload(Application.agent))
    page = paginate(db.session, stmt, parse_page(request.args.get("page")))
    # reviews submitted / reviewers without a conflict, for the rows shown only
    progress = {row.application_id: (row.submitted, row.active) for row in db.session.execute(
        sa.select(ReviewAssignment.application_id, sa.func.count().label("active"),
                  sa.func.sum(sa.case((ReviewAssignment.state == A.SUBMITTED, 1), else_=0)).label("submitted"))
        .where(ReviewAssignment.application_id.in_([a.id for a in page.items]),
               ReviewAssignment.state != A.CONFLICT)
        .group_by(ReviewAssignment.application_id))} if page.items else {}
    pill_args = {k: v for k, v in request.args.items() if k not in ("page", "state")}
    return render_template(
        "admission/staff/index.html", page=page, f=f, counts=counts, total=sum(counts.values()),
        pill_args=pill_args, progress=progress, states=list(S), tracks=list(IndustryTrack),
        carriers=carriers(db.session), reviewers=_reviewers(), queues=tasks.QUEUES,
        rounds=db.session.execute(sa.select(IntakeRound.id, IntakeRound.name)
                                  .order_by(IntakeRound.opens_on.desc())).all())


# --- the application page --------------------------------------------------------------------------

def _own_assignment(app: Application) -> ReviewAssignment | None:
    return next((a for a in app.assignments if a.reviewer_id == current_user.id), None)


def _viewer(app: Application) -> str:
    """staff | owner | reviewer | undeclared (assigned, no declaration yet); everyone else 404,
    so a guessed id tells nothing."""
    if current_user.is_staff_reader:
        return "staff"
    if current_user.has_role(Role.COMPANY) and current_user.company_id == app.company_id:
        return "owner"
    if current_user.has_role(Role.REVIEWER):
        mine = _own_assignment(app)
        if mine is not None and mine.state in (A.SCORING, A.SUBMITTED):
            return "reviewer"
        if mine is not None and mine.state == A.ASSIGNED:
            return "undeclared"
    abort(404)


def _load(app_id: int) -> Application:
    return get_or_404(db.session, Application, app_id)


def _staff_steps(app: Application) -> set[str]:
    """The operator's steps outside the transition table."""
    if not current_user.has_role(*STAFF_EDITORS):
        return set()
    steps = set()
    if app.state in (S.ACCEPTED, S.EXPERT_REVIEW):
        steps.add("assign")
    if app.state == S.ADMITTED and app.lease_id is None:
        steps.add("allocate")
    if app.state == S.ADMITTED and app.lease is not None and app.lease.state == LeaseState.DRAFT:
        steps.add("sign_lease")
    return steps


PDF_LINKS = [  # endpoint, kind, label, readable by the owner company too
    ("admission.form_pdf", DocumentKind.APPLICATION_FORM, _l("Application form (PDF)"), True),
    ("admission.review_summary_pdf", DocumentKind.REVIEW_SUMMARY, _l("Review summary (PDF)"), False),
    ("admission.notice_pdf", DocumentKind.ADMISSION_NOTICE, _l("Admission notice (PDF)"), True),
    ("admission.certificate_pdf", DocumentKind.ADMISSION_CERTIFICATE, _l("Admission certificate (PDF)"), True),
]


def _pdf_links(app: Application, viewer: str) -> list[tuple[str, str]]:
    if viewer not in ("staff", "owner"):
        return []
    return [(endpoint, label) for endpoint, kind, label, owner_may in PDF_LINKS
            if (viewer == "staff" or owner_may) and documents.PDFS[kind][3](app)]


def _assign_form(app: Application, formdata=None) -> AssignForm:
    """Active reviewers not yet on this application; those who declared a conflict with the
    company before (on any of its applications) are marked."""
    taken = {a.reviewer_id for a in app.assignments}
    conflicted = set(db.session.scalars(
        sa.select(ReviewAssignment.reviewer_id).join(Application)
        .where(Application.company_id == app.company_id, ReviewAssignment.state == A.CONFLICT)))
    form = AssignForm(formdata=formdata)
    form.reviewer_ids.choices = [
        (rid, name + (" — " + _("declared a conflict with this company") if rid in conflicted else ""))
        for rid, name in _reviewers() if rid not in taken]
    return form


def _render(app: Application, viewer: str, status: int = 200, **forms):
    staff, owner = viewer == "staff", viewer == "owner"
    actions = ADMISSION.available(db.session, current_user, app) if viewer in ("staff", "owner") else []
    steps = _staff_steps(app)
    materials = services.materials(db.session, app)
    if "return" in actions and "return_form" not in forms:
        forms["return_form"] = return_form(materials, formdata=None)
    if "assign" in steps and "assign_form" not in forms:
        forms["assign_form"] = _assign_form(app)
    if "recommend" in actions and "recommend_form" not in forms:
        forms["recommend_form"] = RecommendForm(formdata=None)
    if {"admit", "reject"} & set(actions) and "decide_form" not in forms:
        forms["decide_form"] = DecideForm(formdata=None)
    see_scores = not owner and services.may_see_panel(current_user, app)
    return render_template(
        "admission/detail.html", app=app, viewer=viewer, staff=staff, owner=owner, actions=actions, steps=steps,
        materials=materials, see_scores=see_scores, action_labels=ACTION_LABELS, states=S,
        events=named_history(db.session, "application", app.id) if not owner else [],
        history=history(db.session, "application", app.id, company_view=True) if owner else [],
        panel=services.panel(app) if see_scores and app.state in PANEL_STATES else None,
        panel_reasons=PANEL_REASONS, pdf_links=_pdf_links(app, viewer), due_if_returned=services.supplement_due_on(app) if "return" in actions else None,
        **forms), status


@bp.get("/<int:app_id>")
@login_required
def application(app_id: int):
    app = _load(app_id)
    viewer = _viewer(app)
    if viewer == "undeclared":
        flash(_("Declare whether you have a conflict of interest before you open the file."), "warning")
        return redirect(url_for("admission.review", assignment_id=_own_assignment(app).id))
    return _render(app, viewer)


@bp.get("/<int:app_id>/files/<int:version_id>")
@login_required
def material(app_id: int, version_id: int):
    """A material of this application, for whoever may read the application (assigned
    reviewers included, who cannot open the company's document pages)."""
    app = _load(app_id)
    if _viewer(app) == "undeclared":
        abort(403)
    version = get_or_404(db.session, DocumentVersion, version_id)
    document: Document = version.document
    if document.subject_type != services.SUBJECT or document.subject_id != app.id:
        abort(404)
    resp = send_file(file_store().path(version.storage_key), mimetype=version.mime, as_attachment=True,
                     download_name=version.display_name, conditional=True, etag=version.sha256)
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


# --- staff steps ---------------------------------------------------------------------------------

def _done(app: Application, message: str):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("admission.application", app_id=app.id), 303)


@bp.post("/<int:app_id>/accept")
@roles_required(*STAFF_EDITORS)
def accept(app_id: int):
    app = _load(app_id)
    services.accept_application(db.session, current_user, app)
    return _done(app, _("Application %(number)s is complete and accepted. Assign the reviewers next.",
                        number=app.number))


@bp.post("/<int:app_id>/return")
@roles_required(*STAFF_EDITORS)
def return_application(app_id: int):
    app = _load(app_id)
    form = return_form(services.materials(db.session, app))
    if not form.validate_on_submit():
        return _render(app, "staff", 400, return_form=form)
    services.return_application(db.session, current_user, app, form.comment.data, form.item_reasons())
    return _done(app, _("Application %(number)s was returned to the company for supplement, due %(day)s.",
                        number=app.number, day=app.supplement_due_on.isoformat()))


@bp.post("/<int:app_id>/reviewers")
@roles_required(*STAFF_EDITORS)
def assign_reviewers(app_id: int):
    app = _load(app_id)
    form = _assign_form(app, formdata=request.form)
    if not form.validate_on_submit():
        return _render(app, "staff", 400, assign_form=form)
    added = services.assign_reviewers(db.session, current_user, app, form.reviewer_ids.data)
    return _done(app, _("%(n)s reviewer(s) assigned. Each declares any conflict of interest before scoring.",
                        n=len(added)))


@bp.post("/<int:app_id>/start-review")
@roles_required(*STAFF_EDITORS)
def start_review(app_id: int):
    app = _load(app_id)
    services.start_review(db.session, current_user, app)
    return _done(app, _("The expert review of %(number)s has started.", number=app.number))


@bp.post("/<int:app_id>/close-review")
@roles_required(*STAFF_EDITORS)
def close_review(app_id: int):
    app = _load(app_id)
    services.close_review(db.session, current_user, app)
    return _done(app, _("The expert review is closed; %(number)s goes to the joint review.", number=app.number))


@bp.post("/<int:app_id>/recommend")
@roles_required(Role.LEAD)
def recommend(app_id: int):
    app = _load(app_id)
    form = RecommendForm()
    if not form.validate_on_submit():
        return _render(app, "staff", 400, recommend_form=form)
    services.recommend(db.session, current_user, app, recommendation=form.recommendation.data,
                       minutes=form.minutes.data)
    return _done(app, _("The joint review's recommendation is recorded; the deputy commander decides next."))


@bp.post("/<int:app_id>/decide")
@roles_required(Role.DEPUTY)
def decide(app_id: int):
    app = _load(app_id)
    form = DecideForm()
    if not form.validate_on_submit():
        return _render(app, "staff", 400, decide_form=form)
    admit = form.decision.data == "admit"
    services.decide(db.session, current_user, app, admit=admit, reason=form.reason.data)
    return _done(app, _("%(number)s is admitted. The operator allocates units next.", number=app.number) if admit
                 else _("%(number)s is rejected; the company sees the reason.", number=app.number))


def _allocation_page(app: Application, form: AllocateForm, status: int = 200):
    return render_template("admission/staff/allocate.html", app=app, form=form,
                           units=services.allocable_units(db.session, app),
                           chosen=set(form.unit_ids.data or [])), status


@bp.route("/<int:app_id>/allocate", methods=["GET", "POST"])
@roles_required(*STAFF_EDITORS)
def allocate(app_id: int):
    app = _load(app_id)
    if request.method == "GET" and "allocate" not in _staff_steps(app):
        flash(_("Units can be allocated once, to an admitted application."), "warning")
        return redirect(url_for("admission.application", app_id=app.id))
    form = AllocateForm()
    if request.method == "GET":
        form.start_on.data = today()
    if not form.validate_on_submit():
        return _allocation_page(app, form, 400 if request.method == "POST" else 200)
    ids = {i for i in form.unit_ids.data if 0 < i <= MAX_ID}
    units = list(db.session.scalars(sa.select(Unit).where(Unit.id.in_(ids))))
    try:
        if len(units) != len(form.unit_ids.data):
            raise DomainError(_("A chosen unit does not exist. Please choose again."), field="unit_ids")
        services.allocate_units(
            db.session, current_user, app, units, start_on=form.start_on.data,
            end_on=add_years(form.start_on.data, form.term_years.data) - dt.timedelta(days=1),
            rent_per_m2=form.rent_per_m2.data, property_fee_per_m2=form.property_fee_per_m2.data or 0,
            deposit=form.deposit.data or 0, billing_cycle=form.billing_cycle.data)
    except DomainError as exc:
        if exc.status_code not in (400, 409):
            raise
        db.session.rollback()
        field = getattr(form, exc.field, None) if exc.field else None
        if field is not None:
            field.errors = [*field.errors, exc.message]
        else:
            flash(exc.message, "danger")
        return _allocation_page(app, form, exc.status_code)
    return _done(app, _("Lease %(number)s was drafted and its units reserved. Mark it signed once the contract "
                        "is signed.", number=app.lease.number))


@bp.post("/<int:app_id>/sign-lease")
@roles_required(*STAFF_EDITORS)
def sign_lease(app_id: int):
    app = _load(app_id)
    if "sign_lease" not in _staff_steps(app):
        raise TransitionNotAllowed(_("There is no drafted lease to sign for this application."))
    lease_services.sign_lease(db.session, current_user, app.lease)
    return _done(app, _("Lease %(number)s is signed: its units are leased and %(company)s is a tenant.",
                        number=app.lease.number, company=app.company.name))


from . import views_company, views_policy, views_review  # noqa: E402,F401 - they add their routes to bp
