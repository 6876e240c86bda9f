"""Certificate pages: dossier on demand, downloads, the register, verification, revoking."""
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from incubator.certificates import services
from incubator.certificates.models import IssuedDocument
from incubator.core.roles import Role
from tests.factories import make_user

from .conftest import pdf_text


def _member(session, company):
    return make_user(session, Role.COMPANY, company=company)


def test_member_gets_own_dossier_inline(client, login, session, company):
    login(_member(session, company))
    resp = client.get(f"/certificates/dossier/{company.id}")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert resp.headers["Content-Disposition"].startswith("inline")
    assert quote("企业档案") in resp.headers["Content-Disposition"]
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    doc = session.scalar(sa.select(IssuedDocument).where(IssuedDocument.company_id == company.id))
    text = pdf_text(resp.data)
    assert "企业档案" in text and company.name in text and doc.number in text


def test_dossier_is_reused_while_nothing_changed(client, login, session, company):
    login(_member(session, company))
    first = client.get(f"/certificates/dossier/{company.id}").data
    second = client.get(f"/certificates/dossier/{company.id}").data
    assert first == second
    assert session.scalar(sa.select(sa.func.count()).select_from(IssuedDocument)) == 1


@pytest.mark.parametrize(("who", "status"), [
    ("own_member", 200), ("other_member", 404), ("operator", 200), ("supervisor", 200), ("deputy", 200),
    ("reviewer", 403), ("anonymous", 302),
])
def test_dossier_and_download_access(client, login, session, company, who, status):
    doc = services.issue_company_dossier(session, make_user(session, Role.OPERATOR), company)
    session.commit()
    if who == "own_member":
        login(_member(session, company))
    elif who == "other_member":
        login(Role.COMPANY)
    elif who != "anonymous":
        login(Role[who.upper()])
    for url in (f"/certificates/dossier/{company.id}", f"/certificates/{doc.id}/pdf"):
        resp = client.get(url)
        assert resp.status_code == status, url
        if status == 200:
            assert resp.mimetype == "application/pdf"
        if status == 302:
            assert "/login" in resp.headers["Location"]


def test_download_is_an_attachment(client, login, session, company):
    doc = services.issue_company_dossier(session, make_user(session, Role.OPERATOR), company)
    login(Role.OPERATOR)
    resp = client.get(f"/certificates/{doc.id}/pdf")
    assert resp.headers["Content-Disposition"].startswith("attachment") and doc.number in resp.headers["Content-Disposition"]


def test_missing_ids_give_404(client, login):
    login(Role.ADMIN)
    for url in ("/certificates/dossier/999999", "/certificates/999999/pdf", "/certificates/999999"):
        assert client.get(url).status_code == 404
    assert client.post("/certificates/999999/revoke", data={"reason": "x"}).status_code == 404


def test_verify_shows_valid_then_revoked(client, login, session, company):
    admin = make_user(session, Role.ADMIN)
    doc = services.issue_company_dossier(session, admin, company)
    session.commit()
    page = client.get(f"/verify/{doc.verify_code}").get_data(as_text=True)
    assert "Genuine document" in page and 'id="status">Valid<' in page
    assert doc.number in page and company.name in page
    assert "navbar" not in page  # minimal page, no navigation
    services.revoke_document(session, admin, doc, "企业信息变更")
    session.commit()
    page = client.get(f"/verify/{doc.verify_code}").get_data(as_text=True)
    assert 'id="status">Revoked<' in page and "企业信息变更" in page


def test_verify_shows_superseded(client, session, company):
    from incubator.companies.models import Company
    operator = make_user(session, Role.OPERATOR)
    old = services.issue_company_dossier(session, operator, company)
    session.get(Company, company.id).headcount = 99
    new = services.issue_company_dossier(session, operator, company)
    session.commit()
    page = client.get(f"/verify/{old.verify_code}").get_data(as_text=True)
    assert "Superseded" in page and new.number in page


@pytest.mark.parametrize("code", ["nonexistent-code", "x" * 300, "%3Cscript%3E"])
def test_verify_unknown_code_is_not_found(client, code):
    resp = client.get(f"/verify/{code}")
    assert resp.status_code == 404 and "Not found" in resp.get_data(as_text=True)
    assert "<script>" not in resp.get_data(as_text=True)


def test_register_lists_filters_and_searches(client, login, session, company):
    admin = make_user(session, Role.ADMIN)
    doc = services.issue_company_dossier(session, admin, company)
    session.commit()
    login(Role.SUPERVISOR)
    page = client.get("/certificates/").get_data(as_text=True)
    assert doc.number in page and company.name in page
    assert doc.number in client.get("/certificates/", query_string={"q": "智造"}).get_data(as_text=True)
    assert doc.number in client.get("/certificates/", query_string={"q": doc.number[-5:]}).get_data(as_text=True)
    assert doc.number in client.get("/certificates/", query_string={"kind": "company_dossier", "status": "valid"}
                                    ).get_data(as_text=True)
    page = client.get("/certificates/", query_string={"status": "revoked"}).get_data(as_text=True)
    assert doc.number not in page and "No issued documents match." in page
    assert client.get("/certificates/", query_string={"page": "x", "status": "bogus"}).status_code == 200


@pytest.mark.parametrize(("role", "status"), [("operator", 200), ("supervisor", 200), ("reviewer", 403),
                                              ("company", 403)])
def test_register_access(client, login, role, status):
    login(Role[role.upper()])
    assert client.get("/certificates/").status_code == status


def test_admin_revokes_through_the_page(client, login, session, company):
    doc = services.issue_company_dossier(session, make_user(session, Role.OPERATOR), company)
    login(Role.ADMIN)
    session.commit()
    assert client.get(f"/certificates/{doc.id}").status_code == 200
    resp = client.post(f"/certificates/{doc.id}/revoke", data={"reason": ""})
    assert resp.status_code == 303 and session.get(IssuedDocument, doc.id).revoked_at is None
    resp = client.post(f"/certificates/{doc.id}/revoke", data={"reason": "重复出具"}, follow_redirects=True)
    assert resp.status_code == 200 and "Revoked" in resp.get_data(as_text=True)
    session.expire_all()
    assert session.get(IssuedDocument, doc.id).revoked_reason == "重复出具"


@pytest.mark.parametrize("role", ["operator", "supervisor", "company"])
def test_only_admin_may_revoke(client, login, session, company, role):
    doc = services.issue_company_dossier(session, make_user(session, Role.OPERATOR), company)
    session.commit()
    login(_member(session, company) if role == "company" else Role[role.upper()])
    assert client.post(f"/certificates/{doc.id}/revoke", data={"reason": "x"}).status_code == 403
