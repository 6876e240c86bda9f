"""The unit list, a unit's page, the unit / building / carrier forms, and who may use them."""
import datetime as dt
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from incubator.audit.models import AuditEntry
from incubator.core.roles import Role
from incubator.leases.services import create_lease, sign_lease
from incubator.spaces.models import Building, Unit
from incubator.spaces.models import UnitStatus as S
from incubator.spaces.models import UnitType as T

from ..factories import make_company, make_unit, make_user

READERS = [Role.OPERATOR, Role.LEAD, Role.DEPUTY, Role.COMMANDER, Role.SUPERVISOR, Role.ADMIN]


def _numbers(text):
    return set(re.findall(r'/spaces/units/\d+">([^<]+)</a>', text))


# --- list -------------------------------------------------------------------------------------

@pytest.mark.parametrize("query, numbers", [
    ("", {"301", "302", "401", "402", "101", "102", "501", "601", "602"}),
    ("status=vacant", {"401", "102", "601"}),
    ("type=office", {"301", "302", "401", "402"}),
    ("type=office&status=out_of_service", {"402"}),
    ("floor=3", {"301", "302"}),
    ("q=60", {"601", "602"}),
    ("status=bogus&type=nope&floor=x", {"301", "302", "401", "402", "101", "102", "501", "601", "602"}),
])
def test_list_filters(client, login, community, query, numbers):
    login(Role.OPERATOR)
    resp = client.get(f"/spaces/units?{query}")
    assert resp.status_code == 200
    assert _numbers(resp.get_data(as_text=True)) == numbers


def test_list_filters_by_carrier_and_building_and_sums_area(client, login, community, english):
    login(Role.LEAD)
    text = client.get(f"/spaces/units?carrier={community.b.id}").get_data(as_text=True)
    assert _numbers(text) == {"501", "601", "602"}
    assert "3 units, 180.00 m² in all" in text
    text = client.get(f"/spaces/units?building={community.a2.id}").get_data(as_text=True)
    assert _numbers(text) == {"101", "102"}
    assert "400.00 m²" in text
    text = client.get("/spaces/units?q=zzz").get_data(as_text=True)
    assert _numbers(text) == set()


def test_list_area_sum_covers_all_filtered_rows_not_just_the_page(client, login, session):
    login(Role.OPERATOR)
    unit = make_unit(session, area=Decimal("10.25"))
    for i in range(24):
        make_unit(session, unit.building.carrier, building=unit.building, number=f"X{i:02d}", area=Decimal("10.25"))
    text = client.get(f"/spaces/units?building={unit.building_id}").get_data(as_text=True)
    assert len(_numbers(text)) == 20
    assert "256.25 m²" in text  # 25 × 10.25
    page2 = client.get(f"/spaces/units?building={unit.building_id}&page=2").get_data(as_text=True)
    assert len(_numbers(page2)) == 5


def test_list_shows_who_holds_a_unit(client, login, session, community):
    company = make_company(session, name="甲乙科技有限公司")
    create_lease(session, make_user(session, Role.OPERATOR), company, [community.units.a_office_vacant],
                 start_on=dt.date(2026, 1, 1))
    login(Role.OPERATOR)
    assert "甲乙科技有限公司" in client.get("/spaces/units?q=401").get_data(as_text=True)


# --- unit page --------------------------------------------------------------------------------

def test_unit_detail_shows_facts_leases_history_and_actions(client, login, session, community, english):
    operator = make_user(session, Role.OPERATOR)
    unit = community.units.a_office_vacant
    lease = create_lease(session, operator, make_company(session, name="丙丁科技有限公司"), [unit],
                         start_on=dt.date(2026, 3, 1))
    sign_lease(session, operator, lease)
    login(operator)
    text = client.get(f"/spaces/units/{unit.id}").get_data(as_text=True)
    assert "KC-1栋-401" in text and "49.50 m²" in text
    assert lease.number in text and "丙丁科技有限公司" in text
    assert "Reserved for a lease" in text and "Vacant → Reserved" in text  # status history
    assert "Leased" in text and "Reserved → Leased" in text
    assert f"/spaces/units/{unit.id}/retire" not in text  # leased: cannot be retired
    vacant = community.units.a_factory_vacant
    assert f"/spaces/units/{vacant.id}/retire" in client.get(f"/spaces/units/{vacant.id}").get_data(as_text=True)


