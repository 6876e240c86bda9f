"""The company's exit pages: its cases, the request to leave and the response to a case.

Only company members use them (staff get 403); another company's case is a 404."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from ..companies.models import Company, CompanyStatus
from ..core.errors import DomainError
from ..core.formatting import today
from ..core.forms import form_error
from ..core.pagination import paginate, parse_page
from ..core.permissions import get_or_404, roles_required
from ..core.roles import Role
from ..db import db
from . import services
from .forms import RequestForm, RespondForm
from .models import ExitCase
from .views import bp, done, load_case, render_case


def _own_company() -> Company:
    if not current_user.company_id:
        abort(404)
    return get_or_404(db.session, Company, current_user.company_id)


@bp.get("/mine")
@roles_required(Role.COMPANY)
def mine():
    company = _own_company()
    stmt = sa.select(ExitCase).where(ExitCase.company_id == company.id).order_by(ExitCase.id.desc())
    page = paginate(db.session, stmt, parse_page(request.args.get("page")))
    open_case = services.open_case(db.session, company.id)
    return render_template("exits/mine.html", page=page, company=company, open_case=open_case,
                           can_request=company.status == CompanyStatus.TENANT and open_case is None)


def _request_page(form: RequestForm, company: Company, status: int = 200):
    return render_template("exits/request.html", form=form, company=company), status


@bp.route("/request", methods=["GET", "POST"])
@roles_required(Role.COMPANY)
def request_exit():
    company = _own_company()
    if company.status != CompanyStatus.TENANT:
        abort(403)
    form = RequestForm()
    if request.method == "GET":
        form.planned_exit_on.data = today()
        return _request_page(form, company)
    if not form.validate():
        return _request_page(form, company, 400)
    try:
        case = services.request_exit(db.session, current_user, reason=form.reason.data,
                                     planned_exit_on=form.planned_exit_on.data)
    except DomainError as exc:
        db.session.rollback()
        return _request_page(form, company, form_error(form, exc))
    return done(case, _("Your exit request %(number)s was sent; the operator prepares the settlement.",
                        number=case.number))


@bp.post("/<int:case_id>/respond")
@roles_required(Role.COMPANY)
def respond(case_id: int):
    case, viewer = load_case(case_id)
    form = RespondForm()
    if not form.validate():
        return render_case(case, viewer, 400, respond_form=form)
    services.respond(db.session, current_user, case, response=form.response.data, agrees=form.agrees.data == "yes")
    return done(case, _("Your response was recorded; the commander reads it before deciding."))
