"""What every export shares: a button on its list carrying the list's query string, staff readers
only, the row limit (refused with a message back on the list, nothing recorded), and an audit entry
with the row count."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from incubator.admission.models import AdmissionPolicy, Application, ApplicationState
from incubator.assessment.models import AssessmentScheme, Campaign, CampaignState, Filing, FilingState
from incubator.audit.services import record
from incubator.companies.models import IndustryTrack
from incubator.core import excel
from incubator.core.formatting import today
from incubator.core.roles import Role
from incubator.exits.models import ExitCase, ExitKind, ExitOrigin, ExitPolicy, ExitState
from incubator.funds.models import FundEntry, FundEntryKind, FundPool, FundProgram, FundSource
from incubator.leases.models import RentCharge
from incubator.leases.services import create_lease, sign_lease
from incubator.spaces.models import UnitType
from incubator.subsidies.models import (
    BatchState,
    ClaimState,
    Clawback,
    ClawbackReason,
    SubsidyBatch,
    SubsidyClaim,
    SubsidyPolicy,
)

from ..factories import make_company, make_unit, make_user
from .conftest import audit_entries, read

# (audit name, list page, export) — {pool}, {batch}, {campaign} filled from the world
EXPORTS = [
    ("companies", "/companies/?q=东莞", "/companies/export.xlsx?q=东莞"),
    ("units", "/spaces/units?type=office", "/spaces/units/export.xlsx?type=office"),
    ("leases", "/leases/?state=signed", "/leases/export.xlsx?state=signed"),
    ("arrears", "/leases/arrears?q=东莞", "/leases/arrears/export.xlsx?q=东莞"),
    ("applications", "/admission/?track=digital", "/admission/export.xlsx?track=digital"),
    ("subsidy_batches", "/subsidies/?state=paying", "/subsidies/batches/export.xlsx?state=paying"),
    ("subsidy_claims", "/subsidies/claims?q=东莞", "/subsidies/claims/export.xlsx?q=东莞"),
    ("clawbacks", "/subsidies/clawbacks?reason=breach", "/subsidies/clawbacks/export.xlsx?reason=breach"),
    ("subsidy_batch", "/subsidies/batches/{batch}", "/subsidies/batches/{batch}/export.xlsx"),
    ("fund_entries", "/funds/pools/{pool}?kind=allocate", "/funds/pools/{pool}/export.xlsx?kind=allocate"),
    ("campaigns", "/assessment/?year=2025", "/assessment/export.xlsx?year=2025"),
    ("assessment_campaign", "/assessment/campaigns/{campaign}?state=verified",
     "/assessment/campaigns/{campaign}/export.xlsx?state=verified"),
    ("exits", "/exits/?kind=voluntary", "/exits/export.xlsx?kind=voluntary"),
    ("audit", "/audit/?action=company.", "/audit/export.xlsx?action=company."),
]


@pytest.fixture
def world(session):
    """At least one row in every list (and in every list's filter above)."""
    operator = make_user(session, Role.OPERATOR)
    company = make_company(session, name="东莞甲科技有限公司")
    unit = make_unit(session)
    lease = create_lease(session, operator, company, [unit], start_on=dt.date(2026, 1, 1), rent_per_m2=Decimal("45"))
    sign_lease(session, operator, lease, signed_on=dt.date(2026, 1, 1))
    session.add(RentCharge(lease_id=lease.id, company_id=company.id, period_start=dt.date(2026, 1, 1),
                           period_end=dt.date(2026, 1, 31), due_on=dt.date(2026, 1, 11), rent_per_m2=Decimal("45"),
                           rent=Decimal("5422.50"), property_fee=Decimal("0.00")))
    policy = session.scalar(sa.select(AdmissionPolicy).order_by(AdmissionPolicy.id).limit(1))
    session.add(Application(number="SQ-X-0001", company_id=company.id, policy_id=policy.id,
                            carrier_id=unit.building.carrier_id, track=IndustryTrack.DIGITAL, unit_type=UnitType.OFFICE,
                            area_requested=Decimal("120.00"), project_name="智算平台", state=ApplicationState.SUBMITTED))
    program = FundProgram(name="导出测试专项经费", config={"phase_cap": "10000000", "max_city_phases": 3,
                                                         "matching_ratio": "1"})
    pool = FundPool(program=program, source=FundSource.CITY, phase=1, name="市专项一期",
                    allocated=Decimal("1000000.00"), opened_on=dt.date(2026, 1, 1))
    session.add_all([program, pool])
    session.flush()
    session.add(FundEntry(pool_id=pool.id, kind=FundEntryKind.ALLOCATE, amount=Decimal("1000000.00")))
    batch = SubsidyBatch(number="PC-X-01", name="租金补贴", support_type_id=1, fund_pool_id=pool.id,
                         intake_opens_on=dt.date(2026, 6, 1), intake_closes_on=dt.date(2026, 6, 30),
                         period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 6, 30), state=BatchState.PAYING)
    session.add(batch)
    session.flush()
    subsidy_policy = session.scalar(sa.select(SubsidyPolicy).where(SubsidyPolicy.support_type_id == 1))
    session.add_all([
        SubsidyClaim(number="BT-X-0001", batch_id=batch.id, company_id=company.id, policy_id=subsidy_policy.id,
                     state=ClaimState.DISBURSED, amount=Decimal("12000.50")),
        Clawback(number="ZH-X-0001", company_id=company.id, reason=ClawbackReason.BREACH, trigger_on=today(),
                 amount=Decimal("1000.00"), basis={"claims": [], "total": "1000.00"})])
    scheme = session.scalar(sa.select(AssessmentScheme).where(AssessmentScheme.version == 1))
    campaign = Campaign(name="2025年度绩效考核", year=2025, scheme_id=scheme.id, state=CampaignState.REVIEWING,
                        opens_on=dt.date(2026, 1, 1), closes_on=dt.date(2026, 3, 31))
    session.add(campaign)
    session.flush()
    session.add(Filing(campaign_id=campaign.id, company_id=company.id, state=FilingState.VERIFIED))
    exit_policy = session.scalar(sa.select(ExitPolicy).where(ExitPolicy.version == 1))
    session.add(ExitCase(number="TC-X-0001", company_id=company.id, policy_id=exit_policy.id, kind=ExitKind.VOLUNTARY,
                         origin=ExitOrigin.COMPANY, reason="迁往广州", state=ExitState.PROPOSED,
                         planned_exit_on=today() + dt.timedelta(days=30)))
    record(session, operator, "company.update", company, after={"headcount": 12}, summary=company.name)
    session.flush()
    return {"pool": pool.id, "batch": batch.id, "campaign": campaign.id, "operator": operator}


