"""The company page: what it shows and to whom."""
import datetime as dt
from decimal import Decimal

import pytest

from incubator.companies.models import Agent, Qualification, QualificationKind
from incubator.core.roles import Role
from incubator.documents.models import Document
from incubator.leases.models import Lease, LeaseState, LeaseUnit

from ..factories import make_company, make_unit, make_user


def test_staff_sees_the_whole_profile(client, session, login):
    login(Role.COMMANDER)
    agent = Agent(name="水乡招商顾问")
    session.add(agent)
    session.flush()
    company = make_company(session, name="水乡数字科技有限公司", registered_capital=Decimal("12345678.90"),
                           founded_on=dt.date(2023, 5, 6), sub_field="工业互联网", address="东莞市麻涌镇",
                           headcount=40, talents_bachelor=30, talents_high_level=3, ip_invention=2, ip_software=7,
                           contact_email="hr@example.cn", agent_id=agent.id, description="<script>x</script>")
    member = make_user(session, Role.COMPANY, company=company, username="colleague1", display_name="赵六")
    text = client.get(f"/companies/{company.id}").get_data(as_text=True)
    for expected in ("水乡数字科技有限公司", company.credit_code, "张三", "¥12,345,678.90", "2023-05-06",
                     "Digital economy", "工业互联网", "东莞市麻涌镇", "hr@example.cn", "水乡招商顾问",
                     "赵六", member.username, f"/audit/?company_id={company.id}",
                     f"/certificates/dossier/{company.id}", "Download dossier (PDF)"):
        assert expected in text
    assert "<script>x</script>" not in text and "&lt;script&gt;" in text


def test_supervisor_reads_but_cannot_edit(client, session, login):
    login(Role.SUPERVISOR)
    company = make_company(session)
    resp = client.get(f"/companies/{company.id}")
    assert resp.status_code == 200 and "Edit profile" not in resp.get_data(as_text=True)
    assert client.post(f"/companies/{company.id}/edit", data={"name": "改名"}).status_code == 403
    assert client.post(f"/companies/{company.id}/qualifications", data={}).status_code == 403


def test_member_sees_own_company_with_colleagues_but_no_usernames(client, session, login):
    company = make_company(session, name="自家公司")
    make_user(session, Role.COMPANY, company=company, username="mate_login", display_name="同事甲")
    login(make_user(session, Role.COMPANY, company=company))
    resp = client.get(f"/companies/{company.id}")
    text = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "自家公司" in text and "同事甲" in text
    assert "mate_login" not in text and "/audit/" not in text
    assert "Edit profile" in text and "Add a qualification" in text


def test_member_gets_404_for_another_company(client, session, login):
    login(Role.COMPANY)
    other = make_company(session)
    assert client.get(f"/companies/{other.id}").status_code == 404
    assert client.get(f"/companies/{other.id}/edit").status_code == 404
    assert client.post(f"/companies/{other.id}/edit", data={"name": "x"}).status_code == 404
    assert client.get("/companies/999999").status_code == 404


def test_reviewer_gets_403(client, session, login):
    login(Role.REVIEWER)
    company = make_company(session)
    assert client.get(f"/companies/{company.id}").status_code == 403


def test_mine_redirects_a_member(client, session, login):
    user = login(Role.COMPANY)
    resp = client.get("/companies/mine")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/companies/{user.company_id}")


def test_mine_is_for_members_only(client, session, login):
    login(Role.OPERATOR)
    assert client.get("/companies/mine").status_code == 403


def test_qualifications_are_marked_valid_or_expired(client, session, login):
    login(Role.OPERATOR)
    company = make_company(session)
    company.qualifications += [
        Qualification(kind=QualificationKind.HIGH_TECH, obtained_on=dt.date(2020, 1, 1), expires_on=dt.date(2022, 12, 31)),
        Qualification(kind=QualificationKind.TECH_SME, obtained_on=dt.date(2024, 1, 1), certificate_no="2024441900A1"),
    ]
    session.flush()
    text = client.get(f"/companies/{company.id}").get_data(as_text=True)
    section = text.split('id="qualifications"', 1)[1].split('id="members"', 1)[0]
    high_tech, tech_sme = section.split("High-tech enterprise", 1)[1], section.split("Tech-based SME", 1)[1]
    assert high_tech.index("Expired") < high_tech.index("</tr>")
    assert tech_sme.index("Valid") < tech_sme.index("</tr>") and "2024441900A1" in section


def test_leases_and_documents_are_listed(client, session, login):
    login(Role.OPERATOR)
    company = make_company(session)
    unit = make_unit(session, area=Decimal("88.50"))
    lease = Lease(number="SX-ZL-2026-0001", company_id=company.id, start_on=dt.date(2026, 1, 1),
                  end_on=dt.date(2028, 12, 31), rent_per_m2=Decimal("45"), property_fee_per_m2=Decimal("5"),
                  deposit=Decimal("0"), state=LeaseState.SIGNED)
    lease.units.append(LeaseUnit(unit_id=unit.id, area=Decimal("88.50")))
    session.add(lease)
    session.add(Document(company_id=company.id, category="business_licence", title="营业执照副本"))
    session.flush()
    text = client.get(f"/companies/{company.id}").get_data(as_text=True)
    leases = text.split('id="leases"', 1)[1]
    assert "SX-ZL-2026-0001" in leases and f"/leases/{lease.id}" in leases and unit.number in leases
    assert "88.50 m²" in leases and "In force" in leases and "2028-12-31" in leases
    assert "营业执照副本" in text


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.LEAD, Role.DEPUTY, Role.COMMANDER, Role.SUPERVISOR, Role.ADMIN])
def test_every_staff_reader_may_open_a_company(client, session, login, role):
    login(role)
    assert client.get(f"/companies/{make_company(session).id}").status_code == 200
