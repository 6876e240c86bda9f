"""Adding and removing qualifications."""
import datetime as dt

import pytest

from incubator.companies.models import CompanyStatus, Qualification, QualificationKind
from incubator.core.formatting import today
from incubator.core.roles import Role

from ..factories import make_company, make_user
from .conftest import audit_entries


def _add(client, company, **over):
    data = {"kind": "high_tech", "certificate_no": "GR202444001234", "obtained_on": "2024-12-01",
            "expires_on": "2027-11-30"}
    data.update(over)
    return client.post(f"/companies/{company.id}/qualifications", data=data)


def test_operator_adds_a_qualification(client, session, login):
    login(Role.OPERATOR)
    company = make_company(session)
    resp = _add(client, company)
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/companies/{company.id}#qualifications")
    session.expire_all()
    [qual] = company.qualifications
    assert qual.kind == QualificationKind.HIGH_TECH and qual.expires_on == dt.date(2027, 11, 30)
    [entry] = audit_entries(session, "qualification.add")
    assert entry.company_id == company.id and entry.after["certificate_no"] == "GR202444001234"
    assert "High-tech enterprise" in client.get(f"/companies/{company.id}").get_data(as_text=True)


def test_member_adds_to_own_company(client, session, login):
    company = make_company(session)
    login(make_user(session, Role.COMPANY, company=company))
    assert _add(client, company, expires_on="").status_code == 302
    session.expire_all()
    assert [q.expires_on for q in company.qualifications] == [None]


@pytest.mark.parametrize(("over", "message"), [
    ({"expires_on": "2024-11-30"}, "cannot be before the date obtained"),
    ({"obtained_on": (today() + dt.timedelta(days=3)).isoformat(), "expires_on": ""}, "cannot be in the future"),
    ({"obtained_on": ""}, "Please enter the date it was obtained."),
    ({"obtained_on": "2024-13-01"}, "Not a valid date"),
    ({"kind": "nobel_prize"}, "Not a valid choice"),
    ({"certificate_no": "x" * 61}, "60"),
])
def test_bad_qualification_input(client, session, login, over, message):
    login(Role.OPERATOR)
    company = make_company(session)
    resp = _add(client, company, **over)
    assert resp.status_code == 400 and message in resp.get_data(as_text=True)
    session.expire_all()
    assert company.qualifications == []


def test_remove_qualification(client, session, login):
    login(Role.ADMIN)
    company = make_company(session)
    qual = Qualification(kind=QualificationKind.GAZELLE, obtained_on=dt.date(2024, 1, 1))
    company.qualifications.append(qual)
    session.flush()
    text = client.get(f"/companies/{company.id}").get_data(as_text=True)
    assert "data-confirm=" in text and f"/qualifications/{qual.id}/remove" in text
    resp = client.post(f"/companies/{company.id}/qualifications/{qual.id}/remove")
    assert resp.status_code == 302
    session.expire_all()
    assert company.qualifications == []
    [entry] = audit_entries(session, "qualification.remove")
    assert entry.before["kind"] == "gazelle" and entry.company_id == company.id


def test_removal_is_only_by_the_owning_company_url(client, session, login):
    mine = make_company(session)
    other = make_company(session)
    qual = Qualification(kind=QualificationKind.GAZELLE, obtained_on=dt.date(2024, 1, 1))
    other.qualifications.append(qual)
    session.flush()
    login(make_user(session, Role.COMPANY, company=mine))
    assert client.post(f"/companies/{mine.id}/qualifications/{qual.id}/remove").status_code == 404
    assert client.post(f"/companies/{other.id}/qualifications/{qual.id}/remove").status_code == 404
    assert _add(client, other).status_code == 404
    session.expire_all()
    assert len(other.qualifications) == 1


def test_exited_member_and_supervisor_cannot_change_qualifications(client, session, login):
    company = make_company(session, status=CompanyStatus.EXITED)
    qual = Qualification(kind=QualificationKind.GAZELLE, obtained_on=dt.date(2024, 1, 1))
    company.qualifications.append(qual)
    session.flush()
    login(make_user(session, Role.COMPANY, company=company))
    assert _add(client, company).status_code == 403
    assert client.post(f"/companies/{company.id}/qualifications/{qual.id}/remove").status_code == 403
    assert "Add a qualification" not in client.get(f"/companies/{company.id}").get_data(as_text=True)
    login(Role.SUPERVISOR)
    assert client.post(f"/companies/{company.id}/qualifications/{qual.id}/remove").status_code == 403
