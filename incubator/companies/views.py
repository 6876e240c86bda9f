"""The company registry, company pages, profile editing, qualifications and agents."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from ..core.errors import ConcurrentChange, DomainError
from ..core.excel import send_export
from ..core.formatting import today
from ..core.forms import form_error
from ..core.pagination import paginate, parse_page
from ..core.permissions import get_or_404, roles_required
from ..core.roles import STAFF_EDITORS, STAFF_READERS, Role
from ..db import db
from ..documents.services import company_documents
from ..leases.services import company_leases
from . import exports, services, tasks  # noqa: F401 - tasks registers the inbox provider
from .forms import AgentForm, CompanyForm, QualificationForm
from .models import Agent, Company, CompanyStatus, IndustryTrack, Qualification, QualificationKind

bp = Blueprint("companies", __name__, url_prefix="/companies")

EDIT_ROLES = (*STAFF_EDITORS, Role.COMPANY)


# On a refused change the views re-render without committing: the services check before they
# write, and the request's session is closed (rolled back) at teardown.
def _is_member_of(company_id: int) -> bool:
    return current_user.has_role(Role.COMPANY) and current_user.company_id == company_id


def _company_for_reading(company_id: int) -> Company:
    """Staff readers see any company; a member only their own (404 for others); anyone else 403."""
    if current_user.is_staff_reader or _is_member_of(company_id):
        return get_or_404(db.session, Company, company_id)
    if current_user.has_role(Role.COMPANY):
        abort(404)
    abort(403)


def _company_for_editing(company_id: int) -> Company:
    if services.is_staff_editor(current_user):
        return get_or_404(db.session, Company, company_id)
    if _is_member_of(company_id):
        company = get_or_404(db.session, Company, company_id)
        if not company.is_active_member_company:
            abort(403)
        return company
    if current_user.has_role(Role.COMPANY):
        abort(404)
    abort(403)


# --- registry --------------------------------------------------------------------------------

def _filters(args) -> dict:
    return {"q": (args.get("q") or "").strip()[:100], "status": CompanyStatus.from_arg(args.get("status")),
            "track": IndustryTrack.from_arg(args.get("track")),
            "qualification": QualificationKind.from_arg(args.get("qualification")),
            "agent": args.get("agent", type=int)}


def _conditions(f: dict) -> list:
    """Every filter but the status (the status pills count across the others)."""
    return services.registry_filters(q=f["q"], track=f["track"], qualification=f["qualification"],
                                     agent_id=f["agent"], day=today())


def _query(f: dict) -> sa.Select:
    """The registry's rows (every filter, the status too), by name: the page and its export."""
    stmt = (sa.select(Company).where(*_conditions(f)).options(selectinload(Company.qualifications))
            .order_by(Company.name, Company.id))
    if f["status"] is not None:
        stmt = stmt.where(Company.status == f["status"])
    return stmt


@bp.get("/")
@roles_required(*STAFF_READERS)
def index():
    args = request.args
    f = _filters(args)
    q, status, track, qualification, agent_id = f["q"], f["status"], f["track"], f["qualification"], f["agent"]
    counts = dict(db.session.execute(sa.select(Company.status, sa.func.count()).where(*_conditions(f))
                                     .group_by(Company.status)).all())
    page = paginate(db.session, _query(f), parse_page(args.get("page")))
    agents = db.session.execute(sa.select(Agent.id, Agent.name).order_by(Agent.name)).all()
    pill_args = {k: v for k, v in args.items() if k not in ("page", "status")}
    return render_template("companies/index.html", page=page, q=q, status=status, track=track,
                           qualification=qualification, agent_id=agent_id, counts=counts, pill_args=pill_args,
                           total=sum(counts.values()), agents=agents, day=today(), statuses=list(CompanyStatus),
                           tracks=list(IndustryTrack), qualification_kinds=list(QualificationKind))


@bp.get("/export.xlsx")
@roles_required(*STAFF_READERS)
def export():
    f = _filters(request.args)
    day = today()
    return send_export(db.session, current_user, "companies", _query(f),
                       lambda rows: exports.companies_workbook(rows, day), filename="入驻企业", filters=f,
                       back=url_for("companies.index", **request.args.to_dict()))


@bp.get("/mine")
@roles_required(Role.COMPANY)
def mine():
    if not current_user.company_id:
        abort(404)
    return redirect(url_for("companies.detail", company_id=current_user.company_id))


# --- one company -----------------------------------------------------------------------------

def _render_detail(company: Company, qualification_form: QualificationForm | None = None, status: int = 200):
    can_edit = services.can_edit_company(current_user, company)
    if can_edit and qualification_form is None:
        qualification_form = QualificationForm(formdata=None)
    return render_template(
        "companies/detail.html", company=company, can_edit=can_edit, staff=current_user.is_staff_reader,
        members=list(company.members), qualifications=list(company.qualifications),
        leases=company_leases(db.session, company.id), documents=company_documents(db.session, company.id),
        qualification_form=qualification_form, day=today()), status


@bp.get("/<int:company_id>")
@login_required
def detail(company_id: int):
    return _render_detail(_company_for_reading(company_id))


def _fit_form(form: CompanyForm, staff: bool, company: Company | None = None) -> None:
    """Members do not see the operator's fields; inactive agents are offered only where already set."""
    if staff:
        current = company.agent_id if company else None
        form.agent_id.choices = [(0, "—")] + services.agent_choices(db.session, current)
    else:
        del form.is_platform, form.status, form.agent_id


