"""Matters in the state that puts them before a meeting, made as rows (the modules' own tests cover
how they get there): an application in joint review, an exit the lead reviewed, an open clawback,
a filed assessment appeal."""
from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import sqlalchemy as sa

from incubator.admission.models import AdmissionPolicy, Application, ApplicationState
from incubator.assessment.models import (
    Appeal,
    AssessmentScheme,
    Campaign,
    CampaignState,
    Filing,
    FilingState,
    Grade,
    Result,
)
from incubator.companies.models import IndustryTrack
from incubator.exits.models import ExitCase, ExitKind, ExitOrigin, ExitPolicy, ExitState
from incubator.spaces.models import UnitType
from incubator.subsidies.models import Clawback, ClawbackReason, ClawbackState

from ..factories import make_company, make_unit

_seq = itertools.count(1)


def application(session, company=None, state=ApplicationState.JOINT_REVIEW) -> Application:
    n = next(_seq)
    company = company or make_company(session, name=f"联合评审科技有限公司{n}")
    policy = session.scalar(sa.select(AdmissionPolicy).order_by(AdmissionPolicy.id).limit(1))
    carrier_id = make_unit(session).building.carrier_id
    app = Application(number=f"SQ-M-{n:04d}", company_id=company.id, policy_id=policy.id, carrier_id=carrier_id,
                      track=IndustryTrack.DIGITAL, unit_type=UnitType.OFFICE, area_requested=Decimal("200.00"),
                      project_name="工业互联网平台", state=state, joint_recommendation="admit")
    session.add(app)
    session.flush()
    return app


def exit_case(session, company=None, state=ExitState.REVIEWED) -> ExitCase:
    n = next(_seq)
    company = company or make_company(session, name=f"退出审议科技有限公司{n}")
    policy = session.scalar(sa.select(ExitPolicy).where(ExitPolicy.version == 1))
    case = ExitCase(number=f"TC-M-{n:04d}", company_id=company.id, policy_id=policy.id, kind=ExitKind.VOLUNTARY,
                    origin=ExitOrigin.COMPANY, reason="公司整体迁往松山湖，申请退出社区。", state=state,
                    planned_exit_on=dt.date.today() + dt.timedelta(days=30))
    session.add(case)
    session.flush()
    return case


def clawback(session, amount: str = "150000.00", company=None, state=ClawbackState.OPEN) -> Clawback:
    n = next(_seq)
    company = company or make_company(session, name=f"追回审议科技有限公司{n}")
    cb = Clawback(number=f"ZH-M-{n:04d}", company_id=company.id, reason=ClawbackReason.EXIT,
                  trigger_on=dt.date.today() - dt.timedelta(days=10), amount=Decimal(amount),
                  basis={"reason": "exit", "trigger_on": (dt.date.today() - dt.timedelta(days=10)).isoformat(),
                         "claims": [], "excluded": [], "total": amount},
                  state=state, due_on=dt.date.today() + dt.timedelta(days=20))
    session.add(cb)
    session.flush()
    return cb


def appeal(session, company=None) -> Appeal:
    n = next(_seq)
    company = company or make_company(session, name=f"申诉科技有限公司{n}")
    scheme = session.scalar(sa.select(AssessmentScheme).where(AssessmentScheme.version == 1))
    campaign = Campaign(name=f"2025年度绩效考核（会议测试{n}）", year=2025, scheme_id=scheme.id,
                        state=CampaignState.PUBLISHED, opens_on=dt.date(2026, 1, 1), closes_on=dt.date(2026, 3, 31),
                        published_on=dt.date.today() - dt.timedelta(days=2),
                        appeals_close_on=dt.date.today() + dt.timedelta(days=10))
    session.add(campaign)
    session.flush()
    filing = Filing(campaign_id=campaign.id, company_id=company.id, state=FilingState.VERIFIED)
    session.add(filing)
    session.flush()
    result = Result(campaign_id=campaign.id, filing_id=filing.id, company_id=company.id, score=Decimal("55.00"),
                    rank=9, grade=Grade.FAIL, breakdown={})
    session.add(result)
    session.flush()
    row = Appeal(filing_id=filing.id, company_id=company.id, result_id=result.id, grounds="研发投入数据录入有误。")
    session.add(row)
    session.flush()
    return row
