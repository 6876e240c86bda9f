"""Editing the profile: who may, what is checked, the audit entry and the optimistic lock."""
import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from incubator.companies import services
from incubator.companies.models import Agent, Company, CompanyStatus, IndustryTrack
from incubator.core.errors import ConcurrentChange, DomainError, PermissionDenied
from incubator.core.formatting import today
from incubator.core.roles import Role

from ..factories import credit_code, make_company, make_user
from .conftest import audit_entries


def form_data(company, **over):
    data = {"name": company.name, "credit_code": company.credit_code, "legal_rep": company.legal_rep or "",
            "registered_capital": str(company.registered_capital or ""),
            "founded_on": company.founded_on.isoformat() if company.founded_on else "",
            "track": company.track.value if company.track else "", "sub_field": company.sub_field or "",
            "description": company.description or "", "contact_name": company.contact_name or "",
            "contact_phone": company.contact_phone or "", "contact_email": company.contact_email or "",
            "address": company.address or "", "status": company.status.value, "agent_id": company.agent_id or 0,
            "version": company.version}
    for name in services.COUNT_FIELDS:
        data[name] = getattr(company, name)
    if company.is_platform:
        data["is_platform"] = "y"
    data.update(over)
    return data


def _reload(session, company):
    session.expire_all()
    return session.get(Company, company.id)


def test_operator_edits_and_the_audit_entry_holds_only_the_changes(client, session, login):
    login(Role.OPERATOR)
    agent = Agent(name="编辑测试中介")
    session.add(agent)
    session.flush()
    company = make_company(session, headcount=10)
    resp = client.post(f"/companies/{company.id}/edit", data=form_data(
        company, legal_rep="王新", registered_capital="2,000,000.50", headcount="12", talents_bachelor="8",
        track="new_energy", is_platform="y", status="tenant", agent_id=agent.id))
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/companies/{company.id}")
    company = _reload(session, company)
    assert company.legal_rep == "王新" and company.registered_capital == Decimal("2000000.50")
    assert company.headcount == 12 and company.talents_bachelor == 8 and company.track == IndustryTrack.NEW_ENERGY
    assert company.is_platform and company.agent_id == agent.id and company.version == 2
    [entry] = audit_entries(session, "company.update", company.id)
    assert entry.before == {"legal_rep": "张三", "registered_capital": "1000000.00", "headcount": 10,
                            "talents_bachelor": 0, "track": "digital", "is_platform": False, "agent_id": None}
    assert entry.after == {"legal_rep": "王新", "registered_capital": "2000000.50", "headcount": 12,
                           "talents_bachelor": 8, "track": "new_energy", "is_platform": True, "agent_id": agent.id}
    assert entry.company_id == company.id


def test_saving_unchanged_form_writes_nothing(client, session, login):
    login(Role.OPERATOR)
    company = make_company(session)
    assert client.post(f"/companies/{company.id}/edit", data=form_data(company)).status_code == 302
    assert audit_entries(session, "company.update", company.id) == []
    assert _reload(session, company).version == 1


def test_edit_form_shows_current_values(client, session, login):
    login(Role.ADMIN)
    company = make_company(session, sub_field="储能材料")
    text = client.get(f"/companies/{company.id}/edit").get_data(as_text=True)
    assert "储能材料" in text and 'value="1000000.00"' in text and 'name="version" type="hidden" value="1"' in text
    assert 'name="status"' in text and 'name="agent_id"' in text


def test_member_edits_own_company_but_not_the_operator_fields(client, session, login):
    company = make_company(session, status=CompanyStatus.APPLICANT)
    login(make_user(session, Role.COMPANY, company=company))
    text = client.get(f"/companies/{company.id}/edit").get_data(as_text=True)
    assert 'name="status"' not in text and 'name="agent_id"' not in text and 'name="is_platform"' not in text
    resp = client.post(f"/companies/{company.id}/edit",
                       data=form_data(company, address="东莞市中堂镇", status="tenant", is_platform="y"))
    assert resp.status_code == 302
    company = _reload(session, company)
    assert company.address == "东莞市中堂镇" and company.status == CompanyStatus.APPLICANT and not company.is_platform


def test_service_refuses_status_change_by_member(session):
    company = make_company(session, status=CompanyStatus.APPLICANT)
    member = make_user(session, Role.COMPANY, company=company)
    with pytest.raises(PermissionDenied):
        services.update_company(session, member, company, {"status": "tenant", "version": 1})


@pytest.mark.parametrize("status", [CompanyStatus.EXITED, CompanyStatus.GRADUATED])
def test_member_of_a_former_company_cannot_edit(client, session, login, status):
    company = make_company(session, status=status)
    login(make_user(session, Role.COMPANY, company=company))
    assert client.get(f"/companies/{company.id}/edit").status_code == 403
    assert client.post(f"/companies/{company.id}/edit", data=form_data(company, legal_rep="x")).status_code == 403
    assert client.get(f"/companies/{company.id}").status_code == 200


@pytest.mark.parametrize("role", [Role.LEAD, Role.DEPUTY, Role.COMMANDER, Role.SUPERVISOR, Role.REVIEWER])
def test_other_staff_cannot_edit(client, session, login, role):
    login(role)
    company = make_company(session)
    assert client.post(f"/companies/{company.id}/edit", data=form_data(company, legal_rep="x")).status_code == 403
    assert _reload(session, company).legal_rep == "张三"


