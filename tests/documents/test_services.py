"""Uploading and versioning: hashes recorded, nothing overwritten, no orphan files, access rules."""
import hashlib

import pytest
import sqlalchemy as sa

from incubator.audit.models import AuditEntry
from incubator.companies.models import CompanyStatus
from incubator.core.errors import DomainError, PermissionDenied
from incubator.core.roles import Role
from incubator.documents import services
from incubator.documents.models import DocumentVersion
from incubator.documents.storage import file_store
from tests.factories import make_company, make_user

from . import files


def test_upload_records_hash_size_and_unicode_name(session, upload_file):
    member = make_user(session, Role.COMPANY)
    doc = services.upload_document(session, member, member.company, category="business_licence", title="",
                                   file_storage=upload_file(files.PDF))
    v = doc.current
    assert (doc.current_version_no, v.version_no) == (1, 1)
    assert doc.title == "营业执照"
    assert v.display_name == "营业执照.pdf" and v.mime == "application/pdf"
    assert v.sha256 == hashlib.sha256(files.PDF).hexdigest() and v.size == len(files.PDF)
    assert "营业执照" not in v.storage_key and file_store().read(v.storage_key) == files.PDF
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "document.upload"))
    assert entry.object_id == doc.id and entry.company_id == member.company_id
    assert entry.after["sha256"] == v.sha256


def test_versions_never_overwrite(session, upload_file):
    operator = make_user(session, Role.OPERATOR)
    company = make_company(session)
    doc = services.upload_document(session, operator, company, category="business_plan", title="商业计划书",
                                   file_storage=upload_file(files.PDF, "plan.pdf"))
    png = files.image("PNG")
    v2 = services.add_version(session, operator, doc, upload_file(png, "plan-v2.png"))
    docx = files.docx()
    v3 = services.add_version(session, operator, doc, upload_file(docx, "plan-v3.docx"))
    session.flush()
    session.expire_all()
    versions = session.scalars(sa.select(DocumentVersion).where(DocumentVersion.document_id == doc.id)
                               .order_by(DocumentVersion.version_no)).all()
    assert [v.version_no for v in versions] == [1, 2, 3] and doc.current_version_no == 3
    assert len({v.storage_key for v in versions}) == 3
    for v, data in zip(versions, [files.PDF, png, docx], strict=True):
        assert file_store().read(v.storage_key) == data
        assert v.sha256 == hashlib.sha256(data).hexdigest()
    assert (v2.mime, v3.mime) == ("image/png", files_mime_docx())
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                          .where(AuditEntry.action == "document.version_add")) == 2


def files_mime_docx():
    return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_stale_version_number_is_refused(session, upload_file):
    """Two uploads that both saw version 1 cannot both become version 2."""
    operator = make_user(session, Role.OPERATOR)
    doc = services.upload_document(session, operator, make_company(session), category="other", title="x",
                                   file_storage=upload_file(files.PDF))
    session.execute(sa.text("UPDATE documents SET current_version_no = 2 WHERE id = :id"), {"id": doc.id})
    with pytest.raises(DomainError, match="same moment"):
        services.add_version(session, operator, doc, upload_file(files.PDF))


def test_rolled_back_upload_leaves_no_file(session, upload_file, stored_files):
    member = make_user(session, Role.COMPANY)
    session.commit()
    before = stored_files()
    services.upload_document(session, member, member.company, category="other", title="x",
                             file_storage=upload_file(files.PDF))
    assert len(stored_files() - before) == 1
    session.rollback()
    assert stored_files() == before


def test_committed_upload_keeps_its_file(session, upload_file, stored_files):
    member = make_user(session, Role.COMPANY)
    before = stored_files()
    services.upload_document(session, member, member.company, category="other", title="x",
                             file_storage=upload_file(files.PDF))
    session.commit()
    assert len(stored_files() - before) == 1


def test_savepoint_rollback_removes_only_its_own_files(session, upload_file, stored_files):
    member = make_user(session, Role.COMPANY)
    before = stored_files()
    kept = services.upload_document(session, member, member.company, category="other", title="kept",
                                    file_storage=upload_file(files.PDF))
    savepoint = session.begin_nested()
    services.upload_document(session, member, member.company, category="other", title="dropped",
                             file_storage=upload_file(files.image()))
    savepoint.rollback()
    session.commit()
    assert stored_files() - before == {file_store().path(kept.current.storage_key)}


def test_closing_without_commit_leaves_no_file(app, upload_file, stored_files):
    from incubator.db import db
    with app.app_context():
        s = db.Session()
        company = make_company(s)
        operator = make_user(s, Role.OPERATOR)
        before = stored_files()
        services.upload_document(s, operator, company, category="other", title="x",
                                 file_storage=upload_file(files.PDF))
        s.close()
    assert stored_files() == before


def test_refused_file_writes_nothing(session, upload_file, stored_files):
    member = make_user(session, Role.COMPANY)
    before = stored_files()
    with pytest.raises(DomainError, match="not accepted"):
        services.upload_document(session, member, member.company, category="other", title="x",
                                 file_storage=upload_file(b"<html>hi</html>", "x.pdf"))
    assert stored_files() == before


def test_oversized_upload_is_refused(session, upload_file, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_MB", 1)
    member = make_user(session, Role.COMPANY)
    with pytest.raises(DomainError, match="larger than 1 MB"):
        services.upload_document(session, member, member.company, category="other", title="x",
                                 file_storage=upload_file(files.PDF + b"\0" * (1024 * 1024)))


def test_unknown_category_is_refused(session, upload_file):
    member = make_user(session, Role.COMPANY)
    with pytest.raises(DomainError, match="category"):
        services.upload_document(session, member, member.company, category="../etc", title="x",
                                 file_storage=upload_file(files.PDF))


@pytest.mark.parametrize("who", ["other_member", "reviewer", "supervisor", "exited_member"])
def test_who_may_not_upload(session, upload_file, who):
    company = make_company(session)
    actor = {
        "other_member": lambda: make_user(session, Role.COMPANY),
        "reviewer": lambda: make_user(session, Role.REVIEWER),
        "supervisor": lambda: make_user(session, Role.SUPERVISOR),
        "exited_member": lambda: make_user(session, Role.COMPANY, company=company),
    }[who]()
    if who == "exited_member":
        company.status = CompanyStatus.EXITED
    with pytest.raises(PermissionDenied):
        services.upload_document(session, actor, company, category="other", title="x",
                                 file_storage=upload_file(files.PDF))


def test_company_documents_helper_filters_by_subject(session, upload_file):
    operator = make_user(session, Role.OPERATOR)
    company = make_company(session)
    services.upload_document(session, operator, company, category="other", title="profile",
                             file_storage=upload_file(files.PDF))
    services.upload_document(session, operator, company, category="other", title="for application",
                             file_storage=upload_file(files.PDF), subject_type="application", subject_id=7)
    assert {d.title for d in services.company_documents(session, company.id)} == {"profile", "for application"}
    assert [d.title for d in services.company_documents(session, company.id, "application", 7)] == ["for application"]
