"""The exit pages through HTTP: the staff list, the case page (staff and the company; others 404),
raising, the settlement form, review, decision, execution with its confirmation page, the company's
request and response, bad input, and read-only access for the members of an exited company."""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from incubator.companies.models import CompanyStatus
from incubator.core.formatting import today
from incubator.core.roles import Role
from incubator.demo import tiny_pdf
from incubator.documents.models import Document
from incubator.exits import services
from incubator.exits.models import ExitCase, ExitKind
from incubator.exits.models import ExitState as S
from incubator.spaces.models import UnitStatus

from ..factories import make_company, make_user
from .flow import breach, drive

CHECKLIST = {"keys": "y", "access_cards": "y", "unit_inspected": "y", "documents_returned": "y"}


def text(resp) -> str:
    return resp.get_data(as_text=True)


def flashed(client) -> str:
    return text(client.get("/"))


# --- the staff list ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("role, status", [(Role.OPERATOR, 200), (Role.LEAD, 200), (Role.DEPUTY, 200),
                                          (Role.COMMANDER, 200), (Role.SUPERVISOR, 200), (Role.ADMIN, 200),
                                          (Role.REVIEWER, 403), (Role.COMPANY, 403)])
def test_the_list_is_for_staff_readers(world, client, login, role, status):
    login(role)
    assert client.get("/exits/").status_code == status


def test_list_counts_filters_search_and_pages(world, session, client, login):
    w = world
    first = breach(session, w)
    others = [make_company(session, name=f"翻页测试公司{i:02d}", status=CompanyStatus.TENANT,
                           moved_in_on=dt.date(2025, 1, 1)) for i in range(21)]
    for c in others:
        services.raise_case(session, w.operator, c, kind="voluntary", reason="迁出", planned_exit_on=dt.date(2027, 2, 1))
    services.withdraw(session, w.operator, first, "误报")
    session.commit()
    login(w.supervisor)
    page = text(client.get("/exits/"))
    assert re.search(r'data-state="proposed">\s*Proposed <span[^>]*>21<', page)
    assert "page 1 of 2" in page
    assert first.number not in text(client.get("/exits/?state=proposed&page=2"))
    assert first.number in text(client.get("/exits/?kind=breach"))
    assert "翻页测试公司03" not in text(client.get("/exits/?kind=breach"))
    assert first.number in text(client.get(f"/exits/?q={w.company.credit_code}"))
    assert first.number in text(client.get(f"/exits/?year={today().year}"))
    assert "No exit cases match" in text(client.get(f"/exits/?year={today().year}&kind=graduation"))
    for junk in ("state=x", "kind=%00", "year=99999", "year=abc", "page=-3", "q=" + "长" * 500):
        assert client.get(f"/exits/?{junk}").status_code == 200, junk


# --- the case page ------------------------------------------------------------------------------------------

def test_case_access(world, session, client, login):
    w = world
    case = breach(session, w)
    session.commit()
    url = f"/exits/{case.id}"
    login(w.member)
    assert client.get(url).status_code == 200
    assert case.reason in text(client.get(url)) and "Your response" in text(client.get(url))
    login(w.other_member)
    assert client.get(url).status_code == 404
    login(w.reviewer)
    assert client.get(url).status_code == 404
    login(w.supervisor)
    page = text(client.get(url))
    assert case.reason in page and "Your next step" not in page
    assert client.get("/exits/999999").status_code == 404
    assert client.get(f"/exits/{2**40}").status_code == 404


def test_the_operator_raises_a_breach_with_evidence(world, session, client, login):
    w = world
    login(w.operator)
    assert w.company.name in text(client.get("/exits/new"))
    data = {"company_id": str(w.company.id), "kind": "breach", "breach_type": "change_of_use",
            "planned_exit_on": (today() + dt.timedelta(days=30)).isoformat(), "reason": "将办公室改作仓库使用",
            "evidence": (io.BytesIO(tiny_pdf("photo")), "现场照片.pdf")}
    resp = client.post("/exits/new", data=data, content_type="multipart/form-data")
    assert resp.status_code == 303
    case = session.scalar(sa.select(ExitCase))
    assert (case.kind, case.breach_type.value) == (ExitKind.BREACH, "change_of_use")
    page = text(client.get(resp.location))
    assert "现场照片" in page and "将办公室改作仓库使用" in page


