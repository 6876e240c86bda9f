"""The staff registry list: search, filters, counts, pagination and who may see it."""
import datetime as dt

import pytest
from flask import g

from incubator.companies.models import Agent, CompanyStatus, IndustryTrack, Qualification, QualificationKind
from incubator.core.formatting import today
from incubator.core.roles import Role

from ..factories import make_company


def _rows(resp):
    text = resp.get_data(as_text=True)
    return text.split('id="companies"', 1)[1] if 'id="companies"' in text else ""


def test_list_shows_the_row_columns(client, session, login):
    login(Role.OPERATOR)
    c = make_company(session, name="水乡储能科技有限公司", headcount=37, track=IndustryTrack.NEW_ENERGY,
                     moved_in_on=dt.date(2025, 4, 1))
    c.qualifications.append(Qualification(kind=QualificationKind.HIGH_TECH, obtained_on=dt.date(2024, 1, 1)))
    session.flush()
    resp = client.get("/companies/")
    assert resp.status_code == 200
    rows = _rows(resp)
    for text in ("水乡储能科技有限公司", c.credit_code, "New energy", "Tenant", ">37<", "High-tech enterprise",
                 "2025-04-01", f"/companies/{c.id}"):
        assert text in rows


def test_search_by_name_code_and_contact(client, session, login):
    login(Role.LEAD)
    a = make_company(session, name="甲储能有限公司", contact_name="王五")
    b = make_company(session, name="乙数字有限公司", contact_phone="13900001111")
    assert "甲储能" in _rows(client.get("/companies/?q=储能")) and "乙数字" not in _rows(client.get("/companies/?q=储能"))
    assert "乙数字" in _rows(client.get(f"/companies/?q={b.credit_code[-6:].lower()}"))
    assert "甲储能" in _rows(client.get("/companies/?q=王五"))
    assert "乙数字" in _rows(client.get("/companies/?q=13900001111"))
    assert a.name not in _rows(client.get("/companies/?q=100%25"))  # a literal %, not a wildcard


def test_status_filter_and_counts_as_pills(client, session, login):
    login(Role.OPERATOR)
    make_company(session, name="申请中公司", status=CompanyStatus.APPLICANT)
    make_company(session, name="在驻公司甲", status=CompanyStatus.TENANT)
    make_company(session, name="在驻公司乙", status=CompanyStatus.TENANT)
    make_company(session, name="已退出公司", status=CompanyStatus.EXITED)
    resp = client.get("/companies/?status=tenant")
    rows = _rows(resp)
    assert "在驻公司甲" in rows and "在驻公司乙" in rows and "申请中公司" not in rows and "已退出公司" not in rows
    pills = resp.get_data(as_text=True).split('id="status-pills"', 1)[1].split("</ul>", 1)[0]
    assert "Tenant <span" in pills and ">2</span>" in pills and ">4</span>" in pills  # tenants, all
    assert 'href="/companies/?status=exited"' in pills


def test_track_qualification_and_agent_filters(client, session, login):
    login(Role.OPERATOR)
    agent = Agent(name="东莞招商顾问")
    session.add(agent)
    session.flush()
    day = today()
    valid = make_company(session, name="有效资质公司", track=IndustryTrack.RD_PLATFORM, agent_id=agent.id)
    valid.qualifications.append(Qualification(kind=QualificationKind.GAZELLE, obtained_on=day - dt.timedelta(days=30),
                                              expires_on=day + dt.timedelta(days=30)))
    expired = make_company(session, name="过期资质公司", track=IndustryTrack.DIGITAL)
    expired.qualifications.append(Qualification(kind=QualificationKind.GAZELLE, obtained_on=dt.date(2020, 1, 1),
                                                expires_on=day - dt.timedelta(days=1)))
    session.flush()
    rows = _rows(client.get("/companies/?qualification=gazelle"))
    assert "有效资质公司" in rows and "过期资质公司" not in rows
    rows = _rows(client.get("/companies/?track=rd_platform"))
    assert "有效资质公司" in rows and "过期资质公司" not in rows
    rows = _rows(client.get(f"/companies/?agent={agent.id}"))
    assert "有效资质公司" in rows and "过期资质公司" not in rows


def test_unknown_filter_values_are_ignored(client, session, login):
    login(Role.OPERATOR)
    make_company(session, name="随便公司")
    resp = client.get("/companies/?status=nope&track=x&qualification=y&agent=abc&page=-3")
    assert resp.status_code == 200 and "随便公司" in _rows(resp)


def test_empty_state(client, session, login):
    login(Role.OPERATOR)
    resp = client.get("/companies/?q=不存在的企业名")
    assert resp.status_code == 200 and "No companies match." in resp.get_data(as_text=True)


def test_pagination(client, session, login):
    login(Role.OPERATOR)
    for i in range(25):
        make_company(session, name=f"分页公司{i:02d}")
    first, second = client.get("/companies/?q=分页公司"), client.get("/companies/?q=分页公司&page=2")
    assert "分页公司00" in _rows(first) and "分页公司19" in _rows(first) and "分页公司20" not in _rows(first)
    assert "分页公司20" in _rows(second) and "分页公司24" in _rows(second) and "分页公司00" not in _rows(second)
    assert "25 in all, page 2 of 2" in second.get_data(as_text=True)


def test_list_runs_a_constant_number_of_queries(client, session, login, count_queries):
    login(Role.OPERATOR)
    agent = Agent(name="查询计数中介")
    session.add(agent)
    session.flush()

    def add(n):
        for _ in range(n):
            c = make_company(session, agent_id=agent.id)
            c.qualifications.append(Qualification(kind=QualificationKind.TECH_SME, obtained_on=dt.date(2024, 1, 1)))
        session.flush()
        session.expunge_all()
        g.pop("_login_user", None)  # the test shares the app context: load the user again as a request would

    add(3)
    with count_queries() as few:
        assert client.get("/companies/").status_code == 200
    add(17)
    with count_queries() as many:
        assert client.get("/companies/").status_code == 200
    assert few() == many() and many() <= 10


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.COMPANY])
def test_reviewers_and_members_cannot_browse(client, session, login, role):
    login(role)
    assert client.get("/companies/").status_code == 403


def test_anonymous_is_sent_to_login(client):
    resp = client.get("/companies/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
