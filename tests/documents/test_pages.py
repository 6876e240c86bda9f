"""Documents pages: list + upload, detail + new version, downloads and who may reach them."""
import io
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from incubator.core.roles import Role
from incubator.documents import services
from incubator.documents.models import Document
from tests.factories import make_company, make_user

from . import files


def _post_file(client, url, data, name="营业执照.pdf", **fields):
    return client.post(url, data={**fields, "file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


@pytest.fixture
def doc(session, upload_file):
    operator = make_user(session, Role.OPERATOR)
    company = make_company(session, name="东莞水乡测试科技有限公司")
    document = services.upload_document(session, operator, company, category="business_licence", title="营业执照",
                                        file_storage=upload_file(files.PDF, "营业执照.pdf"))
    session.commit()  # the request shares this session: a view's rollback must not undo the setup
    return document


def test_member_uploads_and_sees_the_document(client, login, session):
    member = login(Role.COMPANY)
    resp = _post_file(client, f"/documents/company/{member.company_id}/upload", files.PDF,
                      category="financial_statements", title="2025年财务报表")
    assert resp.status_code == 303
    document = session.scalar(sa.select(Document).where(Document.company_id == member.company_id))
    assert resp.headers["Location"].endswith(f"/documents/{document.id}")
    assert document.title == "2025年财务报表" and document.current.display_name == "营业执照.pdf"
    page = client.get(f"/documents/company/{member.company_id}").get_data(as_text=True)
    assert "2025年财务报表" in page and "营业执照.pdf" in page


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"", "empty.pdf", "The file is empty."),
    (b"<html><body>hi</body></html>", "invoice.pdf", "This file type is not accepted"),
    (files.png_bomb(), "scan.png", "too many pixels"),
])
def test_bad_upload_is_refused_with_a_clear_message(client, login, session, stored_files, data, name, message):
    member = login(Role.COMPANY)
    session.commit()
    before = stored_files()
    resp = _post_file(client, f"/documents/company/{member.company_id}/upload", data, name, category="other")
    assert resp.status_code == 400
    assert message in resp.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(Document)
                          .where(Document.company_id == member.company_id)) == 0
    assert stored_files() == before