@pytest.mark.parametrize("over, message", [
    ({"breach_type": ""}, "Please choose the breach."),
    ({"planned_exit_on": "2026-13-01"}, "Not a valid date value"),
    ({"planned_exit_on": "1999-12-31"}, "Please enter the exit date."),
    ({"planned_exit_on": "9999-01-01"}, "Please enter the exit date."),
    ({"planned_exit_on": ""}, "Please enter the date"),
    ({"reason": ""}, "A reason is required."),
    ({"company_id": "0"}, "Please choose the company."),
    ({"company_id": "99999999999"}, "Not a valid choice"),
    ({"kind": "graduation", "breach_type": ""}, "meets none of the graduation conditions"),
])
def test_raising_refuses_bad_input(world, session, client, login, over, message):
    w = world
    login(w.operator)
    data = {"company_id": str(w.company.id), "kind": "breach", "breach_type": "sublet",
            "planned_exit_on": today().isoformat(), "reason": "转租"}
    data.update(over)
    resp = client.post("/exits/new", data=data)
    assert resp.status_code == 400 and message in text(resp)
    assert session.scalar(sa.select(sa.func.count()).select_from(ExitCase)) == 0


# --- settlement, review, decision, execution ----------------------------------------------------------------

def settle(client, case, **over):
    data = {"exit_on": today().isoformat(), "departure_approved": "y", "damage": "", "damage_note": "", "note": "",
            "step": "prepare", **CHECKLIST}
    data.update(over)
    return client.post(f"/exits/{case.id}/settlement", data={k: v for k, v in data.items() if v is not None})


def test_an_exit_end_to_end_through_the_pages(world, session, client, login):
    w = world
    case = breach(session, w)
    session.commit()
    login(w.operator)
    page = text(client.get(f"/exits/{case.id}/settlement"))
    assert "Rent and fees owed up to the exit date" in page and "¥10,845.00" in page  # the deposit refund
    resp = settle(client, case, step="preview", damage="１２０．００", departure_approved=None)
    assert resp.status_code == 200 and "forfeited" in text(resp) and "¥120.00" in text(resp)
    assert settle(client, case, damage="200", damage_note="地板划伤").status_code == 303
    session.refresh(case)
    assert case.state == S.PREPARED and case.net == -(10845 - 200)
    login(w.lead)
    assert client.post(f"/exits/{case.id}/review", data={"comment": "核对无误"}).status_code == 303
    login(w.commander)
    resp = client.post(f"/exits/{case.id}/decide", data={"decision": "approve", "comment": ""})
    assert resp.status_code == 303 and "may respond until" in flashed(client)
    login(w.member)
    assert client.post(f"/exits/{case.id}/respond", data={"agrees": "no", "response": "非转租，系合作办公"}).status_code == 303
    login(w.commander)
    assert "非转租，系合作办公" in text(client.get(f"/exits/{case.id}"))
    assert client.post(f"/exits/{case.id}/decide", data={"decision": "approve", "comment": "经核实确属转租"}).status_code == 303
    login(w.operator)
    plan = text(client.get(f"/exits/{case.id}/execute"))
    assert w.lease.number in plan and w.certificate.number in plan and "Executed" not in plan
    assert client.post(f"/exits/{case.id}/execute").status_code == 303
    session.refresh(case)
    assert case.state == S.EXECUTED and w.office1.status == UnitStatus.VACANT
    assert client.post(f"/exits/{case.id}/execute").status_code == 303  # not twice: refused, flashed
    assert "not possible in the current state" in flashed(client)
    assert client.post(f"/exits/{case.id}/archive", data={"comment": ""}).status_code == 303
    page = text(client.get(f"/exits/{case.id}"))
    assert "left the community on" in page and "Archived" in page


@pytest.mark.parametrize("damage, message", [("-5", "must not be negative"), ("0.005", "At most 2 decimal"),
                                             ("NaN", "Please enter a number such as"),
                                             ("123456789012345", "too large")])
def test_settlement_form_refuses_bad_amounts(world, session, client, login, damage, message):
    w = world
    case = breach(session, w)
    session.commit()
    login(w.operator)
    resp = settle(client, case, damage=damage, damage_note="x")
    assert resp.status_code == 400 and message in text(resp)
    session.refresh(case)
    assert case.state == S.PROPOSED


def test_settlement_form_needs_the_hand_over_and_a_plausible_date(world, session, client, login):
    w = world
    case = breach(session, w)
    session.commit()
    login(w.operator)
    resp = settle(client, case, keys=None)
    assert resp.status_code == 400 and "must all be done" in text(resp)
    resp = settle(client, case, exit_on="2019-01-01")
    assert resp.status_code == 400 and "before the company moved in" in text(resp)
    assert settle(client, case, exit_on="0001-01-01").status_code == 400
    login(w.lead)
    assert client.get(f"/exits/{case.id}/settlement").status_code == 403


