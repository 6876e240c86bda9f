"""Issuing: numbers, fingerprints, reuse of unchanged documents, superseding, revoking, audit."""
import datetime as dt
import hashlib
import io

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from incubator.audit.models import AuditEntry
from incubator.certificates import services
from incubator.certificates.models import IssuedDocument
from incubator.certificates.rules import IssuedStatus, data_fingerprint
from incubator.core.errors import DomainError, PermissionDenied
from incubator.core.roles import Role
from incubator.documents import services as documents
from incubator.documents.storage import file_store
from tests.documents import files
from tests.factories import make_company, make_user

from .conftest import pdf_text


def test_dossier_pdf_has_the_company_title_and_number(session, company):
    operator = make_user(session, Role.OPERATOR)
    doc = services.issue_company_dossier(session, operator, company)
    data = file_store().read(doc.storage_key)
    text = pdf_text(data)
    assert "企业档案" in text and "东莞水乡智造科技有限公司" in text and doc.number in text
    assert "高新技术企业" in text and "营业执照-2025.png" in text and "SX-ZL-2025-001" in text
    assert doc.sha256 == hashlib.sha256(data).hexdigest() and doc.size == len(data)
    year = dt.date.today().year
    assert doc.number.startswith(f"SX-DA-{year}-") and len(doc.number.rsplit("-", 1)[1]) == 5
    assert f"/verify/{doc.verify_code}" in text.replace("\n", "")
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "certificate.issue"))
    assert entry.object_id == doc.id and entry.company_id == company.id


def test_unchanged_dossier_is_served_from_storage(session, company, monkeypatch):
    operator = make_user(session, Role.OPERATOR)
    first = services.issue_company_dossier(session, operator, company)
    monkeypatch.setattr(services, "render_pdf", lambda *a: pytest.fail("rendered again"))
    assert services.issue_company_dossier(session, operator, company).id == first.id
    assert session.scalar(sa.select(sa.func.count()).select_from(IssuedDocument)) == 1


def test_changed_data_issues_a_new_dossier_and_supersedes_the_old(session, company):
    operator = make_user(session, Role.OPERATOR)
    first = services.issue_company_dossier(session, operator, company)
    documents.upload_document(session, operator, company, category="team_cvs", title="团队简历",
                              file_storage=FileStorage(io.BytesIO(files.docx()), "cv.docx"))
    second = services.issue_company_dossier(session, operator, company)
    assert second.id != first.id and second.number != first.number
    assert first.superseded_by_id == second.id and services.status(first) == IssuedStatus.SUPERSEDED
    assert services.status(second) == IssuedStatus.VALID
    assert "团队简历" in pdf_text(file_store().read(second.storage_key))


def test_numbers_run_per_kind_and_year(session):
    assert [services.next_number(session, "company_dossier", 2031) for _ in range(3)] == [1, 2, 3]
    assert services.next_number(session, "company_dossier", 2032) == 1
    assert services.next_number(session, "exit_notice", 2031) == 1


def test_fingerprint_is_canonical():
    assert data_fingerprint({"a": 1, "b": ["营", 2]}) == data_fingerprint({"b": ["营", 2], "a": 1})
    assert data_fingerprint({"a": 1}) != data_fingerprint({"a": 2})


def test_revoke(session, company):
    admin = make_user(session, Role.ADMIN)
    doc = services.issue_company_dossier(session, admin, company)
    services.revoke_document(session, admin, doc, "信息有误")
    assert services.status(doc) == IssuedStatus.REVOKED and doc.revoked_reason == "信息有误"
    with pytest.raises(DomainError, match="already been revoked"):
        services.revoke_document(session, admin, doc, "again")
    # a revoked dossier is never reused: asking again issues a fresh one
    fresh = services.issue_company_dossier(session, admin, company)
    assert fresh.id != doc.id and services.status(fresh) == IssuedStatus.VALID
    assert session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "certificate.revoke")).object_id == doc.id


def test_only_admin_revokes_and_a_reason_is_needed(session, company):
    operator = make_user(session, Role.OPERATOR)
    doc = services.issue_company_dossier(session, operator, company)
    with pytest.raises(PermissionDenied):
        services.revoke_document(session, operator, doc, "reason")
    with pytest.raises(DomainError, match="reason"):
        services.revoke_document(session, make_user(session, Role.ADMIN), doc, "  ")


def test_expiry(session, company):
    operator = make_user(session, Role.OPERATOR)
    doc = services.issue_document(session, operator, kind="admission_certificate", title="入驻证书", company=company,
                                  subject_type="company", subject_id=company.id, template="company_dossier.html",
                                  context=services.dossier_context(session, company),
                                  valid_until=dt.date(2027, 12, 31))
    assert doc.number.split("-")[1] == "RZ"
    assert services.status(doc, dt.date(2027, 12, 31)) == IssuedStatus.VALID
    assert services.status(doc, dt.date(2028, 1, 1)) == IssuedStatus.EXPIRED


def test_failed_render_leaves_nothing(session, company, monkeypatch, app):
    from incubator.certificates.pdf import PdfRenderError
    operator = make_user(session, Role.OPERATOR)
    session.commit()

    def broken(*args):
        raise PdfRenderError("too slow")
    monkeypatch.setattr(services, "render_pdf", broken)
    with pytest.raises(PdfRenderError):
        services.issue_company_dossier(session, operator, company)
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(IssuedDocument)) == 0


def test_reviewer_and_other_members_get_no_dossier(session, company):
    for actor in (make_user(session, Role.REVIEWER), make_user(session, Role.COMPANY, company=make_company(session))):
        with pytest.raises(PermissionDenied):
            services.issue_company_dossier(session, actor, company)
