"""Fund pages through HTTP: the overview with its totals and matching status, a pool's ledger
with its filter, pages and links, new programmes and pools, rules, top-ups, bad input, the inbox."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from incubator.core.inbox import tasks_for
from incubator.core.roles import Role
from incubator.funds import services as funds
from incubator.funds.models import FundEntry, FundPool, FundProgram, FundSource
from incubator.subsidies import clawbacks

from ..factories import make_company, make_user
from .data import make_paid_claim, make_pool, make_program


@pytest.fixture(autouse=True)
def _english(english):
    pass


@pytest.fixture
def operator(session):
    return make_user(session, Role.OPERATOR)


def flashes(client) -> list[str]:
    with client.session_transaction() as s:
        return [message for _category, message in s.get("_flashes", [])]


def test_overview_shows_pools_totals_and_matching(session, client, login, operator):
    program = make_program(session, operator, name="水乡专项经费")
    city = make_pool(session, operator, program, allocated="10000000", name="市科技局第一期")
    make_pool(session, operator, program, FundSource.COMMITTEE, allocated="4000000", name="管委会配套第一批")
    funds.commit(session, operator, city.id, "9500000", funds.CLAIM, 1)
    login(Role.SUPERVISOR)
    html = client.get("/funds/").get_data(as_text=True)
    assert "水乡专项经费" in html and "市科技局第一期" in html and "管委会配套第一批" in html
    assert "¥9,500,000.00" in html and "¥500,000.00" in html  # committed, remaining of the city pool
    assert "Running low" in html
    assert "Matching not yet met" in html and "¥6,000,000.00 short" in html
    assert "New fund programme" not in html  # the supervisor only reads
    make_pool(session, operator, program, FundSource.COMMITTEE, phase=2, allocated="6000000")
    assert "Matching met" in client.get("/funds/").get_data(as_text=True)


def test_overview_empty_and_access(session, client, login):
    login(Role.OPERATOR)
    html = client.get("/funds/").get_data(as_text=True)
    assert "No fund programme is set up yet." in html and "New fund programme" in html
    login(Role.COMPANY)
    assert client.get("/funds/").status_code == 403
    login(Role.REVIEWER)
    assert client.get("/funds/").status_code == 403


def test_pool_ledger_filters_pages_and_links(session, client, login, operator):
    pool = make_pool(session, operator, allocated="1000000", name="第一期")
    company = make_company(session, name="追回测试科技有限公司")
    claim = make_paid_claim(session, operator, company, pool, "50000", dt.date.today() - dt.timedelta(days=30))
    clawback = clawbacks.create_clawback(session, operator, company, "exit", dt.date.today())
    clawbacks.record_repayment(session, operator, clawback, "1000", dt.date.today(), "HK-9")
    for i in range(25):
        funds.commit(session, operator, pool.id, "100", funds.CLAIM, 1000 + i)
    login(operator)
    html = client.get(f"/funds/pools/{pool.id}").get_data(as_text=True)
    assert "¥1,000,000.00" in html and "¥2,500.00" in html  # allocated, committed
    assert "29 in all" in html  # allocate, commit + pay of the claim, return, 25 commits: 20 a page
    page2 = client.get(f"/funds/pools/{pool.id}?page=2").get_data(as_text=True)
    assert f'href="/subsidies/claims/{claim.id}"' in page2 and claim.number in page2
    returned = client.get(f"/funds/pools/{pool.id}?kind=return").get_data(as_text=True)
    assert f'href="/subsidies/clawbacks/{clawback.id}"' in returned and clawback.number in returned
    assert returned.count('data-kind="return"') == 1 and 'data-kind="commit"' not in returned
    assert client.get(f"/funds/pools/{pool.id}?kind=nonsense&page=abc").status_code == 200
    assert client.get(f"/funds/pools/{2**31 - 1}").status_code == 404
    assert client.get("/funds/pools/99999999999").status_code == 404


def test_new_program_with_the_plans_defaults(session, client, login):
    login(Role.OPERATOR)
    html = client.get("/funds/programs/new").get_data(as_text=True)
    assert 'value="10000000.00"' in html and 'value="3"' in html and 'value="1.00"' in html
    resp = client.post("/funds/programs/new", data={"name": "水乡专项经费", "phase_cap": "１０，０００，０００",
                                                     "max_city_phases": "3", "matching_ratio": "1"})
    program = session.scalar(sa.select(FundProgram).where(FundProgram.name == "水乡专项经费"))
    assert resp.status_code == 303 and resp.headers["Location"].endswith(f"/funds/pools/new?program_id={program.id}")
    assert program.config == {"phase_cap": "10000000.00", "max_city_phases": 3, "matching_ratio": "1.00"}
    again = client.post("/funds/programs/new", data={"name": "水乡专项经费", "phase_cap": "1", "max_city_phases": "3",
                                                      "matching_ratio": "1"})
    assert again.status_code == 400 and "exists already" in again.get_data(as_text=True)


@pytest.mark.parametrize("field, value, message", [
    ("phase_cap", "-5", "must be greater than zero"), ("phase_cap", "1.001", "decimal places"),
    ("phase_cap", "NaN", "digits and a decimal point"), ("phase_cap", "9" * 20, "too large"),
    ("max_city_phases", "0", "Number must be between 1 and 10"), ("max_city_phases", "abc", "Not a valid integer"),
    ("matching_ratio", "-1", "must not be negative"), ("matching_ratio", "101", "matching ratio must be"),
])
def test_program_form_bad_input(session, client, login, field, value, message):
    login(Role.ADMIN)
    data = {"name": "坏输入", "phase_cap": "10000000", "max_city_phases": "3", "matching_ratio": "1", field: value}
    resp = client.post("/funds/programs/new", data=data)
    assert resp.status_code == 400 and message in resp.get_data(as_text=True)
    assert session.scalar(sa.select(FundProgram).where(FundProgram.name == "坏输入")) is None


def test_edit_program_rules(session, client, login, operator):
    program = make_program(session, operator)
    make_pool(session, operator, program, phase=2, allocated="9000000")
    login(operator)
    assert 'value="10000000.00"' in client.get(f"/funds/programs/{program.id}/edit").get_data(as_text=True)
    refused = client.post(f"/funds/programs/{program.id}/edit", data={"phase_cap": "8000000", "max_city_phases": "3",
                                                                      "matching_ratio": "1"})
    assert refused.status_code == 400 and "more than this cap" in refused.get_data(as_text=True)
    resp = client.post(f"/funds/programs/{program.id}/edit", data={"phase_cap": "9500000", "max_city_phases": "2",
                                                                   "matching_ratio": "1.2", "note": "调整"})
    assert resp.status_code == 303
    session.refresh(program)
    assert program.config == {"phase_cap": "9500000.00", "max_city_phases": 2, "matching_ratio": "1.20"}
    login(Role.COMMANDER)
    assert client.get(f"/funds/programs/{program.id}/edit").status_code == 403


def test_open_a_pool(session, client, login, operator):
    program = make_program(session, operator)
    make_pool(session, operator, program, phase=1, allocated="10000000")
    login(operator)
    html = client.get(f"/funds/pools/new?program_id={program.id}").get_data(as_text=True)
    assert re.search(r'name="phase"[^>]*value="2"', html)  # the next city phase
    data = {"program_id": program.id, "source": "city", "phase": "2", "name": "市科技局第二期",
            "allocated": "10000000.01", "opened_on": "2026-01-05"}
    over = client.post("/funds/pools/new", data=data)
    assert over.status_code == 400 and "A city phase holds at most ¥10,000,000.00" in over.get_data(as_text=True)
    resp = client.post("/funds/pools/new", data={**data, "allocated": "8,000,000"})
    pool = session.scalar(sa.select(FundPool).where(FundPool.name == "市科技局第二期"))
    assert resp.status_code == 303 and resp.headers["Location"].endswith(f"/funds/pools/{pool.id}")
    assert pool.allocated == Decimal("8000000.00") and pool.opened_on == dt.date(2026, 1, 5)
    assert "was opened with ¥8,000,000.00" in flashes(client)[-1]
    for bad in ({"phase": "4"}, {"opened_on": "1999-12-31"}, {"opened_on": "not a date"}, {"allocated": "１e5"},
                {"program_id": "99999"}, {"source": "bank"}):
        resp = client.post("/funds/pools/new", data={**data, "phase": "3", "allocated": "1", **bad})
        assert resp.status_code == 400, bad
    assert session.scalar(sa.select(sa.func.count()).select_from(FundPool)) == 2


def test_new_pool_without_a_programme(client, login):
    login(Role.OPERATOR)
    assert "Create a fund programme first." in client.get("/funds/pools/new").get_data(as_text=True)


def test_top_up_a_pool(session, client, login, operator):
    pool = make_pool(session, operator, allocated="9000000")
    login(Role.ADMIN)
    html = client.get(f"/funds/pools/{pool.id}").get_data(as_text=True)
    assert "data-confirm" in html and "Add to pool" in html
    resp = client.post(f"/funds/pools/{pool.id}/allocate", data={"amount": "500000", "note": "东科〔2026〕5号"})
    assert resp.status_code == 303 and "¥500,000.00 was added" in flashes(client)[-1]
    over = client.post(f"/funds/pools/{pool.id}/allocate", data={"amount": "500000.01"})
    assert over.status_code == 400 and "holds ¥9,500,000.00 already" in over.get_data(as_text=True)
    for bad in ("-1", "0", "0.001", "NaN", ""):
        assert client.post(f"/funds/pools/{pool.id}/allocate", data={"amount": bad}).status_code == 400, bad
    session.refresh(pool)
    assert pool.allocated == Decimal("9500000.00")
    assert session.scalar(sa.select(FundEntry.note).where(FundEntry.pool_id == pool.id)
                          .order_by(FundEntry.id.desc()).limit(1)) == "东科〔2026〕5号"
    login(Role.SUPERVISOR)
    assert "Add to pool" not in client.get(f"/funds/pools/{pool.id}").get_data(as_text=True)
    assert client.post(f"/funds/pools/{pool.id}/allocate", data={"amount": "1"}).status_code == 403


def test_inbox_warns_editors_of_a_pool_running_low(session, client, login, operator):
    pool = make_pool(session, operator, allocated="100000", name="第一期")
    funds.commit(session, operator, pool.id, "90000", funds.CLAIM, 1)
    # exactly 10% left is not low yet
    assert [t for t in tasks_for(session, operator) if t.module == "funds"] == []
    funds.commit(session, operator, pool.id, "0.01", funds.CLAIM, 2)
    login(operator)
    assert "Less than a tenth of this pool is left." in client.get(f"/funds/pools/{pool.id}").get_data(as_text=True)
    with client.application.test_request_context():
        (task,) = [t for t in tasks_for(session, operator) if t.module == "funds"]
        assert "第一期" in task.title and "¥9,999.99" in task.title and task.url == f"/funds/pools/{pool.id}"
        assert not [t for t in tasks_for(session, make_user(session, Role.COMMANDER)) if t.module == "funds"]


def test_pages_render_in_chinese(session, client, login, operator):
    pool = make_pool(session, operator, allocated="100000")
    funds.commit(session, operator, pool.id, "95000", funds.CLAIM, 1)
    login(operator)
    with client.session_transaction() as s:
        s["lang"] = "zh_CN"
    for url in ("/funds/", f"/funds/pools/{pool.id}", f"/funds/pools/{pool.id}?kind=commit", "/funds/pools/new",
                "/funds/programs/new", f"/funds/programs/{pool.program_id}/edit"):
        resp = client.get(url)
        assert resp.status_code == 200 and 'lang="zh-CN"' in resp.get_data(as_text=True), url