def test_four_eyes_on_the_pages(world, session, client, login):
    w = world
    both = make_user(session, Role.OPERATOR, Role.LEAD)
    case = breach(session, w)
    session.commit()
    login(both)
    assert settle(client, case).status_code == 303
    resp = client.post(f"/exits/{case.id}/review", data={"comment": ""})
    assert resp.status_code == 403 and "Segregation of duties" in text(resp)


# --- the company's side ---------------------------------------------------------------------------------------

def test_the_company_requests_its_exit_and_withdraws_it(world, session, client, login):
    w = world
    login(w.member)
    assert "Request to leave the community" in text(client.get("/exits/mine"))
    resp = client.post("/exits/request", data={"planned_exit_on": "２０２７-０１-３１", "reason": "x"})
    assert resp.status_code == 400
    resp = client.post("/exits/request", data={"planned_exit_on": (today() + dt.timedelta(days=40)).isoformat(),
                                               "reason": "业务调整，迁往松山湖"})
    assert resp.status_code == 303
    case = session.scalar(sa.select(ExitCase))
    assert case.origin.value == "company" and "Request to leave" not in text(client.get("/exits/mine"))
    assert client.post(f"/exits/{case.id}/withdraw", data={"comment": "暂不退出"}).status_code == 303
    session.refresh(case)
    assert case.state == S.WITHDRAWN


def test_the_company_cannot_withdraw_a_breach_nor_act_for_others(world, session, client, login):
    w = world
    case = breach(session, w)
    session.commit()
    login(w.member)
    assert client.post(f"/exits/{case.id}/withdraw", data={"comment": "不同意"}).status_code == 403
    assert client.get(f"/exits/{case.id}/settlement").status_code == 403
    login(w.other_member)
    assert client.post(f"/exits/{case.id}/respond", data={"agrees": "yes", "response": "x"}).status_code == 404
    assert client.post(f"/exits/{case.id}/evidence", data={}).status_code == 404
    login(w.operator)
    assert client.get("/exits/mine").status_code == 403
    assert client.post(f"/exits/{case.id}/respond", data={"agrees": "yes", "response": "x"}).status_code == 403


def test_members_of_an_exited_company_keep_read_only_access(world, session, client, login):
    w = world
    case = breach(session, w)
    doc = services.upload_evidence(session, w.operator, case, FileStorage(io.BytesIO(tiny_pdf("e")), "e.pdf"))
    drive(session, w, case, S.EXECUTED)
    session.commit()
    login(w.member)
    for url in (f"/companies/{w.company.id}", "/companies/mine", f"/leases/{w.lease.id}",
                f"/documents/company/{w.company.id}", f"/documents/{doc.id}", f"/exits/{case.id}", "/exits/mine",
                "/subsidies/mine", "/assessment/mine", "/"):
        assert client.get(url).status_code in (200, 302), url
    assert "left the community on" in text(client.get("/exits/mine"))
    assert client.get(f"/companies/{w.company.id}/edit").status_code == 403
    assert client.get("/exits/request").status_code == 403
    resp = client.post(f"/documents/company/{w.company.id}/upload",
                       data={"category": "other", "file": (io.BytesIO(tiny_pdf("x")), "x.pdf")},
                       content_type="multipart/form-data")
    assert resp.status_code in (403, 303)
    assert session.scalar(sa.select(sa.func.count()).select_from(Document)) == 1  # nothing was added


# --- the inbox and the "check now" button ---------------------------------------------------------------------

def test_inboxes(world, session, client, login):
    w = world
    w.lease.end_on = today() + dt.timedelta(days=40)
    session.commit()
    login(w.lead)
    assert client.post("/exits/propose-now").status_code == 403
    login(w.operator)
    assert client.post("/exits/propose-now").status_code == 303
    home = flashed(client)
    case = session.scalar(sa.select(ExitCase))
    assert "1 exit case(s) proposed" in home
    assert f"Exit {case.number} · {w.company.name} (Lease ending without renewal): 租约{w.lease.number}" in home
    login(w.member)
    assert "respond to the stated reason" in text(client.get("/"))
    drive(session, w, case, S.PREPARED)
    session.commit()
    login(w.lead)
    assert "Exit settlements to review" in text(client.get("/"))
    services.review(session, w.lead, case)
    session.commit()
    login(w.lead)
    assert "Exit settlements to review" not in text(client.get("/"))
    login(w.commander)
    assert "Exits to decide" in text(client.get("/"))