def test_retire_and_restore_through_the_page(client, login, session, community, english):
    login(Role.OPERATOR)
    unit = community.units.a_factory_vacant
    resp = client.post(f"/spaces/units/{unit.id}/retire", data={"reason": ""},
                       headers={"Referer": f"/spaces/units/{unit.id}"})
    assert resp.status_code == 303  # refused with a message, nothing changed
    assert session.get(Unit, unit.id).status == S.VACANT
    assert "A reason is required." in client.get(f"/spaces/units/{unit.id}").get_data(as_text=True)
    assert client.post(f"/spaces/units/{unit.id}/retire", data={"reason": "屋面维修"}).status_code == 302
    session.refresh(unit)
    assert unit.status == S.OUT_OF_SERVICE
    assert client.post(f"/spaces/units/{unit.id}/retire", data={"reason": "again"}).status_code == 303
    assert client.post(f"/spaces/units/{unit.id}/restore").status_code == 302
    session.refresh(unit)
    assert unit.status == S.VACANT and unit.version == 3


def test_unknown_unit_is_404(client, login):
    login(Role.OPERATOR)
    assert client.get("/spaces/units/999999").status_code == 404
    assert client.get("/spaces/units/99999999999999999999").status_code == 404
    assert client.get("/spaces/units?carrier=99999999999999999999&floor=-99999999999999999999").status_code == 200
    assert client.get("/spaces/units/999999/edit").status_code == 404
    assert client.post("/spaces/units/999999/retire", data={"reason": "x"}).status_code == 404


# --- forms ------------------------------------------------------------------------------------

def _unit_form(building, **kw):
    data = {"building_id": building.id, "floor": "5", "number": "508", "type": "office", "area": "88.80",
            "list_rent": "45.00", "in_startup_zone": "y", "note": ""}
    data.update(kw)
    return data


def test_create_unit(client, login, session, community):
    login(Role.OPERATOR)
    resp = client.post("/spaces/units/new", data=_unit_form(community.a1))
    assert resp.status_code == 302
    unit = session.scalar(sa.select(Unit).where(Unit.number == "508"))
    assert (unit.area, unit.list_rent, unit.status, unit.type) == (Decimal("88.80"), Decimal("45.00"), S.VACANT, T.OFFICE)
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "unit.create"))
    assert entry.object_id == unit.id and entry.after["area"] == "88.80"


@pytest.mark.parametrize("field, value, message", [
    ("area", "0", "greater than zero"),
    ("area", "-5", "greater than zero"),
    ("area", "12.345", "decimal places"),
    ("area", "一百", "digits and a decimal point"),
    ("area", "1e3", "digits and a decimal point"),
    ("area", "NaN", "digits and a decimal point"),
    ("area", "", "This field is required"),
    ("area", "123456789", "too large"),
    ("list_rent", "-1", "must not be negative"),
    ("list_rent", "abc", "digits and a decimal point"),
    ("floor", "三", "Not a valid integer"),
    ("floor", "500", "between"),
    ("floor", "99999999999999999999", "between"),
    ("building_id", "99999999999999999999", "Not a valid choice"),
    ("number", "", "This field is required"),
    ("type", "castle", "Not a valid choice"),
])
def test_bad_unit_input_is_refused_clearly(client, login, session, community, english, field, value, message):
    login(Role.OPERATOR)
    resp = client.post("/spaces/units/new", data=_unit_form(community.a1, **{field: value}))
    assert resp.status_code == 400
    assert message in resp.get_data(as_text=True)
    assert session.scalar(sa.select(Unit).where(Unit.number == "508")) is None


def test_full_width_digits_are_normalised(client, login, session, community):
    login(Role.OPERATOR)
    resp = client.post("/spaces/units/new", data=_unit_form(community.a1, area="１２０．５", list_rent="４５",
                                                           floor="５", number="５０８"))
    assert resp.status_code == 302
    unit = session.scalar(sa.select(Unit).where(Unit.number == "508"))
    assert (unit.area, unit.list_rent, unit.floor) == (Decimal("120.50"), Decimal("45.00"), 5)


def test_duplicate_number_in_building(client, login, community, english):
    login(Role.OPERATOR)
    resp = client.post("/spaces/units/new", data=_unit_form(community.a1, number="301"))
    assert resp.status_code == 400 and "already has a unit numbered 301" in resp.get_data(as_text=True)
    # the same number in another building is fine
    assert client.post("/spaces/units/new", data=_unit_form(community.a2, number="301")).status_code == 302


def test_edit_unit_and_audit(client, login, session, community):
    login(Role.ADMIN)
    unit = community.units.a_office_vacant
    assert client.get(f"/spaces/units/{unit.id}/edit").status_code == 200
    resp = client.post(f"/spaces/units/{unit.id}/edit",
                       data=_unit_form(community.a1, number="401", floor="4", area="50.00", version=unit.version))
    assert resp.status_code == 302
    session.refresh(unit)
    assert unit.area == Decimal("50.00") and unit.version == 2
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "unit.update"))
    assert (entry.before, entry.after) == ({"area": "49.50"}, {"area": "50.00"})  # only what changed


