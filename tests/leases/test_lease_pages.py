"""Lease pages: list and filters, a lease's page and who may see it, the new-lease form, actions."""
import datetime as dt
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from incubator.core.formatting import today
from incubator.core.roles import Role
from incubator.leases import services
from incubator.leases.models import Lease
from incubator.leases.models import LeaseState as L
from incubator.spaces.models import Unit
from incubator.spaces.models import UnitStatus as S

from ..factories import make_company

READERS = [Role.OPERATOR, Role.LEAD, Role.DEPUTY, Role.COMMANDER, Role.SUPERVISOR, Role.ADMIN]


def _lease(session, park, units, company=None, start=dt.date(2026, 1, 1), sign=False, **kw):
    lease = services.create_lease(session, park.operator, company or park.company, units, start_on=start, **kw)
    if sign:
        services.sign_lease(session, park.operator, lease)
    session.commit()
    return lease


def _listed(text):
    return set(re.findall(r"/leases/\d+\">(ZL-[0-9-]+)</a>", text))


# --- list -------------------------------------------------------------------------------------

def test_list_and_filters(client, login, session, park):
    other = make_company(session, name="东莞乙新能源有限公司")
    draft = _lease(session, park, [park.office1])
    signed = _lease(session, park, [park.factory], company=other, sign=True)
    expiring = _lease(session, park, [park.lab], start=today() - dt.timedelta(days=1000), sign=True,
                      end_on=today() + dt.timedelta(days=30))
    login(Role.SUPERVISOR)
    everything = {draft.number, signed.number, expiring.number}
    assert _listed(client.get("/leases/").get_data(as_text=True)) == everything
    assert _listed(client.get("/leases/?state=draft").get_data(as_text=True)) == {draft.number}
    assert _listed(client.get(f"/leases/?carrier={park.zz.id}").get_data(as_text=True)) == {signed.number}
    assert _listed(client.get("/leases/?q=乙新能源").get_data(as_text=True)) == {signed.number}
    assert _listed(client.get(f"/leases/?q={other.credit_code}").get_data(as_text=True)) == {signed.number}
    assert _listed(client.get("/leases/?expiring=1").get_data(as_text=True)) == {expiring.number}
    assert _listed(client.get("/leases/?state=nonsense&carrier=abc").get_data(as_text=True)) == everything
    assert _listed(client.get("/leases/?q=nobody").get_data(as_text=True)) == set()


def test_list_paginates(client, login, session, park):
    for i in range(22):
        session.add(Lease(number=f"ZL-1999-{i:04d}", company_id=park.company.id, start_on=dt.date(2020, 1, 1),
                          end_on=dt.date(2022, 12, 31), rent_per_m2=Decimal("40"), property_fee_per_m2=Decimal("5"),
                          deposit=Decimal("0")))
    session.commit()
    login(Role.OPERATOR)
    assert len(_listed(client.get("/leases/").get_data(as_text=True))) == 20
    assert len(_listed(client.get("/leases/?page=2").get_data(as_text=True))) == 2


@pytest.mark.parametrize("role", [Role.COMPANY, Role.REVIEWER], ids=lambda r: r.value)
def test_list_is_for_staff(client, login, role):
    login(role)
    assert client.get("/leases/").status_code == 403
    assert client.get("/leases/new").status_code == 403


# --- a lease's page ---------------------------------------------------------------------------

def test_detail_for_staff_shows_terms_and_actions(client, login, session, park):
    lease = _lease(session, park, [park.office1], property_fee_per_m2="5", deposit="10845")
    login(park.operator)
    text = client.get(f"/leases/{lease.id}").get_data(as_text=True)
    assert lease.number in text and "东莞甲科技有限公司" in text and "KC-1栋-101" in text
    assert "¥5,422.50" in text  # 120.50 m² × ¥45.00
    assert "¥10,845.00" in text
    assert f"/leases/{lease.id}/sign" in text and f"/leases/{lease.id}/cancel" in text
    assert f"/leases/{lease.id}/terminate" not in text


def test_supervisor_reads_without_actions(client, login, session, park):
    lease = _lease(session, park, [park.office1])
    login(Role.SUPERVISOR)
    text = client.get(f"/leases/{lease.id}").get_data(as_text=True)
    assert lease.number in text and f"/leases/{lease.id}/sign" not in text
    assert client.post(f"/leases/{lease.id}/sign").status_code == 403


