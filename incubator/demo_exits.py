"""The demo's exits: a case in every state — the eviction after two failing assessments (the
assessment demo's exit proposal, taken up by the daily job, executed and archived), a graduation
executed with its certificate, a company's own request waiting for the commander, a breach
approved with its exit date ahead, one prepared, one just proposed, one rejected and one
withdrawn — and the unit the eviction freed let to a newly registered company (a draft lease).

Through the exit services as the demo users (operator, lead, commander, the company's member),
each step dated with `on(day)` as in the assessment demo. The companies leaving are never
subsidy claimants nor demo members (company1..5): their records keep telling their stories.
"""
from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .accounts.models import User, UserRole
from .assessment.models import ExitProposal, ExitProposalState, Result
from .companies import services as companies
from .companies.models import Company, CompanyStatus, IndustryTrack, QualificationKind
from .core.formatting import SHANGHAI
from .core.roles import Role
from .db import utcnow
from .demo import PROPERTY_FEE, credit_code
from .demo_assessment import STAMPED, redate
from .demo_subsidies import working_day
from .exits import documents, services
from .exits.models import ExitCase, ExitKind
from .leases.models import BillingCycle, Lease, LeaseState
from .leases.rules import add_years, to_fen
from .leases.services import create_lease
from .spaces.models import Unit
from .subsidies.models import Clawback, SubsidyClaim

D = Decimal
DAY = dt.timedelta(days=1)
CHECKLIST = {key: {"done": True, "note": None} for key in ("keys", "access_cards", "unit_inspected",
                                                           "documents_returned")}
EXIT_TABLES = ("exit_cases", "leases", "units", "companies", "issued_documents", "subsidy_clawbacks",
               "assessment_exit_proposals", *STAMPED)


def seed_exits(session: Session, today: dt.date) -> None:
    """Load the exit cases (after the assessment demo: its exit proposal starts the eviction)."""
    _Seed(session, today).run()


