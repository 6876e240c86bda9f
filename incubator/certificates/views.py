"""Issued documents: the staff register, downloads, the company dossier and the public
verification page that the QR codes point to."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..companies.models import Company
from ..core.errors import DomainError
from ..core.formatting import today
from ..core.pagination import paginate, parse_page
from ..core.permissions import get_or_404, roles_required
from ..core.roles import STAFF_READERS, Role
from ..db import db
from ..documents.storage import file_store
from . import services
from .models import IssuedDocument
from .rules import DocumentKind, IssuedStatus

bp = Blueprint("certificates", __name__)


@bp.app_template_filter("issued_kind")
def _kind_label(value: str) -> str:
    try:
        return DocumentKind(value).label
    except ValueError:
        return value


def _status_filter(stmt: sa.Select, status: str, on: dt.date) -> sa.Select:
    d = IssuedDocument
    not_expired = sa.or_(d.valid_until.is_(None), d.valid_until >= on)
    conditions = {
        IssuedStatus.VALID.value: [d.revoked_at.is_(None), d.superseded_by_id.is_(None), not_expired],
        IssuedStatus.SUPERSEDED.value: [d.revoked_at.is_(None), d.superseded_by_id.is_not(None)],
        IssuedStatus.EXPIRED.value: [d.revoked_at.is_(None), d.superseded_by_id.is_(None), d.valid_until < on],
        IssuedStatus.REVOKED.value: [d.revoked_at.is_not(None)],
    }
    return stmt.where(*conditions[status]) if status in conditions else stmt


@bp.get("/certificates/")
@roles_required(*STAFF_READERS)
def index():
    args = request.args
    kind = args.get("kind") or ""
    status = args.get("status") or ""
    q = (args.get("q") or "").strip()
    on = today()
    stmt = sa.select(IssuedDocument).outerjoin(Company, Company.id == IssuedDocument.company_id)
    if kind:
        stmt = stmt.where(IssuedDocument.kind == kind)
    if q:
        stmt = stmt.where(sa.or_(IssuedDocument.number.ilike(f"%{q}%"), Company.name.ilike(f"%{q}%")))
    stmt = _status_filter(stmt, status, on).order_by(IssuedDocument.issued_at.desc(), IssuedDocument.id.desc())
    page = paginate(db.session, stmt, parse_page(args.get("page")))
    return render_template("certificates/index.html", page=page, kind=kind, status=status, q=q,
                           kinds=DocumentKind, statuses=IssuedStatus, status_of=lambda d: services.status(d, on))


def _load_readable(doc_id: int) -> IssuedDocument:
    doc = get_or_404(db.session, IssuedDocument, doc_id)
    if not services.can_read(current_user, doc):
        abort(404 if current_user.has_role(Role.COMPANY) else 403)
    return doc


def _send_pdf(doc: IssuedDocument, *, inline: bool):
    resp = send_file(file_store().path(doc.storage_key), mimetype="application/pdf", as_attachment=not inline,
                     download_name=f"{doc.title}-{doc.number}.pdf", conditional=True, etag=doc.sha256)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


@bp.get("/certificates/<int:doc_id>")
@roles_required(*STAFF_READERS)
def detail(doc_id: int):
    doc = get_or_404(db.session, IssuedDocument, doc_id)
    successor = db.session.get(IssuedDocument, doc.superseded_by_id) if doc.superseded_by_id else None
    return render_template("certificates/detail.html", doc=doc, status=services.status(doc), successor=successor)


@bp.get("/certificates/<int:doc_id>/pdf")
@login_required
def download(doc_id: int):
    return _send_pdf(_load_readable(doc_id), inline=False)


@bp.post("/certificates/<int:doc_id>/revoke")
@roles_required(Role.ADMIN)
def revoke(doc_id: int):
    doc = get_or_404(db.session, IssuedDocument, doc_id)
    try:
        services.revoke_document(db.session, current_user, doc, request.form.get("reason", ""))
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("certificates.detail", doc_id=doc_id), 303)
    db.session.commit()
    flash(_("Document %(number)s was revoked. The verification page now shows it as revoked.", number=doc.number),
          "success")
    return redirect(url_for("certificates.detail", doc_id=doc_id), 303)


@bp.get("/certificates/dossier/<int:company_id>")
@login_required
def company_dossier(company_id: int):
    company = get_or_404(db.session, Company, company_id)
    if not (current_user.is_staff_reader
            or (current_user.has_role(Role.COMPANY) and current_user.company_id == company.id)):
        abort(404 if current_user.has_role(Role.COMPANY) else 403)
    doc = services.issue_company_dossier(db.session, current_user, company)
    db.session.commit()
    return _send_pdf(doc, inline=True)


@bp.get("/verify/<code>")
def verify(code: str):
    """Public: anyone holding the paper can check it. Unknown codes get the same 404 page."""
    doc = db.session.scalar(sa.select(IssuedDocument).where(IssuedDocument.verify_code == code[:40]))
    if doc is None:
        return render_template("certificates/verify.html", doc=None), 404
    successor = db.session.get(IssuedDocument, doc.superseded_by_id) if doc.superseded_by_id else None
    return render_template("certificates/verify.html", doc=doc, status=services.status(doc), successor=successor)
