"""HQ budget pages: the year's overview (pools × categories against their budgets, and the special
fund from the funds module), the budget setting page, the expense request list with its Excel
export, the request form and the request page with the steps the reader's roles allow."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from ..core.errors import DomainError
from ..core.excel import send_export
from ..core.formatting import format_money, today
from ..core.forms import form_error
from ..core.pagination import paginate, parse_page
from ..core.permissions import get_or_404, has_any_role, roles_required
from ..core.roles import STAFF_EDITORS, STAFF_READERS
from ..db import db
from ..spaces.rules import int_arg, normalize_text
from ..spaces.services import named_history
from . import deliberation, exports, rules, services, tasks
from .forms import (
    CommentForm,
    DecideForm,
    PayForm,
    RequestForm,
    SubmitForm,
    budget_form,
    budget_years,
    request_years,
)
from .models import BudgetCategory, ExpenseRequest, PoolKind
from .models import RequestState as S
from .workflow import ACTION_LABELS, APPROVERS, PAYERS, REQUESTERS, TIER_LABELS

bp = Blueprint("budget", __name__, url_prefix="/budget")


@bp.app_template_filter("expense_action")
def expense_action(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def _locale() -> str:
    return str(get_locale())


def _year(raw) -> int:
    year = int_arg(raw)
    return year if year and rules.FIRST_YEAR <= year <= rules.LAST_YEAR else today().year


# --- the overview and the yearly budget ------------------------------------------------------------------

@bp.get("/")
@roles_required(*STAFF_READERS)
def index():
    year = _year(request.args.get("year"))
    overview = services.year_overview(db.session, year)
    policy = services.current_policy(db.session)
    return render_template("budget/index.html", o=overview, year=year, years=budget_years(), policy=policy,
                           tier_labels=TIER_LABELS, locale=_locale(),
                           can_edit=has_any_role(current_user, STAFF_EDITORS),
                           can_request=has_any_role(current_user, REQUESTERS))


@bp.route("/<int:year>/edit", methods=["GET", "POST"])
@roles_required(*STAFF_EDITORS)
def edit_budget(year: int):
    """One amount per category for the year; a year without a budget starts from last year's."""
    if not rules.year_allowed(year, today().year):
        abort(404)
    rows = services.year_lines(db.session, year)
    used = [c for c, _line in rows]
    lines = {c.id: line for c, line in rows}
    previous = {c.id: line for c, line in services.year_lines(db.session, year - 1)}
    from_last_year = not any(lines.values())
    if request.method == "GET":
        source = previous if from_last_year else lines
        form = budget_form(used, {f"cat_{c.id}": source[c.id].budget if source.get(c.id) else rules.ZERO
                                  for c in used})
    else:
        form = budget_form(used)
    for c in used:
        form[f"cat_{c.id}"].label.text = c.label(_locale())
    status = 200
    if request.method == "POST":
        if form.validate():
            try:
                for c in used:
                    services.set_budget(db.session, current_user, year, c, form[f"cat_{c.id}"].data,
                                        note=form.note.data)
            except DomainError as exc:
                db.session.rollback()
                status = form_error(form, exc)
            else:
                db.session.commit()
                flash(_("The %(year)s budget was saved.", year=year), "success")
                return redirect(url_for("budget.index", year=year), 303)
        else:
            status = 400
    policy = services.current_policy(db.session)
    return render_template("budget/edit.html", form=form, year=year, rows=rows, previous=previous,
                           from_last_year=from_last_year, pools=list(PoolKind), locale=_locale(),
                           reference=policy.config.get("reference_budgets", {})), status


# --- the request list ------------------------------------------------------------------------------------------

QUEUES = ("lead", "deputy", "commander")  # the inbox's "to approve" tasks, one per tier


def _filters(args) -> dict:
    year = int_arg(args.get("year"))
    queue = args.get("queue") if args.get("queue") in QUEUES else None
    return {"q": normalize_text(args.get("q"))[:60], "state": S.from_arg(args.get("state")),
            "year": year if year and rules.FIRST_YEAR <= year <= rules.LAST_YEAR else None,
            "pool": PoolKind.from_arg(args.get("pool")), "category": int_arg(args.get("category")),
            "tier": args.get("tier") if args.get("tier") in TIER_LABELS else None, "queue": queue,
            "mine": args.get("mine") == "1"}