BAD_INPUTS = [
    ({"registered_capital": "abc"}, "as a number"),
    ({"registered_capital": "NaN"}, "as a number"),
    ({"registered_capital": "inf"}, "as a number"),
    ({"registered_capital": "Infinity"}, "as a number"),
    ({"registered_capital": "1e6"}, "as a number"),
    ({"registered_capital": "-1"}, "cannot be negative"),
    ({"registered_capital": "100.005"}, "at most two decimal places"),
    ({"registered_capital": "1000000000000"}, "too large"),
    ({"founded_on": (today() + dt.timedelta(days=1)).isoformat()}, "cannot be in the future"),
    ({"founded_on": "2024-02-30"}, "Not a valid date"),
    ({"headcount": "-1"}, "whole number"),
    ({"headcount": "abc"}, "whole number"),
    ({"headcount": "2.5"}, "whole number"),
    ({"headcount": "99999999999"}, "whole number"),
    ({"ip_invention": "-3"}, "whole number"),
    ({"ip_software": "x"}, "whole number"),
    ({"headcount": "5", "talents_bachelor": "6"}, "more than the headcount"),
    ({"headcount": "5", "talents_high_level": "6"}, "more than the headcount"),
    ({"credit_code": "91441900"}, "18 characters"),
    ({"credit_code": "914419000000000010"}, "check digit"),
    ({"name": "a"}, "between 2 and 120"),
    ({"name": ""}, "This field is required"),
    ({"contact_email": "not-an-email"}, "valid email"),
    ({"contact_phone": "call me"}, "valid phone"),
    ({"track": "space_mining"}, "Not a valid choice"),
    ({"status": "closed"}, "Not a valid choice"),
    ({"legal_rep": "长" * 61}, "60"),
]


@pytest.mark.parametrize(("over", "message"), BAD_INPUTS)
def test_bad_input_is_refused_with_a_clear_message(client, session, login, over, message):
    login(Role.OPERATOR)
    company = make_company(session, headcount=10)
    resp = client.post(f"/companies/{company.id}/edit", data=form_data(company, **over))
    assert resp.status_code == 400
    assert message in resp.get_data(as_text=True)
    company = _reload(session, company)
    assert company.version == 1 and company.headcount == 10 and company.name.startswith("测试科技")
    assert audit_entries(session, "company.update", company.id) == []


def test_duplicate_credit_code_is_refused(client, session, login):
    login(Role.OPERATOR)
    other = make_company(session)
    company = make_company(session)
    resp = client.post(f"/companies/{company.id}/edit", data=form_data(company, credit_code=other.credit_code))
    assert resp.status_code == 400
    assert "Another company is already registered with this unified social credit code." in resp.get_data(as_text=True)


def test_fullwidth_input_is_normalised(client, session, login):
    login(Role.OPERATOR)
    company = make_company(session)
    code = credit_code()
    fullwidth_code = "".join(chr(ord(c) + 0xFEE0) for c in code.lower())
    resp = client.post(f"/companies/{company.id}/edit", data=form_data(
        company, registered_capital="￥１，２３４，５６７．８９", headcount="１２", credit_code=fullwidth_code))
    assert resp.status_code == 302
    company = _reload(session, company)
    assert company.registered_capital == Decimal("1234567.89") and company.headcount == 12
    assert company.credit_code == code


def test_blank_capital_and_date_clear_them(client, session, login):
    login(Role.OPERATOR)
    company = make_company(session)
    assert client.post(f"/companies/{company.id}/edit",
                       data=form_data(company, registered_capital="", founded_on="")).status_code == 302
    company = _reload(session, company)
    assert company.registered_capital is None and company.founded_on is None


def test_a_stale_form_gets_409_and_changes_nothing(client, session, login):
    operator = login(Role.OPERATOR)
    company = make_company(session)
    stale = form_data(company, legal_rep="我的修改")
    services.update_company(session, operator, company, {"legal_rep": "别人的修改", "version": 1})
    session.flush()
    resp = client.post(f"/companies/{company.id}/edit", data=stale)
    assert resp.status_code == 409
    text = resp.get_data(as_text=True)
    assert "Someone else changed this company" in text and "Reload the current data" in text
    company = _reload(session, company)
    assert company.legal_rep == "别人的修改" and company.version == 2


def test_missing_version_is_refused(client, session, login):
    login(Role.OPERATOR)
    company = make_company(session)
    resp = client.post(f"/companies/{company.id}/edit", data=form_data(company, version="", legal_rep="x"))
    assert resp.status_code == 400 and _reload(session, company).legal_rep == "张三"


def test_service_lock_loses_to_a_concurrent_update(session):
    operator = make_user(session, Role.OPERATOR)
    company = make_company(session)
    # another transaction bumped the row after we loaded it
    session.execute(sa.update(Company).where(Company.id == company.id).values(version=Company.version + 1)
                    .execution_options(synchronize_session=False))
    with pytest.raises(ConcurrentChange):
        services.update_company(session, operator, company, {"legal_rep": "x", "version": 1})


def test_service_checks_counts_against_stored_headcount(session):
    operator = make_user(session, Role.OPERATOR)
    company = make_company(session, headcount=3)
    with pytest.raises(DomainError) as err:
        services.update_company(session, operator, company, {"talents_high_level": 4, "version": 1})
    assert err.value.field == "talents_high_level"
    with pytest.raises(DomainError):
        services.update_company(session, operator, company, {"headcount": -1, "version": 1})
    with pytest.raises(TypeError):
        services.update_company(session, operator, company, {"registered_capital": 1.5, "version": 1})


def test_inactive_agent_cannot_be_newly_assigned(session):
    operator = make_user(session, Role.OPERATOR)
    agent = Agent(name="已停用中介", active=False)
    session.add(agent)
    session.flush()
    company = make_company(session)
    with pytest.raises(DomainError):
        services.update_company(session, operator, company, {"agent_id": agent.id, "version": 1})
