"""Staff page to browse and filter the audit log, and its Excel export."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Blueprint, render_template, request, url_for
from flask_login import current_user

from ..core.excel import send_export
from ..core.formatting import SHANGHAI
from ..core.pagination import paginate, parse_page
from ..core.permissions import roles_required
from ..core.roles import STAFF_READERS
from ..db import db
from . import exports
from .models import AuditEntry

bp = Blueprint("audit", __name__, url_prefix="/audit")


def _parse_day(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _filters(args) -> dict:
    return {"actor": (args.get("actor") or "").strip(), "action": (args.get("action") or "").strip(),
            "object_type": (args.get("object_type") or "").strip(), "company_id": args.get("company_id", type=int),
            "from": _parse_day(args.get("from")), "to": _parse_day(args.get("to"))}


def _query(f: dict) -> sa.Select:
    """The log's entries, newest first: the page and its export."""
    stmt = sa.select(AuditEntry).order_by(AuditEntry.id.desc())
    if f["actor"]:
        stmt = stmt.where(AuditEntry.actor_name.ilike(f"%{f['actor']}%"))
    if f["action"]:
        stmt = stmt.where(AuditEntry.action.ilike(f"{f['action']}%"))
    if f["object_type"]:
        stmt = stmt.where(AuditEntry.object_type == f["object_type"])
    if f["company_id"] is not None:
        stmt = stmt.where(AuditEntry.company_id == f["company_id"])
    if f["from"]:
        stmt = stmt.where(AuditEntry.at >= dt.datetime.combine(f["from"], dt.time(), SHANGHAI))
    if f["to"]:
        stmt = stmt.where(AuditEntry.at < dt.datetime.combine(f["to"] + dt.timedelta(days=1), dt.time(), SHANGHAI))
    return stmt


@bp.get("/")
@roles_required(*STAFF_READERS)
def index():
    args = request.args
    page = paginate(db.session, _query(_filters(args)), parse_page(args.get("page")), per_page=50)
    object_types = db.session.scalars(sa.select(AuditEntry.object_type).distinct().order_by(AuditEntry.object_type)).all()
    return render_template("audit/index.html", page=page, object_types=object_types, args=args)


@bp.get("/export.xlsx")
@roles_required(*STAFF_READERS)
def export():
    f = _filters(request.args)
    return send_export(db.session, current_user, "audit", _query(f), exports.entries_workbook, filename="审计日志",
                       filters=f, back=url_for("audit.index", **request.args.to_dict()))
