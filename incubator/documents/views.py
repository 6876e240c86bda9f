"""Documents pages: a company's documents with upload, one document's versions, downloads."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..companies.models import Company
from ..core.errors import DomainError
from ..core.forms import form_error
from ..core.pagination import paginate, parse_page
from ..core.permissions import get_or_404
from ..core.roles import Role
from ..db import db
from . import services
from .forms import UploadForm, VersionForm
from .models import Document, DocumentVersion
from .rules import DocumentCategory, category_label
from .storage import file_store

bp = Blueprint("documents", __name__, url_prefix="/documents")
bp.add_app_template_filter(category_label, "document_category")  # also used by the company-page partial


def _authorise_read(company_id: int) -> None:
    """Other companies' members get 404 (no hint that the id exists); other roles 403."""
    if not services.can_read(current_user, company_id):
        abort(404 if current_user.has_role(Role.COMPANY) else 403)


def _render_list(company: Company, form: UploadForm, status: int = 200):
    args = request.args
    category = args.get("category") or ""
    q = (args.get("q") or "").strip()
    stmt = sa.select(Document).where(Document.company_id == company.id)
    if category:
        stmt = stmt.where(Document.category == category)
    if q:
        stmt = stmt.where(Document.title.ilike(f"%{q}%"))
    page = paginate(db.session, stmt.order_by(Document.created_at.desc(), Document.id.desc()),
                    parse_page(args.get("page")))
    return render_template("documents/company_documents.html", company=company, page=page, form=form,
                           category=category, q=q, categories=DocumentCategory,
                           can_upload=services.can_upload(current_user, company)), status


@bp.get("/company/<int:company_id>")
@login_required
def company_documents(company_id: int):
    company = get_or_404(db.session, Company, company_id)
    _authorise_read(company.id)
    return _render_list(company, UploadForm())


@bp.post("/company/<int:company_id>/upload")
@login_required
def upload(company_id: int):
    company = get_or_404(db.session, Company, company_id)
    _authorise_read(company.id)
    if not services.can_upload(current_user, company):
        abort(403)
    form = UploadForm()
    if form.validate_on_submit():
        try:
            document = services.upload_document(db.session, current_user, company, category=form.category.data,
                                                title=form.title.data, file_storage=form.file.data)
        except DomainError as exc:
            db.session.rollback()
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("The document was uploaded."), "success")
            return redirect(url_for("documents.detail", document_id=document.id), 303)
    return _render_list(company, form, 400)


def _load_document(document_id: int) -> tuple[Document, Company]:
    document = get_or_404(db.session, Document, document_id)
    _authorise_read(document.company_id)
    return document, db.session.get(Company, document.company_id)


def _render_detail(document: Document, company: Company, form: VersionForm, status: int = 200):
    return render_template("documents/detail.html", document=document, company=company, form=form,
                           can_upload=services.can_upload(current_user, company)), status


@bp.get("/<int:document_id>")
@login_required
def detail(document_id: int):
    document, company = _load_document(document_id)
    return _render_detail(document, company, VersionForm())


@bp.post("/<int:document_id>/versions")
@login_required
def add_version(document_id: int):
    document, company = _load_document(document_id)
    if not services.can_upload(current_user, company):
        abort(403)
    form = VersionForm()
    if form.validate_on_submit():
        try:
            version = services.add_version(db.session, current_user, document, form.file.data)
        except DomainError as exc:
            db.session.rollback()
            form_error(form, exc)
            document, company = _load_document(document_id)
        else:
            db.session.commit()
            flash(_("Version %(no)s was uploaded. Earlier versions are kept.", no=version.version_no), "success")
            return redirect(url_for("documents.detail", document_id=document.id), 303)
    return _render_detail(document, company, form, 400)


@bp.get("/versions/<int:version_id>")
@login_required
def download(version_id: int):
    version = get_or_404(db.session, DocumentVersion, version_id)
    _authorise_read(version.document.company_id)
    resp = send_file(file_store().path(version.storage_key), mimetype=version.mime, as_attachment=True,
                     download_name=version.display_name, conditional=True, etag=version.sha256)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Cache-Control"] = "private, no-store"
    return resp
