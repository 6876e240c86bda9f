"""Lease pages: the staff list, a lease's page with its rent ledger (staff or the company's own
members), a new lease, the sign / renew / end / terminate / cancel actions, charges and
payments, and the staff list of rent arrears."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..companies.models import Company
from ..core.errors import DomainError
from ..core.excel import send_export
from ..core.formatting import format_money, today
from ..core.forms import form_error
from ..core.pagination import paginate, parse_page
from ..core.permissions import MAX_ID, get_or_404, has_any_role, roles_required
from ..core.roles import STAFF_EDITORS, STAFF_READERS, Role
from ..db import db
from ..spaces.models import Unit, UnitType
from ..spaces.rules import int_arg, normalize_text
from ..spaces.services import carriers, named_history
from . import exports, ledger, services
from .forms import LeaseForm, PaymentForm, RenewForm
from .models import Lease, LeaseState, RentCharge
from .rules import add_years
from .workflow import ACTION_LABELS

bp = Blueprint("leases", __name__, url_prefix="/leases")


@bp.get("/")
@roles_required(*STAFF_READERS)
def index():
    filters = services.LeaseFilters.from_args(request.args)
    page = paginate(db.session, services.lease_query(filters), parse_page(request.args.get("page")))
    return render_template("leases/index.html", page=page, filters=filters, carriers=carriers(db.session),
                           LeaseState=LeaseState, can_edit=has_any_role(current_user, STAFF_EDITORS))


@bp.get("/export.xlsx")
@roles_required(*STAFF_READERS)
def export():
    filters = services.LeaseFilters.from_args(request.args)
    return send_export(db.session, current_user, "leases", services.lease_query(filters), exports.leases_workbook,
                       filename="租约", filters=filters, back=url_for("leases.index", **request.args.to_dict()))


@bp.get("/<int:lease_id>")
@roles_required(*STAFF_READERS, Role.COMPANY)
def detail(lease_id: int):
    lease = get_or_404(db.session, Lease, lease_id)
    staff = current_user.is_staff_reader
    if not staff and current_user.company_id != lease.company_id:
        abort(404)  # another company's lease: do not even confirm it exists
    day = today()
    can_bill = staff and has_any_role(current_user, STAFF_EDITORS) and lease.state in ledger.BILLED \
        and lease.signed_on is not None
    renew_form = RenewForm(formdata=None, new_end_on=add_years(lease.end_on, 1))
    return render_template("leases/detail.html", lease=lease, staff=staff,
                           events=named_history(db.session, "lease", lease.id, company_view=not staff),
                           actions=services.actions_for(db.session, current_user, lease) if staff else [],
                           action_labels=ACTION_LABELS, states=LeaseState, day=day,
                           charges=ledger.lease_charges(db.session, lease.id), charge_state=ledger.charge_state,
                           summary=ledger.ledger_summary(db.session, day, lease_id=lease.id), can_bill=can_bill,
                           renew_form=renew_form)


@bp.get("/arrears")
@roles_required(*STAFF_READERS)
def arrears():
    day = today()
    filters = ledger.ArrearsFilters.from_args(request.args)
    page = paginate(db.session, ledger.arrears_query(filters, day), parse_page(request.args.get("page")),
                    scalars=False)
    return render_template("leases/arrears.html", page=page, filters=filters, day=day, carriers=carriers(db.session),
                           totals=ledger.arrears_totals(db.session, filters, day),
                           leases=ledger.arrears_leases(db.session, filters, day, [r.id for r in page.items]))


@bp.get("/arrears/export.xlsx")
@roles_required(*STAFF_READERS)
def arrears_export():
    day = today()
    filters = ledger.ArrearsFilters.from_args(request.args)
    return send_export(db.session, current_user, "arrears", ledger.arrears_query(filters, day),
                       lambda rows: exports.arrears_workbook(db.session, rows, filters, day), filename="租金欠缴",
                       filters=filters, back=url_for("leases.arrears", **request.args.to_dict()), scalars=False)


@bp.app_template_global("rent_arrears")
def rent_arrears(company_id: int):
    """What a company owes in overdue rent today (the company page shows it)."""
    return ledger.overdue_total(db.session, company_id, today())


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*STAFF_EDITORS)
def new():
    form = LeaseForm()
    form.company_id.choices = [(0, "—")] + services.leasable_companies(db.session)
    if request.method == "GET":
        form.company_id.data = int_arg(request.args.get("company_id")) or 0
        form.start_on.data = today()
    unit_type = request.args.get("type")
    unit_type = UnitType(unit_type) if unit_type in {t.value for t in UnitType} else None
    carrier_id = int_arg(request.args.get("carrier"))
    q = normalize_text(request.args.get("q"))[:40]
    status = 200
    if form.validate_on_submit():
        ids = [i for i in form.unit_ids.data if 0 < i <= MAX_ID]
        units = db.session.scalars(sa.select(Unit).where(Unit.id.in_(ids))).all()
        try:
            lease = services.create_lease(
                db.session, current_user, db.session.get(Company, form.company_id.data), units,
                start_on=form.start_on.data, end_on=form.end_on.data, rent_per_m2=form.rent_per_m2.data,
                property_fee_per_m2=form.property_fee_per_m2.data or 0, deposit=form.deposit.data or 0,
                billing_cycle=form.billing_cycle.data, note=form.note.data,
                lease_then_transfer=form.lease_then_transfer.data)
        except DomainError as exc:
            db.session.rollback()
            status = form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Lease %(number)s was drafted and its units reserved. Sign it once the contract is signed.",
                    number=lease.number), "success")
            return redirect(url_for("leases.detail", lease_id=lease.id))
    elif form.errors:
        status = 400
    vacant, more = services.vacant_units(db.session, carrier_id, unit_type, q)
    return render_template("leases/new.html", form=form, vacant=vacant, more=more, carriers=carriers(db.session),
                           carrier_id=carrier_id, unit_type=unit_type, q=q, UnitType=UnitType,
                           chosen=set(form.unit_ids.data or [])), status


def _act(lease_id: int, change, message):
    lease = get_or_404(db.session, Lease, lease_id)
    change(lease)
    db.session.commit()
    flash(message(lease), "success")
    return redirect(url_for("leases.detail", lease_id=lease.id))


@bp.post("/<int:lease_id>/sign")
@roles_required(*STAFF_EDITORS)
def sign(lease_id: int):
    return _act(lease_id, lambda lease: services.sign_lease(db.session, current_user, lease),
                lambda lease: _("Lease %(number)s is signed; its units are now leased.", number=lease.number))


@bp.post("/<int:lease_id>/end")
@roles_required(*STAFF_EDITORS)
def end(lease_id: int):
    return _act(lease_id, lambda lease: services.end_lease(db.session, current_user, lease),
                lambda lease: _("Lease %(number)s has ended; its units are vacant again.", number=lease.number))


@bp.post("/<int:lease_id>/terminate")
@roles_required(*STAFF_EDITORS)
def terminate(lease_id: int):
    reason = request.form.get("reason", "")
    return _act(lease_id, lambda lease: services.terminate_lease(db.session, current_user, lease, reason),
                lambda lease: _("Lease %(number)s was terminated early; its units are vacant again.",
                                number=lease.number))


@bp.post("/<int:lease_id>/cancel")
@roles_required(*STAFF_EDITORS)
def cancel(lease_id: int):
    reason = request.form.get("reason", "")
    return _act(lease_id, lambda lease: services.cancel_lease(db.session, current_user, lease, reason),
                lambda lease: _("The draft lease %(number)s was cancelled; its units are vacant again.",
                                number=lease.number))


@bp.post("/<int:lease_id>/renew")
@roles_required(*STAFF_EDITORS)
def renew(lease_id: int):
    lease = get_or_404(db.session, Lease, lease_id)
    form = RenewForm()
    if not form.validate():
        return _refused(lease, form)
    services.renew_lease(db.session, current_user, lease, form.new_end_on.data, form.rent_per_m2.data,
                         form.reason.data)
    db.session.commit()
    flash(_("Lease %(number)s now runs until %(day)s.", number=lease.number, day=lease.end_on.isoformat()),
          "success")
    return redirect(url_for("leases.detail", lease_id=lease.id))


@bp.post("/<int:lease_id>/charges")
@roles_required(*STAFF_EDITORS)
def generate_charges(lease_id: int):
    lease = get_or_404(db.session, Lease, lease_id)
    new = ledger.generate_charges(db.session, current_user, lease, today())
    db.session.commit()
    flash(_("%(n)s billing period(s) were charged.", n=len(new)) if new
          else _("The ledger was already up to date; nothing was charged."), "success" if new else "info")
    return redirect(url_for("leases.detail", lease_id=lease.id, _anchor="ledger"))


@bp.post("/<int:lease_id>/charges/<int:charge_id>/payments")
@roles_required(*STAFF_EDITORS)
def record_payment(lease_id: int, charge_id: int):
    charge = get_or_404(db.session, RentCharge, charge_id)
    if charge.lease_id != lease_id:
        abort(404)
    form = PaymentForm()
    if not form.validate():
        return _refused(charge.lease, form)
    ledger.record_payment(db.session, current_user, charge, form.amount.data, form.paid_on.data, form.reference.data)
    db.session.commit()
    flash(_("A payment of %(amount)s was recorded for %(start)s – %(end)s.", amount=format_money(form.amount.data),
            start=charge.period_start.isoformat(), end=charge.period_end.isoformat()), "success")
    return redirect(url_for("leases.detail", lease_id=lease_id, _anchor="ledger"))


def _refused(lease: Lease, form):
    """An inline form on the lease page that did not validate: say why, back on the page."""
    for f in form:
        for error in f.errors:
            flash(f"{f.label.text}: {error}", "danger")
    return redirect(url_for("leases.detail", lease_id=lease.id, _anchor="ledger"), 303)
