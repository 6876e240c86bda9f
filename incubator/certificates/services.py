"""Issued documents: numbering, rendering once, storing, superseding, revoking — and the
company dossier (企业档案) built on them."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ..audit.services import record
from ..core.errors import ConcurrentChange, DomainError, PermissionDenied
from ..core.formatting import format_area, format_date, format_money, local, today
from ..core.roles import Role
from ..db import utcnow
from ..documents.services import company_documents
from ..documents.storage import file_store
from ..leases.services import company_leases
from .models import IssuedDocument
from .numbering import next_number
from .pdf import render_pdf
from .qr import qr_data_uri
from .rules import DocumentKind, IssuedStatus, data_fingerprint, format_number, status_of


def can_read(user, doc: IssuedDocument) -> bool:
    """Staff readers, and the members of the company the document was issued to."""
    return bool(getattr(user, "is_authenticated", False)) and (
        user.is_staff_reader
        or (doc.company_id is not None and user.has_role(Role.COMPANY) and user.company_id == doc.company_id))


def status(doc: IssuedDocument, on: dt.date | None = None) -> IssuedStatus:
    return status_of(revoked_at=doc.revoked_at, superseded_by_id=doc.superseded_by_id,
                     valid_until=doc.valid_until, today=on or today())


def _latest_current(session: Session, kind: str, subject_type: str, subject_id: int) -> IssuedDocument | None:
    return session.scalar(
        sa.select(IssuedDocument)
        .where(IssuedDocument.kind == kind, IssuedDocument.subject_type == subject_type,
               IssuedDocument.subject_id == subject_id, IssuedDocument.revoked_at.is_(None))
        .order_by(IssuedDocument.id.desc()).limit(1))


def issue_document(session: Session, actor, *, kind: DocumentKind | str, title: str, company, subject_type: str,
                   subject_id: int, template: str, context: dict, valid_until: dt.date | None = None) -> IssuedDocument:
    """Number, render, hash and store a document about (subject_type, subject_id).

    The caller authorises. If the latest non-revoked document of this kind and subject was
    rendered from the same data, that one is returned and nothing is rendered; otherwise a
    new one is issued and the previous one is marked superseded. `context` is plain data
    (strings, numbers, lists, dicts): it is what the fingerprint covers.
    """
    kind = DocumentKind(kind)
    fingerprint = data_fingerprint({"template": template, "title": title, "valid_until": valid_until,
                                    "context": context})
    previous = _latest_current(session, kind.value, subject_type, subject_id)
    if previous is not None and previous.superseded_by_id is None and previous.data_fingerprint == fingerprint:
        return previous

    cfg = current_app.config
    issued_at = utcnow()
    year = local(issued_at).year
    number = format_number(cfg["COMMUNITY_SHORT"], kind, year, next_number(session, kind.value, year))
    verify_code = secrets.token_urlsafe(16)
    verify_url = f"{cfg['PUBLIC_BASE_URL'].rstrip('/')}/verify/{verify_code}"
    pdf = render_pdf(template, {**context, "doc": {
        "number": number, "title": title, "issued_on": format_date(issued_at), "verify_url": verify_url,
        "valid_until": format_date(valid_until) if valid_until else None, "qr": qr_data_uri(verify_url)}})
    doc = IssuedDocument(
        number=number, kind=kind.value, title=title, company_id=company.id if company else None,
        subject_type=subject_type, subject_id=subject_id, verify_code=verify_code, data_fingerprint=fingerprint,
        sha256=hashlib.sha256(pdf).hexdigest(), storage_key=file_store().save(session, pdf), size=len(pdf),
        issued_by_id=getattr(actor, "id", None), issued_at=issued_at, valid_until=valid_until)
    session.add(doc)
    session.flush()
    if previous is not None and previous.superseded_by_id is None:
        _supersede(session, previous, doc)
    record(session, actor, "certificate.issue", doc, after={"number": number, "kind": kind.value, "sha256": doc.sha256,
                                                            "supersedes": previous.number if previous else None},
           summary=f"{number} {title}", company_id=doc.company_id)
    return doc


def _supersede(session: Session, previous: IssuedDocument, new: IssuedDocument) -> None:
    done = session.execute(
        sa.update(IssuedDocument)
        .where(IssuedDocument.id == previous.id, IssuedDocument.superseded_by_id.is_(None),
               IssuedDocument.revoked_at.is_(None))
        .values(superseded_by_id=new.id).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise ConcurrentChange(_("This document was just issued or changed by someone else. Please try again."))
    set_committed_value(previous, "superseded_by_id", new.id)


def revoke_document(session: Session, actor, doc: IssuedDocument, reason: str) -> IssuedDocument:
    """Withdraw a document for good; the public verification page then says so."""
    if not actor.has_role(Role.ADMIN):
        raise PermissionDenied(_("Only an administrator may revoke an issued document."))
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise DomainError(_("Please give the reason for revoking."), field="reason")
    now = utcnow()
    done = session.execute(
        sa.update(IssuedDocument).where(IssuedDocument.id == doc.id, IssuedDocument.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason[:1000]).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise ConcurrentChange(_("This document has already been revoked."))
    set_committed_value(doc, "revoked_at", now)
    set_committed_value(doc, "revoked_reason", reason[:1000])
    record(session, actor, "certificate.revoke", doc, before={"status": "issued"},
           after={"status": "revoked", "reason": doc.revoked_reason}, summary=f"{doc.number}: {doc.revoked_reason}",
           company_id=doc.company_id)
    return doc


def dossier_context(session: Session, company) -> dict:
    """Everything the dossier shows, as plain data (enum values; the template labels them)."""
    def day(value):
        return format_date(value) if value else None

    return {
        "company": {
            "name": company.name, "credit_code": company.credit_code, "legal_rep": company.legal_rep,
            "registered_capital": format_money(company.registered_capital) if company.registered_capital else None,
            "founded_on": day(company.founded_on), "track": company.track.value if company.track else None,
            "sub_field": company.sub_field, "status": company.status.value, "address": company.address,
            "contact_name": company.contact_name, "contact_phone": company.contact_phone,
            "contact_email": company.contact_email, "headcount": company.headcount,
            "talents_bachelor": company.talents_bachelor, "talents_high_level": company.talents_high_level,
            "ip": [company.ip_invention, company.ip_utility, company.ip_software, company.ip_other],
            "moved_in_on": day(company.moved_in_on), "left_on": day(company.left_on),
            "description": company.description,
        },
        "qualifications": [
            {"kind": q.kind.value, "certificate_no": q.certificate_no, "obtained_on": day(q.obtained_on),
             "expires_on": day(q.expires_on)} for q in company.qualifications],
        "leases": [
            {"number": lease.number, "state": lease.state.value, "start_on": day(lease.start_on),
             "end_on": day(lease.end_on), "rent_per_m2": format_money(lease.rent_per_m2),
             "monthly_rent": format_money(lease.monthly_rent), "area": format_area(lease.area),
             "units": [{"label": lu.unit.label, "type": lu.unit.type.value, "area": format_area(lu.area)}
                       for lu in lease.units]}
            for lease in company_leases(session, company.id)],
        "documents": [
            {"category": d.category, "title": d.title,
             "versions": [{"no": v.version_no, "name": v.display_name, "uploaded_on": day(v.uploaded_at),
                           "size": v.size, "sha256": v.sha256[:16]} for v in d.versions]}
            for d in company_documents(session, company.id)],
    }


def issue_company_dossier(session: Session, actor, company) -> IssuedDocument:
    """The company dossier PDF: the stored one while the data is unchanged, else a new issue."""
    if not (actor.is_staff_reader or (actor.has_role(Role.COMPANY) and actor.company_id == company.id)):
        raise PermissionDenied(_("You may not see this company's dossier."))
    return issue_document(session, actor, kind=DocumentKind.COMPANY_DOSSIER, title="企业档案", company=company,
                          subject_type="company", subject_id=company.id, template="company_dossier.html",
                          context=dossier_context(session, company))