def test_oversized_upload_is_refused(client, login, session, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_MB", 1)
    member = login(Role.COMPANY)
    session.commit()
    resp = _post_file(client, f"/documents/company/{member.company_id}/upload", files.PDF + b"\0" * (1024 * 1024 + 1),
                      category="other")
    assert resp.status_code == 400 and "larger than 1 MB" in resp.get_data(as_text=True)


def test_missing_file_and_bad_category(client, login, session):
    member = login(Role.COMPANY)
    session.commit()
    resp = client.post(f"/documents/company/{member.company_id}/upload", data={"category": "nonsense"},
                       content_type="multipart/form-data")
    assert resp.status_code == 400
    assert "Please choose a file." in resp.get_data(as_text=True)


def test_database_failure_after_saving_leaves_no_file(client, login, session, stored_files, monkeypatch):
    member = login(Role.COMPANY)
    session.commit()
    before = stored_files()

    def broken_audit(*args, **kwargs):
        raise RuntimeError("database went away")
    monkeypatch.setattr(services, "record", broken_audit)
    resp = _post_file(client, f"/documents/company/{member.company_id}/upload", files.PDF, category="other")
    assert resp.status_code == 500
    assert stored_files() == before


def test_new_version_page_flow(client, login, session, doc):
    login(Role.OPERATOR)
    resp = _post_file(client, f"/documents/{doc.id}/versions", files.image("JPEG"), "营业执照-新.jpg")
    assert resp.status_code == 303
    page = client.get(f"/documents/{doc.id}").get_data(as_text=True)
    assert "营业执照-新.jpg" in page and "营业执照.pdf" in page  # both versions listed
    resp = _post_file(client, f"/documents/{doc.id}/versions", b"MZ\x90\x00" * 10, "x.pdf")
    assert resp.status_code == 400 and "not accepted" in resp.get_data(as_text=True)


def test_category_filter_and_search(client, login, session, doc, upload_file):
    login(Role.OPERATOR)
    operator = make_user(session, Role.OPERATOR)
    from incubator.companies.models import Company
    company = session.get(Company, doc.company_id)
    services.upload_document(session, operator, company, category="team_cvs", title="核心团队简历",
                             file_storage=upload_file(files.docx(), "team.docx"))
    url = f"/documents/company/{company.id}"
    page = client.get(url, query_string={"category": "team_cvs"}).get_data(as_text=True)
    assert "核心团队简历" in page and "营业执照.pdf" not in page
    page = client.get(url, query_string={"q": "营业"}).get_data(as_text=True)
    assert "营业执照" in page and "核心团队简历" not in page
    page = client.get(url, query_string={"q": "nothing-like-this"}).get_data(as_text=True)
    assert "No documents match." in page


def test_download_sends_the_bytes_with_unicode_name(client, login, doc):
    login(Role.OPERATOR)
    resp = client.get(f"/documents/versions/{doc.current.id}")
    assert resp.status_code == 200 and resp.data == files.PDF
    assert resp.mimetype == "application/pdf"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    disposition = resp.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and f"filename*=UTF-8''{quote('营业执照.pdf')}" in disposition


def _member_of(session, company_id):
    from incubator.companies.models import Company
    return make_user(session, Role.COMPANY, company=session.get(Company, company_id))


@pytest.mark.parametrize(("who", "status"), [
    ("own_member", 200), ("other_member", 404), ("operator", 200), ("supervisor", 200), ("lead", 200),
    ("reviewer", 403), ("anonymous", 302),
])
def test_access_matrix(client, login, session, doc, who, status):
    if who == "own_member":
        login(_member_of(session, doc.company_id))
    elif who == "other_member":
        login(Role.COMPANY)
    elif who != "anonymous":
        login(Role[who.upper()])
    for url in (f"/documents/company/{doc.company_id}", f"/documents/{doc.id}",
                f"/documents/versions/{doc.current.id}"):
        resp = client.get(url)
        assert resp.status_code == status, url
        if status == 302:
            assert "/login" in resp.headers["Location"]


@pytest.mark.parametrize(("who", "status"), [
    ("own_member", 303), ("operator", 303), ("admin", 303), ("other_member", 404), ("supervisor", 403),
    ("reviewer", 403), ("exited_member", 403),
])
def test_upload_matrix(client, login, session, doc, who, status):
    if who in ("own_member", "exited_member"):
        login(_member_of(session, doc.company_id))
        if who == "exited_member":
            from incubator.companies.models import Company, CompanyStatus
            session.get(Company, doc.company_id).status = CompanyStatus.EXITED
    elif who == "other_member":
        login(Role.COMPANY)
    else:
        login(Role[who.upper()])
    session.commit()
    assert _post_file(client, f"/documents/company/{doc.company_id}/upload", files.PDF,
                      category="other").status_code == status
    assert _post_file(client, f"/documents/{doc.id}/versions", files.PDF).status_code == status


def test_missing_ids_give_404(client, login):
    login(Role.OPERATOR)
    for url in ("/documents/company/999999", "/documents/999999", "/documents/versions/999999"):
        assert client.get(url).status_code == 404


def test_markup_in_titles_is_shown_as_text(client, login, session, upload_file):
    member = login(Role.COMPANY)
    services.upload_document(session, member, member.company, category="other", title="<script>x()</script>{{ 7*7 }}",
                             file_storage=upload_file(files.PDF, "<b>x</b>.pdf"))
    page = client.get(f"/documents/company/{member.company_id}").get_data(as_text=True)
    assert "<script>x()</script>" not in page and "&lt;script&gt;" in page and "{{ 7*7 }}" in page


def test_company_partial_lists_documents(app, session, doc):
    from flask import render_template_string

    from incubator.companies.models import Company
    company = session.get(Company, doc.company_id)
    with app.test_request_context():
        html = render_template_string('{% include "documents/_company_documents.html" %}',
                                      documents=services.company_documents(session, company.id), company=company)
    assert "营业执照" in html and f"/documents/{doc.id}" in html and f"/documents/company/{company.id}" in html
