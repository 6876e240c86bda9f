"""Login, lockout, logout invalidation, password change, safe redirects, CSRF."""
import sqlalchemy as sa

from incubator.accounts.models import User
from incubator.audit.models import AuditEntry
from incubator.core.roles import Role

from ..factories import PASSWORD, make_user


def _login(client, username, password=PASSWORD, **extra):
    return client.post("/login", data={"username": username, "password": password, **extra})


def test_login_and_home(client, session):
    user = make_user(session, Role.OPERATOR, username="op1")
    resp = _login(client, "op1")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/")
    assert client.get("/").status_code == 200
    assert session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "user.login",
                                                      AuditEntry.actor_id == user.id))


def test_wrong_password_is_refused_with_message(client, session):
    make_user(session, Role.OPERATOR, username="op2")
    resp = _login(client, "op2", "wrong-pass1")
    assert resp.status_code == 401
    assert "用户名或密码错误" in resp.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_unknown_user_gets_same_message(client, session):
    resp = _login(client, "nobody", "whatever1")
    assert resp.status_code == 401 and "用户名或密码错误" in resp.get_data(as_text=True)


def test_lockout_after_repeated_failures(client, session, app):
    user = make_user(session, Role.OPERATOR, username="op3")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        _login(client, "op3", "bad-password1")
    session.refresh(user)
    assert user.locked_until is not None
    # even the right password is refused while locked
    resp = _login(client, "op3")
    assert resp.status_code == 401 and "锁定" in resp.get_data(as_text=True)


def test_disabled_account_cannot_login(client, session):
    make_user(session, Role.OPERATOR, username="op4", active=False)
    resp = _login(client, "op4")
    assert resp.status_code == 401 and "停用" in resp.get_data(as_text=True)


def test_logout_invalidates_copied_cookie(client, session, app):
    make_user(session, Role.OPERATOR, username="op5")
    _login(client, "op5")
    cookie = client.get_cookie("session").value
    assert client.post("/logout").status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", cookie, domain="localhost")
    resp = thief.get("/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_change_password_signs_out_other_sessions(client, session, app):
    make_user(session, Role.OPERATOR, username="op6")
    _login(client, "op6")
    other = app.test_client()
    _login(other, "op6")
    assert other.get("/").status_code == 200
    resp = client.post("/account/password", data={"current": PASSWORD, "password": "NewPass2026",
                                                    "confirm": "NewPass2026"})
    assert resp.status_code == 302
    assert client.get("/").status_code == 200  # this session was renewed
    assert other.get("/").status_code == 302  # the other one is gone
    assert _login(app.test_client(), "op6", "NewPass2026").status_code == 302


def test_change_password_rejects_weak_and_wrong_current(client, session, login):
    login(Role.OPERATOR)
    resp = client.post("/account/password", data={"current": "nope", "password": "NewPass2026",
                                                    "confirm": "NewPass2026"})
    assert "当前密码不正确" in resp.get_data(as_text=True)
    resp = client.post("/account/password", data={"current": PASSWORD, "password": "abcdefgh",
                                                    "confirm": "abcdefgh"})
    assert "字母和数字" in resp.get_data(as_text=True)


def test_open_redirect_is_ignored(client, session):
    make_user(session, Role.OPERATOR, username="op7")
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"):
        client.post("/logout") if client.get_cookie("session") else None
        resp = client.post(f"/login?next={target}", data={"username": "op7", "password": PASSWORD})
        assert resp.headers["Location"] == "/", target


def test_safe_next_is_followed(client, session):
    make_user(session, Role.OPERATOR, username="op8")
    resp = client.post("/login?next=/audit/", data={"username": "op8", "password": PASSWORD})
    assert resp.headers["Location"] == "/audit/"


def test_csrf_is_required_on_every_post(app, session):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        c = app.test_client()
        make_user(session, Role.OPERATOR, username="op9")
        resp = c.post("/login", data={"username": "op9", "password": PASSWORD})
        assert resp.status_code == 400
        assert "表单已过期" in resp.get_data(as_text=True)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_security_headers(client):
    resp = client.get("/login")
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in resp.headers["Content-Security-Policy"]


def test_language_switch(client):
    assert "登录" in client.get("/login").get_data(as_text=True)
    client.post("/lang/en", data={"next": "/login"})
    assert "Sign in" in client.get("/login").get_data(as_text=True)
    assert client.post("/lang/xx").status_code == 404


def test_healthz(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200 and resp.json["database"] == "ok"


def test_healthz_reports_unreachable_database(app):
    from incubator import create_app
    broken = create_app({"DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none", "TESTING": True,
                         "INSTANCE_DIR": app.config["INSTANCE_DIR"], "SECRET_KEY": "x"})
    resp = broken.test_client().get("/healthz")
    assert resp.status_code == 503


def test_password_hash_is_argon2(session):
    from incubator.accounts.services import create_user
    user = create_user(session, None, username="argon", display_name="A", password="Secret2026",
                       roles=[Role.OPERATOR])
    assert user.password_hash.startswith("$argon2")
    assert session.get(User, user.id).password_hash != "Secret2026"
