"""The fund's rules as pure functions: the programme config, phase cap and count, matching."""
from __future__ import annotations

from decimal import Decimal

import pytest

from incubator.funds import rules
from incubator.funds.rules import DEFAULT_PROGRAM_CONFIG as DEFAULT


def test_the_default_config_is_the_plan_and_is_valid(app):
    with app.app_context():
        assert rules.validate_config(DEFAULT) == []
    assert rules.phase_cap(DEFAULT) == Decimal("10000000")
    assert DEFAULT["max_city_phases"] == 3 and DEFAULT["matching_ratio"] == "1"


@pytest.mark.parametrize("change, problems", [
    ({"phase_cap": "0"}, 1), ({"phase_cap": "-5"}, 1), ({"phase_cap": "10.001"}, 1), ({"phase_cap": "NaN"}, 1),
    ({"phase_cap": "Infinity"}, 1), ({"phase_cap": 1e7}, 1), ({"phase_cap": "1e13"}, 1), ({"phase_cap": "abc"}, 1),
    ({"max_city_phases": 0}, 1), ({"max_city_phases": 11}, 1), ({"max_city_phases": "3"}, 1),
    ({"max_city_phases": True}, 1), ({"matching_ratio": "-1"}, 1), ({"matching_ratio": "101"}, 1),
    ({"matching_ratio": "0.555"}, 1), ({"matching_ratio": None}, 1), ({"surprise": 1}, 1),
    ({"phase_cap": "-1", "max_city_phases": 99}, 2),
    ({"phase_cap": "5000000.50", "max_city_phases": 10, "matching_ratio": "1.5"}, 0),
    ({"matching_ratio": "0"}, 0),
])
def test_validate_config_reports_each_problem(app, change, problems):
    with app.app_context():
        assert len(rules.validate_config({**DEFAULT, **change})) == problems


def test_validate_config_with_missing_keys_or_no_dict(app, english):
    with app.app_context():
        assert len(rules.validate_config({})) == 3
        assert rules.validate_config(None) == ["The fund settings are missing."]


@pytest.mark.parametrize("phase, allowed", [(0, False), (1, True), (3, True), (4, False)])
def test_city_phases_are_numbered_up_to_the_maximum(phase, allowed):
    assert rules.city_phase_allowed(DEFAULT, phase) is allowed


@pytest.mark.parametrize("amount, within", [("9999999.99", True), ("10000000.00", True), ("10000000.01", False)])
def test_a_city_phase_holds_at_most_the_cap(amount, within):
    assert rules.within_phase_cap(DEFAULT, Decimal(amount)) is within


@pytest.mark.parametrize("ratio, city, committee, met, shortfall", [
    ("1", "10000000", "10000000", True, "0.00"),
    ("1", "10000000", "9999999.99", False, "0.01"),
    ("1", "20000000", "25000000", True, "0.00"),
    ("1.5", "10000000", "12000000", False, "3000000.00"),
    ("1", "0", "0", True, "0.00"),
    ("0", "5000000", "0", True, "0.00"),
])
def test_matching_is_reported_with_its_shortfall(ratio, city, committee, met, shortfall):
    m = rules.matching({**DEFAULT, "matching_ratio": ratio}, Decimal(city), Decimal(committee))
    assert m.met is met
    assert m.shortfall == Decimal(shortfall)
    assert m.required == (Decimal(city) * Decimal(ratio)).quantize(Decimal("0.01"))


def test_running_low_below_ten_percent_and_use_shares():
    assert rules.running_low(Decimal("100000"), Decimal("9999.99"))
    assert not rules.running_low(Decimal("100000"), Decimal("10000"))
    assert not rules.running_low(Decimal("0"), Decimal("0"))
    assert rules.remaining(Decimal("100"), Decimal("30"), Decimal("50"), Decimal("20")) == Decimal("40")
    assert rules.use_shares(Decimal("1000"), Decimal("300"), Decimal("500"), Decimal("100")) == (Decimal("40.0"),
                                                                                                 Decimal("30.0"))
    assert rules.use_shares(Decimal("0"), Decimal("0"), Decimal("0"), Decimal("0")) == (Decimal("0"), Decimal("0"))
