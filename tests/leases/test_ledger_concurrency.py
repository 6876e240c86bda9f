"""Two operators record the same bank transfer (the full outstanding) at the same instant, and
charges are generated twice at once: exactly one payment goes through, no period is charged twice."""
import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from incubator.accounts.models import User
from incubator.audit.services import verify_chain
from incubator.core.roles import Role
from incubator.db import db
from incubator.leases import ledger, services
from incubator.leases.models import Lease, RentCharge, RentPayment

from ..concurrency import race
from ..conftest import IS_PG
from ..factories import make_company, make_unit, make_user

N = 6


def _billed_lease(setup, operators):
    lease = services.create_lease(setup, operators[0], make_company(setup), [make_unit(setup)],
                                  start_on=dt.date(2024, 1, 1), property_fee_per_m2="5")
    services.sign_lease(setup, operators[0], lease, signed_on=dt.date(2024, 1, 1))
    return lease


@pytest.mark.skipif(not IS_PG, reason="real row locks: PostgreSQL only")
def test_double_payment_of_the_full_outstanding(committed_db):
    setup = db.Session()
    operators = [make_user(setup, Role.OPERATOR) for _ in range(N)]
    lease = _billed_lease(setup, operators)
    [charge] = ledger.generate_charges(setup, operators[0], lease, dt.date(2024, 1, 1))
    setup.commit()
    charge_id, amount, user_ids = charge.id, charge.amount, [o.id for o in operators]
    setup.close()

    def attempt(s, user_id, barrier):
        user, target = s.get(User, user_id), s.get(RentCharge, charge_id)
        barrier.wait()
        ledger.record_payment(s, user, target, str(amount), dt.date(2024, 1, 5), "同一笔转账")
        return "ok"

    outcomes = race(user_ids, attempt)
    assert sorted(outcomes) == ["Overpayment"] * (N - 1) + ["ok"], outcomes
    check = db.Session()
    try:
        charge = check.get(RentCharge, charge_id)
        assert charge.paid == amount == Decimal("6025.00") and charge.settled_on == dt.date(2024, 1, 5)
        assert check.scalar(sa.select(sa.func.sum(RentPayment.amount))) == amount
        assert check.scalar(sa.select(sa.func.count()).select_from(RentPayment)) == 1
        assert verify_chain(check)[0]
    finally:
        check.close()


@pytest.mark.skipif(not IS_PG, reason="real row locks: PostgreSQL only")
def test_partial_payments_at_once_never_exceed_the_charge(committed_db):
    setup = db.Session()
    operators = [make_user(setup, Role.OPERATOR) for _ in range(N)]
    lease = _billed_lease(setup, operators)
    [charge] = ledger.generate_charges(setup, operators[0], lease, dt.date(2024, 1, 1))
    setup.commit()
    charge_id, user_ids = charge.id, [o.id for o in operators]
    setup.close()

    def attempt(s, user_id, barrier):  # six payments of ¥2,000 against ¥6,025.00: three fit
        user, target = s.get(User, user_id), s.get(RentCharge, charge_id)
        barrier.wait()
        ledger.record_payment(s, user, target, "2000", dt.date(2024, 1, 5))
        return "ok"

    outcomes = race(user_ids, attempt)
    assert sorted(outcomes) == ["Overpayment"] * (N - 3) + ["ok"] * 3, outcomes
    check = db.Session()
    try:
        charge = check.get(RentCharge, charge_id)
        assert charge.paid == Decimal("6000.00") == check.scalar(sa.select(sa.func.sum(RentPayment.amount)))
        assert charge.settled_on is None
    finally:
        check.close()


@pytest.mark.skipif(not IS_PG, reason="real row locks: PostgreSQL only")
def test_concurrent_generation_charges_each_period_once(committed_db):
    setup = db.Session()
    operators = [make_user(setup, Role.OPERATOR) for _ in range(N)]
    lease = _billed_lease(setup, operators)
    setup.commit()
    lease_id, user_ids = lease.id, [o.id for o in operators]
    setup.close()

    def attempt(s, user_id, barrier):
        user, target = s.get(User, user_id), s.get(Lease, lease_id)
        barrier.wait()
        return len(ledger.generate_charges(s, user, target, dt.date(2024, 6, 30)))

    outcomes = race(user_ids, attempt)
    assert sorted(outcomes) == [0] * (N - 1) + [6], outcomes
    check = db.Session()
    try:
        assert check.scalar(sa.select(sa.func.count()).select_from(RentCharge)) == 6
    finally:
        check.close()
