"""Fund pages (staff): programmes and pools with their totals, a pool's ledger, new programmes
and pools, a programme's rules and top-ups."""
from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from ..accounts.models import User
from ..core.errors import DomainError
from ..core.excel import send_export
from ..core.formatting import format_money, today
from ..core.forms import form_error
from ..core.pagination import paginate, parse_page
from ..core.permissions import get_or_404, has_any_role, roles_required
from ..core.roles import STAFF_EDITORS, STAFF_READERS
from ..db import db
from ..spaces.rules import int_arg
from ..subsidies.models import ClawbackRepayment, SubsidyBatch, SubsidyClaim
from . import exports, rules, services, tasks  # noqa: F401 - tasks registers the inbox provider
from .forms import AllocateForm, ConfigForm, PoolForm, ProgramForm
from .models import FundEntry, FundEntryKind, FundPool, FundProgram, FundSource

bp = Blueprint("funds", __name__, url_prefix="/funds")


@bp.get("/")
@roles_required(*STAFF_READERS)
def index():
    programs = db.session.scalars(sa.select(FundProgram).options(selectinload(FundProgram.pools))
                                  .order_by(FundProgram.id)).all()
    return render_template("funds/index.html", summaries=[services.program_summary(db.session, p) for p in programs],
                           can_edit=has_any_role(current_user, STAFF_EDITORS))


def _links(entries: list[FundEntry]) -> dict[int, tuple[str, str]]:
    """entry id → (url, label) of the claim or clawback it moved money for; two queries per page."""
    claim_ids = {e.object_id for e in entries if e.object_type == services.CLAIM}
    repayment_ids = {e.object_id for e in entries if e.object_type == services.REPAYMENT}
    claims = dict(db.session.execute(sa.select(SubsidyClaim.id, SubsidyClaim.number)
                                     .where(SubsidyClaim.id.in_(claim_ids))).all()) if claim_ids else {}
    repayments = {r.id: r.clawback for r in db.session.scalars(
        sa.select(ClawbackRepayment).where(ClawbackRepayment.id.in_(repayment_ids))
        .options(selectinload(ClawbackRepayment.clawback)))} if repayment_ids else {}
    links = {}
    for e in entries:
        if e.object_type == services.CLAIM and e.object_id in claims:
            links[e.id] = (url_for("subsidies.claim", claim_id=e.object_id), claims[e.object_id])
        elif e.object_type == services.REPAYMENT and e.object_id in repayments:
            clawback = repayments[e.object_id]
            links[e.id] = (url_for("subsidies.clawback", clawback_id=clawback.id), clawback.number)
    return links


def _entry_filters(args) -> dict:
    return {"kind": FundEntryKind.from_arg(args.get("kind"))}


def _entries(pool: FundPool, f: dict) -> sa.Select:
    """The pool's ledger, (entry, who) newest first, of one movement if chosen: the page and its export."""
    stmt = (sa.select(FundEntry, User.display_name).outerjoin(User, User.id == FundEntry.actor_id)
            .where(FundEntry.pool_id == pool.id).order_by(FundEntry.at.desc(), FundEntry.id.desc()))
    if f["kind"]:
        stmt = stmt.where(FundEntry.kind == f["kind"])
    return stmt


def _render_pool(pool: FundPool, allocate_form: AllocateForm | None = None, status: int = 200):
    f = _entry_filters(request.args)
    kind = f["kind"]
    page = paginate(db.session, _entries(pool, f), parse_page(request.args.get("page")), scalars=False)
    counts = dict(db.session.execute(sa.select(FundEntry.kind, sa.func.count()).where(FundEntry.pool_id == pool.id)
                                     .group_by(FundEntry.kind)).all())
    batches = db.session.scalars(sa.select(SubsidyBatch).where(SubsidyBatch.fund_pool_id == pool.id)
                                 .order_by(SubsidyBatch.id.desc())).all()
    can_edit = has_any_role(current_user, STAFF_EDITORS)
    if can_edit and allocate_form is None:
        allocate_form = AllocateForm(formdata=None)
    return render_template("funds/pool.html", pool=pool, totals=services.pool_totals(pool), page=page, kind=kind,
                           kinds=list(FundEntryKind), counts=counts, links=_links([e for e, _who in page.items]),
                           batches=batches, allocate_form=allocate_form, can_edit=can_edit), status


@bp.get("/pools/<int:pool_id>")
@roles_required(*STAFF_READERS)
def pool(pool_id: int):
    return _render_pool(get_or_404(db.session, FundPool, pool_id))


