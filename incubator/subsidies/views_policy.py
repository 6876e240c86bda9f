"""Subsidy policies (a change is always a new version with an effective date) and the policy
calculator: what a company, or a made-up tenant, would receive and why."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..companies.models import Company
from ..companies.services import registry_filters
from ..core.errors import DomainError
from ..core.formatting import today
from ..core.forms import form_error
from ..core.permissions import get_or_404, roles_required
from ..core.roles import STAFF_EDITORS, STAFF_READERS, Role
from ..db import db
from ..spaces.models import UnitType
from ..spaces.rules import int_arg, normalize_text
from . import policies, rules
from .facts import hypothetical_facts
from .forms_policy import CalculatorForm, percent_of, policy_form
from .models import SubsidyPolicy, SupportType
from .views import bp


@bp.app_template_filter("subsidy_percent")
def subsidy_percent(rate) -> str:
    """"0.50" → "50%"."""
    return f"{percent_of(rate):f}%"


@bp.app_template_global()
def subsidy_reason(code: str) -> str:
    return str(rules.REASONS.get(code, code))


@bp.app_template_filter()
@bp.app_template_global()
def subsidy_category(code: str) -> str:
    return str(rules.CATEGORY_LABELS.get(code, code))


@bp.app_template_filter()
def subsidy_unit_type(code: str) -> str:
    return UnitType(code).label if code in {t.value for t in UnitType} else code


@bp.app_template_global()
def subsidy_tier(role: str) -> str:
    return Role(role).label if role in rules.ROLES else role


@bp.get("/policies", endpoint="policies")
@roles_required(*STAFF_READERS)
def policy_list():
    day = today()
    rows = policies.policy_overview(db.session, day)
    every = [p for r in rows for p in r.versions]
    return render_template("subsidies/policies/index.html", rows=rows, day=day,
                           authors=policies.authors(db.session, every), usage=policies.usage(db.session),
                           can_edit=current_user.has_role(*STAFF_EDITORS))


def _base_config(support_type: SupportType) -> dict:
    """A new version starts from the one asked for (?from=), else the one in force today, else the
    newest, else the shipped defaults."""
    chosen_id = int_arg(request.args.get("from"))
    chosen = db.session.get(SubsidyPolicy, chosen_id) if chosen_id else None
    if chosen is not None and chosen.support_type_id == support_type.id:
        return chosen.config
    try:
        return policies.policy_in_force(db.session, support_type, today()).config
    except DomainError:
        newest = db.session.scalar(sa.select(SubsidyPolicy).where(SubsidyPolicy.support_type_id == support_type.id)
                                   .order_by(SubsidyPolicy.version.desc()).limit(1))
        if newest is not None:
            return newest.config
    return rules.DEFAULT_RENT_CONFIG if support_type.calculator == "rent" else rules.DEFAULT_DECLARED_CONFIG


def _form_page(support_type: SupportType, form, status: int = 200):
    return render_template("subsidies/policies/form.html", st=support_type, form=form,
                           categories=rules.CATEGORIES), status


@bp.route("/policies/<int:support_type_id>/new", methods=["GET", "POST"])
@roles_required(*STAFF_EDITORS)
def new_policy(support_type_id: int):
    st = get_or_404(db.session, SupportType, support_type_id)
    if request.method == "GET":
        form = policy_form(st.calculator, formdata=None)
        form.fill(_base_config(st))
        form.effective_from.data = today()
        return _form_page(st, form)
    form = policy_form(st.calculator)
    if not form.validate():
        return _form_page(st, form, 400)
    try:
        policy = policies.new_policy_version(db.session, current_user, st, form.config(), form.effective_from.data,
                                             form.note.data)
    except DomainError as exc:
        if exc.status_code != 400:
            raise
        db.session.rollback()
        return _form_page(st, form, form_error(form, exc))
    db.session.commit()
    flash(_("Version %(v)s is saved; it applies to claims computed from %(day)s. Claims computed before keep "
            "the version they used.", v=policy.version, day=policy.effective_from.isoformat()), "success")
    return redirect(url_for("subsidies.policy", policy_id=policy.id), 303)


@bp.get("/policies/version/<int:policy_id>")
@roles_required(*STAFF_READERS)
def policy(policy_id: int):
    p = get_or_404(db.session, SubsidyPolicy, policy_id)
    newer = db.session.scalars(sa.select(SubsidyPolicy.version).where(
        SubsidyPolicy.support_type_id == p.support_type_id, SubsidyPolicy.version > p.version)).all()
    return render_template("subsidies/policies/detail.html", p=p, config=p.config, newer=newer,
                           author=policies.authors(db.session, [p]).get(p.created_by_id),
                           used=policies.usage(db.session, [p.id]).get(p.id, 0), day=today(),
                           can_edit=current_user.has_role(*STAFF_EDITORS))


# --- the calculator ------------------------------------------------------------------------------

def _rent_policies() -> list[SubsidyPolicy]:
    return list(db.session.scalars(sa.select(SubsidyPolicy).join(SupportType)
                                   .where(SupportType.calculator == "rent")
                                   .order_by(SupportType.position, SubsidyPolicy.version.desc())))


def _company_for(staff: bool) -> Company | None:
    """Staff look at the company they chose; a member only ever at their own (another id is a 404)."""
    wanted = int_arg(request.args.get("company"))
    if staff:
        return get_or_404(db.session, Company, wanted) if wanted else None
    if wanted and wanted != current_user.company_id:
        abort(404)
    return db.session.get(Company, current_user.company_id) if current_user.company_id else None


def _matches(q: str) -> list[Company]:
    return list(db.session.scalars(sa.select(Company).where(*registry_filters(q=q))
                                   .order_by(Company.name, Company.id).limit(20))) if q else []


@bp.get("/calculator")
@roles_required(*STAFF_READERS, Role.COMPANY)
def calculator():
    staff = current_user.has_role(*STAFF_READERS)
    day = today()
    start, end = CalculatorForm.default_period(day)
    args = request.args
    form = CalculatorForm(args, start=start, end=end)
    company = _company_for(staff)
    q = normalize_text(args.get("q"))[:60] if staff else ""
    versions = _rent_policies()
    chosen = next((p for p in versions if p.id == int_arg(args.get("policy"))), None)
    in_force = next((p for p in versions if p.effective_from <= day), None)
    policy = chosen or in_force
    context = {"form": form, "staff": staff, "company": company, "q": q, "matches": _matches(q), "versions": versions,
               "policy": policy, "in_force": in_force, "calc": None, "tier": None}
    submitted = any(name in args for name in form._fields)
    wants = form.mode.data == "figures" or (form.mode.data == "company" and company is not None)
    if (submitted or wants) and not form.validate():
        return render_template("subsidies/calculator.html", **context), 400
    if not wants or policy is None:
        return render_template("subsidies/calculator.html", **context)
    if form.mode.data == "figures":
        facts = hypothetical_facts(tenancy_start=form.tenancy_start.data, area=form.area.data,
                                   unit_price=form.unit_price.data, unit_type=form.unit_type.data,
                                   category=form.category.data, period_start=form.start.data,
                                   period_end=form.end.data, paid=form.paid.data == "1")
        calc = rules.compute_rent(policy.config, facts, form.start.data, form.end.data, policy_id=policy.id,
                                  policy_version=policy.version)
    else:
        calc = policies.compute(db.session, company, policy, form.start.data, form.end.data, day=day)
    context.update(calc=calc.to_json(), tier=rules.required_role(policy.config, calc.total))
    return render_template("subsidies/calculator.html", **context)
