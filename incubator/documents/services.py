"""Every change to uploaded documents (and the read helpers other modules use)."""
from __future__ import annotations

import hashlib

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ..audit.services import record
from ..companies.models import Company
from ..core.errors import ConcurrentChange, DomainError, PermissionDenied
from ..core.roles import STAFF_EDITORS, Role
from . import filetypes
from .models import Document, DocumentVersion
from .rules import DocumentCategory, display_name
from .storage import file_store


def can_read(user, company_id: int) -> bool:
    """Staff readers and the company's own members; reviewers are not granted here."""
    return bool(getattr(user, "is_authenticated", False)) and (
        user.is_staff_reader or (user.has_role(Role.COMPANY) and user.company_id == company_id))


def can_upload(user, company) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.has_role(*STAFF_EDITORS):
        return True
    return user.has_role(Role.COMPANY) and user.company_id == company.id and company.is_active_member_company


def company_documents(session: Session, company_id: int, subject_type: str | None = None,
                      subject_id: int | None = None) -> list[Document]:
    stmt = sa.select(Document).where(Document.company_id == company_id)
    if subject_type is not None:
        stmt = stmt.where(Document.subject_type == subject_type, Document.subject_id == subject_id)
    return list(session.scalars(stmt.order_by(Document.created_at.desc(), Document.id.desc())))


def _read_checked(file_storage) -> tuple[bytes, filetypes.FileType, str]:
    """Read at most one byte past the limit, so an oversized upload is never held whole."""
    max_bytes = current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024
    if file_storage is None:
        raise DomainError(_("Please choose a file."), field="file")
    data = file_storage.stream.read(max_bytes + 1)
    ftype = filetypes.detect(data, max_bytes)
    return data, ftype, display_name(file_storage.filename, ftype.ext, ftype.extensions)


def _store_version(session: Session, actor, document: Document, version_no: int,
                   checked: tuple[bytes, filetypes.FileType, str]) -> DocumentVersion:
    data, ftype, name = checked
    key = file_store().save(session, data)
    version = DocumentVersion(version_no=version_no, display_name=name, storage_key=key,
                              sha256=hashlib.sha256(data).hexdigest(), size=len(data), mime=ftype.mime,
                              uploaded_by_id=getattr(actor, "id", None))
    document.versions.append(version)
    session.flush()
    return version


def upload_document(session: Session, actor, company, *, category: str, title: str | None, file_storage,
                    subject_type: str | None = None, subject_id: int | None = None) -> Document:
    """A new document with its first version."""
    if not can_upload(actor, company):
        raise PermissionDenied(_("You may not upload documents for this company."))
    if category not in {c.value for c in DocumentCategory}:
        raise DomainError(_("Please choose a category from the list."), field="category")
    checked = _read_checked(file_storage)
    document = Document(company_id=company.id, category=category, title="", subject_type=subject_type,
                        subject_id=subject_id, created_by_id=getattr(actor, "id", None), current_version_no=1)
    session.add(document)
    version = _store_version(session, actor, document, 1, checked)
    title = (title or "").strip()[:200] or version.display_name.rpartition(".")[0]
    document.title = title
    session.flush()
    record(session, actor, "document.upload", document,
           after={"category": category, "title": title, "version": 1, "name": version.display_name,
                  "sha256": version.sha256, "size": version.size},
           summary=f"{company.name}: {title}")
    return document


def add_version(session: Session, actor, document: Document, file_storage) -> DocumentVersion:
    """The next version of `document`; earlier versions stay as they are."""
    company = session.get(Company, document.company_id)
    if not can_upload(actor, company):
        raise PermissionDenied(_("You may not upload documents for this company."))
    checked = _read_checked(file_storage)
    seen = document.current_version_no
    # claim the number first: two uploads at once cannot both become version n+1
    claimed = session.execute(
        sa.update(Document).where(Document.id == document.id, Document.current_version_no == seen)
        .values(current_version_no=seen + 1).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise ConcurrentChange(_("Someone else uploaded a new version at the same moment. "
                                 "Please reload the page and check before uploading again."))
    set_committed_value(document, "current_version_no", seen + 1)
    version = _store_version(session, actor, document, seen + 1, checked)
    record(session, actor, "document.version_add", document,
           after={"version": version.version_no, "name": version.display_name, "sha256": version.sha256,
                  "size": version.size},
           summary=f"{company.name}: {document.title} v{version.version_no}")
    return version
