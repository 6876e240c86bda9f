"""Billing periods follow the calendar and the lease's own first and last day; each period's rent
and property fee are exact to the fen."""
import datetime as dt
from decimal import Decimal

import pytest

from incubator.leases.ledger import DUE_DAYS, billing_periods, generate_charges
from incubator.leases.models import BillingCycle, Lease

D = dt.date
FAR = D(2099, 12, 31)


def _lease(start, end, cycle=BillingCycle.MONTHLY, ended_on=None):
    return Lease(start_on=start, end_on=end, billing_cycle=cycle, ended_on=ended_on)


@pytest.mark.parametrize("lease, through, periods", [
    pytest.param(_lease(D(2024, 1, 15), D(2024, 4, 10)), FAR,
                 [(D(2024, 1, 15), D(2024, 1, 31)), (D(2024, 2, 1), D(2024, 2, 29)), (D(2024, 3, 1), D(2024, 3, 31)),
                  (D(2024, 4, 1), D(2024, 4, 10))], id="monthly-partial-first-and-last-leap-february"),
    pytest.param(_lease(D(2025, 2, 1), D(2025, 3, 31)), FAR,
                 [(D(2025, 2, 1), D(2025, 2, 28)), (D(2025, 3, 1), D(2025, 3, 31))], id="monthly-common-february"),
    pytest.param(_lease(D(2024, 2, 10), D(2025, 2, 9), BillingCycle.QUARTERLY), FAR,
                 [(D(2024, 2, 10), D(2024, 3, 31)), (D(2024, 4, 1), D(2024, 6, 30)), (D(2024, 7, 1), D(2024, 9, 30)),
                  (D(2024, 10, 1), D(2024, 12, 31)), (D(2025, 1, 1), D(2025, 2, 9))], id="quarterly-calendar-quarters"),
    pytest.param(_lease(D(2026, 1, 1), D(2028, 12, 31), BillingCycle.QUARTERLY), D(2026, 4, 1),
                 [(D(2026, 1, 1), D(2026, 3, 31)), (D(2026, 4, 1), D(2026, 6, 30))], id="through-a-period's-first-day"),
    pytest.param(_lease(D(2026, 1, 1), D(2028, 12, 31)), D(2026, 2, 28),
                 [(D(2026, 1, 1), D(2026, 1, 31)), (D(2026, 2, 1), D(2026, 2, 28))], id="through-cuts-later-periods"),
    pytest.param(_lease(D(2026, 1, 1), D(2028, 12, 31), BillingCycle.QUARTERLY, ended_on=D(2026, 5, 15)), FAR,
                 [(D(2026, 1, 1), D(2026, 3, 31)), (D(2026, 4, 1), D(2026, 5, 15))], id="terminated-mid-quarter"),
    pytest.param(_lease(D(2026, 1, 1), D(2026, 2, 28), ended_on=D(2026, 6, 30)), FAR,
                 [(D(2026, 1, 1), D(2026, 1, 31)), (D(2026, 2, 1), D(2026, 2, 28))], id="ended-after-its-term"),
    pytest.param(_lease(D(2026, 3, 1), D(2027, 2, 28)), D(2026, 2, 28), [], id="not-started-yet"),
    pytest.param(_lease(D(2026, 3, 1), D(2027, 2, 28), ended_on=D(2026, 2, 1)), FAR, [], id="terminated-before-start"),
    pytest.param(_lease(D(2026, 12, 31), D(2027, 1, 1), BillingCycle.QUARTERLY), FAR,
                 [(D(2026, 12, 31), D(2026, 12, 31)), (D(2027, 1, 1), D(2027, 1, 1))], id="one-day-periods"),
])
def test_billing_periods(lease, through, periods):
    assert billing_periods(lease, through) == periods


def _charges(session, park, signed, **terms):
    lease = signed(**terms)
    return [(c.period_start, c.period_end, c.due_on, c.rent, c.property_fee)
            for c in generate_charges(session, park.operator, lease, FAR)]


def test_monthly_amounts_to_the_fen(session, park, signed):
    # office 101: 120.50 m² × ¥45 = ¥5,422.50 a month; property fee ¥5/m² = ¥602.50
    charges = _charges(session, park, signed, start=D(2024, 1, 15), end_on=D(2024, 3, 20), property_fee_per_m2="5")
    assert charges == [
        (D(2024, 1, 15), D(2024, 1, 31), D(2024, 1, 25), Decimal("2973.63"), Decimal("330.40")),  # 17/31
        (D(2024, 2, 1), D(2024, 2, 29), D(2024, 2, 11), Decimal("5422.50"), Decimal("602.50")),  # leap Feb: whole
        (D(2024, 3, 1), D(2024, 3, 20), D(2024, 3, 11), Decimal("3498.39"), Decimal("388.71")),  # 20/31
    ]
    assert DUE_DAYS == 10
    assert all(isinstance(c[3], Decimal) for c in charges)


def test_part_of_a_leap_february(session, park, signed):
    [(start, end, _due, rent, fee)] = _charges(session, park, signed, start=D(2024, 2, 15), end_on=D(2024, 2, 29),
                                               property_fee_per_m2="5")
    assert (start, end, rent, fee) == (D(2024, 2, 15), D(2024, 2, 29), Decimal("2804.74"), Decimal("311.64"))  # 15/29


def test_quarterly_amounts(session, park, signed):
    charges = _charges(session, park, signed, start=D(2024, 2, 10), end_on=D(2024, 9, 30), property_fee_per_m2="5",
                       billing_cycle="quarterly")
    # Feb 10–29 is 20/29 of a month (¥3,739.66) plus all of March (¥5,422.50)
    assert [c[:4] for c in charges] == [
        (D(2024, 2, 10), D(2024, 3, 31), D(2024, 2, 20), Decimal("9162.16")),
        (D(2024, 4, 1), D(2024, 6, 30), D(2024, 4, 11), Decimal("16267.50")),
        (D(2024, 7, 1), D(2024, 9, 30), D(2024, 7, 11), Decimal("16267.50")),
    ]
    assert charges[0][4] == Decimal("1018.02")


def test_several_units_and_an_uneven_price(session, park, signed):
    # 200 m² at the area-weighted list rent ¥46.99: 17/31 of ¥9,398.00 = ¥5,153.7419… → ¥5,153.74
    [first, *_] = _charges(session, park, signed, units=[park.office1, park.office2], start=D(2024, 1, 15),
                           end_on=D(2024, 6, 30))
    assert first[3] == Decimal("5153.74") and first[4] == Decimal("0.00")
