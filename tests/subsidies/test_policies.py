"""Subsidy policies as versioned data: a change is the next version from its effective date,
earlier versions and the decisions made with them stay as they were; the facts the engine
reads; and the policy pages."""
from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from incubator.accounts.models import User
from incubator.audit.models import AuditEntry
from incubator.audit.services import verify_chain
from incubator.companies.models import Qualification, QualificationKind
from incubator.core.errors import ConcurrentChange, DomainError, PermissionDenied
from incubator.core.formatting import today
from incubator.core.roles import Role
from incubator.db import db
from incubator.leases.models import Lease, RentCharge
from incubator.leases.rules import month_end
from incubator.subsidies import facts, policies, rules
from incubator.subsidies.models import SubsidyPolicy, SupportType

from ..concurrency import race
from ..conftest import IS_PG
from ..factories import make_user
from .conftest import FULL_AMOUNT, open_batch, support_type, tenant

D = Decimal
TOMORROW = dt.timedelta(days=1)


def rent_config(**overrides) -> dict:
    return {**copy.deepcopy(rules.DEFAULT_RENT_CONFIG), **overrides}


def versions_of(session, st) -> list[int]:
    return list(session.scalars(sa.select(SubsidyPolicy.version).where(SubsidyPolicy.support_type_id == st.id)
                                .order_by(SubsidyPolicy.version)))


# --- services ------------------------------------------------------------------------------------------

def test_a_new_version_applies_from_its_date_and_keeps_the_old_one(session):
    st = support_type(session)
    operator = make_user(session, Role.OPERATOR)
    v1 = policies.policy_in_force(session, st, today())
    before = copy.deepcopy(v1.config)
    later = today() + dt.timedelta(days=30)
    v2 = policies.new_policy_version(session, operator, st, rent_config(year_rates=["0.80", "0.40"]), later,
                                     "  按新办法调整  ")
    assert (v2.version, v2.effective_from, v2.note, v2.created_by_id) == (2, later, "按新办法调整", operator.id)
    assert versions_of(session, st) == [1, 2]
    session.refresh(v1)
    assert v1.config == before  # never edited
    assert policies.policy_in_force(session, st, today()).id == v1.id  # a version dated later waits
    assert policies.policy_in_force(session, st, later - TOMORROW).id == v1.id
    assert policies.policy_in_force(session, st, later).id == v2.id
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "subsidy_policy.version",
                                                       AuditEntry.object_id == v2.id))
    assert entry.before["version"] == 1 and entry.before["config"]["year_rates"] == ["1.00", "0.50", "0.50"]
    assert entry.after["config"]["year_rates"] == ["0.80", "0.40"] and entry.after["effective_from"] == str(later)


def test_the_highest_version_in_force_wins(session):
    st = support_type(session)
    operator = make_user(session, Role.OPERATOR)
    v2 = policies.new_policy_version(session, operator, st, rent_config(max_area="800"), dt.date(2026, 3, 1), "二版")
    v3 = policies.new_policy_version(session, operator, st, rent_config(max_area="900"), dt.date(2026, 2, 1), "更正")
    assert policies.policy_in_force(session, st, dt.date(2026, 2, 15)).id == v3.id
    assert policies.policy_in_force(session, st, dt.date(2026, 3, 15)).id == v3.id  # the later decision
    assert policies.policy_in_force(session, st, dt.date(2026, 1, 15)).version == 1
    assert v2.version == 2


def test_nothing_in_force_before_the_first_version(session):
    st = support_type(session)
    with pytest.raises(DomainError, match="policy is in force on 2023-12-31"):
        policies.policy_in_force(session, st, dt.date(2023, 12, 31))


@pytest.mark.parametrize("role", [Role.COMPANY, Role.SUPERVISOR, Role.LEAD, Role.COMMANDER, Role.REVIEWER])
def test_only_editors_save_versions(session, role):
    st = support_type(session)
    with pytest.raises(PermissionDenied):
        policies.new_policy_version(session, make_user(session, role), st, rent_config(), today(), "x")
    assert versions_of(session, st) == [1]


