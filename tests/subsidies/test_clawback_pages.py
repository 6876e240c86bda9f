"""Clawback pages through HTTP: the staff list with its filters and outstanding total, the page
each reader may see (another company's is 404), a new clawback previewed then recorded,
repayments and the waiver, and bad input everywhere."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import g

from incubator.core.roles import Role
from incubator.subsidies import clawbacks
from incubator.subsidies.models import Clawback, ClawbackRepayment
from incubator.subsidies.models import ClawbackState as S

from ..factories import make_company, make_user
from ..funds.data import make_paid_claim, make_pool

D = dt.date
PAID_ON = D(2025, 6, 1)


@pytest.fixture(autouse=True)
def english_messages(app, english, monkeypatch):
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "en")
    g.pop("_flask_babel", None)


@pytest.fixture
def operator(session):
    return make_user(session, Role.OPERATOR)


@pytest.fixture
def pool(session, operator):
    return make_pool(session, operator, allocated="5000000", name="市第一期")


def paid_company(session, operator, pool, name, amount="80000", paid_on=PAID_ON):
    company = make_company(session, name=name)
    claim = make_paid_claim(session, operator, company, pool, amount, paid_on)
    return company, claim


def flashes(client) -> list[str]:
    with client.session_transaction() as s:
        return [message for _category, message in s.get("_flashes", [])]


def test_list_filters_search_and_outstanding(session, client, login, operator, pool):
    a, _ = paid_company(session, operator, pool, "甲追回科技有限公司", "80000")
    b, _ = paid_company(session, operator, pool, "乙追回科技有限公司", "20000")
    c, _ = paid_company(session, operator, pool, "丙追回科技有限公司", "5000")
    first = clawbacks.create_clawback(session, operator, a, "exit", D(2026, 1, 1), due_on=D(2026, 2, 1))
    clawbacks.record_repayment(session, operator, first, "30000", D(2026, 1, 15))
    clawbacks.create_clawback(session, operator, b, "breach", D(2026, 1, 1))
    done = clawbacks.create_clawback(session, operator, c, "cleared", D(2026, 1, 1))
    clawbacks.record_repayment(session, operator, done, "5000", D(2026, 1, 20))
    login(Role.SUPERVISOR)
    html = client.get("/subsidies/clawbacks").get_data(as_text=True)
    assert all(name in html for name in ("甲追回", "乙追回", "丙追回"))
    assert '<div class="h2 mb-0 num text-start" id="outstanding">¥70,000.00</div>' in html  # 50,000 + 20,000
    assert "Overdue" in html and "New clawback" not in html
    partly = client.get("/subsidies/clawbacks?state=partly_repaid").get_data(as_text=True)
    assert "甲追回" in partly and "乙追回" not in partly
    found = client.get("/subsidies/clawbacks?q=乙追回").get_data(as_text=True)
    assert "乙追回" in found and "甲追回" not in found and "¥20,000.00</div>" in found
    by_reason = client.get("/subsidies/clawbacks?reason=cleared").get_data(as_text=True)
    assert "丙追回" in by_reason and "甲追回" not in by_reason
    assert "No clawbacks match." in client.get("/subsidies/clawbacks?q=无此企业").get_data(as_text=True)
    assert client.get("/subsidies/clawbacks?state=bogus&reason=x&page=-3").status_code == 200
    login(Role.COMPANY)
    assert client.get("/subsidies/clawbacks").status_code == 403


def test_who_reads_a_clawback(session, client, login, operator, pool):
    company, claim = paid_company(session, operator, pool, "读者测试科技有限公司")
    cb = clawbacks.create_clawback(session, operator, company, "exit", D(2026, 1, 1))
    url = f"/subsidies/clawbacks/{cb.id}"
    login(Role.LEAD)
    html = client.get(url).get_data(as_text=True)
    assert cb.number in html and "¥80,000.00" in html and claim.number in html
    assert f'href="/subsidies/claims/{claim.id}"' in html and "Record a repayment" not in html
    member = make_user(session, Role.COMPANY, company=company)
    login(member)
    html = client.get(url).get_data(as_text=True)
    assert cb.number in html and "Record a repayment" not in html and "Waive" not in html
    login(Role.COMPANY)  # a member of another company
    assert client.get(url).status_code == 404
    assert client.get(f"/subsidies/clawbacks/{2**31}").status_code == 404
    login(Role.REVIEWER)
    assert client.get(url).status_code == 403


def test_preview_then_record(session, client, login, operator, pool):
    company, claim = paid_company(session, operator, pool, "预览测试科技有限公司", "80000", D(2024, 6, 1))
    make_paid_claim(session, operator, company, pool, "12000.50", D(2025, 6, 1))
    login(operator)
    first = client.get(f"/subsidies/clawbacks/new?company_id={company.id}").get_data(as_text=True)
    assert "预览测试科技有限公司" in first and 'id="basis-total">¥12,000.50' in first  # as of today
    assert claim.number in first and "Lock-in period over" in first  # paid 2024-06-01: two years are over
    preview = client.get(f"/subsidies/clawbacks/new?company_id={company.id}&reason=exit&trigger_on=2026-05-31")
    assert preview.status_code == 200 and 'id="basis-total">¥92,000.50' in preview.get_data(as_text=True)
    resp = client.post("/subsidies/clawbacks/new", data={"company_id": company.id, "reason": "exit",
                                                         "trigger_on": "2026-06-01", "due_on": "2026-07-01",
                                                         "note": "退出"})
    cb = session.scalar(sa.select(Clawback).where(Clawback.company_id == company.id))
    assert resp.status_code == 303 and resp.headers["Location"].endswith(f"/subsidies/clawbacks/{cb.id}")
    assert cb.amount == Decimal("12000.50") and cb.due_on == D(2026, 7, 1) and cb.created_by_id == operator.id
    assert f"Clawback {cb.number} of ¥12,000.50 was recorded." in flashes(client)
    again = client.post("/subsidies/clawbacks/new", data={"company_id": company.id, "reason": "exit",
                                                          "trigger_on": "2026-06-01"})
    assert again.status_code == 400 and "Nothing to claw back" in again.get_data(as_text=True)


@pytest.mark.parametrize("change, message, preview", [
    ({"trigger_on": "2999-01-01"}, "Please enter a date between 2000 and 2100.", 400),
    ({"trigger_on": "2100-01-01"}, "cannot be in the future", 200),  # "what if it left then?" may be asked
    ({"trigger_on": "bad"}, "Not a valid date value", 400),
    ({"trigger_on": ""}, "Please enter the date.", 400),
    ({"due_on": "2025-01-01"}, "cannot be before the trigger date", 200),
    ({"reason": "bankrupt"}, "Not a valid choice", 400),
    ({"company_id": "0"}, "Please choose the company.", 400),
    ({"company_id": "abc"}, "Please choose the company.", 400),
    ({"company_id": "99999999999"}, "Not a valid choice", 400),
])
def test_new_clawback_bad_input(session, client, login, operator, pool, change, message, preview):
    company, _ = paid_company(session, operator, pool, "坏输入科技有限公司")
    login(operator)
    data = {"company_id": company.id, "reason": "exit", "trigger_on": "2026-01-01", **change}
    resp = client.post("/subsidies/clawbacks/new", data=data)
    assert resp.status_code == 400 and message in resp.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(Clawback)) == 0
    assert client.get("/subsidies/clawbacks/new", query_string=data).status_code == preview


def test_new_clawback_access_and_empty(session, client, login):
    login(Role.OPERATOR)
    assert "No company has received a subsidy yet" in client.get("/subsidies/clawbacks/new").get_data(as_text=True)
    for role in (Role.COMMANDER, Role.SUPERVISOR, Role.COMPANY):
        login(role)
        assert client.get("/subsidies/clawbacks/new").status_code == 403
        assert client.post("/subsidies/clawbacks/new", data={}).status_code == 403


def test_repayments_through_the_page(session, client, login, operator, pool):
    company, _ = paid_company(session, operator, pool, "还款测试科技有限公司", "10000")
    cb = clawbacks.create_clawback(session, operator, company, "exit", D(2026, 1, 1))
    url = f"/subsidies/clawbacks/{cb.id}"
    login(Role.ADMIN)
    assert "Record a repayment" in client.get(url).get_data(as_text=True)
    resp = client.post(f"{url}/repay", data={"amount": "４０００", "paid_on": "2026-02-01", "reference": "HK-1"})
    assert resp.status_code == 303 and "¥4,000.00 was recorded" in flashes(client)[-1]
    over = client.post(f"{url}/repay", data={"amount": "6000.01", "paid_on": "2026-02-02"})
    assert over.status_code == 400 and "more than the outstanding ¥6,000.00" in over.get_data(as_text=True)
    for bad in ({"amount": "-1"}, {"amount": "0.001"}, {"amount": "NaN"}, {"amount": "9" * 30}, {"amount": ""},
                {"paid_on": "2026-13-01"}, {"paid_on": "2199-01-01"}, {"reference": "x" * 81}):
        resp = client.post(f"{url}/repay", data={"amount": "1", "paid_on": "2026-02-02", **bad})
        assert resp.status_code == 400, bad
    client.post(f"{url}/repay", data={"amount": "6000", "paid_on": "2026-02-03"})
    session.refresh(cb)
    assert (cb.state, cb.repaid) == (S.REPAID, Decimal("10000.00"))
    html = client.get(url).get_data(as_text=True)
    assert "Repaid in full" in html and "市第一期" in html and "Record a repayment" not in html
    closed = client.post(f"{url}/repay", data={"amount": "1", "paid_on": "2026-02-03"})
    assert closed.status_code == 409 and "not possible in the current state (Repaid)" in closed.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(ClawbackRepayment)) == 2
    login(Role.COMMANDER)
    assert client.post(f"{url}/repay", data={"amount": "1", "paid_on": "2026-02-03"}).status_code == 403


def test_waive_through_the_page(session, client, login, operator, pool):
    company, _ = paid_company(session, operator, pool, "豁免测试科技有限公司")
    cb = clawbacks.create_clawback(session, operator, company, "cleared", D(2026, 1, 1))
    url = f"/subsidies/clawbacks/{cb.id}"
    login(operator)
    assert "Waive" not in client.get(url).get_data(as_text=True)
    assert client.post(f"{url}/waive", data={"reason": "x"}).status_code == 403
    commander = make_user(session, Role.COMMANDER)
    login(commander)
    assert "Waive the clawback" in client.get(url).get_data(as_text=True)
    assert client.post(f"{url}/waive", data={"reason": "  "}).status_code == 400
    resp = client.post(f"{url}/waive", data={"reason": "企业破产清算，经指挥部会议决定豁免"})
    assert resp.status_code == 303
    session.refresh(cb)
    assert cb.state == S.WAIVED
    assert "企业破产清算" in client.get(url).get_data(as_text=True)


def test_the_recorder_cannot_waive_through_the_page(session, client, login, pool, operator):
    both = make_user(session, Role.ADMIN, Role.COMMANDER)
    company, _ = paid_company(session, operator, pool, "四眼测试科技有限公司")
    cb = clawbacks.create_clawback(session, both, company, "breach", D(2026, 1, 1))
    login(both)
    assert "Waive the clawback" not in client.get(f"/subsidies/clawbacks/{cb.id}").get_data(as_text=True)
    assert client.post(f"/subsidies/clawbacks/{cb.id}/waive", data={"reason": "自批"}).status_code == 403
    session.refresh(cb)
    assert cb.state == S.OPEN


def test_pages_render_in_chinese(session, client, login, operator, pool):
    company, _ = paid_company(session, operator, pool, "中文页面科技有限公司")
    cb = clawbacks.create_clawback(session, operator, company, "exit", D(2026, 1, 1), due_on=D(2026, 2, 1))
    clawbacks.record_repayment(session, operator, cb, "100", D(2026, 1, 5))
    login(operator)
    with client.session_transaction() as s:
        s["lang"] = "zh_CN"
    for url in ("/subsidies/clawbacks", f"/subsidies/clawbacks/{cb.id}", "/subsidies/clawbacks/new",
                f"/subsidies/clawbacks/new?company_id={company.id}&reason=breach&trigger_on=2026-01-01"):
        resp = client.get(url)
        assert resp.status_code == 200 and 'lang="zh-CN"' in resp.get_data(as_text=True), url