def test_type_and_area_locked_while_let(client, login, session, community, english):
    login(Role.OPERATOR)
    unit = community.units.a_office_leased
    form = _unit_form(community.a1, number="301", floor="3", area="100.00", list_rent="50.00", version=unit.version)
    resp = client.post(f"/spaces/units/{unit.id}/edit", data={**form, "area": "120.00"})
    assert resp.status_code == 400 and "cannot change while it is reserved or leased" in resp.get_data(as_text=True)
    resp = client.post(f"/spaces/units/{unit.id}/edit", data={**form, "type": "lab"})
    assert resp.status_code == 400
    session.refresh(unit)
    assert (unit.area, unit.type) == (Decimal("100.00"), T.OFFICE)
    # the list rent may change
    assert client.post(f"/spaces/units/{unit.id}/edit", data=form).status_code == 302
    session.refresh(unit)
    assert unit.list_rent == Decimal("50.00")


def test_edit_from_a_stale_form_is_refused(client, login, session, community, english):
    login(Role.OPERATOR)
    unit = community.units.a_office_vacant
    form = _unit_form(community.a1, number="401", floor="4", area="60.00", version=unit.version)
    session.execute(sa.update(Unit.__table__).where(Unit.id == unit.id).values(version=unit.version + 1))
    resp = client.post(f"/spaces/units/{unit.id}/edit", data=form)
    assert resp.status_code == 409 and "Someone else changed this unit first" in resp.get_data(as_text=True)


def test_new_building(client, login, session, community, english):
    login(Role.OPERATOR)
    resp = client.post("/spaces/buildings/new", data={"carrier_id": community.c.id, "name": "一期 3栋"})
    assert resp.status_code == 302
    building = session.scalar(sa.select(Building).where(Building.name == "一期 3栋"))
    assert building.carrier_id == community.c.id
    assert f"building={building.id}" in resp.headers["Location"]
    resp = client.post("/spaces/buildings/new", data={"carrier_id": community.c.id, "name": "一期 3栋"})
    assert resp.status_code == 400 and "already has a building with this name" in resp.get_data(as_text=True)
    assert client.post("/spaces/buildings/new", data={"carrier_id": 99999, "name": "x"}).status_code == 400


def test_edit_carrier(client, login, session, community, english):
    login(Role.OPERATOR)
    url = f"/spaces/carriers/{community.a.id}/edit"
    data = {"name": "水乡科创中心", "role": "研发中心", "total_area": "131,000.50", "startup_area": "15000"}
    assert client.post(url, data=data).status_code == 302
    session.refresh(community.a)
    assert community.a.total_area == Decimal("131000.50") and community.a.role == "研发中心"
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "carrier.update"))
    assert Decimal(entry.before["total_area"]) == Decimal("130000") and entry.after["total_area"] == "131000.50"
    resp = client.post(url, data={**data, "startup_area": "200000"})
    assert resp.status_code == 400 and "cannot be larger than the total" in resp.get_data(as_text=True)
    resp = client.post(url, data={**data, "name": "中铁水乡科技智造中心"})
    assert resp.status_code == 400 and "Another carrier already has this name" in resp.get_data(as_text=True)


# --- access -----------------------------------------------------------------------------------

@pytest.mark.parametrize("role", READERS + [Role.REVIEWER, Role.COMPANY], ids=lambda r: r.value)
def test_read_access(client, login, community, role):
    login(role)
    unit = community.units.a_office_vacant
    expected = 200 if role in READERS else 403
    for url in ("/spaces/", "/spaces/units", f"/spaces/units/{unit.id}"):
        assert client.get(url).status_code == expected, url


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_change_access(client, login, session, community, role):
    login(role)
    unit = community.units.a_factory_vacant
    ok = role in (Role.OPERATOR, Role.ADMIN)
    for url in ("/spaces/units/new", f"/spaces/units/{unit.id}/edit", "/spaces/buildings/new",
                f"/spaces/carriers/{community.a.id}/edit"):
        assert client.get(url).status_code == (200 if ok else 403), url
    resp = client.post(f"/spaces/units/{unit.id}/retire", data={"reason": "检修"})
    assert resp.status_code == (302 if ok else 403)
    session.refresh(unit)
    assert unit.status == (S.OUT_OF_SERVICE if ok else S.VACANT)


def test_anonymous_is_sent_to_login(client, community):
    resp = client.get("/spaces/units")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_changes_are_post_only(client, login, community):
    login(Role.OPERATOR)
    assert client.get(f"/spaces/units/{community.units.a_factory_vacant.id}/retire").status_code == 405