def _company_data(form: CompanyForm) -> dict:
    names = [*services.PROFILE_FIELDS, *(n for n in services.STAFF_FIELDS if n in form)]
    data = {name: form[name].data for name in names}
    data["track"] = data["track"] or None
    if "agent_id" in data:
        data["agent_id"] = data["agent_id"] or None
    return data


@bp.route("/<int:company_id>/edit", methods=["GET", "POST"])
@roles_required(*EDIT_ROLES)
def edit(company_id: int):
    company = _company_for_editing(company_id)
    staff = services.is_staff_editor(current_user)
    form = CompanyForm(obj=company) if request.method == "GET" else CompanyForm()
    _fit_form(form, staff, company)
    if request.method == "GET":
        if staff:
            form.agent_id.data = company.agent_id or 0
        return render_template("companies/form.html", form=form, company=company, staff=staff)
    status = 400
    if form.validate():
        try:
            changes = services.update_company(db.session, current_user, company,
                                              {**_company_data(form), "version": form.version.data})
        except ConcurrentChange as exc:
            flash(exc.message, "danger")
            status = exc.status_code
        except DomainError as exc:
            form_error(form, exc)
            status = exc.status_code
        else:
            db.session.commit()
            flash(_("Saved.") if changes else _("Nothing was changed."), "success")
            return redirect(url_for("companies.detail", company_id=company.id))
    return render_template("companies/form.html", form=form, company=company, staff=staff), status


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*STAFF_EDITORS)
def new():
    form = CompanyForm()
    _fit_form(form, staff=True)
    if request.method == "GET":
        return render_template("companies/form.html", form=form, company=None, staff=True)
    status = 400
    if form.validate():
        try:
            company = services.create_company(db.session, current_user, _company_data(form))
        except DomainError as exc:
            form_error(form, exc)
            status = exc.status_code
        else:
            db.session.commit()
            flash(_("%(name)s was registered. Invite its staff from the company page or the user admin.",
                    name=company.name), "success")
            return redirect(url_for("companies.detail", company_id=company.id))
    return render_template("companies/form.html", form=form, company=None, staff=True), status


# --- qualifications --------------------------------------------------------------------------

@bp.post("/<int:company_id>/qualifications")
@roles_required(*EDIT_ROLES)
def add_qualification(company_id: int):
    company = _company_for_editing(company_id)
    form = QualificationForm()
    if form.validate():
        try:
            services.add_qualification(db.session, current_user, company, kind=form.kind.data,
                                       certificate_no=form.certificate_no.data, obtained_on=form.obtained_on.data,
                                       expires_on=form.expires_on.data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("The qualification was added."), "success")
            return redirect(url_for("companies.detail", company_id=company.id, _anchor="qualifications"))
    return _render_detail(company, qualification_form=form, status=400)


@bp.post("/<int:company_id>/qualifications/<int:qualification_id>/remove")
@roles_required(*EDIT_ROLES)
def remove_qualification(company_id: int, qualification_id: int):
    company = _company_for_editing(company_id)
    qualification = get_or_404(db.session, Qualification, qualification_id)
    if qualification.company_id != company.id:
        abort(404)
    services.remove_qualification(db.session, current_user, qualification)
    db.session.commit()
    flash(_("The qualification was removed."), "success")
    return redirect(url_for("companies.detail", company_id=company.id, _anchor="qualifications"))


# --- agents ----------------------------------------------------------------------------------

def _render_agents(form: AgentForm | None = None, status: int = 200):
    args = request.args
    q = (args.get("q") or "").strip()[:100]
    referred = (sa.select(sa.func.count(Company.id)).where(Company.agent_id == Agent.id)
                .correlate(Agent).scalar_subquery().label("referred"))
    stmt = sa.select(Agent, referred).order_by(Agent.name)
    if q:
        stmt = stmt.where(sa.or_(Agent.name.contains(q, autoescape=True),
                                 Agent.contact_name.contains(q, autoescape=True)))
    shown = args.get("active") or ""
    if shown in ("1", "0"):
        stmt = stmt.where(Agent.active.is_(shown == "1"))
    page = paginate(db.session, stmt, parse_page(args.get("page")), scalars=False)
    can_edit = services.is_staff_editor(current_user)
    if can_edit and form is None:
        form = AgentForm(formdata=None)
    return render_template("companies/agents.html", page=page, q=q, shown=shown, form=form,
                           can_edit=can_edit), status


@bp.get("/agents")
@roles_required(*STAFF_READERS)
def agents():
    return _render_agents()


@bp.post("/agents/new")
@roles_required(*STAFF_EDITORS)
def new_agent():
    form = AgentForm()
    if form.validate():
        try:
            agent = services.create_agent(db.session, current_user, form.data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Agent %(name)s was added.", name=agent.name), "success")
            return redirect(url_for("companies.agents"))
    return _render_agents(form, status=400)


@bp.route("/agents/<int:agent_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF_EDITORS)
def edit_agent(agent_id: int):
    agent = get_or_404(db.session, Agent, agent_id)
    form = AgentForm(obj=agent) if request.method == "GET" else AgentForm()
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate():
            try:
                services.update_agent(db.session, current_user, agent, form.data)
            except DomainError as exc:
                form_error(form, exc)
            else:
                db.session.commit()
                flash(_("Saved."), "success")
                return redirect(url_for("companies.agents"))
    referred = db.session.scalar(sa.select(sa.func.count()).where(Company.agent_id == agent.id))
    return render_template("companies/agent_form.html", form=form, agent=agent, referred=referred), status
