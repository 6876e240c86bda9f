"""Charges, payments, arrears, renewal and the end of a lease, on the rent ledger."""
import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from incubator.audit.models import AuditEntry
from incubator.core.errors import DomainError, PermissionDenied, TransitionNotAllowed
from incubator.core.formatting import today
from incubator.core.roles import Role
from incubator.core.system import SYSTEM
from incubator.leases import ledger, services
from incubator.leases.ledger import ChargeState, Overpayment
from incubator.leases.models import RentCharge, RentPayment
from incubator.spaces.services import named_history

from ..factories import make_company, make_user

D = dt.date


def _count(session, model, *where):
    return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _periods(session, lease):
    return [(c.period_start, c.period_end, c.rent, c.property_fee) for c in ledger.lease_charges(session, lease.id)]


# --- generation ---------------------------------------------------------------------------------

def test_generation_is_idempotent_and_audited(session, park, signed):
    lease = signed(start=D(2024, 1, 15))
    first = ledger.generate_charges(session, park.operator, lease, D(2024, 3, 1))
    assert [c.period_start for c in first] == [D(2024, 1, 15), D(2024, 2, 1), D(2024, 3, 1)]
    assert ledger.generate_charges(session, park.operator, lease, D(2024, 3, 1)) == []
    more = ledger.generate_charges(session, park.operator, lease, D(2024, 4, 30))
    assert [c.period_start for c in more] == [D(2024, 4, 1)]
    assert _count(session, RentCharge, RentCharge.lease_id == lease.id) == 4
    assert _count(session, AuditEntry, AuditEntry.action == "lease.charges_added") == 2
    assert all(c.company_id == park.company.id for c in first)


def test_only_signed_leases_are_charged(session, park, english):
    draft = services.create_lease(session, park.operator, park.company, [park.lab], start_on=D(2024, 1, 1))
    with pytest.raises(DomainError, match="signed"):
        ledger.generate_charges(session, park.operator, draft, D(2024, 6, 1))
    services.cancel_lease(session, park.operator, draft)
    with pytest.raises(DomainError):
        ledger.generate_charges(session, park.operator, draft, D(2024, 6, 1))
    assert _count(session, RentCharge) == 0


def test_only_editors_charge(session, park, signed):
    lease = signed()
    for role in (Role.SUPERVISOR, Role.LEAD, Role.COMPANY):
        with pytest.raises(PermissionDenied):
            ledger.generate_charges(session, make_user(session, role), lease, D(2024, 6, 1))


def test_generate_all_charges_every_lease_in_force(session, park, signed):
    other = make_company(session)
    a = signed(start=D(2024, 1, 1))
    b = signed(units=[park.lab], company=other, start=D(2024, 2, 15))
    draft = services.create_lease(session, park.operator, park.company, [park.factory], start_on=D(2024, 1, 1))
    assert ledger.generate_all_charges(session, SYSTEM, D(2024, 3, 31)) == 3 + 2
    assert ledger.generate_all_charges(session, SYSTEM, D(2024, 3, 31)) == 0
    assert {c.lease_id for c in session.scalars(sa.select(RentCharge))} == {a.id, b.id}
    assert draft.id not in {c.lease_id for c in session.scalars(sa.select(RentCharge))}


# --- payments -----------------------------------------------------------------------------------

@pytest.fixture
def charge(session, park, signed):
    """January 2024 on office 101 with a ¥5 property fee: ¥5,422.50 + ¥602.50 = ¥6,025.00, due 11 January."""
    lease = signed(start=D(2024, 1, 1), property_fee_per_m2="5")
    [jan] = ledger.generate_charges(session, park.operator, lease, D(2024, 1, 1))
    assert jan.amount == Decimal("6025.00")
    return jan