def test_member_sees_own_lease_only(client, login, session, park):
    own = _lease(session, park, [park.office1])
    others = _lease(session, park, [park.lab], company=make_company(session))
    login(Role.COMPANY, company=park.company)
    resp = client.get(f"/leases/{own.id}")
    assert resp.status_code == 200
    text = resp.get_data(as_text=True)
    assert own.number in text and "/sign" not in text and "/spaces/units/" not in text
    assert client.get(f"/leases/{others.id}").status_code == 404
    assert client.get("/leases/999999").status_code == 404
    assert client.post(f"/leases/{own.id}/sign").status_code == 403


def test_reviewer_cannot_open_a_lease(client, login, session, park):
    lease = _lease(session, park, [park.office1])
    login(Role.REVIEWER)
    assert client.get(f"/leases/{lease.id}").status_code == 403


# --- actions ----------------------------------------------------------------------------------

def test_sign_then_terminate_through_the_page(client, login, session, park, english):
    lease = _lease(session, park, [park.office1, park.office2])
    login(Role.OPERATOR)
    assert client.post(f"/leases/{lease.id}/sign").status_code == 302
    session.refresh(lease)
    assert lease.state == L.SIGNED and lease.signed_on == today()
    assert {session.get(Unit, u.id).status for u in (park.office1, park.office2)} == {S.LEASED}
    assert client.post(f"/leases/{lease.id}/sign").status_code == 303  # twice: refused with a message
    resp = client.post(f"/leases/{lease.id}/terminate", data={"reason": " "})
    assert resp.status_code == 303
    assert "A reason is required." in client.get(f"/leases/{lease.id}").get_data(as_text=True)
    session.refresh(lease)
    assert lease.state == L.SIGNED
    assert client.post(f"/leases/{lease.id}/end").status_code == 303  # term not over yet
    assert client.post(f"/leases/{lease.id}/terminate", data={"reason": "经营困难提前退租"}).status_code == 302
    session.refresh(lease)
    assert lease.state == L.TERMINATED
    for u in (park.office1, park.office2):
        session.refresh(u)
        assert u.status == S.VACANT
    text = client.get(f"/leases/{lease.id}").get_data(as_text=True)
    assert "经营困难提前退租" in text


def test_cancel_draft_through_the_page(client, login, session, park):
    lease = _lease(session, park, [park.lab])
    login(Role.ADMIN)
    assert client.post(f"/leases/{lease.id}/cancel", data={"reason": ""}).status_code == 302
    session.refresh(lease)
    session.refresh(park.lab)
    assert lease.state == L.TERMINATED and park.lab.status == S.VACANT


def test_end_at_term_through_the_page(client, login, session, park):
    lease = _lease(session, park, [park.lab], start=dt.date(2020, 1, 1), sign=True)
    login(Role.OPERATOR)
    assert f"/leases/{lease.id}/end" in client.get(f"/leases/{lease.id}").get_data(as_text=True)
    assert client.post(f"/leases/{lease.id}/end").status_code == 302
    session.refresh(lease)
    assert lease.state == L.ENDED and lease.ended_on == today()


# --- new lease --------------------------------------------------------------------------------

def _form(park, **kw):
    data = {"company_id": park.company.id, "unit_ids": [park.office1.id], "start_on": "2026-03-01", "end_on": "",
            "rent_per_m2": "", "property_fee_per_m2": "6.5", "deposit": "20000", "billing_cycle": "monthly",
            "note": ""}
    data.update(kw)
    return data


def test_new_form_lists_vacant_units_with_filters(client, login, session, park):
    _lease(session, park, [park.office2])
    login(Role.OPERATOR)
    text = client.get("/leases/new").get_data(as_text=True)
    assert "KC-1栋-101" in text and "ZZ-A座-201" in text
    assert "KC-1栋-102" not in text  # reserved already
    text = client.get(f"/leases/new?carrier={park.zz.id}").get_data(as_text=True)
    assert "ZZ-A座-201" in text and "KC-1栋-101" not in text
    text = client.get("/leases/new?type=lab").get_data(as_text=True)
    assert "KC-1栋-103" in text and "KC-1栋-101" not in text
    text = client.get(f"/leases/new?company_id={park.company.id}").get_data(as_text=True)
    assert f'<option selected value="{park.company.id}">' in text


