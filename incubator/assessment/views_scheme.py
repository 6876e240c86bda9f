"""Assessment schemes: the versions, one version, and a new version prefilled from the latest."""
from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core.errors import DomainError
from ..core.formatting import today
from ..core.permissions import get_or_404, roles_required
from ..core.roles import STAFF_EDITORS, STAFF_READERS
from ..db import db
from . import rules, services
from .forms_scheme import SchemeForm
from .models import AssessmentScheme, Campaign
from .views import bp


def _usage() -> dict[int, int]:
    return dict(db.session.execute(sa.select(Campaign.scheme_id, sa.func.count()).group_by(Campaign.scheme_id)).all())


@bp.get("/schemes")
@roles_required(*STAFF_READERS)
def schemes():
    versions = db.session.scalars(sa.select(AssessmentScheme).order_by(AssessmentScheme.version.desc())).all()
    try:
        in_force = services.current_scheme(db.session)
    except DomainError:
        in_force = None
    return render_template("assessment/schemes.html", versions=versions, in_force=in_force, usage=_usage(),
                           day=today(), can_edit=current_user.has_role(*STAFF_EDITORS))


@bp.get("/schemes/<int:scheme_id>")
@roles_required(*STAFF_READERS)
def scheme(scheme_id: int):
    s = get_or_404(db.session, AssessmentScheme, scheme_id)
    return render_template("assessment/scheme.html", s=s, config=s.config, used=_usage().get(s.id, 0),
                           groups=rules.indicators_by_dimension(s.config), figure_labels=rules.FIGURE_LABELS,
                           can_edit=current_user.has_role(*STAFF_EDITORS))


def _page(form: SchemeForm, status: int = 200):
    return render_template("assessment/scheme_form.html", form=form), status


@bp.route("/schemes/new", methods=["GET", "POST"])
@roles_required(*STAFF_EDITORS)
def new_scheme():
    if request.method == "GET":
        form = SchemeForm(formdata=None)
        latest = db.session.scalar(sa.select(AssessmentScheme).order_by(AssessmentScheme.version.desc()).limit(1))
        form.fill(latest.config if latest else rules.DEFAULT_SCHEME)
        form.effective_from.data = today()
        return _page(form)
    form = SchemeForm()
    if not form.validate():
        return _page(form, 400)
    try:
        s = services.save_scheme_version(db.session, current_user, form.config(), form.effective_from.data,
                                         (form.note.data or "").strip() or None)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return _page(form, exc.status_code)
    db.session.commit()
    flash(_("Version %(v)s is saved; campaigns opened from %(day)s use it. Campaigns already created keep their "
            "version.", v=s.version, day=s.effective_from.isoformat()), "success")
    return redirect(url_for("assessment.scheme", scheme_id=s.id), 303)