def test_an_invalid_version_is_refused(session):
    st, declared = support_type(session), support_type(session, "declared")
    admin = make_user(session, Role.ADMIN)
    with pytest.raises(DomainError, match="rate for each tenancy year"):
        policies.new_policy_version(session, admin, st, rent_config(year_rates=["1.5"]), today(), "x")
    with pytest.raises(DomainError) as exc:
        policies.new_policy_version(session, admin, st, rent_config(), None, "x")
    assert exc.value.field == "effective_from"
    with pytest.raises(DomainError, match="Settings are missing: max_amount"):  # a declared type needs its keys
        policies.new_policy_version(session, admin, declared, rent_config(), today(), "x")
    policies.new_policy_version(session, admin, declared, {**rules.DEFAULT_DECLARED_CONFIG, "max_amount": "50000"},
                                today(), "上限5万元")
    assert versions_of(session, st) == [1] and versions_of(session, declared) == [1, 2]


# --- calculate: the version in force on the day; decisions keep theirs ---------------------------------

def test_calculate_uses_the_version_in_force_on_the_day(subsidy_world):
    w = subsidy_world
    s = w.session
    changes_on = today() + dt.timedelta(days=10)
    v2 = policies.new_policy_version(s, w.operator, w.rent_type, rent_config(year_rates=["0.80", "0.50", "0.50"]),
                                     changes_on, "第一年80%")
    policy, calc = policies.calculate(s, w.company, w.batch)
    assert policy.version == 1 and calc.total == FULL_AMOUNT
    policy, calc = policies.calculate(s, w.company, w.batch, day=changes_on)
    assert policy.id == v2.id and calc.policy_version == 2 and calc.total == D("24000.00")
    assert {line["rate"] for line in calc.to_json()["lines"]} == {"0.80"}


def test_a_decision_keeps_the_version_it_used(subsidy_world):
    w = subsidy_world
    s = w.session
    claim = w.to(w.claim(), "verified")
    frozen = copy.deepcopy(claim.calculation)
    assert (claim.policy.version, frozen["policy_version"], claim.amount) == (1, 1, FULL_AMOUNT)
    policies.new_policy_version(s, w.operator, w.rent_type, rent_config(year_rates=["0.50"]), today(), "减半")
    s.commit()
    s.refresh(claim)
    assert claim.policy.version == 1 and claim.calculation == frozen and claim.amount == FULL_AMOUNT
    assert policies.calculate(s, w.company, w.batch)[1].total == D("15000.00")  # a fresh calculation: v2


def test_a_declared_type_needs_the_amount(subsidy_world):
    w = subsidy_world
    batch = open_batch(w.session, w.operator, w.declared_type, w.pool, name="研发投入补贴")
    with pytest.raises(DomainError) as exc:
        policies.calculate(w.session, w.company, batch)
    assert exc.value.field == "declared_amount"
    _policy, calc = policies.calculate(w.session, w.company, batch, declared=D("12345.60"))
    assert calc.total == D("12345.60") and calc.to_json()["support_type"] == "declared"


# --- facts from the database ------------------------------------------------------------------------

def test_rent_facts_read_the_ledger_and_the_company(session):
    company = tenant(session, "事实科技有限公司", months=3)
    f = facts.rent_facts(session, company, dt.date(2026, 1, 1), dt.date(2026, 6, 30), dt.date(2026, 7, 1))
    assert f.company_name == "事实科技有限公司" and f.tenancy_start == dt.date(2026, 1, 1)
    assert [(c.period_start, c.rent, c.paid, c.amount) for c in f.charges] == [
        (dt.date(2026, m, 1), D("5000.00"), D("5500.00"), D("5500.00")) for m in (1, 2, 3)]
    assert f.charges[0].units[0].unit_type == "office" and f.charges[0].units[0].area == D("100.00")
    assert f.charges[0].rent_per_m2 == D("50.00") and f.charges[0].lease_number.startswith("ZL-T-")
    assert f.qualifications == (rules.QualificationFact("high_tech", dt.date(2025, 1, 1), None),)
    assert (f.last_grade, f.overdue, f.granted_by_year) == (None, D("0.00"), {})