def test_partial_then_full_payment(session, park, charge):
    assert ledger.charge_state(charge, D(2024, 1, 5)) == ChargeState.OPEN
    ledger.record_payment(session, park.operator, charge, "2,000.10", D(2024, 1, 8), " 工行 0001 ")
    assert charge.paid == Decimal("2000.10") and charge.outstanding == Decimal("4024.90")
    assert charge.settled_on is None and not charge.is_settled
    assert ledger.charge_state(charge, D(2024, 1, 9)) == ChargeState.PARTLY_PAID
    assert ledger.charge_state(charge, D(2024, 1, 12)) == ChargeState.OVERDUE
    ledger.record_payment(session, park.operator, charge, "4024.90", D(2024, 1, 20))
    assert charge.paid == Decimal("6025.00") and charge.is_settled and charge.settled_on == D(2024, 1, 20)
    assert ledger.charge_state(charge, D(2024, 2, 1)) == ChargeState.SETTLED
    assert [(p.amount, p.paid_on, p.reference, p.recorded_by_id) for p in charge.payments] == [
        (Decimal("2000.10"), D(2024, 1, 8), "工行 0001", park.operator.id),
        (Decimal("4024.90"), D(2024, 1, 20), None, park.operator.id)]
    entries = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "rent_charge.payment")
                              .order_by(AuditEntry.id)).all()
    assert [(e.before["paid"], e.after["paid"]) for e in entries] == [("0.00", "2000.10"), ("2000.10", "6025.00")]


def test_overpayment_is_refused(session, park, charge, english):
    ledger.record_payment(session, park.operator, charge, "6000", D(2024, 1, 8))
    with pytest.raises(Overpayment, match=r"¥25\.01 is more than this charge still owes \(¥25\.00\)"):
        ledger.record_payment(session, park.operator, charge, "25.01", D(2024, 1, 8))
    assert charge.paid == Decimal("6000.00") and _count(session, RentPayment) == 1
    ledger.record_payment(session, park.operator, charge, "25", D(2024, 1, 9))
    with pytest.raises(Overpayment):
        ledger.record_payment(session, park.operator, charge, "0.01", D(2024, 1, 9))  # settled already
    assert charge.paid == Decimal("6025.00") and _count(session, RentPayment) == 2


def test_sums_of_fen_are_exact(session, park, signed):
    """0.10 + 0.20 is 0.30 exactly: a payment of the exact outstanding always settles the charge."""
    lease = signed(units=[park.lab], start=D(2024, 1, 1), rent_per_m2="0.01", property_fee_per_m2="0.01")
    [jan] = ledger.generate_charges(session, park.operator, lease, D(2024, 1, 1))
    assert jan.amount == Decimal("1.20")
    for part in ("0.10", "0.20", "0.30", "0.60"):
        ledger.record_payment(session, park.operator, jan, part, D(2024, 1, 5))
    assert jan.is_settled and jan.settled_on == D(2024, 1, 5)
    assert ledger.overdue_total(session, park.company.id, D(2025, 1, 1)) == Decimal("0.00")
    assert ledger.overdue_charges(session, park.company.id, D(2025, 1, 1)) == []


@pytest.mark.parametrize("amount, message", [
    ("-100", "greater than zero"),
    ("－５", "greater than zero"),
    ("0", "greater than zero"),
    ("0.001", "At most 2 decimal places"),
    ("NaN", "digits and a decimal point only"),
    ("Infinity", "digits and a decimal point only"),
    ("1e3", "digits and a decimal point only"),
    ("", "Please enter a number."),
    ("100000000000000", "too large"),
    ("１２３４５６７８９０１２３４５", "too large"),
])
def test_bad_amounts_are_refused(session, park, charge, english, amount, message):
    with pytest.raises(DomainError, match=message) as exc:
        ledger.record_payment(session, park.operator, charge, amount, D(2024, 1, 8))
    assert exc.value.field == "amount"
    assert charge.paid == Decimal("0.00") and _count(session, RentPayment) == 0


def test_full_width_digits_are_read(session, park, charge):
    ledger.record_payment(session, park.operator, charge, "１，０００．５０", D(2024, 1, 8))
    assert charge.paid == Decimal("1000.50")


def test_floats_are_never_money(session, park, charge):
    with pytest.raises(TypeError):
        ledger.record_payment(session, park.operator, charge, 0.1, D(2024, 1, 8))


@pytest.mark.parametrize("paid_on, reference, field", [
    (today() + dt.timedelta(days=1), None, "paid_on"),
    (None, None, "paid_on"),
    (D(1999, 12, 31), None, "paid_on"),
    (D(2024, 1, 8), "x" * 81, "reference"),
])
def test_bad_dates_and_references_are_refused(session, park, charge, english, paid_on, reference, field):
    with pytest.raises(DomainError) as exc:
        ledger.record_payment(session, park.operator, charge, "100", paid_on, reference)
    assert exc.value.field == field and charge.paid == Decimal("0.00")


