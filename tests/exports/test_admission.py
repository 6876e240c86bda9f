"""The admission list's export (it existed): now in the list's order, every filter, audited, and
limited more tightly than the other lists (each application brings every reviewer's scores)."""
from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from incubator.admission import views_review
from incubator.admission.models import AdmissionPolicy, Application, ApplicationState
from incubator.companies.models import IndustryTrack
from incubator.core.roles import Role
from incubator.spaces.models import UnitType

from ..factories import make_company, make_unit, make_user
from .conftest import EVIL, assert_neutralised, audit_entries, order_on_page, read


def _applications(session):
    policy = session.scalar(sa.select(AdmissionPolicy).order_by(AdmissionPolicy.id).limit(1))
    carrier = make_unit(session).building.carrier
    made = []
    for number, name, state, track in (("SQ-X-0001", "东莞甲科技有限公司", ApplicationState.SUBMITTED, IndustryTrack.DIGITAL),
                                       ("SQ-X-0002", EVIL[2], ApplicationState.ACCEPTED, IndustryTrack.DIGITAL),
                                       ("SQ-X-0003", "东莞乙新能源有限公司", ApplicationState.SUBMITTED,
                                        IndustryTrack.NEW_ENERGY)):
        app = Application(number=number, company_id=make_company(session, name=name).id, policy_id=policy.id,
                          carrier_id=carrier.id, track=track, unit_type=UnitType.OFFICE,
                          area_requested=Decimal("120.00"), project_name="智算平台", state=state)
        session.add(app)
        session.flush()
        made.append(app)
    return made


def numbers_of(resp) -> list[str]:
    return [r["申请编号"] for r in read(resp, "申请汇总")[1]]


def test_export_follows_the_list(client, login, session):
    _applications(session)
    login(make_user(session, Role.OPERATOR))

    def numbers(query=""):
        return numbers_of(client.get("/admission/export.xlsx" + query))

    assert numbers() == ["SQ-X-0003", "SQ-X-0002", "SQ-X-0001"]  # newest first, as the list
    page = client.get("/admission/").text
    assert order_on_page(page, ["SQ-X-0001", "SQ-X-0002", "SQ-X-0003"]) == ["SQ-X-0003", "SQ-X-0002", "SQ-X-0001"]
    assert numbers("?track=digital") == ["SQ-X-0002", "SQ-X-0001"]
    assert numbers("?state=submitted") == ["SQ-X-0003", "SQ-X-0001"]
    assert numbers("?q=甲科技") == ["SQ-X-0001"]
    ws, _rows = read(client.get("/admission/export.xlsx?track=digital"), "申请汇总")
    assert_neutralised(ws, EVIL[2])
    assert [e.after for e in audit_entries(session, "export.applications")][-2:] == [
        {"filters": {"q": "甲科技"}, "rows": 1}, {"filters": {"track": "digital"}, "rows": 2}]


def test_its_own_lower_limit(client, login, session, monkeypatch):
    _applications(session)
    monkeypatch.setattr(views_review, "EXPORT_LIMIT", 2)
    login(make_user(session, Role.OPERATOR))
    resp = client.get("/admission/export.xlsx?carrier=&q=")
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/admission/?carrier=&q=")
    assert ("3 rows match the filters, more than the 2 an export may hold. Please narrow the filters and export "
            "again.") in client.get(resp.headers["Location"]).text
    assert audit_entries(session, "export.applications") == []
    assert numbers_of(client.get("/admission/export.xlsx?track=digital")) == ["SQ-X-0002", "SQ-X-0001"]