def test_tenancy_starts_with_the_first_signed_lease_when_no_move_in_day(session):
    company = tenant(session, "未登记入驻日科技有限公司", months=1)
    company.moved_in_on = None
    session.flush()
    assert facts.tenancy_start(session, company) == dt.date(2026, 1, 1)


def test_overdue_rent_blocks(session):
    company = tenant(session, "欠租科技有限公司", months=2)
    charge = session.scalar(sa.select(RentCharge).where(RentCharge.company_id == company.id)
                            .order_by(RentCharge.period_start.desc()).limit(1))
    charge.paid, charge.settled_on = D("1000.00"), None
    session.flush()
    f = facts.rent_facts(session, company, dt.date(2026, 1, 1), dt.date(2026, 2, 28), dt.date(2026, 3, 1))
    assert f.overdue == D("4500.00")
    calc = rules.compute_rent(rules.DEFAULT_RENT_CONFIG, f, dt.date(2026, 1, 1), dt.date(2026, 2, 28), policy_id=1,
                              policy_version=1)
    assert calc.blocked["reason"] == "arrears" and calc.total == D("0.00")
    assert [e["reason"] for e in calc.excluded] == ["unpaid"]


def test_the_worst_grade_of_any_source_wins(session, monkeypatch):
    company = tenant(session, "考核科技有限公司", months=1)
    assert facts.last_grade(session, company.id) is None
    monkeypatch.setattr(facts, "GRADE_SOURCES", [lambda s, cid: None, lambda s, cid: "good"])
    assert facts.last_grade(session, company.id) == "good"
    monkeypatch.setattr(facts, "GRADE_SOURCES", [lambda s, cid: "good", lambda s, cid: "fail" if cid == company.id
                                                 else None])
    assert facts.last_grade(session, company.id) == "fail"
    f = facts.rent_facts(session, company, dt.date(2026, 1, 1), dt.date(2026, 1, 31), dt.date(2026, 2, 1))
    assert f.last_grade == "fail"


def test_qualifications_change_the_category(session):
    company = tenant(session, "资质科技有限公司", months=2, qualified=False)
    session.add(Qualification(company_id=company.id, kind=QualificationKind.TECH_SME, obtained_on=dt.date(2025, 6, 1),
                              expires_on=dt.date(2026, 1, 31)))
    session.flush()
    session.refresh(company)
    f = facts.rent_facts(session, company, dt.date(2026, 1, 1), dt.date(2026, 2, 28), dt.date(2026, 3, 1))
    calc = rules.compute_rent(rules.DEFAULT_RENT_CONFIG, f, dt.date(2026, 1, 1), dt.date(2026, 2, 28), policy_id=1,
                              policy_version=1)
    assert [x["category"] for x in calc.lines] == ["tech_sme"]
    assert [(e["from"], e["reason"]) for e in calc.excluded] == [("2026-02-01", "category")]


def test_earlier_grants_count_against_yearly_caps(subsidy_world):
    w = subsidy_world
    s = w.session
    first = w.to(w.claim(), "approved")
    assert facts.granted_by_year(s, w.company.id) == {1: FULL_AMOUNT}
    assert facts.granted_by_year(s, w.company.id, exclude_batch_id=first.batch_id) == {}
    lease = s.scalar(sa.select(Lease).where(Lease.company_id == w.company.id))
    for month in (7, 8):  # July and August paid too
        start = dt.date(2026, month, 1)
        s.add(RentCharge(lease_id=lease.id, company_id=w.company.id, period_start=start, period_end=month_end(start),
                         due_on=start + dt.timedelta(days=10), rent_per_m2=lease.rent_per_m2, rent=D("5000.00"), property_fee=D("500.00"),
                         paid=D("5500.00"), settled_on=start))
    policies.new_policy_version(s, w.operator, w.rent_type, rent_config(yearly_caps={"high_tech": "36000"}),
                                today(), "高企每年上限3.6万元")
    second = open_batch(s, w.operator, w.rent_type, w.pool, period=(dt.date(2026, 7, 1), dt.date(2026, 8, 31)),
                        name="补充批次")
    _policy, calc = policies.calculate(s, w.company, second)
    assert calc.adjustments == [{"tenancy_year": 1, "reason": "yearly_cap", "cap": "36000.00",
                                 "already": "30000.00", "amount": "-4000.00"}]
    assert calc.total == D("6000.00")
    _policy, again = policies.calculate(s, w.company, first.batch)  # its own batch's claim does not count
    assert again.adjustments == [] and again.total == FULL_AMOUNT


