"""Occupancy (去化率 = leased ÷ lettable) on a fixture whose figures were worked out by hand."""
from decimal import Decimal

from incubator.core.roles import Role
from incubator.spaces.models import UnitStatus as S
from incubator.spaces.models import UnitType as T
from incubator.spaces.rules import occupancy_by_carrier, occupancy_by_carrier_and_type, occupancy_by_type
from incubator.spaces.services import overview, retire_unit

from ..factories import make_user


def test_per_carrier(session, community):
    occ = {o.label: o for o in occupancy_by_carrier(session)}
    a, b = occ["水乡科创中心"], occ["中铁水乡科技智造中心"]
    # A: lettable 100 + 50.50 + 49.50 + 300 + 100 = 600 (the 200 m² out of service excluded); leased 400
    assert (a.lettable, a.leased, a.reserved, a.units) == (Decimal("600.00"), Decimal("400.00"), Decimal("50.50"), 5)
    assert a.rate == Decimal("66.7")
    # B: lettable 80 + 40 = 120; leased 80
    assert (b.lettable, b.leased, b.rate) == (Decimal("120.00"), Decimal("80.00"), Decimal("66.7"))
    assert "水乡河西数字产业区" not in occ  # no units, nothing to let


def test_per_carrier_and_type(session, community):
    rows = {(carrier, t): o for carrier, t, o in occupancy_by_carrier_and_type(session)}
    assert rows[("水乡科创中心", T.OFFICE)].lettable == Decimal("200.00")
    assert rows[("水乡科创中心", T.OFFICE)].rate == Decimal("50.0")
    assert rows[("水乡科创中心", T.FACTORY)].rate == Decimal("75.0")
    assert rows[("中铁水乡科技智造中心", T.LAB)].rate == Decimal("100.0")
    apartments = rows[("中铁水乡科技智造中心", T.APARTMENT)]
    assert (apartments.lettable, apartments.leased, apartments.rate) == (Decimal("40.00"), Decimal("0"), Decimal("0.0"))


def test_per_type_across_carriers(session, community):
    by_type = {o.key: o for o in occupancy_by_type(session)}
    assert [o.key for o in occupancy_by_type(session)] == ["office", "factory", "apartment", "lab"]
    assert (by_type["office"].lettable, by_type["office"].rate) == (Decimal("200.00"), Decimal("50.0"))
    assert by_type["factory"].rate == Decimal("75.0")
    assert by_type["lab"].rate == Decimal("100.0")
    assert by_type["apartment"].rate == Decimal("0.0")


def test_reserved_share(session, community):
    a = {o.label: o for o in occupancy_by_carrier(session)}["水乡科创中心"]
    assert a.reserved_rate == Decimal("8.4")  # 50.50 / 600


def test_retiring_a_unit_changes_lettable_area(session, community):
    retire_unit(session, make_user(session, Role.OPERATOR), community.units.a_factory_vacant, "改造")
    a = {o.label: o for o in occupancy_by_carrier(session)}["水乡科创中心"]
    assert (a.lettable, a.rate) == (Decimal("500.00"), Decimal("80.0"))


def test_overview_lists_every_carrier_with_counts(session, community):
    summaries, _by_type = overview(session)
    assert [s.carrier.code for s in summaries] == ["KC", "ZZ", "HX"]
    kc, zz, hx = summaries
    assert kc.counts == {S.VACANT: 2, S.RESERVED: 1, S.LEASED: 2, S.OUT_OF_SERVICE: 1} and kc.units == 6
    assert zz.counts == {S.VACANT: 1, S.RESERVED: 0, S.LEASED: 1, S.OUT_OF_SERVICE: 1}
    assert hx.units == 0 and hx.occupancy.rate == Decimal("0") and hx.by_type == []
    assert [o.label for o in kc.by_type] == [T.OFFICE.label, T.FACTORY.label]


def test_index_page_shows_figures(client, login, community):
    login(Role.SUPERVISOR)
    resp = client.get("/spaces/")
    assert resp.status_code == 200
    text = resp.get_data(as_text=True)
    for expected in ("水乡科创中心", "130,000.00 m²", "15,000.00 m²", "66.7%", "75.0%", "100.0%",
                     "水乡河西数字产业区", "600.00 m²"):
        assert expected in text
    assert 'style="width: 66.7%"' in text  # the progress bar follows the rate
    assert "/spaces/units/new" not in text  # a supervisor reads but does not change


def test_index_without_any_carrier(client, login):
    login(Role.OPERATOR)
    resp = client.get("/spaces/")
    assert resp.status_code == 200
