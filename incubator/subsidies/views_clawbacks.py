"""Clawback pages: the staff list, a clawback's page (staff and the company's own members), a
new clawback with a preview of its basis, repayments and the commander's waiver."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import lazyload

from ..accounts.models import User
from ..companies.models import Company
from ..core.errors import DomainError
from ..core.excel import send_export
from ..core.formatting import format_money, today
from ..core.forms import form_error
from ..core.pagination import paginate, parse_page
from ..core.permissions import get_or_404, has_any_role, roles_required
from ..core.roles import STAFF_EDITORS, STAFF_READERS, Role
from ..db import db
from ..funds.models import FundPool
from ..spaces.rules import int_arg, normalize_text
from ..spaces.services import named_history
from . import clawbacks, exports
from .forms_clawbacks import ClawbackForm, RepaymentForm, WaiveForm
from .models import Clawback, ClawbackReason, ClawbackState
from .views import bp


def _filters(args) -> dict:
    return {"q": normalize_text(args.get("q"))[:60], "state": ClawbackState.from_arg(args.get("state")),
            "reason": ClawbackReason.from_arg(args.get("reason"))}


def _conditions(f: dict) -> list:
    conditions = []
    if f["q"]:
        like = f"%{f['q']}%"
        companies = sa.select(Company.id).where(sa.or_(Company.name.ilike(like), Company.credit_code.ilike(like)))
        conditions.append(sa.or_(Clawback.number.ilike(like), Clawback.company_id.in_(companies)))
    if f["reason"]:
        conditions.append(Clawback.reason == f["reason"])
    return conditions


def _query(f: dict) -> sa.Select:
    """The list's rows (every filter, the state too), newest first: the page and its export."""
    stmt = sa.select(Clawback).where(*_conditions(f)).order_by(Clawback.id.desc())
    if f["state"]:
        stmt = stmt.where(Clawback.state == f["state"])
    return stmt


@bp.get("/clawbacks", endpoint="clawbacks")
@roles_required(*STAFF_READERS)
def clawback_list():
    f = _filters(request.args)
    conditions = _conditions(f)
    counts = dict(db.session.execute(sa.select(Clawback.state, sa.func.count()).where(*conditions)
                                     .group_by(Clawback.state)).all())
    outstanding, claimed = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(Clawback.amount - Clawback.repaid), 0),
                  sa.func.coalesce(sa.func.sum(Clawback.amount), 0))
        .where(*conditions, Clawback.state.in_(clawbacks.OPEN_STATES))).one()
    page = paginate(db.session, _query(f), parse_page(request.args.get("page")))
    pill_args = {k: v for k, v in request.args.items() if k not in ("page", "state")}
    return render_template("subsidies/clawbacks/index.html", page=page, f=f, counts=counts,
                           total=sum(counts.values()), pill_args=pill_args, states=list(ClawbackState),
                           reasons=list(ClawbackReason), outstanding=outstanding, claimed=claimed,
                           today=today(), can_create=has_any_role(current_user, STAFF_EDITORS))


@bp.get("/clawbacks/export.xlsx")
@roles_required(*STAFF_READERS)
def clawbacks_export():
    f = _filters(request.args)
    day = today()
    return send_export(db.session, current_user, "clawbacks", _query(f).options(lazyload(Clawback.repayments)),
                       lambda rows: exports.clawbacks_workbook(rows, day), filename="补贴追回", filters=f,
                       back=url_for("subsidies.clawbacks", **request.args.to_dict()))


def _render(clawback: Clawback, status: int = 200, repay_form=None, waive_form=None):
    staff = current_user.is_staff_reader
    actions = clawbacks.actions_for(db.session, current_user, clawback)
    if "repay" in actions and repay_form is None:
        repay_form = RepaymentForm(formdata=None, paid_on=today())
    if "waive" in actions and waive_form is None:
        waive_form = WaiveForm(formdata=None)
    pools = dict(db.session.execute(sa.select(FundPool.id, FundPool.name).where(
        FundPool.id.in_({r.fund_pool_id for r in clawback.repayments}))).all()) if clawback.repayments else {}
    creator = db.session.get(User, clawback.created_by_id) if clawback.created_by_id else None
    return render_template(
        "subsidies/clawbacks/detail.html", clawback=clawback, staff=staff, actions=actions, pools=pools,
        repay_form=repay_form, waive_form=waive_form, creator=creator, today=today(),
        excluded_why=clawbacks.EXCLUDED_WHY, action_labels=clawbacks.ACTION_LABELS, states=ClawbackState,
        events=named_history(db.session, clawbacks.CLAWBACK_FLOW.name, clawback.id, company_view=not staff)), status