def _paths(world, page: str, export: str) -> tuple[str, str]:
    return page.format(**world), export.format(**world)


def _target(url: str) -> tuple[str, dict]:
    parts = urlsplit(url)
    return parts.path, parse_qs(parts.query)


@pytest.mark.parametrize(("name", "page", "export"), EXPORTS, ids=[e[0] for e in EXPORTS])
def test_the_list_offers_its_export_with_its_filters(name, page, export, client, login, world):
    page, export = _paths(world, page, export)
    login(world["operator"])
    links = [_target(unescape(href)) for href in re.findall(r'href="([^"]*export\.xlsx[^"]*)"', client.get(page).text)]
    assert _target(export) in links, links


@pytest.mark.parametrize(("name", "page", "export"), EXPORTS, ids=[e[0] for e in EXPORTS])
def test_an_export_is_audited_with_its_row_count(name, page, export, client, login, session, world):
    page, export = _paths(world, page, export)
    reader = login(make_user(session, Role.SUPERVISOR))
    _ws, rows = read(client.get(export))
    assert rows, "the world should give every list a row"
    [entry] = audit_entries(session, f"export.{name}")
    assert entry.actor_id == reader.id and entry.after["rows"] == len(rows) and entry.seq is not None


@pytest.mark.parametrize(("name", "page", "export"), EXPORTS, ids=[e[0] for e in EXPORTS])
def test_over_the_limit_the_list_says_to_narrow_the_filters(name, page, export, client, login, session, world,
                                                            monkeypatch):
    page, export = _paths(world, page, export)
    monkeypatch.setattr(excel, "EXPORT_LIMIT", 0)
    login(world["operator"])
    resp = client.get(export)
    assert resp.status_code == 303 and _target(resp.headers["Location"]) == _target(page)  # back on the list
    assert "more than the 0 an export may hold. Please narrow the filters and export again." in client.get(page).text
    assert audit_entries(session, f"export.{name}") == []


@pytest.mark.parametrize(("name", "page", "export"), EXPORTS, ids=[e[0] for e in EXPORTS])
def test_only_staff_readers_export(name, page, export, client, login, session, world):
    _page, export = _paths(world, page, export)
    assert "/login" in client.get(export).headers.get("Location", "")
    for who in (Role.COMPANY, Role.REVIEWER):
        login(make_user(session, who))
        assert client.get(export).status_code == 403
    assert audit_entries(session, f"export.{name}") == []
