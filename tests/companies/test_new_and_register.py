"""Registering a company: by the operator, and by the company itself through /register."""
import pytest
import sqlalchemy as sa

from incubator.companies import services
from incubator.companies.models import Company, CompanyStatus
from incubator.core.errors import DomainError, PermissionDenied
from incubator.core.roles import Role

from ..factories import credit_code, make_company, make_user
from .conftest import audit_entries


def _new(client, **over):
    data = {"name": "东莞水乡氢能科技有限公司", "credit_code": credit_code(700001), "legal_rep": "周七",
            "registered_capital": "5000000", "founded_on": "2022-08-08", "track": "new_energy",
            "status": "applicant", "agent_id": 0, "headcount": "6", "talents_bachelor": "4"}
    data.update(over)
    return client.post("/companies/new", data=data)


def _bad_check_digit(code):
    return code[:-1] + ("0" if code[-1] != "0" else "1")


def test_operator_registers_a_company(client, session, login):
    login(Role.OPERATOR)
    assert client.get("/companies/new").status_code == 200
    resp = _new(client)
    company = session.scalar(sa.select(Company).where(Company.credit_code == credit_code(700001)))
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/companies/{company.id}")
    assert company.status == CompanyStatus.APPLICANT and company.headcount == 6 and company.legal_rep == "周七"
    [entry] = audit_entries(session, "company.create", company.id)
    assert entry.after["name"] == "东莞水乡氢能科技有限公司" and entry.after["registered_capital"] == "5000000.00"


def test_operator_registration_refuses_duplicate_and_bad_codes(client, session, login):
    login(Role.ADMIN)
    make_company(session, credit_code=credit_code(700002))
    resp = _new(client, credit_code=credit_code(700002))
    assert resp.status_code == 400 and "already registered" in resp.get_data(as_text=True)
    resp = _new(client, credit_code=_bad_check_digit(credit_code(700003)))
    assert resp.status_code == 400 and "check digit is wrong" in resp.get_data(as_text=True)
    resp = _new(client, registered_capital="-5", credit_code=credit_code(700004))
    assert resp.status_code == 400 and "cannot be negative" in resp.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(Company)) == 1


@pytest.mark.parametrize("role", [Role.COMPANY, Role.SUPERVISOR, Role.LEAD, Role.REVIEWER])
def test_only_operator_and_admin_register_companies(client, session, login, role):
    login(role)
    assert client.get("/companies/new").status_code == 403
    assert _new(client).status_code == 403


def test_create_company_service_needs_a_staff_editor(session):
    with pytest.raises(PermissionDenied):
        services.create_company(session, make_user(session, Role.SUPERVISOR),
                                {"name": "某公司", "credit_code": credit_code(700005)})


def _register(client, **over):
    data = {"company_name": "东莞水乡光伏科技有限公司", "credit_code": credit_code(700010), "contact_name": "陈晓",
            "contact_phone": "13912345678", "contact_email": "", "username": "pvfounder",
            "password": "Solar2026x", "confirm": "Solar2026x"}
    data.update(over)
    return client.post("/register", data=data)


def test_self_registration_refuses_duplicate_code(client, session):
    make_company(session, credit_code=credit_code(700011))
    resp = _register(client, credit_code=credit_code(700011))
    assert resp.status_code == 200 and "Ask a colleague who is a member to invite you." in resp.get_data(as_text=True)


def test_self_registration_refuses_bad_check_digit(client, session):
    resp = _register(client, credit_code=_bad_check_digit(credit_code(700012)))
    assert "check digit is wrong" in resp.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(Company)) == 0


def test_self_registration_works_and_is_audited(client, session):
    assert _register(client).status_code == 302
    company = session.scalar(sa.select(Company).where(Company.credit_code == credit_code(700010)))
    assert company.status == CompanyStatus.APPLICANT
    assert audit_entries(session, "company.register", company.id)


def test_register_company_service(session):
    make_company(session, credit_code=credit_code(700013))
    kw = dict(name="某某公司", contact_name="甲", contact_phone="13800000000", contact_email=None,
              username="someone1", password="Passw0rd1")
    with pytest.raises(DomainError) as err:
        services.register_company(session, credit_code=credit_code(700013), **kw)
    assert err.value.field == "credit_code"
    with pytest.raises(DomainError) as err:
        services.register_company(session, credit_code=_bad_check_digit(credit_code(700014)), **kw)
    assert err.value.field == "credit_code"
    with pytest.raises(DomainError) as err:
        services.register_company(session, credit_code=credit_code(700015), **{**kw, "name": " x "})
    assert err.value.field == "name"