def test_only_editors_record_payments(session, park, charge):
    for role in (Role.SUPERVISOR, Role.COMMANDER, Role.REVIEWER):
        with pytest.raises(PermissionDenied):
            ledger.record_payment(session, make_user(session, role), charge, "100", D(2024, 1, 8))
    with pytest.raises(PermissionDenied):
        ledger.record_payment(session, make_user(session, Role.COMPANY, company=park.company), charge, "100",
                              D(2024, 1, 8))


# --- arrears and reads --------------------------------------------------------------------------

def test_overdue_per_company(session, park, signed):
    other = make_company(session)
    mine = signed(start=D(2024, 1, 1), property_fee_per_m2="5")  # ¥6,025.00 a month
    theirs = signed(units=[park.lab], company=other, start=D(2024, 1, 1))  # 60 m² × ¥60 = ¥3,600.00
    jan, feb, mar = ledger.generate_charges(session, park.operator, mine, D(2024, 3, 1))
    ledger.generate_charges(session, park.operator, theirs, D(2024, 3, 1))
    ledger.record_payment(session, park.operator, jan, "6025", D(2024, 1, 5))
    ledger.record_payment(session, park.operator, feb, "1000", D(2024, 2, 5))
    day = D(2024, 3, 11)  # March is due on the 11th: not yet overdue
    assert ledger.overdue_charges(session, park.company.id, day) == [feb]
    assert ledger.overdue_total(session, park.company.id, day) == Decimal("5025.00")
    assert ledger.overdue_total(session, park.company.id, D(2024, 3, 12)) == Decimal("11050.00")
    assert ledger.overdue_total(session, other.id, day) == Decimal("7200.00")
    assert ledger.overdue_total(session, park.company.id, D(2024, 1, 11)) == Decimal("0.00")
    assert ledger.overdue_total(session, make_company(session).id, day) == Decimal("0.00")
    summary = ledger.ledger_summary(session, day, company_id=park.company.id)
    assert summary == ledger.LedgerSummary(charged=Decimal("18075.00"), paid=Decimal("7025.00"),
                                           outstanding=Decimal("11050.00"), overdue=Decimal("5025.00"))
    assert ledger.ledger_summary(session, day, lease_id=theirs.id).charged == Decimal("10800.00")


def test_charges_between_overlap_with_units(session, park, signed):
    lease = signed(units=[park.office1, park.lab], start=D(2024, 1, 15))
    signed(units=[park.factory], company=make_company(session), start=D(2024, 1, 1))
    ledger.generate_all_charges(session, park.operator, D(2024, 5, 1))
    found = ledger.charges_between(session, park.company.id, D(2024, 2, 29), D(2024, 4, 1))
    assert [(c.period_start, c.period_end) for c in found] == [(D(2024, 2, 1), D(2024, 2, 29)),
                                                              (D(2024, 3, 1), D(2024, 3, 31)),
                                                              (D(2024, 4, 1), D(2024, 4, 30))]
    assert {lu.unit.label for lu in found[0].lease.units} == {"KC-1栋-101", "KC-1栋-103"}
    assert found[0].lease.number == lease.number
    assert ledger.charges_between(session, park.company.id, D(2023, 1, 1), D(2024, 1, 14)) == []


def test_arrears_list_query(session, park, signed):
    other = make_company(session, name="东莞乙新能源有限公司")
    signed(start=D(2024, 1, 1))  # KC: 3 × ¥5,422.50
    signed(units=[park.factory], company=other, start=D(2024, 2, 1))  # ZZ: 2 × 1000 m² × ¥25
    ledger.generate_all_charges(session, park.operator, D(2024, 3, 31))
    day = D(2024, 4, 1)
    rows = session.execute(ledger.arrears_query(ledger.ArrearsFilters(), day)).all()
    assert [(r.name, r.total, r.oldest, r.periods) for r in rows] == [
        ("东莞乙新能源有限公司", Decimal("50000.00"), D(2024, 2, 11), 2),
        ("东莞甲科技有限公司", Decimal("16267.50"), D(2024, 1, 11), 3)]
    assert ledger.arrears_totals(session, ledger.ArrearsFilters(), day) == (Decimal("66267.50"), 2, 5)
    by_carrier = ledger.ArrearsFilters(carrier_id=park.kc.id)
    assert [r.name for r in session.execute(ledger.arrears_query(by_carrier, day))] == ["东莞甲科技有限公司"]
    assert ledger.arrears_totals(session, ledger.ArrearsFilters(q="乙新能源"), day) == (Decimal("50000.00"), 1, 2)


