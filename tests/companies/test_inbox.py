"""The "complete your company profile" task in a member's inbox."""
from incubator.companies.models import CompanyStatus
from incubator.core.inbox import tasks_for
from incubator.core.roles import Role

from ..factories import make_company, make_user
from .test_edit import form_data

TITLE = "Complete your company profile"


def test_task_appears_and_disappears(client, session, login):
    company = make_company(session, legal_rep=None, founded_on=None, registered_capital=None,
                           status=CompanyStatus.APPLICANT)
    login(make_user(session, Role.COMPANY, company=company))
    home = client.get("/").get_data(as_text=True)
    assert TITLE in home and f"/companies/{company.id}/edit" in home
    resp = client.post(f"/companies/{company.id}/edit", data=form_data(
        company, legal_rep="孙九", founded_on="2021-01-01", registered_capital="300000"))
    assert resp.status_code == 302
    session.expire_all()
    assert TITLE not in client.get("/").get_data(as_text=True)


def test_no_task_for_complete_or_former_companies_or_staff(app, session):
    with app.test_request_context():
        complete = make_user(session, Role.COMPANY)
        assert all(t.module != "companies" for t in tasks_for(session, complete))
        former = make_user(session, Role.COMPANY, company=make_company(session, legal_rep=None,
                                                                        status=CompanyStatus.EXITED))
        assert all(t.module != "companies" for t in tasks_for(session, former))
        incomplete = make_user(session, Role.COMPANY, company=make_company(session, track=None))
        [task] = [t for t in tasks_for(session, incomplete) if t.module == "companies"]
        assert task.count == 1
        assert all(t.module != "companies" for t in tasks_for(session, make_user(session, Role.OPERATOR)))
