"""The applying company's pages: its applications, the guided form, materials, submit and withdraw.

Only company members use them (staff get 403); another company's application is a 404."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import lazyload

from ..companies.models import Company
from ..companies.services import agent_choices
from ..core import calendar
from ..core.errors import DomainError
from ..core.formatting import today
from ..core.forms import form_error
from ..core.pagination import paginate, parse_page
from ..core.permissions import get_or_404, roles_required
from ..core.roles import Role
from ..db import db
from ..spaces.models import Carrier
from . import services, views
from .forms_company import ApplicationForm, MaterialForm, WithdrawForm
from .models import EDITABLE_STATES, Application
from .models import ApplicationState as S
from .views import bp
from .workflow import ACTION_LABELS, CLOSED


@bp.app_template_global()
def working_days_left(due: dt.date) -> int | None:
    return calendar.working_days_left(due, today())


@bp.app_template_filter("admission_action")
def admission_action(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def _own_company() -> Company:
    if not current_user.company_id:
        abort(404)
    return get_or_404(db.session, Company, current_user.company_id)


def _own_application(app_id: int) -> Application:
    """The member's own application to change (404 for anyone else's; 403 once the company left)."""
    app = get_or_404(db.session, Application, app_id)
    if app.company_id != current_user.company_id:
        abort(404)
    if not app.company.is_active_member_company:
        abort(403)
    return app


def _open_application(company_id: int) -> Application | None:
    return db.session.scalar(sa.select(Application).where(Application.company_id == company_id,
                                                          Application.state.not_in(CLOSED)).limit(1))


def _to_application(app: Application, anchor: str | None = None):
    return redirect(url_for("admission.application", app_id=app.id, _anchor=anchor), 303)


def _refused(app_id: int, exc: DomainError | str):
    """The application page again with the reason and a 4xx (nothing was changed); refused
    access stays a plain 403/404."""
    db.session.rollback()
    status = getattr(exc, "status_code", 400)
    if status in (403, 404):
        abort(status)
    flash(getattr(exc, "message", exc), "danger")
    resp = make_response(views.application(app_id))
    resp.status_code = status
    return resp


@bp.get("/mine")
@roles_required(Role.COMPANY)
def my_applications():
    company = _own_company()
    stmt = (sa.select(Application).where(Application.company_id == company.id)
            .options(lazyload(Application.policy), lazyload(Application.agent), lazyload(Application.company),
                     lazyload(Application.round))  # not shown: skip the policy's JSON and the joins
            .order_by(Application.created_at.desc(), Application.id.desc()))
    page = paginate(db.session, stmt, parse_page(request.args.get("page")))
    open_app = _open_application(company.id)
    return render_template("admission/company/mine.html", page=page, company=company, open_app=open_app,
                           can_start=company.is_active_member_company and open_app is None)


def _fit_form(form: ApplicationForm, app: Application | None) -> None:
    """Choices from the database; once submitted the carrier and track are fixed and leave the form."""
    if app is not None and app.state != S.DRAFT:
        del form.carrier_id, form.track
    else:
        form.carrier_id.choices = [(0, "—")] + [tuple(row) for row in db.session.execute(
            sa.select(Carrier.id, Carrier.name).order_by(Carrier.sort_order, Carrier.name))]
    current = app.agent_id if app else None
    form.agent_id.choices = [(0, _("None"))] + agent_choices(db.session, current)


def _render_form(form: ApplicationForm, company: Company, app: Application | None, status: int = 200):
    return render_template("admission/company/form.html", form=form, company=company, app=app), status


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.COMPANY)
def new_application():
    company = _own_company()
    if not company.is_active_member_company:
        abort(403)
    open_app = _open_application(company.id)
    if open_app is not None:
        flash(_("Your company already has an application in progress."), "info")
        return _to_application(open_app)
    form = (ApplicationForm(data={"track": company.track.value if company.track else None, "agent_id": 0})
            if request.method == "GET" else ApplicationForm())
    _fit_form(form, None)
    if request.method == "GET":
        return _render_form(form, company, None)
    if form.validate():
        try:
            app = services.create_application(db.session, current_user, company, form.data_for_service())
        except DomainError as exc:
            db.session.rollback()
            form_error(form, exc)
            return _render_form(form, company, None, exc.status_code)
        db.session.commit()
        flash(_("The draft %(number)s was saved. Now upload the materials on the checklist.", number=app.number),
              "success")
        return _to_application(app, "materials")
    return _render_form(form, company, None, 400)


@bp.route("/<int:app_id>/edit", methods=["GET", "POST"])
@roles_required(Role.COMPANY)
def edit_application(app_id: int):
    app = _own_application(app_id)
    if app.state not in EDITABLE_STATES:
        flash(_("The application can be changed only as a draft or when returned for supplement."), "warning")
        return _to_application(app)
    form = ApplicationForm(obj=app) if request.method == "GET" else ApplicationForm()
    _fit_form(form, app)
    if request.method == "GET":
        form.agent_id.data = app.agent_id or 0
        return _render_form(form, app.company, app)
    if form.validate():
        data = form.data_for_service()
        data.setdefault("carrier_id", app.carrier_id)
        data.setdefault("track", app.track)
        try:
            services.update_application(db.session, current_user, app, data)
        except DomainError as exc:
            db.session.rollback()
            form_error(form, exc)
            return _render_form(form, app.company, app, exc.status_code)
        db.session.commit()
        flash(_("Saved."), "success")
        return _to_application(app)
    return _render_form(form, app.company, app, 400)


@bp.post("/<int:app_id>/materials")
@roles_required(Role.COMPANY)
def upload_material(app_id: int):
    app = _own_application(app_id)
    form = MaterialForm()
    if not form.validate():
        return _refused(app.id, _("Please choose a file.") if form.file.errors
                        else _("This item is not on the application's checklist."))
    try:
        document = services.upload_material(db.session, current_user, app, form.category.data, form.file.data)
    except DomainError as exc:
        return _refused(app.id, exc)
    db.session.commit()
    flash(_("%(item)s: %(name)s was uploaded.", item=document.title, name=document.current.display_name), "success")
    return _to_application(app, "materials")


@bp.post("/<int:app_id>/submit")
@roles_required(Role.COMPANY)
def submit_application(app_id: int):
    app = _own_application(app_id)
    resubmit = app.state == S.RETURNED
    try:
        services.submit_application(db.session, current_user, app)
    except DomainError as exc:
        return _refused(app.id, exc)
    db.session.commit()
    flash(_("The application was resubmitted.") if resubmit else
          _("The application was submitted. The operator will check that it is complete."), "success")
    return _to_application(app)


@bp.post("/<int:app_id>/withdraw")
@roles_required(Role.COMPANY)
def withdraw_application(app_id: int):
    app = _own_application(app_id)
    form = WithdrawForm()
    if not form.validate():
        return _refused(app.id, _("The reason is too long (at most 2000 characters)."))
    try:
        services.withdraw_application(db.session, current_user, app, form.reason.data)
    except DomainError as exc:
        return _refused(app.id, exc)
    db.session.commit()
    flash(_("The application was withdrawn."), "success")
    return _to_application(app)