# --- pages ---------------------------------------------------------------------------------------------

def policy_form(cfg: dict | None = None, **overrides) -> dict:
    """The rent new-version form as a browser posts it (percent rates, yuan, m²)."""
    cfg = cfg or rules.DEFAULT_RENT_CONFIG
    tiers = {t["role"]: t["below"] for t in cfg["approval_tiers"]}
    data = {"effective_from": today().isoformat(), "note": "调整补贴比例", "lead_below": tiers["lead"],
            "deputy_below": tiers["deputy"], "return_working_days": str(cfg["return_working_days"]),
            "notice_working_days": str(cfg["notice_working_days"]), "lock_in_years": str(cfg["lock_in_years"]),
            "max_area": cfg["max_area"] or "", "unit_price_cap": cfg["unit_price_cap"] or "",
            "eligible_categories": cfg["eligible_categories"], "eligible_unit_types": cfg["eligible_unit_types"]}
    for flag in ("require_no_arrears", "exclude_failed_assessment"):
        if cfg[flag]:
            data[flag] = "y"
    for i, rate in enumerate(cfg["year_rates"]):
        data[f"year_rates-{i}"] = str(D(rate) * 100)
    for c in rules.CATEGORIES:
        data[f"cap_{c}"] = cfg["yearly_caps"].get(c, "")
    data.update(overrides)
    return data


def test_the_policy_list(client, login, session):
    st = support_type(session)
    operator = make_user(session, Role.OPERATOR, display_name="运营 王芳")
    policies.new_policy_version(session, operator, st, rent_config(max_area="800"), dt.date(2099, 1, 1), "远期调整")
    login(operator)
    page = client.get("/subsidies/policies")
    assert page.status_code == 200
    assert st.name in page.text and "Version 1" in page.text and "Version 2 from 2099-01-01" in page.text
    assert "运营 王芳" in page.text and "远期调整" in page.text and "shipped with the system" in page.text
    assert f"/subsidies/policies/{st.id}/new" in page.text
    login(make_user(session, Role.SUPERVISOR))
    page = client.get("/subsidies/policies")
    assert page.status_code == 200 and f"/subsidies/policies/{st.id}/new" not in page.text
    for role in (Role.COMPANY, Role.REVIEWER):
        login(make_user(session, role))
        assert client.get("/subsidies/policies").status_code == 403


def test_the_form_starts_from_the_version_in_force(client, login, session):
    st = support_type(session)
    operator = make_user(session, Role.OPERATOR)
    policies.new_policy_version(session, operator, st, rent_config(year_rates=["1.00", "0.60"], unit_price_cap="80",
                                                                   yearly_caps={"tech_sme": "100000"}),
                                dt.date(2025, 1, 1), "v2")
    login(operator)
    page = client.get(f"/subsidies/policies/{st.id}/new")
    assert page.status_code == 200
    assert 'name="year_rates-0" type="text" value="100"' in page.text
    assert 'name="year_rates-1" type="text" value="60"' in page.text
    assert 'name="unit_price_cap" type="text" value="80.00"' in page.text
    assert 'name="cap_tech_sme" type="text" value="100000.00"' in page.text
    assert ('checked class="form-check-input" id="eligible_categories-1" name="eligible_categories" type="checkbox" '
            'value="high_tech"') in page.text
    assert f'value="{today().isoformat()}"' in page.text
    v1 = session.scalar(sa.select(SubsidyPolicy).where(SubsidyPolicy.support_type_id == st.id,
                                                       SubsidyPolicy.version == 1))
    assert 'name="year_rates-1" type="text" value="50"' in client.get(
        f"/subsidies/policies/{st.id}/new?from={v1.id}").text
    assert client.get("/subsidies/policies/999999/new").status_code == 404
    login(make_user(session, Role.SUPERVISOR))
    assert client.get(f"/subsidies/policies/{st.id}/new").status_code == 403


