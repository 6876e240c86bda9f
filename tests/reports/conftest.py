"""A small community built by hand, whose figures are worked out by hand in the tests (see the
comments at each figure). "Today" is TODAY (30 June 2026): the services take it as an argument and
the pages get it by monkeypatching the views' `today`.

Companies (moved in · left · platform · profile talents 本科+/高层次 · 高新技术企业 certificate):
  甲 A tenant    2024-03-01 · —          · platform · 40/5  · 2024-06-01 → 2027-05-31
  乙 B tenant    2024-09-01 · —          ·          · 20/2  · 2025-03-01 → (none)
  丙 C exited    2024-05-01 · 2025-06-30 ·          · 10/1  · 2023-01-01 → 2025-12-31
  丁 D graduated 2025-02-01 · 2026-03-31 · platform · 60/10 · —
  戊 E tenant    2026-01-15 · —          ·          · 15/0  · 2026-02-01 → (none)
  己 F tenant    2025-07-01 · —          ·          · 25/3  · 2022-01-01 → 2025-10-31 (lapsed)
  庚 G applicant never moved in          ·          · 99/9  · 2025-01-01 → (none)
Verified filings (graduates + high-level): A 2024 filed 30 corrected to 35, +4; A 2025 50+6; A 2025
interim 999+0 (the annual wins); C 2024 8+1; D 2025 70+12; F 2025 only submitted (ignored).
Subsidy claims: A ¥100,000 paid 2025-06-01; B ¥50,000 paid 2026-03-20 (30 days after submission); A
¥30,000 rejected; E ¥10,000 paid 2026-05-10 (10 days); F ¥150,000 verified, waiting for the deputy, an
objection against it open until the notice ends 2026-07-08; D's claim returned, due 2026-06-25."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from incubator.admission.models import AdmissionPolicy, Application, ApplicationState
from incubator.assessment.models import (
    AssessmentScheme,
    Campaign,
    CampaignKind,
    CampaignState,
    CheckOutcome,
    FigureCheck,
    Filing,
    FilingState,
    Grade,
    Result,
)
from incubator.companies.models import CompanyStatus, IndustryTrack, Qualification, QualificationKind
from incubator.core.models import WorkflowEvent
from incubator.core.roles import Role
from incubator.exits.models import ExitCase, ExitKind, ExitOrigin, ExitPolicy, ExitState
from incubator.funds.models import FundEntry, FundEntryKind, FundPool, FundProgram, FundSource
from incubator.leases.models import Lease, LeaseState, LeaseUnit, RentCharge, RentPayment
from incubator.spaces.models import Building, Carrier, UnitStatus, UnitType
from incubator.subsidies.models import ClaimState, Objection, SubsidyBatch, SubsidyClaim, SubsidyPolicy

from ..factories import make_company, make_unit, make_user

TODAY = dt.date(2026, 6, 30)
D = Decimal
UTC = dt.UTC


@pytest.fixture(autouse=True)
def english_everywhere(english):
    """Pages in English (tests/conftest.py::english); the PDFs are Chinese whatever the language."""


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), UTC)


def _company(session, name, status, moved, left=None, platform=False, bachelor=0, high=0, track=IndustryTrack.DIGITAL):
    return make_company(session, name=name, status=status, moved_in_on=moved and dt.date.fromisoformat(moved),
                        left_on=left and dt.date.fromisoformat(left), is_platform=platform, headcount=200,
                        talents_bachelor=bachelor, talents_high_level=high, track=track)


def _high_tech(session, company, obtained, expires=None):
    session.add(Qualification(company_id=company.id, kind=QualificationKind.HIGH_TECH,
                              obtained_on=dt.date.fromisoformat(obtained),
                              expires_on=expires and dt.date.fromisoformat(expires)))


def _filing(session, campaign, company, state=FilingState.VERIFIED, **figures):
    filing = Filing(campaign_id=campaign.id, company_id=company.id, state=state,
                    submitted_at=at(f"{campaign.year + 1}-02-01"),
                    verified_at=at(f"{campaign.year + 1}-03-01") if state == FilingState.VERIFIED else None,
                    **figures)
    session.add(filing)
    session.flush()
    return filing


def _application(session, w, number, company, events, decided=None, state=None, due=None):
    app = Application(number=number, company_id=company.id, policy_id=w.policy.id, carrier_id=w.carrier.id,
                      track=IndustryTrack.DIGITAL, unit_type=UnitType.OFFICE, area_requested=D("120.00"),
                      project_name=f"{company.name}项目", state=state or ApplicationState(events[-1][1]),
                      submitted_at=events[0][2], decided_at=decided, supplement_due_on=due)
    session.add(app)
    session.flush()
    source = "draft"
    for action, target, when in events:
        session.add(WorkflowEvent(object_type="application", object_id=app.id, action=action, from_state=source,
                                  to_state=target, actor_id=w.operator.id, at=when))
        source = target
    return app


@pytest.fixture
def community(session):
    w = SimpleNamespace(session=session)
    for name, role in {"operator": Role.OPERATOR, "lead": Role.LEAD, "deputy": Role.DEPUTY,
                       "commander": Role.COMMANDER, "supervisor": Role.SUPERVISOR, "admin": Role.ADMIN,
                       "reviewer": Role.REVIEWER}.items():
        setattr(w, name, make_user(session, role, display_name=f"{name} 测试"))

    # --- companies and their high-tech certificates ------------------------------------------------
    T, X, G = CompanyStatus.TENANT, CompanyStatus.EXITED, CompanyStatus.GRADUATED
    w.a = _company(session, "东莞甲科技有限公司", T, "2024-03-01", platform=True, bachelor=40, high=5)
    w.b = _company(session, "东莞乙科技有限公司", T, "2024-09-01", bachelor=20, high=2)
    w.c = _company(session, "东莞丙科技有限公司", X, "2024-05-01", "2025-06-30", bachelor=10, high=1)
    w.d = _company(session, "东莞丁研究院有限公司", G, "2025-02-01", "2026-03-31", platform=True, bachelor=60, high=10,
                   track=IndustryTrack.RD_PLATFORM)
    w.e = _company(session, "东莞戊科技有限公司", T, "2026-01-15", bachelor=15, high=0)
    w.f = _company(session, "东莞己科技有限公司", T, "2025-07-01", bachelor=25, high=3)
    w.g = _company(session, "东莞庚科技有限公司", CompanyStatus.APPLICANT, None, bachelor=99, high=9)
    _high_tech(session, w.a, "2024-06-01", "2027-05-31")
    _high_tech(session, w.b, "2025-03-01")
    _high_tech(session, w.c, "2023-01-01", "2025-12-31")
    _high_tech(session, w.e, "2026-02-01")
    _high_tech(session, w.f, "2022-01-01", "2025-10-31")
    _high_tech(session, w.g, "2025-01-01")
    session.add(Qualification(company_id=w.d.id, kind=QualificationKind.TECH_SME, obtained_on=dt.date(2025, 2, 1)))

    # --- spaces and leases: office 101 (100 m², leased), office 102 (50, vacant), factory (200, leased),
    #     lab (80, out of service) --------------------------------------------------------------------
    w.carrier = Carrier(code="BG", name="报告测试载体（启动区）", total_area=D("10000"), startup_area=D("5000"), sort_order=1)
    session.add(w.carrier)
    session.flush()
    building = Building(carrier_id=w.carrier.id, name="1栋")
    session.add(building)
    session.flush()
    w.office = make_unit(session, w.carrier, building=building, number="101", area=D("100.00"),
                         status=UnitStatus.LEASED)
    make_unit(session, w.carrier, building=building, number="102", area=D("50.00"), status=UnitStatus.VACANT)
    w.factory = make_unit(session, w.carrier, building=building, number="201", type=UnitType.FACTORY,
                          area=D("200.00"), status=UnitStatus.LEASED)
    make_unit(session, w.carrier, building=building, number="301", type=UnitType.LAB, area=D("80.00"),
              status=UnitStatus.OUT_OF_SERVICE)

    def lease(number, company, unit, start, end, state=LeaseState.SIGNED, ended=None):
        row = Lease(number=number, company_id=company.id, start_on=dt.date.fromisoformat(start),
                    end_on=dt.date.fromisoformat(end), rent_per_m2=D("40.00"), property_fee_per_m2=D("6.50"),
                    deposit=D("8000.00"), state=state, signed_on=dt.date.fromisoformat(start),
                    ended_on=ended and dt.date.fromisoformat(ended))
        row.units = [LeaseUnit(unit_id=unit.id, area=unit.area)]
        session.add(row)
        session.flush()
        return row

    w.lease_a = lease("ZL-BG-1", w.a, w.office, "2024-03-01", "2027-02-28")
    lease("ZL-BG-2", w.c, w.factory, "2024-05-01", "2027-04-30", LeaseState.TERMINATED, ended="2025-06-30")
    lease("ZL-BG-3", w.e, w.factory, "2026-01-15", "2029-01-14")
    # three charges of ¥4,650.00 due in 2026 before today (one paid in part) and one due after today
    for due, paid, payments in [("2026-01-05", "4650.00", [("2026-01-04", "4650.00")]),
                                ("2026-02-05", "4650.00", [("2026-02-05", "4650.00")]),
                                ("2026-03-05", "2000.00", [("2026-03-10", "2000.00")]),
                                ("2026-07-05", "0.00", [])]:
        due_on = dt.date.fromisoformat(due)
        charge = RentCharge(lease_id=w.lease_a.id, company_id=w.a.id, period_start=due_on.replace(day=1),
                            period_end=due_on.replace(day=28), due_on=due_on, rent_per_m2=D("40.00"),
                            rent=D("4000.00"), property_fee=D("650.00"), paid=D(paid),
                            settled_on=due_on if paid == "4650.00" else None)
        session.add(charge)
        session.flush()
        for day, amount in payments:
            session.add(RentPayment(charge_id=charge.id, amount=D(amount), paid_on=dt.date.fromisoformat(day)))

    # --- admission: four applications first submitted in 2026, one in 2025 -----------------------------
    w.policy = session.scalar(sa.select(AdmissionPolicy).order_by(AdmissionPolicy.id).limit(1))
    review = [("accept", "accepted"), ("start_review", "expert_review"), ("close_review", "joint_review"),
              ("recommend", "decision")]
    # admitted 30 days after its submission
    w.app1 = _application(session, w, "SQ-BG-1", w.g, [("submit", "submitted", at("2026-02-01")),
                          *[(a, s, at(f"2026-02-{10 + i}")) for i, (a, s) in enumerate(review)],
                          ("admit", "admitted", at("2026-03-03"))], decided=at("2026-03-03"))
    # returned, resubmitted, rejected 60 days after its first submission
    w.app2 = _application(session, w, "SQ-BG-2", w.g, [("submit", "submitted", at("2026-03-01")),
                          ("return", "returned", at("2026-03-05")), ("resubmit", "resubmitted", at("2026-03-10")),
                          *[(a, s, at(f"2026-04-{10 + i}")) for i, (a, s) in enumerate(review)],
                          ("reject", "rejected", at("2026-04-30"))], decided=at("2026-04-30"))
    w.app3 = _application(session, w, "SQ-BG-3", w.g, [("submit", "submitted", at("2026-05-01")),
                          ("withdraw", "withdrawn", at("2026-05-03"))])
    w.app5 = _application(session, w, "SQ-BG-5", w.g, [("submit", "submitted", at("2026-06-20")),
                          ("return", "returned", at("2026-06-22"))], due=dt.date(2026, 7, 3))
    _application(session, w, "SQ-BG-4", w.g, [("submit", "submitted", at("2025-11-01")),
                 ("accept", "accepted", at("2026-01-10"))])

    # --- the special fund: city phase 1 and committee phase 1 -----------------------------------------
    program = FundProgram(name="报告测试专项经费", config={"phase_cap": "10000000", "max_city_phases": 3,
                                                           "matching_ratio": "1"})
    session.add(program)
    session.flush()
    w.city = FundPool(program_id=program.id, source=FundSource.CITY, phase=1, name="市科技局专项经费第一期",
                      allocated=D("1000000.00"), committed=D("0.00"), paid=D("150000.00"), returned=D("20000.00"),
                      opened_on=dt.date(2024, 6, 1))
    w.committee = FundPool(program_id=program.id, source=FundSource.COMMITTEE, phase=1, name="管委会配套资金第一期",
                           allocated=D("1000000.00"), committed=D("0.00"), paid=D("10000.00"),
                           returned=D("0.00"), opened_on=dt.date(2025, 1, 10))
    session.add_all([w.city, w.committee])
    session.flush()
    K = FundEntryKind
    for pool, kind, amount, obj, when in [
            (w.city, K.ALLOCATE, "1000000.00", None, "2024-06-01"), (w.city, K.COMMIT, "100000.00", 1, "2025-05-01"),
            (w.city, K.PAY, "100000.00", 1, "2025-06-01"), (w.city, K.COMMIT, "50000.00", 2, "2026-03-01"),
            (w.city, K.COMMIT, "30000.00", 3, "2026-04-01"), (w.city, K.RELEASE, "30000.00", 3, "2026-04-15"),
            (w.city, K.PAY, "50000.00", 2, "2026-03-20"), (w.city, K.RETURN, "20000.00", 9, "2026-05-01"),
            (w.committee, K.ALLOCATE, "1000000.00", None, "2025-01-10"),
            (w.committee, K.COMMIT, "10000.00", 4, "2026-05-01"), (w.committee, K.PAY, "10000.00", 4, "2026-05-10")]:
        session.add(FundEntry(pool_id=pool.id, kind=kind, amount=D(amount), at=at(when),
                              object_type=None if obj is None else ("clawback_repayment" if kind == K.RETURN
                                                                    else "subsidy_claim"),
                              object_id=obj))
    rent_policy = session.scalar(sa.select(SubsidyPolicy).where(SubsidyPolicy.support_type_id == 1,
                                                                SubsidyPolicy.version == 1))

    def batch(number, pool, year, notice_ends=None):
        row = SubsidyBatch(number=number, name=f"{year}年租金补贴", support_type_id=1, fund_pool_id=pool.id,
                           intake_opens_on=dt.date(year, 1, 1), intake_closes_on=dt.date(year, 1, 31),
                           period_start=dt.date(year - 1, 1, 1), period_end=dt.date(year - 1, 12, 31),
                           notice_ends_on=notice_ends)
        session.add(row)
        session.flush()
        return row

    b25, b26 = batch("PC-BG-25", w.city, 2025), batch("PC-BG-26", w.city, 2026, dt.date(2026, 7, 8))
    b26m = batch("PC-BG-26M", w.committee, 2026)

    def claim(number, b, company, state, amount, submitted, paid=None, required_role=None, due=None):
        row = SubsidyClaim(number=number, batch_id=b.id, company_id=company.id, state=state,
                           policy_id=rent_policy.id, amount=amount and D(amount), submitted_at=submitted,
                           paid_on=paid and dt.date.fromisoformat(paid), required_role=required_role, due_on=due)
        session.add(row)
        session.flush()
        return row

    claim("BT-BG-1", b25, w.a, ClaimState.DISBURSED, "100000.00", at("2025-04-01", 0), "2025-06-01")
    claim("BT-BG-2", b26, w.b, ClaimState.DISBURSED, "50000.00", at("2026-02-18", 0), "2026-03-20")  # 30 days
    claim("BT-BG-3", b26, w.a, ClaimState.REJECTED, "30000.00", at("2026-03-25", 0))
    claim("BT-BG-4", b26m, w.e, ClaimState.DISBURSED, "10000.00", at("2026-04-30", 0), "2026-05-10")  # 10 days
    verified = claim("BT-BG-5", b26, w.f, ClaimState.VERIFIED, "150000.00", at("2026-06-01", 0),
                     required_role="deputy")
    # returned for correction, its deadline passed five days ago (the nightly lapse has not run yet)
    claim("BT-BG-6", b26, w.d, ClaimState.RETURNED, None, at("2026-06-10", 0), due=dt.date(2026, 6, 25))
    # an objection in the public notice, to settle by the notice's end on 8 July
    session.add(Objection(batch_id=b26.id, claim_id=verified.id, raised_by="实名来信", received_on=dt.date(2026, 6, 28),
                          content="反映实际使用面积不足"))

    # --- assessment: 2024 and 2025 annual campaigns published, a 2025 interim one closed ----------------
    scheme = session.scalar(sa.select(AssessmentScheme).order_by(AssessmentScheme.id).limit(1))

    def campaign(name, year, kind, state, published=None):
        row = Campaign(name=name, year=year, kind=kind, scheme_id=scheme.id, state=state,
                       opens_on=dt.date(year + 1, 1, 5), closes_on=dt.date(year + 1, 3, 31), published_on=published)
        session.add(row)
        session.flush()
        return row

    c24 = campaign("2024年度考核（报告测试）", 2024, CampaignKind.ANNUAL, CampaignState.CLOSED, dt.date(2025, 4, 20))
    c25 = campaign("2025年度考核（报告测试）", 2025, CampaignKind.ANNUAL, CampaignState.PUBLISHED, dt.date(2026, 4, 25))
    c25i = campaign("2025年中期考核（报告测试）", 2025, CampaignKind.INTERIM, CampaignState.CLOSED)
    w.campaign25 = c25
    fa24 = _filing(session, c24, w.a, graduates=30, high_level_talents=4, revenue=D("10000000.00"))
    session.add(FigureCheck(filing_id=fa24.id, figure="graduates", outcome=CheckOutcome.CORRECTED,
                            filed_value=D("30"), corrected_value=D("35"), reason="以社保名单为准"))
    fc24 = _filing(session, c24, w.c, graduates=8, high_level_talents=1, revenue=D("2000000.00"))
    fa25 = _filing(session, c25, w.a, graduates=50, high_level_talents=6, revenue=D("12000000.00"),
                   financing=D("3000000.00"), ip_invention=2, ip_utility=3, ip_software=1)
    fd25 = _filing(session, c25, w.d, graduates=70, high_level_talents=12, revenue=D("5000000.00"),
                   financing=D("0.00"), ip_invention=1, ip_utility=0, ip_software=4)
    _filing(session, c25i, w.a, graduates=999, high_level_talents=0, revenue=D("1.00"))
    _filing(session, c25, w.f, state=FilingState.SUBMITTED, graduates=100, high_level_talents=50)

    def result(campaign_, filing, grade, revision=1, current=True):
        session.add(Result(campaign_id=campaign_.id, filing_id=filing.id, company_id=filing.company_id,
                           revision=revision, current=current, score=D("75.00"), rank=1, grade=grade,
                           breakdown={"dimensions": []}))

    result(c24, fa24, Grade.GOOD)
    result(c24, fc24, Grade.FAIL)
    result(c25, fa25, Grade.GOOD, revision=1, current=False)  # replaced after an upheld appeal
    result(c25, fa25, Grade.EXCELLENT, revision=2)
    result(c25, fd25, Grade.GOOD)

    # --- exits: C cleared out for a breach (2025), D graduated (2026), F's voluntary exit proposed -------
    policy = session.scalar(sa.select(ExitPolicy).where(ExitPolicy.version == 1))
    for number, company, kind, state, day in [
            ("TC-BG-1", w.c, ExitKind.BREACH, ExitState.EXECUTED, "2025-06-30"),
            ("TC-BG-2", w.d, ExitKind.GRADUATION, ExitState.ARCHIVED, "2026-03-31"),
            ("TC-BG-3", w.f, ExitKind.VOLUNTARY, ExitState.PROPOSED, "2026-08-31")]:
        session.add(ExitCase(number=number, company_id=company.id, policy_id=policy.id, kind=kind,
                             breach_type="sublet" if kind == ExitKind.BREACH else None,
                             origin=ExitOrigin.OPERATOR, reason="报告测试", state=state,
                             planned_exit_on=dt.date.fromisoformat(day),
                             executed_on=dt.date.fromisoformat(day) if state != ExitState.PROPOSED else None))
    session.commit()
    return w
