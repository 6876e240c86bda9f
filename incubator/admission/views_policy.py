"""Admission policies (versioned per carrier × track; a change is always a new version) and
intake rounds."""
from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..companies.models import IndustryTrack
from ..core.errors import DomainError
from ..core.formatting import today
from ..core.pagination import paginate, parse_page
from ..core.permissions import get_or_404, roles_required
from ..core.roles import STAFF_EDITORS, STAFF_READERS
from ..db import db
from ..spaces.models import Carrier
from ..spaces.rules import int_arg
from . import rules, services
from .forms_policy import WHEN, PolicyForm, RoundForm
from .models import AdmissionPolicy, Application, IntakeRound
from .models import ApplicationState as S
from .views import bp


def _usage(policy_ids=None) -> dict[int, int]:
    stmt = sa.select(Application.policy_id, sa.func.count()).group_by(Application.policy_id)
    if policy_ids is not None:
        stmt = stmt.where(Application.policy_id.in_(policy_ids))
    return dict(db.session.execute(stmt).all())


@bp.get("/policies")
@roles_required(*STAFF_READERS)
def policies():
    """One row per carrier × track: the version in force today, any later one, and the history."""
    day = today()
    groups: dict[tuple, list[AdmissionPolicy]] = defaultdict(list)
    for p in db.session.scalars(sa.select(AdmissionPolicy).order_by(AdmissionPolicy.version.desc())):
        groups[(p.carrier_id, p.track)].append(p)
    rows = []
    for (_carrier, track), versions in groups.items():
        in_force = next((p for p in versions if p.effective_from <= day), None)
        rows.append({"carrier": versions[0].carrier, "track": track, "versions": versions, "in_force": in_force,
                     "upcoming": [p for p in versions if p.effective_from > day]})
    rows.sort(key=lambda r: (r["carrier"] is not None, r["carrier"].sort_order if r["carrier"] else 0,
                             r["carrier"].name if r["carrier"] else "", r["track"] is not None, r["track"] or ""))
    return render_template("admission/policy/index.html", rows=rows, usage=_usage(), day=day,
                           can_edit=current_user.has_role(*STAFF_EDITORS))


def _carrier_choices() -> list[tuple[int, str]]:
    names = db.session.execute(sa.select(Carrier.id, Carrier.name).order_by(Carrier.sort_order, Carrier.name)).all()
    return [(0, _("All carriers")), *[(c.id, c.name) for c in names]]


def _base_config(carrier_id: int | None, track) -> dict:
    """What a new version starts from: the newest version of that carrier × track, else the one
    that applies to it today, else the shipped defaults."""
    latest = db.session.scalar(sa.select(AdmissionPolicy).where(
        AdmissionPolicy.carrier_id.is_(None) if carrier_id is None else AdmissionPolicy.carrier_id == carrier_id,
        AdmissionPolicy.track.is_(None) if track is None else AdmissionPolicy.track == track)
        .order_by(AdmissionPolicy.version.desc()).limit(1))
    if latest is not None:
        return latest.config
    try:
        return services.current_policy(db.session, carrier_id, track).config
    except DomainError:
        return rules.DEFAULT_CONFIG


def _policy_page(form: PolicyForm, status: int = 200):
    return render_template("admission/policy/form.html", form=form, when=dict(WHEN)), status


@bp.route("/policies/new", methods=["GET", "POST"])
@roles_required(*STAFF_EDITORS)
def new_policy():
    form = PolicyForm() if request.method == "POST" else PolicyForm(formdata=None)
    form.carrier_id.choices = _carrier_choices()
    if request.method == "GET":
        carrier_id = int_arg(request.args.get("carrier")) or 0
        track = IndustryTrack.from_arg(request.args.get("track"))
        form.carrier_id.data = carrier_id if carrier_id in dict(form.carrier_id.choices) else 0
        form.track.data = track.value if track else ""
        form.effective_from.data = today()
        form.fill(_base_config(form.carrier_id.data or None, track))
        return _policy_page(form)
    if not form.validate():
        return _policy_page(form, 400)
    try:
        policy = services.save_policy_version(
            db.session, current_user, carrier_id=form.carrier_id.data or None,
            track=IndustryTrack(form.track.data) if form.track.data else None, config=form.config(),
            effective_from=form.effective_from.data, note=(form.note.data or "").strip() or None)
    except DomainError as exc:
        if exc.status_code != 400:
            raise
        db.session.rollback()
        flash(exc.message, "danger")
        return _policy_page(form, 400)
    db.session.commit()
    flash(_("Version %(v)s is saved; it applies to applications started from %(day)s. Applications already "
            "started keep the version they were started under.", v=policy.version,
            day=policy.effective_from.isoformat()), "success")
    return redirect(url_for("admission.policy", policy_id=policy.id), 303)


@bp.get("/policies/<int:policy_id>")
@roles_required(*STAFF_READERS)
def policy(policy_id: int):
    p = get_or_404(db.session, AdmissionPolicy, policy_id)
    used = _usage([p.id]).get(p.id, 0)
    recent = db.session.scalars(sa.select(Application).where(Application.policy_id == p.id)
                                .order_by(Application.id.desc()).limit(20)).all()
    return render_template("admission/policy/detail.html", p=p, config=p.config, used=used, recent=recent,
                           when=dict(WHEN), rubric_max=rules.rubric_max(p.config),
                           can_edit=current_user.has_role(*STAFF_EDITORS))


# --- intake rounds -------------------------------------------------------------------------------

def _rounds_page(form: RoundForm, status: int = 200):
    stmt = sa.select(IntakeRound).order_by(IntakeRound.opens_on.desc(), IntakeRound.id.desc())
    page = paginate(db.session, stmt, parse_page(request.args.get("page")))
    ids = [r.id for r in page.items]
    counts: dict[int, dict] = defaultdict(dict)
    if ids:
        for round_id, state, n in db.session.execute(
                sa.select(Application.round_id, Application.state, sa.func.count())
                .where(Application.round_id.in_(ids)).group_by(Application.round_id, Application.state)):
            counts[round_id][state] = n
    return render_template("admission/policy/rounds.html", page=page, form=form, counts=counts, S=S, day=today(),
                           can_edit=current_user.has_role(*STAFF_EDITORS)), status


@bp.get("/rounds")
@roles_required(*STAFF_READERS)
def rounds():
    return _rounds_page(RoundForm(formdata=None))


@bp.post("/rounds")
@roles_required(*STAFF_EDITORS)
def create_round():
    form = RoundForm()
    if not form.validate():
        return _rounds_page(form, 400)
    try:
        intake = services.create_round(db.session, current_user, name=form.name.data, opens_on=form.opens_on.data,
                                       closes_on=form.closes_on.data, note=(form.note.data or "").strip() or None)
    except DomainError as exc:
        if exc.status_code != 400:
            raise
        db.session.rollback()
        field = getattr(form, exc.field, None) if exc.field else None
        if field is not None:
            field.errors = [*field.errors, exc.message]
        else:
            flash(exc.message, "danger")
        return _rounds_page(form, 400)
    db.session.commit()
    flash(_("Intake round %(name)s is created.", name=intake.name), "success")
    return redirect(url_for("admission.rounds"), 303)