def test_saving_the_form_creates_the_next_version(client, login, session):
    st = support_type(session)
    operator = make_user(session, Role.OPERATOR)
    login(operator)
    data = policy_form(**{"year_rates-0": "１００", "year_rates-1": "60", "year_rates-2": "33.33",
                          "max_area": "", "unit_price_cap": "80", "cap_high_tech": "200000",
                          "area_bands-0-up_to": "1000", "area_bands-0-rate": "90",
                          "area_bands-1-up_to": "", "area_bands-1-rate": "50",
                          "lead_below": "100000", "deputy_below": "300000.50",
                          "eligible_unit_types": ["office", "lab", "factory"]})
    resp = client.post(f"/subsidies/policies/{st.id}/new", data=data)
    assert resp.status_code == 303
    v2 = session.scalar(sa.select(SubsidyPolicy).where(SubsidyPolicy.support_type_id == st.id,
                                                       SubsidyPolicy.version == 2))
    assert resp.headers["Location"].endswith(f"/subsidies/policies/version/{v2.id}")
    assert v2.config == {
        "approval_tiers": [{"below": "100000", "role": "lead"}, {"below": "300000.50", "role": "deputy"},
                           {"below": None, "role": "commander"}],
        "return_working_days": 10, "notice_working_days": 7, "lock_in_years": 2, "require_no_arrears": True,
        "exclude_failed_assessment": True, "eligible_categories": ["tech_sme", "high_tech"],
        "eligible_unit_types": ["office", "factory", "lab"], "max_area": None,
        "year_rates": ["1.00", "0.60", "0.3333"], "unit_price_cap": "80", "yearly_caps": {"high_tech": "200000"},
        "area_bands": [{"up_to": "1000", "rate": "0.90"}, {"up_to": None, "rate": "0.50"}]}
    assert v2.note == "调整补贴比例" and v2.created_by_id == operator.id
    page = client.get(f"/subsidies/policies/version/{v2.id}")
    assert page.status_code == 200
    for text in ("Year 1", "100%", "60%", "33.33%", "Year 4 onwards", "¥80.00 per m² per month", "¥200,000.00",
                 "above 1,000.00 m²", "90%", "below ¥100,000.00", "¥100,000.00 to below ¥300,000.50",
                 "¥300,000.50 and above", "Work-group lead", "Commander", "10 working days", "调整补贴比例",
                 "Factory", "In force"):
        assert text in page.text, text


def test_a_declared_type_has_its_own_form(client, login, session):
    st = support_type(session, "declared")
    login(make_user(session, Role.ADMIN))
    page = client.get(f"/subsidies/policies/{st.id}/new")
    assert page.status_code == 200 and 'name="max_amount"' in page.text and "year_rates" not in page.text
    data = {k: v for k, v in policy_form().items() if k in {"effective_from", "note", "lead_below", "deputy_below",
                                                            "return_working_days", "notice_working_days",
                                                            "lock_in_years", "require_no_arrears"}}
    resp = client.post(f"/subsidies/policies/{st.id}/new", data={**data, "max_amount": "50000"})
    assert resp.status_code == 303
    v2 = session.scalar(sa.select(SubsidyPolicy).where(SubsidyPolicy.support_type_id == st.id,
                                                       SubsidyPolicy.version == 2))
    assert v2.config["max_amount"] == "50000" and v2.config["exclude_failed_assessment"] is False
    page = client.get(f"/subsidies/policies/version/{v2.id}")
    assert page.status_code == 200 and "¥50,000.00" in page.text and "does not matter" in page.text


