"""The company registry's export: the list's filters and order, every page, typed values."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from incubator.companies.models import Agent, CompanyStatus, IndustryTrack, Qualification, QualificationKind
from incubator.core.excel import DATE, MONEY
from incubator.core.formatting import today
from incubator.core.roles import Role

from ..factories import make_company, make_user
from .conftest import EVIL, assert_neutralised, audit_entries, column, filename, order_on_page, read


@pytest.fixture
def registry(session):
    agent = Agent(name="招商中介甲")
    session.add(agent)
    session.flush()
    a = make_company(session, name="东莞甲科技有限公司", headcount=12, talents_bachelor=8, ip_invention=2,
                     moved_in_on=dt.date(2025, 3, 1), contact_email="li@example.cn", agent_id=agent.id)
    session.add_all([Qualification(company_id=a.id, kind=QualificationKind.TECH_SME, obtained_on=dt.date(2025, 1, 1)),
                     Qualification(company_id=a.id, kind=QualificationKind.HIGH_TECH, obtained_on=dt.date(2020, 1, 1),
                                   expires_on=dt.date(2022, 12, 31))])  # expired: not listed
    evil = [make_company(session, name=name) for name in EVIL]
    evil[0].contact_phone = "+86 769 2233 4455"
    make_company(session, name="东莞乙新能源有限公司", track=IndustryTrack.NEW_ENERGY)
    make_company(session, name="东莞丙数字有限公司", status=CompanyStatus.APPLICANT)
    session.flush()
    return a


def test_export_holds_the_filtered_rows_in_the_list_order(client, login, session, registry):
    a = registry
    operator = login(make_user(session, Role.OPERATOR))
    query = "?track=digital&status=tenant"
    ws, rows = read(client.get("/companies/export.xlsx" + query))
    assert ws.title == "入驻企业"
    names = [r["企业名称"] for r in rows]
    # by name, as the list: "+", "-", "=", "@" sort before Chinese; the applicant and the new-energy one are out
    assert names == ["'" + EVIL[1], "'" + EVIL[2], "'" + EVIL[0], "'" + EVIL[3], a.name]
    page = client.get("/companies/" + query).text
    assert order_on_page(page, [*EVIL[1:3], EVIL[0], EVIL[3], a.name]) == [EVIL[1], EVIL[2], EVIL[0], EVIL[3], a.name]

    row = rows[-1]
    assert (row["统一社会信用代码"], row["产业方向"], row["状态"], row["科技创新平台"], row["法定代表人"]) == (
        a.credit_code, "Digital economy", "Tenant", "No", "张三")
    assert (row["注册资本（元）"], row["成立日期"], row["入驻日期"], row["迁出日期"]) == (
        1000000, dt.datetime(2024, 3, 1), dt.datetime(2025, 3, 1), None)
    assert (row["从业人数"], row["本科及以上学历人数"], row["发明专利"], row["实用新型专利"]) == (12, 8, 2, 0)
    assert (row["有效资质"], row["联系人"], row["联系电话"], row["电子邮箱"], row["引荐机构"]) == (
        "Tech-based SME", "李四", "13800000000", "li@example.cn", "招商中介甲")
    capital = column(ws, "注册资本（元）")[-1]
    assert capital.data_type == "n" and capital.number_format == MONEY
    assert column(ws, "入驻日期")[-1].number_format == DATE

    assert rows[2]["联系电话"] == "'+86 769 2233 4455"  # a phone number written with + is text, not a sum
    assert_neutralised(ws, *EVIL)

    [entry] = audit_entries(session, "export.companies")
    assert entry.actor_id == operator.id and entry.object_type == "export"
    assert entry.after == {"filters": {"status": "tenant", "track": "digital"}, "rows": 5}


def test_search_and_file_name(client, login, session, registry):
    login(make_user(session, Role.SUPERVISOR))  # reads everything, so may export it
    resp = client.get("/companies/export.xlsx?q=甲科技")
    _ws, rows = read(resp)
    assert [r["企业名称"] for r in rows] == ["东莞甲科技有限公司"]
    assert filename(resp) == f"入驻企业-{today().isoformat()}.xlsx"
    assert resp.headers["Cache-Control"] == "private, no-store"


def test_every_page_goes_into_the_file(client, login, session):
    for n in range(23):  # more than one page of 20
        make_company(session, name=f"批量导入科技有限公司{n:02d}", registered_capital=Decimal(f"{n}00000.00"))
    login(make_user(session, Role.OPERATOR))
    assert "23 in all, page 1 of 2" in client.get("/companies/?q=批量导入").text
    _ws, rows = read(client.get("/companies/export.xlsx?q=批量导入&page=2"))
    assert [r["企业名称"] for r in rows] == [f"批量导入科技有限公司{n:02d}" for n in range(23)]
    assert sum(r["注册资本（元）"] for r in rows) == sum(n * 100000 for n in range(23))  # 25,300,000
