"""Admin pages: create users, assign roles, disable, reset passwords."""
import sqlalchemy as sa

from incubator.accounts.models import User
from incubator.core.roles import Role

from ..factories import make_company, make_user


def test_admin_creates_user_with_several_roles(client, session, login):
    login(Role.ADMIN)
    resp = client.post("/admin/users/new", data={"username": "lead2", "display_name": "组长", "roles": ["lead", "reviewer"],
                                                  "company_id": 0, "password": "Lead20260"})
    assert resp.status_code == 302
    user = session.scalar(sa.select(User).where(User.username == "lead2"))
    assert user.role_set == {Role.LEAD, Role.REVIEWER}


def test_company_role_needs_company(client, session, login):
    login(Role.ADMIN)
    resp = client.post("/admin/users/new", data={"username": "member-x", "display_name": "x", "roles": ["company"],
                                                  "company_id": 0, "password": "Member2026"})
    assert "必须属于一家企业" in resp.get_data(as_text=True)
    company = make_company(session)
    resp = client.post("/admin/users/new", data={"username": "member-x", "display_name": "x", "roles": ["company"],
                                                  "company_id": company.id, "password": "Member2026"})
    assert resp.status_code == 302


def test_admin_list_filters(client, session, login):
    login(Role.ADMIN)
    make_user(session, Role.REVIEWER, username="expert-zhang")
    make_user(session, Role.OPERATOR, username="op-li")
    text = client.get("/admin/users?role=reviewer").get_data(as_text=True)
    assert "expert-zhang" in text and "op-li" not in text
    assert "op-li" in client.get("/admin/users?q=op-").get_data(as_text=True)


def test_disable_signs_user_out(client, session, login, app):
    target = make_user(session, Role.OPERATOR, username="victim")
    victim = app.test_client()
    with victim.session_transaction() as s:
        s["_user_id"] = target.get_id()
    assert victim.get("/").status_code == 200
    login(Role.ADMIN)
    assert client.post(f"/admin/users/{target.id}/active", data={"active": "0"}).status_code == 302
    assert victim.get("/").status_code == 302
    assert session.get(User, target.id).active is False


def test_admin_cannot_disable_self_or_drop_own_admin(client, session, login):
    admin = login(Role.ADMIN)
    client.post(f"/admin/users/{admin.id}/active", data={"active": "0"})
    assert session.get(User, admin.id).active is True
    resp = client.post(f"/admin/users/{admin.id}", data={"display_name": "x", "roles": ["operator"], "company_id": 0})
    assert "不能取消自己的管理员角色" in resp.get_data(as_text=True)


def test_reset_password_shows_temporary_once(client, session, login):
    login(Role.ADMIN)
    target = make_user(session, Role.OPERATOR)
    old_hash = target.password_hash
    resp = client.post(f"/admin/users/{target.id}/reset-password", follow_redirects=True)
    assert "临时密码" in resp.get_data(as_text=True)
    assert session.get(User, target.id).password_hash != old_hash


def test_non_admin_gets_403(client, session, login):
    login(Role.OPERATOR)
    assert client.get("/admin/users").status_code == 403
    assert client.post("/admin/users/new", data={}).status_code == 403
