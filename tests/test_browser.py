"""A person's walk through the demo in Debian's chromium (Playwright with executable_path)."""
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from .conftest import _TMP

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live_server(app):
    """The demo community on its own SQLite file, served on a free port."""
    from incubator import create_app, migrate
    from incubator.demo import seed_demo

    url = f"sqlite:///{_TMP / 'browser.db'}"
    migrate.upgrade(url)
    demo_app = create_app({"DATABASE_URL": url, "INSTANCE_DIR": str(_TMP / "browser-instance"),
                           "UPLOAD_DIR": str(_TMP / "browser-files"), "SECRET_KEY": "browser"})
    with demo_app.app_context():
        from incubator.db import db
        session = db.Session()
        seed_demo(session)
        session.commit()
        session.close()
    server = make_server("127.0.0.1", 0, demo_app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


def _login(page, base, username):
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "Demo@2026")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_operator_clicks_through_home_list_and_detail(live_server, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    _login(page, live_server, "operator")
    assert page.locator("h2.page-title").inner_text() == "我的待办"
    page.screenshot(path=str(ARTIFACTS / "home-operator.png"), full_page=True)
    page.click("nav >> text=企业") if page.locator("nav >> text=企业").count() else page.click("text=企业")
    page.wait_for_url(f"{live_server}/companies/")
    rows = page.locator("table tbody tr")
    assert rows.count() >= 10
    page.screenshot(path=str(ARTIFACTS / "companies.png"), full_page=True)
    page.fill("input[name=q]", "科技")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    first = page.locator("table tbody tr a").first
    name = first.inner_text()
    first.click()
    page.wait_for_load_state()
    assert name in page.locator("h2.page-title").inner_text()
    assert "统一社会信用代码" in page.content()
    page.screenshot(path=str(ARTIFACTS / "company-detail.png"), full_page=True)
    page.close()


def test_company_member_sees_own_company_and_no_registry(live_server, browser):
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    _login(page, live_server, "company1")
    page.click("text=我的企业")
    page.wait_for_load_state()
    assert "统一社会信用代码" in page.content()
    page.screenshot(path=str(ARTIFACTS / "company-mine.png"), full_page=True)
    resp = page.goto(f"{live_server}/companies/")
    assert resp.status == 403
    page.close()


def test_every_demo_role_gets_a_home_page(live_server, browser):
    for username in ("admin", "reviewer1", "lead", "deputy", "commander", "supervisor"):
        context = browser.new_context()
        page = context.new_page()
        _login(page, live_server, username)
        assert page.locator("#inbox, .empty").count() >= 1
        context.close()