# --- renewal ------------------------------------------------------------------------------------

def test_renewal_extends_the_term_and_the_last_charge(session, park, signed):
    lease = signed(start=D(2024, 1, 1), end_on=D(2024, 6, 15))
    ledger.generate_charges(session, park.operator, lease, D(2024, 6, 30))
    assert _periods(session, lease)[-1][:3] == (D(2024, 6, 1), D(2024, 6, 15), Decimal("2711.25"))
    version = lease.version
    services.renew_lease(session, park.operator, lease, D(2025, 6, 30), rent_per_m2="５０", reason="续租一年")
    assert (lease.end_on, lease.rent_per_m2, lease.state.value, lease.version) == (
        D(2025, 6, 30), Decimal("50.00"), "signed", version + 1)
    # the June charge runs to the month's end at the rent it was charged at; July is at the new rent
    assert _periods(session, lease)[-1][:3] == (D(2024, 6, 1), D(2024, 6, 30), Decimal("5422.50"))
    [july] = ledger.generate_charges(session, park.operator, lease, D(2024, 7, 1))
    assert july.rent == Decimal("6025.00")  # 120.50 m² × ¥50
    # each charge keeps the price it was charged at (the subsidy engine recomputes from it)
    assert [c.rent_per_m2 for c in ledger.lease_charges(session, lease.id)][-2:] == [Decimal("45.00"),
                                                                                   Decimal("50.00")]
    (event, _who), = [(e, w) for e, w in named_history(session, "lease", lease.id) if e.action == "renew"]
    assert event.comment == "2024-06-15 → 2025-06-30 · 45.00 → 50.00 /m² · 续租一年"
    assert event.from_state == event.to_state == "signed"
    audit = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "lease.renew"))
    assert audit.after["end_on"] == "2025-06-30" and audit.after["rent_per_m2"] == "50.00"
    assert _count(session, AuditEntry, AuditEntry.action == "rent_charge.extend") == 1


def test_renewal_of_a_settled_last_charge_reopens_it(session, park, signed):
    lease = signed(start=D(2024, 6, 1), end_on=D(2024, 6, 15))
    [june] = ledger.generate_charges(session, park.operator, lease, D(2024, 6, 1))
    ledger.record_payment(session, park.operator, june, "2711.25", D(2024, 6, 3))
    assert june.is_settled
    services.renew_lease(session, park.operator, lease, D(2024, 12, 31))
    assert june.period_end == D(2024, 6, 30) and june.amount == Decimal("5422.50")
    assert not june.is_settled and june.settled_on is None and june.outstanding == Decimal("2711.25")


def test_renewal_keeps_the_rent_when_none_is_given(session, park, signed):
    lease = signed(start=D(2024, 1, 1), end_on=D(2024, 12, 31))
    services.renew_lease(session, park.operator, lease, D(2025, 12, 31), rent_per_m2="")
    assert lease.rent_per_m2 == Decimal("45.00")
    (event, _who), = [(e, w) for e, w in named_history(session, "lease", lease.id) if e.action == "renew"]
    assert event.comment == "2024-12-31 → 2025-12-31"


def test_renewal_refusals(session, park, signed, english):
    lease = signed(start=D(2024, 1, 1), end_on=D(2026, 12, 31))
    with pytest.raises(DomainError, match="must be after the current one"):
        services.renew_lease(session, park.operator, lease, D(2026, 12, 31))
    with pytest.raises(DomainError, match="20 years from today"):
        services.renew_lease(session, park.operator, lease, D(today().year + 21, 1, 1))
    with pytest.raises(DomainError, match="new end date"):
        services.renew_lease(session, park.operator, lease, None)
    with pytest.raises(DomainError, match="must not be negative"):
        services.renew_lease(session, park.operator, lease, D(2027, 12, 31), rent_per_m2="-1")
    with pytest.raises(PermissionDenied):
        services.renew_lease(session, make_user(session, Role.SUPERVISOR), lease, D(2027, 12, 31))
    draft = services.create_lease(session, park.operator, park.company, [park.lab], start_on=D(2024, 1, 1))
    with pytest.raises(TransitionNotAllowed):
        services.renew_lease(session, park.operator, draft, D(2030, 1, 1))
    assert lease.end_on == D(2026, 12, 31)


