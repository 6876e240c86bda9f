"""Home (my tasks), health check and language switch."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask import session as cookie_session
from flask_login import current_user, login_required

from ..core.inbox import tasks_for
from ..core.urls import safe_next
from ..db import db
from . import services

bp = Blueprint("main", __name__)


@bp.get("/")
@login_required
def home():
    tasks = tasks_for(db.session, current_user)
    summary = services.home_summary(db.session, current_user)
    targets = None
    if summary.get("targets"):
        from ..reports.layout import progress_row
        from ..reports.views import page_labels

        targets = [progress_row(p, page_labels()) for p in summary["targets"]]
    return render_template("main/home.html", tasks=tasks, summary=summary, targets=targets)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
        db.session.rollback()
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}, 200


@bp.post("/lang/<code>")
def set_language(code: str):
    if code not in ("zh_CN", "en"):
        abort(404)
    cookie_session["lang"] = code
    return redirect(safe_next(request.form.get("next")) or url_for("main.home"))
