"""The ledger on a lease's page (staff and the company's own members), charging and payments
through the page, renewal, the staff arrears list, the company page, the inbox and the CLI."""
import datetime as dt
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from incubator import jobs
from incubator.core.formatting import today
from incubator.core.roles import Role
from incubator.leases import ledger, services
from incubator.leases.models import RentCharge, RentPayment

from ..factories import make_company

D = dt.date


@pytest.fixture
def billed(session, park, signed):
    """Office 101 from 1 Jan 2024 with a ¥5 fee (¥6,025.00 a month); January paid, February and March not."""
    lease = signed(start=D(2024, 1, 1), property_fee_per_m2="5")
    jan, feb, mar = ledger.generate_charges(session, park.operator, lease, D(2024, 3, 1))
    ledger.record_payment(session, park.operator, jan, "6025", D(2024, 1, 5), "BANK-0105")
    session.commit()
    return lease, jan, feb, mar


def _payment_url(lease, charge):
    return f"/leases/{lease.id}/charges/{charge.id}/payments"


# --- the lease page -----------------------------------------------------------------------------

def test_staff_editor_sees_the_ledger_with_forms(client, login, park, billed, english):
    lease, jan, feb, mar = billed
    login(park.operator)
    text = client.get(f"/leases/{lease.id}").get_data(as_text=True)
    assert "Rent ledger" in text and "BANK-0105" in text
    assert text.count("Overdue</span>") == 2 and text.count("Settled</span>") == 1
    assert "¥18,075.00" in text and "¥12,050.00" in text  # charged; outstanding = overdue
    assert _payment_url(lease, feb) in text and _payment_url(lease, mar) in text
    assert _payment_url(lease, jan) not in text  # settled
    assert 'value="6025.00"' in text  # the amount offered is what it still owes
    assert f"/leases/{lease.id}/charges\"" in text  # charge up to today
    assert f"/leases/{lease.id}/renew" in text


def test_supervisor_reads_the_ledger_only(client, login, billed, english):
    lease, *_ = billed
    login(Role.SUPERVISOR)
    text = client.get(f"/leases/{lease.id}").get_data(as_text=True)
    assert "Rent ledger" in text and "¥18,075.00" in text
    assert "/payments" not in text and f"/leases/{lease.id}/charges" not in text and "/renew" not in text


def test_company_sees_its_own_ledger_read_only(client, login, session, park, billed, english):
    lease, jan, feb, _mar = billed
    login(company=park.company)
    text = client.get(f"/leases/{lease.id}").get_data(as_text=True)
    assert "Rent ledger" in text and "¥6,025.00" in text and "Overdue</span>" in text
    assert "/payments" not in text and "Record payment" not in text and "/renew" not in text
    assert client.post(_payment_url(lease, feb), data={"amount": "1", "paid_on": "2024-02-01"}).status_code == 403
    assert client.post(f"/leases/{lease.id}/charges").status_code == 403
    assert client.post(f"/leases/{lease.id}/renew", data={"new_end_on": "2030-01-01"}).status_code == 403
    session.refresh(feb)
    assert feb.paid == Decimal("0.00")


def test_another_company_gets_404(client, login, session, park, billed):
    lease, *_ = billed
    login(company=make_company(session))
    assert client.get(f"/leases/{lease.id}").status_code == 404


def test_draft_has_an_empty_ledger(client, login, session, park, english):
    lease = services.create_lease(session, park.operator, park.company, [park.lab], start_on=D(2024, 1, 1))
    session.commit()
    login(park.operator)
    text = client.get(f"/leases/{lease.id}").get_data(as_text=True)
    assert "Rent is charged once the lease is signed." in text and f"/leases/{lease.id}/charges\"" not in text
    resp = client.post(f"/leases/{lease.id}/charges", follow_redirects=True)
    assert "Only a signed lease has a rent ledger." in resp.get_data(as_text=True)


# --- charging and payments through the page ------------------------------------------------------

def test_charge_up_to_today(client, login, session, park, signed, english):
    lease = signed(start=today().replace(day=1) - dt.timedelta(days=40))
    login(park.operator)
    resp = client.post(f"/leases/{lease.id}/charges", follow_redirects=True)
    assert "3 billing period(s) were charged." in resp.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(RentCharge)) == 3
    resp = client.post(f"/leases/{lease.id}/charges", follow_redirects=True)
    assert "already up to date" in resp.get_data(as_text=True)
    login(Role.SUPERVISOR)
    assert client.post(f"/leases/{lease.id}/charges").status_code == 403