# --- the end of a lease -------------------------------------------------------------------------

def test_termination_removes_later_unpaid_charges_and_cuts_the_last(session, park, signed):
    lease = signed(start=D(2026, 1, 1), end_on=D(2028, 12, 31), property_fee_per_m2="5")
    charges = ledger.generate_charges(session, park.operator, lease, D(2026, 12, 1))  # charged ahead
    assert len(charges) == 12
    jan, feb, mar, apr = charges[:4]
    ledger.record_payment(session, park.operator, jan, "6025", D(2026, 1, 5))
    ledger.record_payment(session, park.operator, mar, "1000", D(2026, 3, 5))
    ledger.record_payment(session, park.operator, apr, "500", D(2026, 3, 5))  # paid ahead for April
    services.terminate_lease(session, park.operator, lease, "提前退租", ended_on=D(2026, 3, 10))
    periods = _periods(session, lease)
    assert periods == [
        (D(2026, 1, 1), D(2026, 1, 31), Decimal("5422.50"), Decimal("602.50")),
        (D(2026, 2, 1), D(2026, 2, 28), Decimal("5422.50"), Decimal("602.50")),
        (D(2026, 3, 1), D(2026, 3, 10), Decimal("1749.19"), Decimal("194.35")),  # 10/31, partly paid
        (D(2026, 4, 1), D(2026, 4, 30), Decimal("0.00"), Decimal("0.00")),  # paid ahead: owes nothing now
    ]
    assert mar.outstanding == Decimal("943.54")
    assert apr.is_settled and apr.paid - apr.amount == Decimal("500.00")  # a refund due, not arrears
    assert ledger.overdue_total(session, lease.company_id, D(2026, 12, 31)) == Decimal("6968.54")  # Feb + Mar
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "lease.charges_closed"))
    assert len(entry.after["removed"]) == 8 and entry.after["cut"] == ["2026-03-01/2026-03-31 → 2026-03-10",
                                                                     "2026-04-01/2026-04-30 → 0"]
    assert _count(session, RentPayment) == 3


def test_a_cut_charge_already_covered_is_settled(session, park, signed):
    lease = signed(start=D(2026, 1, 1), end_on=D(2028, 12, 31), billing_cycle="quarterly")
    [q1, q2] = ledger.generate_charges(session, park.operator, lease, D(2026, 4, 1))
    ledger.record_payment(session, park.operator, q2, "9000", D(2026, 4, 3))
    services.terminate_lease(session, park.operator, lease, "提前退租", ended_on=D(2026, 5, 15))
    assert (q2.period_end, q2.rent) == (D(2026, 5, 15), Decimal("8046.29"))  # April + 15/31 of May
    assert q2.is_settled and q2.settled_on == D(2026, 4, 3) and q2.outstanding == Decimal("0.00")
    assert q1.period_end == D(2026, 3, 31)


def test_termination_charges_every_period_up_to_its_day(session, park, signed):
    lease = signed(start=D(2024, 1, 15))
    services.terminate_lease(session, park.operator, lease, "搬离", ended_on=D(2024, 4, 20))
    assert [(s, e) for s, e, *_ in _periods(session, lease)] == [
        (D(2024, 1, 15), D(2024, 1, 31)), (D(2024, 2, 1), D(2024, 2, 29)), (D(2024, 3, 1), D(2024, 3, 31)),
        (D(2024, 4, 1), D(2024, 4, 20))]
    assert ledger.overdue_total(session, park.company.id, D(2024, 5, 1)) > 0  # arrears are known at exit


def test_ending_at_term_charges_the_whole_term(session, park, signed):
    lease = signed(start=D(2024, 1, 1), end_on=D(2024, 3, 31))
    ledger.generate_charges(session, park.operator, lease, D(2024, 1, 1))
    services.end_lease(session, park.operator, lease)
    assert [s for s, *_ in _periods(session, lease)] == [D(2024, 1, 1), D(2024, 2, 1), D(2024, 3, 1)]
    assert ledger.generate_charges(session, park.operator, lease, today()) == []