class _Seed:
    def __init__(self, session: Session, today: dt.date):
        self.s, self.today = session, today
        users = {u.username: u for u in session.scalars(sa.select(User))}
        self.users = users
        self.operator, self.lead, self.commander = users["operator"], users["lead"], users["commander"]
        self.members = {u.company_id: u for u in users.values() if u.company_id}
        self._steps: dict[dt.date, int] = {}

    @contextmanager
    def on(self, day: dt.date) -> Iterator[None]:
        since = utcnow()
        yield
        n = self._steps[day] = self._steps.get(day, -1) + 1
        redate(self.s, since, dt.datetime.combine(day, dt.time(10, 5), SHANGHAI) + dt.timedelta(minutes=3 * n),
               lambda name: name in EXIT_TABLES)

    def cast(self) -> list[Company]:
        """Tenants free to leave: no subsidy claim or clawback, no demo member, no assessment story."""
        keep = set(self.s.scalars(sa.select(SubsidyClaim.company_id))) | \
            set(self.s.scalars(sa.select(Clawback.company_id))) | \
            {u.company_id for u in self.members.values() if u.username.startswith("company")} | \
            set(self.s.scalars(sa.select(Result.company_id).where(Result.grade == "fail")))
        return list(self.s.scalars(sa.select(Company).where(Company.status == CompanyStatus.TENANT,
                                                            Company.id.not_in(keep)).order_by(Company.id)))

    def run(self) -> None:
        t = self.today
        cast = self.cast()
        evicted = self._eviction(t)
        graduate = self._graduation(t, cast)
        cast = [c for c in cast if c is not graduate]
        self._stories(t, cast)
        self._new_tenant(t, evicted)
        self.s.flush()

    # --- the steps ----------------------------------------------------------------------------------

    def walk(self, case: ExitCase, *steps: tuple) -> ExitCase:
        for action, day, *text in steps:
            with self.on(day):
                if action == "respond":
                    services.respond(self.s, self.member(case.company), case, response=text[0],
                                     agrees=text[1] if len(text) > 1 else None)
                elif action == "prepare":
                    services.prepare(self.s, self.operator, case, exit_on=text[0], damage=D(0), checklist=CHECKLIST,
                                     departure_approved=case.kind != ExitKind.BREACH,
                                     note="钥匙、门禁卡已收回，单元已查验，资料已移交。")
                elif action == "review":
                    services.review(self.s, self.lead, case, "结算无误，同意报指挥长审批。")
                elif action == "approve":
                    services.decide(self.s, self.commander, case, approve=True, reason=text[0] if text else None)
                elif action == "reject":
                    services.decide(self.s, self.commander, case, approve=False, reason=text[0])
                elif action == "execute":
                    services.execute(self.s, self.operator, case)
                elif action == "archive":
                    services.archive(self.s, self.operator, case, "退出资料已归档。")
                elif action == "withdraw":
                    services.withdraw(self.s, self.operator, case, text[0])
        return case

    def member(self, company: Company) -> User:
        return self.members.get(company.id) or self._member(company)

    def _number_and_due(self, case: ExitCase, raised: dt.date) -> None:
        """The services number and time the response from today: the case was raised on `raised`."""
        if case.response_due_on is not None:
            case.response_due_on = working_day(raised + 14 * DAY)
        self.s.flush()

    # --- the stories -------------------------------------------------------------------------------------

    def _eviction(self, t: dt.date) -> Company:
        """The system takes up the assessment's proposal (as the daily job does); prepared,
        reviewed, approved, executed on its exit date a month ago, then archived."""
        proposal = self.s.scalar(sa.select(ExitProposal).where(ExitProposal.state == ExitProposalState.OPEN)
                                 .order_by(ExitProposal.id))
        raised = working_day(t - 80 * DAY)
        with self.on(raised):
            case = services.propose(self.s, proposal.company, kind=ExitKind.CONSECUTIVE_FAILURES,
                                    reason=proposal.detail, planned_exit_on=t - 30 * DAY,
                                    policy=services.current_policy(self.s),
                                    basis={"assessment_proposal": proposal.id, "result": proposal.result_id,
                                           "reason": proposal.reason.value}, proposal=proposal)
        self._number_and_due(case, raised)
        self.walk(case, ("prepare", working_day(raised + 20 * DAY), t - 30 * DAY),
                  ("review", working_day(raised + 24 * DAY)),
                  ("approve", working_day(raised + 28 * DAY), "连续两次年度考核不合格，依据入驻协议予以清退。"),
                  ("execute", working_day(t - 29 * DAY)), ("archive", working_day(t - 10 * DAY)))
        return case.company

    def _graduation(self, t: dt.date, cast: list[Company]) -> Company:
        """A certified high-tech company graduates: raised, settled, approved, executed, certificate."""
        high_tech = [c for c in cast if any(q.kind == QualificationKind.HIGH_TECH for q in c.qualifications)]
        company = (high_tech or cast)[0]
        raised = working_day(t - 70 * DAY)
        with self.on(raised):
            case = services.raise_case(self.s, self.operator, company, kind=ExitKind.GRADUATION,
                                       reason="企业已获高新技术企业认定，达到毕业条件，迁入加速器继续发展。",
                                       planned_exit_on=t - 20 * DAY, events=() if high_tech else ("larger_space",))
        self._number_and_due(case, raised)
        self.walk(case, ("respond", working_day(raised + 3 * DAY), "同意毕业安排，感谢社区多年的支持。", True),
                  ("prepare", working_day(raised + 12 * DAY), t - 20 * DAY),
                  ("review", working_day(raised + 15 * DAY)), ("approve", working_day(raised + 20 * DAY)),
                  ("execute", working_day(t - 19 * DAY)))
        with self.on(working_day(t - 18 * DAY)):
            documents.issue_certificate(self.s, self.operator, case)
        return company

    def _stories(self, t: dt.date, cast: list[Company]) -> None:
        stories = [
            # the company's own request, waiting for the commander (the demo's end-to-end approval)
            ("request", [("prepare", t - 8 * DAY, t + 35 * DAY), ("review", t - 4 * DAY)]),
            # a breach: approved, the exit date ahead
            ("breach", [("prepare", t - 30 * DAY, t + 12 * DAY), ("review", t - 25 * DAY),
                        ("approve", t - 14 * DAY, "企业擅自转租属实，经催告仍未整改，同意清退。")]),
            ("voluntary", [("prepare", t - 6 * DAY, t + 40 * DAY)]),  # waiting for the lead
            ("voluntary", []),  # just raised
            ("breach", [("prepare", t - 50 * DAY, t - 5 * DAY), ("review", t - 45 * DAY),
                        ("reject", t - 38 * DAY, "经复核，企业已于催告期内将转租部分收回并书面承诺不再发生，不予清退。")]),
            ("voluntary", [("withdraw", t - 20 * DAY, "企业经营好转，决定继续留在社区发展。")]),
        ]
        for (kind, steps), company in zip(stories, cast, strict=False):
            raised = working_day(min((s[1] for s in steps), default=t - DAY) - 10 * DAY, -1)
            with self.on(raised):
                if kind == "request":
                    case = services.request_exit(self.s, self.member(company), planned_exit_on=t + 35 * DAY,
                                                 reason="公司业务调整，拟整体迁往外地生产基地，申请退出社区。")
                elif kind == "breach":
                    case = services.raise_case(self.s, self.operator, company, kind=ExitKind.BREACH,
                                               breach_type="sublet", planned_exit_on=t + 12 * DAY,
                                               reason="日常巡查发现企业将部分租赁场地转租给第三方使用。")
                else:
                    case = services.raise_case(self.s, self.operator, company, kind=ExitKind.VOLUNTARY,
                                               planned_exit_on=t + 40 * DAY,
                                               reason="企业电话告知拟于租期内退租，运营专员代为登记。")
            self._number_and_due(case, raised)
            if case.response_due_on is not None and steps and steps[0][0] == "prepare":
                steps = [("respond", raised + 2 * DAY, "已知悉，按社区要求办理退出手续。"), *steps]
            self.walk(case, *[(a, working_day(d, -1), *rest) for a, d, *rest in steps])

    def _member(self, company: Company) -> User:
        """A `tenantNN` login for the company (as the subsidy and assessment demos make them)."""
        n = sum(1 for u in self.members.values() if u.username.startswith("tenant")) + 1
        password_hash = self.users["operator"].password_hash
        user = User(username=f"tenant{n:02d}", display_name=f"企业联系人 {company.contact_name}",
                    email=company.contact_email, phone=company.contact_phone, password_hash=password_hash,
                    company_id=company.id, roles=[UserRole(role=Role.COMPANY)])
        self.s.add(user)
        self.s.flush()
        self.members[company.id] = user
        return user

    def _new_tenant(self, t: dt.date, evicted: Company) -> None:
        """A company registered last week takes the largest unit the eviction freed (draft lease)."""
        lease = self.s.scalar(sa.select(Lease).where(Lease.company_id == evicted.id,
                                                     Lease.state.in_([LeaseState.TERMINATED, LeaseState.ENDED]))
                              .order_by(Lease.id.desc()))
        unit = max((lu.unit for lu in lease.units), key=lambda u: (u.area, u.id))
        registered = working_day(t - 7 * DAY, -1)
        codes = set(self.s.scalars(sa.select(Company.credit_code)))
        rng = random.Random(len(codes))  # nosec B311 - a demo credit code
        code = credit_code(rng)
        while code in codes:
            code = credit_code(rng)
        with self.on(registered):
            company = companies.create_company(self.s, self.operator, {
                "name": "东莞市启航储能科技有限公司", "credit_code": code, "legal_rep": "陈启航",
                "contact_name": "陈启航", "contact_phone": "13800138000", "track": IndustryTrack.NEW_ENERGY,
                "sub_field": "储能", "status": CompanyStatus.APPLICANT, "founded_on": t - 200 * DAY,
                "registered_capital": Decimal("5000000.00"), "headcount": 18, "talents_bachelor": 12,
                "talents_high_level": 2})
        start = t + 15 * DAY
        fee = PROPERTY_FEE[unit.type]
        with self.on(working_day(t - 2 * DAY, -1)):
            create_lease(self.s, self.operator, company, [self.s.get(Unit, unit.id)], start_on=start,
                         end_on=add_years(start, 3) - DAY, rent_per_m2=unit.list_rent, property_fee_per_m2=fee,
                         deposit=to_fen(unit.area * (unit.list_rent + fee) * 2), billing_cycle=BillingCycle.MONTHLY,
                         note="承接原清退企业腾退的单元。")
