"""Investment-promotion agents (招商中介)."""
import pytest
import sqlalchemy as sa

from incubator.companies.models import Agent
from incubator.core.roles import Role

from ..factories import make_company
from .conftest import audit_entries


def _agent(session, name="水乡招商服务中心", **kw):
    agent = Agent(name=name, **kw)
    session.add(agent)
    session.flush()
    return agent


def test_list_shows_referred_counts(client, session, login):
    login(Role.SUPERVISOR)
    busy = _agent(session, "甲中介")
    _agent(session, "乙中介", active=False)
    for _ in range(3):
        make_company(session, agent_id=busy.id)
    resp = client.get("/companies/agents")
    text = resp.get_data(as_text=True).split('id="agents"', 1)[1]
    assert resp.status_code == 200
    assert text.split("甲中介", 1)[1].split("</tr>")[0].count(">3</a>") == 1
    assert text.split("乙中介", 1)[1].split("</tr>")[0].count(">0</a>") == 1
    assert "Add an agent" not in resp.get_data(as_text=True)  # the supervisor only reads
    assert "乙中介" not in client.get("/companies/agents?active=1").get_data(as_text=True)
    assert "甲中介" not in client.get("/companies/agents?q=乙").get_data(as_text=True)


def test_operator_creates_an_agent(client, session, login):
    login(Role.OPERATOR)
    resp = client.post("/companies/agents/new", data={"name": "  东莞科创招商  ", "contact_name": "钱八",
                                                        "contact_phone": "0769-22223333", "active": "y"})
    assert resp.status_code == 302
    agent = session.scalar(sa.select(Agent).where(Agent.name == "东莞科创招商"))
    assert agent.contact_phone == "0769-22223333" and agent.active
    assert audit_entries(session, "agent.create", agent.id)


def test_duplicate_and_bad_agent_input(client, session, login):
    login(Role.OPERATOR)
    _agent(session, "重名中介")
    resp = client.post("/companies/agents/new", data={"name": "重名中介"})
    assert resp.status_code == 400 and "already exists" in resp.get_data(as_text=True)
    resp = client.post("/companies/agents/new", data={"name": "好名字", "contact_phone": "电话"})
    assert resp.status_code == 400 and "valid phone" in resp.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(Agent)) == 1


def test_operator_edits_an_agent(client, session, login):
    login(Role.ADMIN)
    agent = _agent(session, "旧名中介")
    _agent(session, "别家中介")
    assert client.get(f"/companies/agents/{agent.id}/edit").status_code == 200
    resp = client.post(f"/companies/agents/{agent.id}/edit", data={"name": "别家中介"})
    assert resp.status_code == 400 and "already exists" in resp.get_data(as_text=True)
    resp = client.post(f"/companies/agents/{agent.id}/edit", data={"name": "新名中介", "note": "2026年签约"})
    assert resp.status_code == 302
    session.expire_all()
    assert agent.name == "新名中介" and not agent.active and agent.note == "2026年签约"
    [entry] = audit_entries(session, "agent.update", agent.id)
    assert entry.before == {"name": "旧名中介", "note": None, "active": True}


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.LEAD, Role.COMPANY, Role.REVIEWER])
def test_only_editors_change_agents(client, session, login, role):
    login(role)
    agent = _agent(session)
    assert client.post("/companies/agents/new", data={"name": "某中介"}).status_code == 403
    assert client.post(f"/companies/agents/{agent.id}/edit", data={"name": "某中介"}).status_code == 403


@pytest.mark.parametrize("role", [Role.COMPANY, Role.REVIEWER])
def test_members_and_reviewers_do_not_see_agents(client, session, login, role):
    login(role)
    assert client.get("/companies/agents").status_code == 403