@bp.get("/pools/<int:pool_id>/export.xlsx")
@roles_required(*STAFF_READERS)
def pool_export(pool_id: int):
    target = get_or_404(db.session, FundPool, pool_id)
    f = _entry_filters(request.args)

    def build(rows):
        documents = {entry_id: label for entry_id, (_url, label) in _links([e for e, _who in rows]).items()}
        return exports.entries_workbook(target, rows, documents)

    return send_export(db.session, current_user, "fund_entries", _entries(target, f), build,
                       filename=f"资金流水-{target.name}", filters={**f, "pool": target.name}, obj=target,
                       back=url_for("funds.pool", pool_id=target.id, **request.args.to_dict()), scalars=False)


@bp.post("/pools/<int:pool_id>/allocate")
@roles_required(*STAFF_EDITORS)
def allocate(pool_id: int):
    target = get_or_404(db.session, FundPool, pool_id)
    form = AllocateForm()
    if not form.validate():
        return _render_pool(target, form, 400)
    try:
        services.allocate(db.session, current_user, target, form.amount.data, note=form.note.data)
    except DomainError as exc:
        db.session.rollback()
        return _render_pool(target, form, form_error(form, exc))
    db.session.commit()
    flash(_("%(amount)s was added to %(pool)s.", amount=format_money(form.amount.data), pool=target.name), "success")
    return redirect(url_for("funds.pool", pool_id=target.id), 303)


def _form_data(config: dict) -> dict:
    return {"phase_cap": Decimal(str(config["phase_cap"])), "max_city_phases": config["max_city_phases"],
            "matching_ratio": Decimal(str(config["matching_ratio"]))}


@bp.route("/programs/new", methods=["GET", "POST"])
@roles_required(*STAFF_EDITORS)
def new_program():
    form = ProgramForm(data=None if request.method == "POST" else _form_data(rules.DEFAULT_PROGRAM_CONFIG))
    status = 200
    if form.validate_on_submit():
        try:
            program = services.create_program(db.session, current_user, form.name.data, form.config(),
                                              note=form.note.data)
        except DomainError as exc:
            db.session.rollback()
            status = form_error(form, exc)
        else:
            db.session.commit()
            flash(_("The fund programme %(name)s was created. Now open its pools.", name=program.name), "success")
            return redirect(url_for("funds.new_pool", program_id=program.id), 303)
    elif form.errors:
        status = 400
    return render_template("funds/program_form.html", form=form, program=None), status


@bp.route("/programs/<int:program_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF_EDITORS)
def edit_program(program_id: int):
    program = get_or_404(db.session, FundProgram, program_id)
    form = ConfigForm(data=None if request.method == "POST" else {**_form_data(program.config), "note": program.note})
    status = 200
    if form.validate_on_submit():
        try:
            services.change_config(db.session, current_user, program, form.config(), note=form.note.data)
        except DomainError as exc:
            db.session.rollback()
            status = form_error(form, exc)
        else:
            db.session.commit()
            flash(_("The rules of %(name)s were saved.", name=program.name), "success")
            return redirect(url_for("funds.index"), 303)
    elif form.errors:
        status = 400
    return render_template("funds/program_form.html", form=form, program=program), status


def _next_phase(program: FundProgram | None, source: str) -> int:
    taken = [p.phase for p in program.pools if p.source == source] if program else []
    return max(taken, default=0) + 1


@bp.route("/pools/new", methods=["GET", "POST"])
@roles_required(*STAFF_EDITORS)
def new_pool():
    programs = db.session.scalars(sa.select(FundProgram).order_by(FundProgram.id)).all()
    if request.method == "GET":
        chosen = next((p for p in programs if p.id == int_arg(request.args.get("program_id"))),
                      programs[0] if programs else None)
        source = FundSource.from_arg(request.args.get("source")) or FundSource.CITY
        form = PoolForm(formdata=None, program_id=chosen.id if chosen else 0, source=source.value,
                        phase=_next_phase(chosen, source), opened_on=today())
    else:
        form = PoolForm()
    form.program_id.choices = [(p.id, p.name) for p in programs]
    status = 200
    if form.validate_on_submit():
        program = db.session.get(FundProgram, form.program_id.data)
        try:
            created = services.open_pool(db.session, current_user, program, form.source.data, form.phase.data,
                                         form.name.data, form.allocated.data, form.opened_on.data, note=form.note.data)
        except DomainError as exc:
            db.session.rollback()
            status = form_error(form, exc)
        else:
            db.session.commit()
            flash(_("The pool %(name)s was opened with %(amount)s.", name=created.name,
                    amount=format_money(created.allocated)), "success")
            return redirect(url_for("funds.pool", pool_id=created.id), 303)
    elif form.errors:
        status = 400
    return render_template("funds/pool_form.html", form=form, programs=programs), status