@pytest.mark.parametrize(("overrides", "message"), [
    ({"year_rates-0": "120"}, "A percentage cannot be more than 100."),
    ({"year_rates-0": "-50"}, "The number must not be negative."),
    ({"year_rates-0": "50.555"}, "At most 2 decimal places, please."),
    ({"year_rates-0": "NaN"}, "Please enter a number such as 120.50"),
    ({"year_rates-0": ""}, "Give the rate of the first tenancy year at least."),
    ({"year_rates-1": "", "year_rates-2": "50"}, "Leave no tenancy year empty between two rates."),
    ({"max_area": "0"}, "The number must be greater than zero."),
    ({"max_area": "1e9"}, "Please enter a number such as 120.50"),
    ({"unit_price_cap": "99999999999"}, "The number is too large"),
    ({"cap_tech_sme": "-100000"}, "The number must be greater than zero."),
    ({"lead_below": "300000", "deputy_below": "100000"}, "must be above the work-group lead"),
    ({"lead_below": ""}, "This field is required."),
    ({"return_working_days": "0"}, "Number must be between 1 and 60."),
    ({"notice_working_days": "abc"}, "Not a valid integer value."),
    ({"lock_in_years": "11"}, "Number must be between 0 and 10."),
    ({"eligible_categories": []}, "Choose at least one category."),
    ({"eligible_categories": ["gazelle"]}, "is not a valid choice"),
    ({"eligible_unit_types": []}, "Choose at least one unit type."),
    ({"area_bands-0-up_to": "1000"}, "Give the rate of each area band."),
    ({"area_bands-0-rate": "90", "area_bands-1-up_to": "1000", "area_bands-1-rate": "50"},
     "Only the last band may be open-ended."),
    ({"area_bands-0-up_to": "5000", "area_bands-0-rate": "90", "area_bands-1-up_to": "1000",
      "area_bands-1-rate": "50"}, "Band bounds must go up"),
    ({"effective_from": "2026-02-30"}, "Not a valid date value."),
    ({"effective_from": "1900-01-01"}, "between 2000 and 2100"),
    ({"note": ""}, "This field is required."),
])
def test_bad_input_in_the_policy_form(client, login, session, overrides, message):
    st = support_type(session)
    login(make_user(session, Role.OPERATOR))
    resp = client.post(f"/subsidies/policies/{st.id}/new", data=policy_form(**overrides))
    assert resp.status_code == 400 and message in resp.text
    assert versions_of(session, st) == [1]


def test_the_version_page(client, login, session):
    st = support_type(session)
    v1 = session.scalar(sa.select(SubsidyPolicy).where(SubsidyPolicy.support_type_id == st.id))
    login(make_user(session, Role.SUPERVISOR))
    page = client.get(f"/subsidies/policies/version/{v1.id}")
    assert page.status_code == 200
    for text in ("Tech-based SME", "High-tech enterprise", "Office", "Laboratory", "1,000.00 m²", "Year 3", "50%",
                 "none", "no subsidy until it is paid", "7 working days", "Try it in the calculator"):
        assert text in page.text, text
    assert "New version based on this one" not in page.text
    assert client.get("/subsidies/policies/version/999999").status_code == 404
    assert client.get("/subsidies/policies/version/99999999999").status_code == 404
    login(make_user(session, Role.COMPANY))
    assert client.get(f"/subsidies/policies/version/{v1.id}").status_code == 403


# --- two editors at once (PostgreSQL) ---------------------------------------------------------------------

@pytest.mark.skipif(not IS_PG, reason="real unique-index waits: PostgreSQL only")
@pytest.mark.parametrize("n", [2, 6])
def test_editors_saving_at_once_make_one_version(committed_db, n):
    setup = db.Session()
    st = support_type(setup)
    operator_ids = [make_user(setup, Role.OPERATOR).id for _ in range(n)]
    setup.commit()
    st_id = st.id
    setup.close()

    def attempt(s, operator_id, barrier):
        support, operator = s.get(SupportType, st_id), s.get(User, operator_id)
        barrier.wait()
        return policies.new_policy_version(s, operator, support, rent_config(max_area="900"), today(), "并发").version

    outcomes = race(operator_ids, attempt)
    assert sorted(outcomes, key=str) == [2] + [ConcurrentChange.__name__] * (n - 1), outcomes
    check = db.Session()
    try:
        assert versions_of(check, check.get(SupportType, st_id)) == [1, 2]
        assert check.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                            .where(AuditEntry.action == "subsidy_policy.version")) == 1
        assert verify_chain(check)[0]
    finally:
        check.close()
