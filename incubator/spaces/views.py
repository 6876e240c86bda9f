"""Spaces pages: carriers and occupancy, the unit list and a unit's page, unit/building/carrier forms."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core.errors import DomainError
from ..core.excel import send_export
from ..core.forms import form_error
from ..core.pagination import paginate, parse_page
from ..core.permissions import get_or_404, has_any_role, roles_required
from ..core.roles import STAFF_EDITORS, STAFF_READERS
from ..db import db
from ..leases.services import current_leases, unit_leases
from . import exports, services
from .forms import BuildingForm, CarrierForm, UnitForm
from .models import Building, Carrier, Unit, UnitStatus, UnitType
from .rules import int_arg
from .workflow import ACTION_LABELS, UNIT_FLOW

bp = Blueprint("spaces", __name__, url_prefix="/spaces")


def _can_edit() -> bool:
    return has_any_role(current_user, STAFF_EDITORS)


def _building_choices() -> dict[str, list[tuple[int, str]]]:
    groups: dict[str, list[tuple[int, str]]] = {}
    for b in services.buildings_by_carrier(db.session):
        groups.setdefault(b.carrier.name, []).append((b.id, b.name))
    return groups


@bp.get("/")
@roles_required(*STAFF_READERS)
def index():
    summaries, by_type = services.overview(db.session)
    return render_template("spaces/index.html", summaries=summaries, by_type=by_type, UnitStatus=UnitStatus,
                           can_edit=_can_edit())


@bp.get("/units")
@roles_required(*STAFF_READERS)
def units():
    filters = services.UnitFilters.from_args(request.args)
    stmt = services.unit_query(filters)
    page = paginate(db.session, stmt, parse_page(request.args.get("page")))
    return render_template("spaces/units.html", page=page, filters=filters, total_area=services.area_sum(db.session, stmt),
                           holders=current_leases(db.session, [u.id for u in page.items]),
                           carriers=services.carriers(db.session), buildings=services.buildings_by_carrier(db.session),
                           UnitType=UnitType, UnitStatus=UnitStatus, can_edit=_can_edit())


@bp.get("/units/export.xlsx")
@roles_required(*STAFF_READERS)
def units_export():
    filters = services.UnitFilters.from_args(request.args)
    return send_export(db.session, current_user, "units", services.unit_query(filters),
                       lambda rows: exports.units_workbook(db.session, rows), filename="载体单元", filters=filters,
                       back=url_for("spaces.units", **request.args.to_dict()))


@bp.get("/units/<int:unit_id>")
@roles_required(*STAFF_READERS)
def unit_detail(unit_id: int):
    unit = get_or_404(db.session, Unit, unit_id)
    actions = [a for a in UNIT_FLOW.available(db.session, current_user, unit) if a in ("retire", "restore")]
    return render_template("spaces/unit_detail.html", unit=unit, leases=unit_leases(db.session, unit.id),
                           events=services.named_history(db.session, "unit", unit.id), actions=actions,
                           action_labels=ACTION_LABELS, states=UnitStatus, can_edit=_can_edit())


def _unit_data(form: UnitForm) -> dict:
    return {"floor": form.floor.data, "number": form.number.data, "type": form.type.data, "area": form.area.data,
            "list_rent": form.list_rent.data, "in_startup_zone": form.in_startup_zone.data, "note": form.note.data}


@bp.route("/units/new", methods=["GET", "POST"])
@roles_required(*STAFF_EDITORS)
def new_unit():
    form = UnitForm()
    form.building_id.choices = _building_choices()
    if request.method == "GET":
        form.building_id.data = int_arg(request.args.get("building"))
    status = 200
    if form.validate_on_submit():
        try:
            unit = services.create_unit(db.session, current_user, db.session.get(Building, form.building_id.data),
                                        **_unit_data(form))
        except DomainError as exc:
            db.session.rollback()
            status = form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Unit %(label)s was added.", label=unit.label), "success")
            return redirect(url_for("spaces.unit_detail", unit_id=unit.id))
    elif form.errors:
        status = 400
    return render_template("spaces/unit_form.html", form=form, unit=None), status


@bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF_EDITORS)
def edit_unit(unit_id: int):
    unit = get_or_404(db.session, Unit, unit_id)
    form = UnitForm(obj=unit)
    form.building_id.choices = _building_choices()
    if request.method == "GET":
        form.type.data, form.version.data = unit.type.value, unit.version
    status = 200
    if form.validate_on_submit():
        version = form.version.data
        try:
            services.update_unit(db.session, current_user, unit, db.session.get(Building, form.building_id.data),
                                 expected_version=int(version) if str(version).isdigit() else None,
                                 **_unit_data(form))
        except DomainError as exc:
            db.session.rollback()
            status = form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("spaces.unit_detail", unit_id=unit.id))
    elif form.errors:
        status = 400
    return render_template("spaces/unit_form.html", form=form, unit=unit), status


@bp.post("/units/<int:unit_id>/retire")
@roles_required(*STAFF_EDITORS)
def retire_unit(unit_id: int):
    unit = get_or_404(db.session, Unit, unit_id)
    services.retire_unit(db.session, current_user, unit, request.form.get("reason", ""))
    db.session.commit()
    flash(_("Unit %(label)s is now out of service.", label=unit.label), "success")
    return redirect(url_for("spaces.unit_detail", unit_id=unit.id))


@bp.post("/units/<int:unit_id>/restore")
@roles_required(*STAFF_EDITORS)
def restore_unit(unit_id: int):
    unit = get_or_404(db.session, Unit, unit_id)
    services.restore_unit(db.session, current_user, unit)
    db.session.commit()
    flash(_("Unit %(label)s is back in service and vacant.", label=unit.label), "success")
    return redirect(url_for("spaces.unit_detail", unit_id=unit.id))


@bp.route("/buildings/new", methods=["GET", "POST"])
@roles_required(*STAFF_EDITORS)
def new_building():
    form = BuildingForm()
    form.carrier_id.choices = [(c.id, c.name) for c in services.carriers(db.session)]
    if request.method == "GET":
        form.carrier_id.data = int_arg(request.args.get("carrier"))
    status = 200
    if form.validate_on_submit():
        try:
            building = services.create_building(db.session, current_user,
                                                get_or_404(db.session, Carrier, form.carrier_id.data),
                                                name=form.name.data)
        except DomainError as exc:
            db.session.rollback()
            status = form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Building %(name)s was added. Now add its units.", name=building.name), "success")
            return redirect(url_for("spaces.new_unit", building=building.id))
    elif form.errors:
        status = 400
    return render_template("spaces/building_form.html", form=form), status


@bp.route("/carriers/<int:carrier_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF_EDITORS)
def edit_carrier(carrier_id: int):
    carrier = get_or_404(db.session, Carrier, carrier_id)
    form = CarrierForm(obj=carrier)
    status = 200
    if form.validate_on_submit():
        try:
            services.update_carrier(db.session, current_user, carrier, name=form.name.data, role=form.role.data,
                                    total_area=form.total_area.data, startup_area=form.startup_area.data)
        except DomainError as exc:
            db.session.rollback()
            status = form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("spaces.index"))
    elif form.errors:
        status = 400
    return render_template("spaces/carrier_form.html", form=form, carrier=carrier), status