def _load(clawback_id: int) -> Clawback:
    clawback = get_or_404(db.session, Clawback, clawback_id)
    if not current_user.is_staff_reader and current_user.company_id != clawback.company_id:
        abort(404)  # another company's clawback: do not even confirm it exists
    return clawback


@bp.get("/clawbacks/<int:clawback_id>")
@roles_required(*STAFF_READERS, Role.COMPANY)
def clawback(clawback_id: int):
    return _render(_load(clawback_id))


def _new_form(formdata, **kw) -> ClawbackForm:
    form = ClawbackForm(formdata=formdata, **kw)
    form.company_id.choices = [(0, "—"), *clawbacks.companies_with_paid_claims(db.session)]
    return form


@bp.route("/clawbacks/new", methods=["GET", "POST"])
@roles_required(*STAFF_EDITORS)
def new_clawback():
    """GET with company and date previews the amount and its basis; POST records it."""
    status, basis, company = 200, None, None
    preview = request.method == "GET" and "trigger_on" in request.args
    if request.method == "POST":
        form = _new_form(request.form)
    elif preview:
        form = _new_form(request.args, meta={"csrf": False})
    else:  # first visit, perhaps from a link naming the company
        form = _new_form(None, trigger_on=today())
        chosen = int_arg(request.args.get("company_id"))
        if chosen in {c for c, _name in form.company_id.choices[1:]}:
            form.company_id.data = chosen
    if (request.method == "POST" or preview) and not form.validate():
        status = 400
    # the preview needs only the company, reason and date; a bad deadline or note still shows it
    if form.company_id.data and form.trigger_on.data and not (
            form.company_id.errors or form.reason.errors or form.trigger_on.errors):
        company = db.session.get(Company, form.company_id.data)
        basis = clawbacks.compute_clawback(db.session, company, form.trigger_on.data, form.reason.data)
        if request.method == "POST" and status == 200:
            try:
                created = clawbacks.create_clawback(db.session, current_user, company, form.reason.data,
                                                    form.trigger_on.data, due_on=form.due_on.data, note=form.note.data)
            except DomainError as exc:
                db.session.rollback()
                status = form_error(form, exc)
            else:
                db.session.commit()
                flash(_("Clawback %(number)s of %(amount)s was recorded.", number=created.number,
                        amount=format_money(created.amount)), "success")
                return redirect(url_for("subsidies.clawback", clawback_id=created.id), 303)
    return render_template("subsidies/clawbacks/new.html", form=form, basis=basis, company=company,
                           excluded_why=clawbacks.EXCLUDED_WHY), status


@bp.post("/clawbacks/<int:clawback_id>/repay")
@roles_required(*STAFF_EDITORS)
def repay_clawback(clawback_id: int):
    clawback = _load(clawback_id)
    form = RepaymentForm()
    if not form.validate():
        return _render(clawback, 400, repay_form=form)
    try:
        clawbacks.record_repayment(db.session, current_user, clawback, form.amount.data, form.paid_on.data,
                                   form.reference.data)
    except DomainError as exc:
        db.session.rollback()
        if exc.status_code not in (400, 409):
            raise
        return _render(clawback, form_error(form, exc), repay_form=form)
    db.session.commit()
    flash(_("The repayment of %(amount)s was recorded and returned to the fund pool.",
            amount=format_money(form.amount.data)), "success")
    return redirect(url_for("subsidies.clawback", clawback_id=clawback.id), 303)


@bp.post("/clawbacks/<int:clawback_id>/waive")
@roles_required(Role.COMMANDER)
def waive_clawback(clawback_id: int):
    clawback = _load(clawback_id)
    form = WaiveForm()
    if not form.validate():
        return _render(clawback, 400, waive_form=form)
    clawbacks.waive(db.session, current_user, clawback, form.reason.data)
    db.session.commit()
    flash(_("Clawback %(number)s was waived.", number=clawback.number), "success")
    return redirect(url_for("subsidies.clawback", clawback_id=clawback.id), 303)