def _conditions(f: dict) -> list:
    """Every filter but the state (the state pills count across the others)."""
    conditions = []
    if f["q"]:
        like = f"%{f['q']}%"
        conditions.append(sa.or_(ExpenseRequest.number.ilike(like), ExpenseRequest.title.ilike(like),
                                 ExpenseRequest.payee.ilike(like)))
    if f["year"]:
        conditions.append(ExpenseRequest.year == f["year"])
    if f["pool"]:
        conditions.append(ExpenseRequest.category_id.in_(sa.select(BudgetCategory.id)
                                                         .where(BudgetCategory.pool == f["pool"])))
    if f["category"]:
        conditions.append(ExpenseRequest.category_id == f["category"])
    if f["tier"]:
        conditions.append(ExpenseRequest.tier == f["tier"])
    if f["mine"]:
        conditions.append(ExpenseRequest.requested_by_id == current_user.id)
    if f["queue"]:
        tier = f["queue"]
        ids = tasks.to_approve(db.session, current_user, tier) if current_user.has_role(tasks.TIER_ROLE[tier]) else []
        conditions.append(ExpenseRequest.id.in_(ids))
    return conditions


def _query(f: dict) -> sa.Select:
    stmt = sa.select(ExpenseRequest).where(*_conditions(f)).order_by(ExpenseRequest.id.desc())
    if f["state"]:
        stmt = stmt.where(ExpenseRequest.state == f["state"])
    return stmt


@bp.get("/requests")
@roles_required(*STAFF_READERS)
def requests():
    f = _filters(request.args)
    counts = dict(db.session.execute(sa.select(ExpenseRequest.state, sa.func.count()).where(*_conditions(f))
                                     .group_by(ExpenseRequest.state)).all())
    page = paginate(db.session, _query(f), parse_page(request.args.get("page")))
    years = list(db.session.scalars(sa.select(ExpenseRequest.year).distinct().order_by(ExpenseRequest.year.desc())))
    return render_template("budget/requests.html", page=page, f=f, counts=counts, total=sum(counts.values()),
                           pill_args={k: v for k, v in request.args.items() if k not in ("page", "state")},
                           states=list(S), pools=list(PoolKind), categories=services.categories(db.session, False),
                           years=years, tier_labels=TIER_LABELS, locale=_locale(),
                           can_request=has_any_role(current_user, REQUESTERS))


@bp.get("/requests/export.xlsx")
@roles_required(*STAFF_READERS)
def export():
    """The list as a workbook, with its filters and order."""
    f = _filters(request.args)
    stmt = _query(f).options(selectinload(ExpenseRequest.decided_by))
    return send_export(db.session, current_user, "expense_requests", stmt,
                       lambda rows: exports.requests_workbook(rows, f["year"]), filename="经费支出申请", filters=f,
                       back=url_for("budget.requests", **request.args.to_dict()))


# --- the request form -------------------------------------------------------------------------------------------

def _category_choices(locale: str) -> list[tuple[int, str]]:
    return [(0, "—")] + [(c.id, f"{c.pool.label} · {c.label(locale)}") for c in services.categories(db.session)]


def _form_page(form: RequestForm, req: ExpenseRequest | None, status: int = 200):
    policy = services.current_policy(db.session)
    return render_template("budget/request_form.html", form=form, req=req, tiers=policy.config["approval_tiers"],
                           tier_labels=TIER_LABELS), status


def _prepare(form: RequestForm) -> RequestForm:
    form.year.choices = [(y, str(y)) for y in request_years()]
    form.category_id.choices = _category_choices(_locale())
    return form


@bp.route("/requests/new", methods=["GET", "POST"])
@roles_required(*REQUESTERS)
def new_request():
    form = _prepare(RequestForm(formdata=None) if request.method == "GET" else RequestForm())
    if request.method == "GET":
        form.year.data = today().year
        form.category_id.data = int_arg(request.args.get("category")) or 0
        return _form_page(form, None)
    if not form.validate():
        return _form_page(form, None, 400)
    try:
        req = services.create_request(db.session, current_user, **form.values())
    except DomainError as exc:
        db.session.rollback()
        return _form_page(form, None, form_error(form, exc))
    db.session.commit()
    flash(_("Expense request %(number)s was saved as a draft. Check it and submit it.", number=req.number), "success")
    return redirect(url_for("budget.request", request_id=req.id), 303)


@bp.route("/requests/<int:request_id>/edit", methods=["GET", "POST"])
@roles_required(*REQUESTERS)
def edit_request(request_id: int):
    req = get_or_404(db.session, ExpenseRequest, request_id)
    if "edit" not in services.actions_for(db.session, current_user, req):
        abort(403)
    form = _prepare(RequestForm(formdata=None, obj=req) if request.method == "GET" else RequestForm())
    if request.method == "GET":
        return _form_page(form, req)
    if not form.validate():
        return _form_page(form, req, 400)
    try:
        services.update_request(db.session, current_user, req, **form.values())
    except DomainError as exc:
        db.session.rollback()
        return _form_page(form, req, form_error(form, exc))
    db.session.commit()
    flash(_("The changes to %(number)s were saved.", number=req.number), "success")
    return redirect(url_for("budget.request", request_id=req.id), 303)


