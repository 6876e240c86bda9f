"""Company self-registration and invitations."""
import sqlalchemy as sa

from incubator.accounts.models import Invitation, User
from incubator.companies.models import Company, CompanyStatus
from incubator.core.roles import Role

from ..factories import credit_code, make_company, make_user


def _register(client, **over):
    data = {"company_name": "东莞水乡储能科技有限公司", "credit_code": credit_code(900001), "contact_name": "陈晓",
            "contact_phone": "13912345678", "contact_email": "", "username": "chenxiao",
            "password": "Storage2026", "confirm": "Storage2026"}
    data.update(over)
    return client.post("/register", data=data)


def test_register_creates_company_and_first_member(client, session):
    resp = _register(client)
    assert resp.status_code == 302
    company = session.scalar(sa.select(Company).where(Company.credit_code == credit_code(900001)))
    assert company.status == CompanyStatus.APPLICANT and company.name == "东莞水乡储能科技有限公司"
    user = session.scalar(sa.select(User).where(User.username == "chenxiao"))
    assert user.company_id == company.id and user.role_set == {Role.COMPANY}
    assert client.get("/").status_code == 200


def test_register_rejects_bad_check_digit(client, session):
    code = credit_code(900002)
    bad = code[:-1] + ("0" if code[-1] != "0" else "1")
    resp = _register(client, credit_code=bad)
    assert resp.status_code == 200 and "校验位" in resp.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(Company)) == 0


def test_register_rejects_wrong_length(client, session):
    resp = _register(client, credit_code="91441900")
    assert "18" in resp.get_data(as_text=True)


def test_register_accepts_fullwidth_and_lowercase(client, session):
    code = credit_code(900003)
    fullwidth = "".join(chr(ord(c) + 0xFEE0) if c.isalnum() else c for c in code.lower())
    assert _register(client, credit_code=fullwidth).status_code == 302
    assert session.scalar(sa.select(Company.credit_code).where(Company.credit_code == code)) == code


def test_register_refuses_duplicate_code(client, session):
    make_company(session, credit_code=credit_code(900004))
    resp = _register(client, credit_code=credit_code(900004))
    assert resp.status_code == 200 and "已经注册" in resp.get_data(as_text=True)


def test_register_refuses_taken_username_and_weak_password(client, session):
    make_user(session, Role.OPERATOR, username="taken")
    assert "已被使用" in _register(client, username="taken").get_data(as_text=True)
    text = _register(client, username="fresh", password="abcdefgh", confirm="abcdefgh").get_data(as_text=True)
    assert "字母和数字" in text
    assert session.scalar(sa.select(sa.func.count()).select_from(Company)) == 0


def test_invite_and_accept(client, session, login, app):
    member = login(Role.COMPANY)
    resp = client.post("/colleagues", data={"name": "王五", "email": "wang@example.com"})
    assert resp.status_code == 200
    link = resp.get_data(as_text=True).split('id="invite-link">')[1].split("<")[0]
    token = link.rsplit("/", 1)[1]
    newcomer = app.test_client()
    page = newcomer.get(f"/invitations/{token}")
    assert member.company.name in page.get_data(as_text=True)
    resp = newcomer.post(f"/invitations/{token}", data={"display_name": "王五", "phone": "", "username": "wangwu",
                                                        "password": "Colleague1", "confirm": "Colleague1"})
    assert resp.status_code == 302
    # the link works once only
    assert newcomer.get(f"/invitations/{token}").status_code == 404
    wang = session.scalar(sa.select(User).where(User.username == "wangwu"))
    assert wang.company_id == member.company_id and wang.role_set == {Role.COMPANY}


def test_invitation_revoked_and_bad_token(client, session, login, app):
    member = login(Role.COMPANY)
    from incubator.accounts.services import invite_colleague
    inv, token = invite_colleague(session, member, name="赵六", email=None)
    assert client.post(f"/invitations/{inv.id}/revoke").status_code == 302
    assert session.get(Invitation, inv.id).revoked_at is not None
    assert app.test_client().get(f"/invitations/{token}").status_code == 404
    assert app.test_client().get("/invitations/not-a-token").status_code == 404


def test_member_cannot_revoke_other_company_invitation(client, session, login):
    other = make_user(session, Role.COMPANY)
    from incubator.accounts.services import invite_colleague
    inv, _ = invite_colleague(session, other, name="钱七", email=None)
    login(Role.COMPANY)
    assert client.post(f"/invitations/{inv.id}/revoke").status_code == 404
    assert session.get(Invitation, inv.id).revoked_at is None
