from incubator.core.roles import Role


def test_login_page_in_chinese(client):
    resp = client.get("/login")
    assert resp.status_code == 200
    assert "登录" in resp.get_data(as_text=True) or "Sign in" in resp.get_data(as_text=True)


def test_home_requires_login(client):
    resp = client.get("/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_home_for_operator(client, login):
    login(Role.OPERATOR)
    resp = client.get("/")
    assert resp.status_code == 200
