"""The policy calculator: a company's subsidy from its ledger (staff choose the company, a member
sees only its own) or a made-up tenant's from typed figures; every line, every reason, the
approval tier; bookmarkable GET, nothing changed, bad input explained (never a 500)."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from incubator.audit.models import AuditEntry
from incubator.core.roles import Role
from incubator.subsidies.models import SubsidyPolicy

from ..factories import make_user
from .conftest import support_type, tenant

URL = "/subsidies/calculator"
HALF_YEAR = {"start": "2026-01-01", "end": "2026-06-30"}


@pytest.fixture
def calc_world(session):
    """A rent policy of its own (v1, the SPEC defaults) and two high-tech tenants that moved in on
    1 January 2026, each paying ¥5,000 a month for 100 m² of office (January–June paid)."""
    st = support_type(session)
    policy = session.scalar(sa.select(SubsidyPolicy).where(SubsidyPolicy.support_type_id == st.id))
    company = tenant(session, "计算器科技有限公司")
    other = tenant(session, "别家科技有限公司", months=2)
    session.commit()
    return st, policy, company, other


def figures(policy, **overrides) -> dict:
    data = {"mode": "figures", "policy": policy.id, "tenancy_start": "2026-01-01", "area": "100", "unit_price": "50",
            "unit_type": "office", "category": "high_tech", "paid": "1", **HALF_YEAR}
    data.update(overrides)
    return data


def test_staff_find_a_company_and_see_its_lines(client, login, session, calc_world):
    _st, policy, company, _other = calc_world
    login(make_user(session, Role.SUPERVISOR))
    page = client.get(URL)
    assert page.status_code == 200 and "Search name or credit code" in page.text and 'id="calculation"' not in page.text
    page = client.get(URL, query_string={"q": "计算器"})
    assert page.status_code == 200 and company.name in page.text and f"company={company.id}" in page.text
    assert "No company matches." in client.get(URL, query_string={"q": "没有这家"}).text
    page = client.get(URL, query_string={"company": company.id, "policy": policy.id, **HALF_YEAR})
    assert page.status_code == 200
    assert page.text.count("5000.00</td>") == 6 * 3  # rent, base and amount on each of six lines
    assert "¥30,000.00" in page.text and "Work-group lead" in page.text and "Version 1" in page.text
    assert "High-tech enterprise" in page.text and "ZL-T-" in page.text


def test_a_period_with_unpaid_and_missing_months(client, login, session, calc_world):
    _st, policy, _company, other = calc_world
    login(make_user(session, Role.OPERATOR))
    page = client.get(URL, query_string={"company": other.id, "policy": policy.id, **HALF_YEAR})
    assert page.status_code == 200 and "¥10,000.00" in page.text  # two months billed and paid so far


def test_a_member_sees_only_its_own_company(client, login, session, calc_world):
    _st, policy, company, other = calc_world
    login(make_user(session, Role.COMPANY, company=company))
    page = client.get(URL, query_string={"policy": policy.id, **HALF_YEAR})
    assert page.status_code == 200 and company.name in page.text and "¥30,000.00" in page.text
    assert "Search name or credit code" not in page.text and other.name not in page.text
    assert f'/subsidies/policies/version/{policy.id}' not in page.text  # policy pages are for staff
    assert client.get(URL, query_string={"company": other.id}).status_code == 404
    assert client.get(URL, query_string={"company": company.id, "policy": policy.id}).status_code == 200
    page = client.get(URL, query_string=figures(policy, area="200"))  # what-if figures are allowed too
    assert page.status_code == 200 and "¥60,000.00" in page.text


@pytest.mark.parametrize("role", [Role.REVIEWER])
def test_who_may_not_use_it(client, login, session, role):
    login(make_user(session, role))
    assert client.get(URL).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client):
    resp = client.get(URL)
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


HYPOTHETICAL = {
    # 100 m² × ¥50 = ¥5,000 a month; January–June 2026 in tenancy year 1 at 100%
    "the default case": ({}, "¥30,000.00", []),
    "full-width digits": ({"area": "１００", "unit_price": "５０．００"}, "¥30,000.00", []),
    "year 2 at half": ({"tenancy_start": "2025-01-01"}, "¥15,000.00", []),
    "tenancy starts mid-March": ({"tenancy_start": "2026-03-16"}, "¥17,580.65", []),  # 5000 × 16/31 + 15000
    "not paid": ({"paid": "0"}, "¥0.00", ["Rent not paid in full"]),
    "a factory": ({"unit_type": "factory"}, "¥0.00", ["Unit type not eligible"]),
    "no qualification": ({"category": ""}, "¥0.00", ["No eligible qualification"]),
    "area over the cap": ({"area": "1200"}, "¥300,000.00", ["Area above the cap"]),
    "beyond year 3": ({"tenancy_start": "2022-01-01"}, "¥0.00", ["Beyond the subsidised tenancy years"]),
}


@pytest.mark.parametrize("case", HYPOTHETICAL.values(), ids=HYPOTHETICAL.keys())
def test_hypothetical_figures(client, login, session, calc_world, case):
    overrides, total, reasons = case
    _st, policy, _company, _other = calc_world
    login(make_user(session, Role.OPERATOR))
    page = client.get(URL, query_string=figures(policy, **overrides))
    assert page.status_code == 200
    assert f'<div class="card-actions h2 m-0" id="total">{total}</div>' in page.text
    for reason in reasons:
        assert reason in page.text
    if total == "¥300,000.00":  # 1,000 m² × ¥50 × 6 at 100%: the commander's tier
        assert "Commander" in page.text


def test_the_tier_follows_the_amount(client, login, session, calc_world):
    _st, policy, _company, _other = calc_world
    login(make_user(session, Role.OPERATOR))
    # ¥99,999.99 needs a price of 99999.99 / 6 / 100 a month: use one month instead
    month = {"start": "2026-01-01", "end": "2026-01-31"}
    for area, price, tier in (("1000", "99.99", "Work-group lead"), ("1000", "100", "Deputy commander"),
                              ("1000", "300", "Commander")):
        page = client.get(URL, query_string=figures(policy, area=area, unit_price=price, **month))
        assert f'<dd class="col-7 col-md-8" id="tier">{tier}</dd>' in page.text


def test_another_version_can_be_tried(client, login, session, calc_world):
    st, policy, _company, _other = calc_world
    from incubator.subsidies import policies, rules
    operator = make_user(session, Role.OPERATOR)
    v2 = policies.new_policy_version(session, operator, st, {**rules.DEFAULT_RENT_CONFIG, "year_rates": ["0.80"]},
                                     dt.date(2099, 1, 1), "远期")
    session.commit()
    login(operator)
    page = client.get(URL, query_string=figures(v2))
    assert "¥24,000.00" in page.text and "Version 2" in page.text
    page = client.get(URL, query_string=figures(policy))
    assert "¥30,000.00" in page.text


def test_the_page_changes_nothing(client, login, session, calc_world):
    _st, policy, company, _other = calc_world
    login(make_user(session, Role.OPERATOR))
    before = session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    client.get(URL, query_string={"company": company.id, "policy": policy.id, **HALF_YEAR})
    client.get(URL, query_string=figures(policy))
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == before
    assert client.post(URL, data=figures(policy)).status_code == 405


BAD = {
    "negative area": ({"area": "-100"}, "The number must be greater than zero."),
    "zero price": ({"unit_price": "0"}, "The number must be greater than zero."),
    "sub-cent price": ({"unit_price": "50.001"}, "At most 2 decimal places, please."),
    "NaN area": ({"area": "NaN"}, "Please enter a number such as 120.50"),
    "infinite price": ({"unit_price": "Infinity"}, "Please enter a number such as 120.50"),
    "exponent": ({"area": "1e5"}, "Please enter a number such as 120.50"),
    "huge area": ({"area": "123456789012"}, "The number is too large"),
    "no area": ({"area": ""}, "Please enter a number."),
    "no tenancy start": ({"tenancy_start": ""}, "Please enter the date."),
    "no such day": ({"start": "2026-02-30"}, "Not a valid date value."),
    "ends before it starts": ({"end": "2025-12-31"}, "The period must end on or after its first day."),
    "eleven years": ({"end": "2037-01-01"}, "Please choose a period of at most ten years."),
    "the year 1900": ({"tenancy_start": "1900-01-01"}, "between 2000 and 2100"),
    "unknown unit type": ({"unit_type": "garage"}, "Not a valid choice."),
    "unknown category": ({"category": "gazelle"}, "Not a valid choice."),
    "unknown mode": ({"mode": "guess"}, "Not a valid choice."),
}


@pytest.mark.parametrize("case", BAD.values(), ids=BAD.keys())
def test_bad_input_is_explained(client, login, session, calc_world, case):
    overrides, message = case
    _st, policy, _company, _other = calc_world
    login(make_user(session, Role.OPERATOR))
    page = client.get(URL, query_string=figures(policy, **overrides))
    assert page.status_code == 400 and message in page.text and 'id="calculation"' not in page.text


@pytest.mark.parametrize("args", [
    {"company": "abc"}, {"company": "99999999999"}, {"policy": "x"}, {"policy": "99999999999"}, {"q": "%_\\"},
    {"start": "２０２６-01-01"}, {"page": "-1"},
])
def test_odd_query_strings_do_no_harm(client, login, session, calc_world, args):
    login(make_user(session, Role.OPERATOR))
    assert client.get(URL, query_string=args).status_code in (200, 400)


def test_an_unknown_company_is_not_found(client, login, session, calc_world):
    login(make_user(session, Role.OPERATOR))
    assert client.get(URL, query_string={"company": "999999"}).status_code == 404