def test_record_payment_through_the_page(client, login, session, park, billed, english):
    lease, _jan, feb, _mar = billed
    login(park.operator)
    resp = client.post(_payment_url(lease, feb), data={"amount": "２０００", "paid_on": "2024-02-05",
                                                       "reference": "工行 88"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/leases/{lease.id}#ledger")
    session.refresh(feb)
    assert feb.paid == Decimal("2000.00") and feb.payments[0].reference == "工行 88"
    text = client.get(f"/leases/{lease.id}").get_data(as_text=True)
    assert "A payment of ¥2,000.00 was recorded for 2024-02-01 – 2024-02-29." in text
    assert 'value="4025.00"' in text


@pytest.mark.parametrize("data, message", [
    ({"amount": "4025.01", "paid_on": "2024-02-05"}, "is more than this charge still owes (¥4,025.00)"),
    ({"amount": "-5", "paid_on": "2024-02-05"}, "Amount (yuan): The number must be greater than zero."),
    ({"amount": "1.005", "paid_on": "2024-02-05"}, "At most 2 decimal places"),
    ({"amount": "NaN", "paid_on": "2024-02-05"}, "digits and a decimal point only"),
    ({"amount": "", "paid_on": "2024-02-05"}, "Please enter the amount received."),
    ({"amount": "10", "paid_on": ""}, "Please enter the day the money was received."),
    ({"amount": "10", "paid_on": "2999-01-01"}, "not in the future"),
    ({"amount": "10", "paid_on": "2024-02-05", "reference": "x" * 81}, "Bank reference"),
])
def test_bad_payments_are_refused_with_a_message(client, login, session, park, billed, english, data, message):
    lease, _jan, feb, _mar = billed
    ledger.record_payment(session, park.operator, feb, "2000", D(2024, 2, 1))
    session.commit()
    login(park.operator)
    resp = client.post(_payment_url(lease, feb), data=data)
    assert resp.status_code == 303
    assert message in client.get(f"/leases/{lease.id}").get_data(as_text=True)
    session.refresh(feb)
    assert feb.paid == Decimal("2000.00")
    assert session.scalar(sa.select(sa.func.count()).select_from(RentPayment)) == 2


def test_payment_urls_must_match(client, login, session, park, billed, signed):
    lease, _jan, feb, _mar = billed
    other = signed(units=[park.lab], company=make_company(session))
    login(park.operator)
    data = {"amount": "1", "paid_on": "2024-02-05"}
    assert client.post(f"/leases/{other.id}/charges/{feb.id}/payments", data=data).status_code == 404
    assert client.post(f"/leases/{lease.id}/charges/999999/payments", data=data).status_code == 404
    assert client.post(f"/leases/{lease.id}/charges/99999999999999999999/payments", data=data).status_code == 404


def test_renew_through_the_page(client, login, session, park, signed, english):
    lease = signed(start=D(2024, 1, 1), end_on=D(2026, 12, 31))
    login(park.operator)
    resp = client.post(f"/leases/{lease.id}/renew", data={"new_end_on": "2029-12-31", "rent_per_m2": "48",
                                                          "reason": "续签三年"})
    assert resp.status_code == 302
    session.refresh(lease)
    assert (lease.end_on, lease.rent_per_m2) == (D(2029, 12, 31), Decimal("48.00"))
    text = client.get(f"/leases/{lease.id}").get_data(as_text=True)
    assert f"Lease {lease.number} now runs until 2029-12-31." in text
    assert "Renewed" in text and "2026-12-31 → 2029-12-31 · 45.00 → 48.00 /m² · 续签三年" in text
    for data, message in [({"new_end_on": ""}, "Please enter the new end date."),
                          ({"new_end_on": "2029-06-30"}, "must be after the current one"),
                          ({"new_end_on": "2030-12-31", "rent_per_m2": "４.５６７"}, "decimal places")]:
        assert client.post(f"/leases/{lease.id}/renew", data=data).status_code == 303
        assert message in client.get(f"/leases/{lease.id}").get_data(as_text=True)
    session.refresh(lease)
    assert lease.end_on == D(2029, 12, 31)


# --- arrears ------------------------------------------------------------------------------------

def _arrears_rows(text):
    return re.findall(r'/companies/\d+">([^<]+)</a>', text)


def test_arrears_list(client, login, session, park, billed, signed, english):
    lease, *_ = billed  # 东莞甲: February and March overdue, ¥12,050.00
    other = make_company(session, name="东莞乙新能源有限公司")
    factory = signed(units=[park.factory], company=other, start=D(2024, 2, 1))  # ZZ: ¥25,000.00 a month
    ledger.generate_charges(session, park.operator, factory, D(2024, 2, 1))
    session.commit()
    login(Role.SUPERVISOR)
    text = client.get("/leases/arrears").get_data(as_text=True)
    assert _arrears_rows(text) == ["东莞乙新能源有限公司", "东莞甲科技有限公司"]  # largest first
    assert "¥37,050.00" in text and "¥12,050.00" in text and "¥25,000.00" in text
    assert f'/leases/{lease.id}#ledger">{lease.number}</a>' in text
    assert "2024年2月11日" in text or "2024-02-11" in text
    assert _arrears_rows(client.get("/leases/arrears?q=乙新能源").get_data(as_text=True)) == ["东莞乙新能源有限公司"]
    assert _arrears_rows(client.get(f"/leases/arrears?carrier={park.kc.id}").get_data(as_text=True)) == [
        "东莞甲科技有限公司"]
    text = client.get("/leases/arrears?q=nobody").get_data(as_text=True)
    assert _arrears_rows(text) == [] and "No company with overdue rent matches." in text
    assert client.get("/leases/arrears?carrier=99999999999999999999&page=abc").status_code == 200


def test_arrears_list_empty_and_paginated(client, login, session, park, english):
    login(park.operator)
    assert "No rent is overdue." in client.get("/leases/arrears").get_data(as_text=True)
    for i in range(22):
        company = make_company(session)
        session.add(RentCharge(lease_id=_bare_lease(session, company, i).id, company_id=company.id,
                               period_start=D(2024, 1, 1), period_end=D(2024, 1, 31), due_on=D(2024, 1, 11),
                               rent_per_m2=Decimal("50"), rent=Decimal(1000 + i), property_fee=Decimal("0")))
    session.commit()
    first = client.get("/leases/arrears").get_data(as_text=True)
    assert len(_arrears_rows(first)) == 20 and "22 in all" in first
    assert len(_arrears_rows(client.get("/leases/arrears?page=2").get_data(as_text=True))) == 2
    assert "¥22,231.00" in first  # 22 × 1000 + (0 + … + 21)


def _bare_lease(session, company, i):
    from incubator.leases.models import Lease, LeaseState
    lease = Lease(number=f"ZL-1999-{i:04d}", company_id=company.id, start_on=D(2024, 1, 1), end_on=D(2024, 12, 31),
                  rent_per_m2=Decimal("40"), property_fee_per_m2=Decimal("0"), deposit=Decimal("0"),
                  state=LeaseState.SIGNED, signed_on=D(2024, 1, 1))
    session.add(lease)
    session.flush()
    return lease


@pytest.mark.parametrize("role", [Role.COMPANY, Role.REVIEWER], ids=lambda r: r.value)
def test_arrears_list_is_for_staff(client, login, role):
    login(role)
    assert client.get("/leases/arrears").status_code == 403


def test_company_page_shows_rent_arrears(client, login, session, park, billed, english):
    login(park.operator)
    text = client.get(f"/companies/{park.company.id}").get_data(as_text=True)
    assert re.search(r'id="rent-arrears">Rent arrears:\s*<strong class="text-danger">¥12,050.00', text)
    login(company=park.company)
    assert "¥12,050.00" in client.get(f"/companies/{park.company.id}").get_data(as_text=True)


def test_inbox_lists_companies_with_overdue_rent(client, login, park, billed, english):
    login(park.operator)
    text = client.get("/").get_data(as_text=True)
    assert "Companies with overdue rent" in text and "/leases/arrears" in text
    login(Role.SUPERVISOR)
    assert "Companies with overdue rent" not in client.get("/").get_data(as_text=True)


# --- the daily job and the command --------------------------------------------------------------

def test_generate_rent_charges_command(app, session, park, signed):
    lease = signed(start=D(2024, 1, 15))
    result = app.test_cli_runner().invoke(args=["generate-rent-charges", "--through", "2024-03-01"])
    assert result.exit_code == 0, result.output
    assert "3 rent charge(s) added." in result.output
    assert "0 rent charge(s) added." in app.test_cli_runner().invoke(
        args=["generate-rent-charges", "--through", "2024-03-01"]).output
    assert app.test_cli_runner().invoke(args=["generate-rent-charges", "--through", "2024-02-30"]).exit_code == 2
    session.expire_all()
    assert len(ledger.lease_charges(session, lease.id)) == 3


def test_daily_job_charges_through_today(session, park, signed):
    lease = signed(start=today().replace(day=1))
    assert jobs.huey.immediate
    jobs.generate_rent_charges_daily()
    session.expire_all()
    assert [c.period_start for c in ledger.lease_charges(session, lease.id)] == [today().replace(day=1)]
