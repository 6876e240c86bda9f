"""Staff page to browse and filter the audit log."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Blueprint, render_template, request

from ..core.formatting import SHANGHAI
from ..core.pagination import paginate, parse_page
from ..core.permissions import roles_required
from ..core.roles import STAFF_READERS
from ..db import db
from .models import AuditEntry

bp = Blueprint("audit", __name__, url_prefix="/audit")


def _parse_day(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@bp.get("/")
@roles_required(*STAFF_READERS)
def index():
    args = request.args
    stmt = sa.select(AuditEntry).order_by(AuditEntry.id.desc())
    if actor := (args.get("actor") or "").strip():
        stmt = stmt.where(AuditEntry.actor_name.ilike(f"%{actor}%"))
    if action := (args.get("action") or "").strip():
        stmt = stmt.where(AuditEntry.action.ilike(f"{action}%"))
    if object_type := (args.get("object_type") or "").strip():
        stmt = stmt.where(AuditEntry.object_type == object_type)
    if (company := args.get("company_id", type=int)) is not None:
        stmt = stmt.where(AuditEntry.company_id == company)
    if day_from := _parse_day(args.get("from")):
        stmt = stmt.where(AuditEntry.at >= dt.datetime.combine(day_from, dt.time(), SHANGHAI))
    if day_to := _parse_day(args.get("to")):
        stmt = stmt.where(AuditEntry.at < dt.datetime.combine(day_to + dt.timedelta(days=1), dt.time(), SHANGHAI))
    page = paginate(db.session, stmt, parse_page(args.get("page")), per_page=50)
    object_types = db.session.scalars(sa.select(AuditEntry.object_type).distinct().order_by(AuditEntry.object_type)).all()
    return render_template("audit/index.html", page=page, object_types=object_types, args=args)