# --- the request page and its steps ------------------------------------------------------------------------------

def render_request(req: ExpenseRequest, status: int = 200, **forms):
    actions = services.actions_for(db.session, current_user, req)
    if {"submit", "resubmit"} & set(actions):
        forms.setdefault("submit_form", SubmitForm(formdata=None))
    if any(a.startswith("approve_") or a in ("return", "reject") for a in actions):
        forms.setdefault("decide_form", DecideForm(formdata=None))
    if "pay" in actions:
        forms.setdefault("pay_form", PayForm(formdata=None, paid_on=today()))
    forms.setdefault("comment_form", CommentForm(formdata=None))
    line = services.line_for(db.session, req.year, req.category_id)
    meeting = deliberation.status(db.session, deliberation.KIND, req.id, req.tier, req.amount)
    return render_template(
        "budget/request.html", req=req, actions=actions, line=line, tier_labels=TIER_LABELS, locale=_locale(),
        events=named_history(db.session, "expense_request", req.id), is_requester=services.is_requester(current_user, req),
        meeting=meeting, **forms), status


@bp.get("/requests/<int:request_id>", endpoint="request")
@roles_required(*STAFF_READERS)
def request_page(request_id: int):
    return render_request(get_or_404(db.session, ExpenseRequest, request_id))


def done(req: ExpenseRequest, message: str):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("budget.request", request_id=req.id), 303)


@bp.post("/requests/<int:request_id>/submit")
@roles_required(*REQUESTERS)
def submit(request_id: int):
    req = get_or_404(db.session, ExpenseRequest, request_id)
    form = SubmitForm()
    if not form.validate():
        return render_request(req, 400, submit_form=form)
    services.submit(db.session, current_user, req, form.comment.data)
    if rules.deliberated(req.tier):
        message = _("%(number)s was submitted. At the %(tier)s tier it is approved after the meeting agrees to it.",
                    number=req.number, tier=TIER_LABELS[req.tier])
    else:
        message = _("%(number)s was submitted to the work-group lead.", number=req.number)
    return done(req, message)


@bp.post("/requests/<int:request_id>/decide")
@roles_required(*APPROVERS)
def decide(request_id: int):
    req = get_or_404(db.session, ExpenseRequest, request_id)
    form = DecideForm()
    if not form.validate():
        return render_request(req, 400, decide_form=form)
    decision = form.decision.data
    try:
        if decision == "approve":
            services.approve(db.session, current_user, req, form.comment.data)
        elif decision == "return":
            services.return_request(db.session, current_user, req, form.comment.data)
        else:
            services.reject(db.session, current_user, req, form.comment.data)
    except DomainError as exc:
        if exc.status_code not in (400, 409):
            raise
        db.session.rollback()
        return render_request(req, form_error(form, exc), decide_form=form)
    messages = {"approve": _("%(number)s is approved; %(amount)s is committed on its budget line.",
                             number=req.number, amount=format_money(req.amount)),
                "return": _("%(number)s went back to the requester for correction.", number=req.number),
                "reject": _("%(number)s is rejected.", number=req.number)}
    return done(req, messages[decision])


@bp.post("/requests/<int:request_id>/pay")
@roles_required(*PAYERS)
def pay(request_id: int):
    req = get_or_404(db.session, ExpenseRequest, request_id)
    form = PayForm()
    if not form.validate():
        return render_request(req, 400, pay_form=form)
    try:
        services.pay(db.session, current_user, req, reference=form.reference.data, paid_on=form.paid_on.data)
    except DomainError as exc:
        if exc.status_code not in (400, 409):
            raise
        db.session.rollback()
        return render_request(req, form_error(form, exc), pay_form=form)
    return done(req, _("The payment of %(number)s was recorded.", number=req.number))


@bp.post("/requests/<int:request_id>/withdraw")
@roles_required(*REQUESTERS)
def withdraw(request_id: int):
    req = get_or_404(db.session, ExpenseRequest, request_id)
    form = CommentForm()
    if not form.validate():
        return render_request(req, 400, comment_form=form)
    services.withdraw(db.session, current_user, req, form.comment.data)
    return done(req, _("%(number)s was withdrawn.", number=req.number))


@bp.post("/requests/<int:request_id>/cancel")
@roles_required(*PAYERS)
def cancel(request_id: int):
    req = get_or_404(db.session, ExpenseRequest, request_id)
    form = CommentForm()
    if not form.validate():
        return render_request(req, 400, comment_form=form)
    services.cancel(db.session, current_user, req, form.comment.data)
    return done(req, _("%(number)s was cancelled; its money is back on the budget line.", number=req.number))