def test_create_through_the_form(client, login, session, park):
    login(Role.OPERATOR)
    resp = client.post("/leases/new", data=_form(park, unit_ids=[park.office1.id, park.lab.id], rent_per_m2="４８"))
    assert resp.status_code == 302
    lease = session.scalar(sa.select(Lease))
    assert resp.headers["Location"].endswith(f"/leases/{lease.id}")
    assert (lease.start_on, lease.end_on, lease.rent_per_m2, lease.property_fee_per_m2, lease.deposit) == (
        dt.date(2026, 3, 1), dt.date(2029, 2, 28), Decimal("48.00"), Decimal("6.50"), Decimal("20000.00"))
    assert {lu.unit_id for lu in lease.units} == {park.office1.id, park.lab.id}
    session.refresh(park.office1)
    assert park.office1.status == S.RESERVED


@pytest.mark.parametrize("change, message", [
    ({"end_on": "2026-02-01"}, "The end date must be after the start date."),
    ({"start_on": "2026-13-45"}, "Not a valid date value"),
    ({"start_on": ""}, "This field is required"),
    ({"start_on": "9999-12-31"}, "between 2000 and 2100"),
    ({"unit_ids": ["99999999999999999999"]}, "Please choose at least one vacant unit."),
    ({"company_id": "99999999999999999999"}, "Not a valid choice"),
    ({"rent_per_m2": "１２３４５６７８９"}, "too large"),
    ({"unit_ids": []}, "Please choose at least one vacant unit."),
    ({"unit_ids": ["abc"]}, "Please choose at least one vacant unit."),
    ({"company_id": 0}, "Please choose the company."),
    ({"rent_per_m2": "-3"}, "must not be negative"),
    ({"deposit": "1.005"}, "decimal places"),
    ({"billing_cycle": "yearly"}, "Not a valid choice"),
])
def test_bad_input_is_refused(client, login, session, park, english, change, message):
    login(Role.OPERATOR)
    resp = client.post("/leases/new", data=_form(park, **change))
    assert resp.status_code == 400
    assert message in resp.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(Lease)) == 0
    session.refresh(park.office1)
    assert park.office1.status == S.VACANT


def test_taken_unit_is_refused_clearly(client, login, session, park, english):
    _lease(session, park, [park.office1])
    login(Role.OPERATOR)
    other = make_company(session)
    session.commit()
    resp = client.post("/leases/new", data=_form(park, company_id=other.id, unit_ids=[park.lab.id, park.office1.id]))
    assert resp.status_code == 409
    assert "Unit KC-1栋-101 is no longer vacant" in resp.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(Lease)) == 1
    session.refresh(park.lab)
    assert park.lab.status == S.VACANT


def test_nonexistent_units_are_ignored_and_none_left_is_refused(client, login, session, park):
    login(Role.OPERATOR)
    assert client.post("/leases/new", data=_form(park, unit_ids=[999999])).status_code == 400


@pytest.mark.parametrize("url", ["/leases/99999999999999999999", "/leases/0"])
def test_out_of_range_ids_are_404(client, login, url):
    login(Role.OPERATOR)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("url", ["/leases/?carrier=99999999999999999999&page=99999999999999999999",
                                 "/leases/new?carrier=99999999999999999999&company_id=-99999999999999999999"])
def test_out_of_range_filters_are_ignored(client, login, url):
    login(Role.OPERATOR)
    assert client.get(url).status_code == 200


def test_inbox_shows_leases_to_sign_and_expiring(client, login, session, park, english):
    _lease(session, park, [park.office1])
    _lease(session, park, [park.lab], start=today() - dt.timedelta(days=900), sign=True,
           end_on=today() + dt.timedelta(days=20))
    login(Role.OPERATOR)
    text = client.get("/").get_data(as_text=True)
    assert "Leases awaiting signature" in text and "Leases ending within 90 days" in text


def test_inbox_leaves_readers_alone(client, login, session, park, english):
    _lease(session, park, [park.office1])
    login(Role.SUPERVISOR)
    assert "Leases awaiting signature" not in client.get("/").get_data(as_text=True)


def test_markup_in_notes_and_reasons_stays_text(client, login, session, park):
    login(Role.OPERATOR)
    payload = "<script>alert(1)</script>{{ 7*7 }}"
    resp = client.post("/leases/new", data=_form(park, note=payload))
    lease = session.scalar(sa.select(Lease))
    client.post(f"/leases/{lease.id}/cancel", data={"reason": payload})
    text = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "<script>alert(1)" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;{{ 7*7 }}" in text
