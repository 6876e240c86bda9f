"""The demo's annual assessment: last year's campaign finished (filed in the first quarter,
verified, scored by the reviewers, ranked, confirmed, published, appeals decided, closed) with
every grade, an upheld appeal (revision 2), a rectification and an exit proposal; the year
before's campaign (so that a second 不合格 in a row proposes an exit); and an interim campaign
open now with filings in every state an open campaign holds.

Everything goes through the assessment services as the demo users (operator, reviewer1..3,
lead, each company's member: companyN, or a `tenantNN` login made here as in the subsidy demo),
each step with its day; `on(day)` then dates what the step wrote. A campaign takes the tenants
of its opening day: companies that moved in later are kept out while it is drafted and opened.
The companies that fail are never subsidy claimants, so no claim meets the "blocked" grade.
"""
from __future__ import annotations

import datetime as dt
import io
import random
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from .accounts.models import User, UserRole
from .assessment import consequences, scoring, services
from .assessment.models import (
    Campaign,
    CampaignKind,
    CheckOutcome,
    Filing,
    Rectification,
    Result,
)
from .assessment.rules import reviewer_items
from .companies.models import Company, CompanyStatus
from .core.calendar import add_working_days
from .core.formatting import SHANGHAI
from .core.roles import Role
from .db import UTCDateTime, utcnow
from .demo import SEED, tiny_pdf
from .demo_subsidies import working_day
from .leases.models import Lease
from .models import Base
from .subsidies.models import SubsidyClaim

D = Decimal
DAY = dt.timedelta(days=1)
# the grade a company is meant to earn → share of each indicator's cap it earns (noise added per
# indicator), with a filing of the year before and without one (no growth points, 16 of 100)
EXCELLENT, GOOD, PASS, FAIL = "excellent", "good", "pass", "fail"
LEVELS = {EXCELLENT: (D("0.95"), D("1")), GOOD: (D("0.82"), D("0.98")), PASS: (D("0.7"), D("0.85")),
          FAIL: (D("0.3"), D("0.3"))}
STAMPED = ("workflow_events", "documents", "document_versions")
REVIEW_COMMENTS = {
    "technology": ("核心技术自主可控，年度研发成果突出。", "技术创新一般，研发成果较少。"),
    "prospects": ("市场拓展顺利，成长性好。", "业务增长乏力，发展前景有待观察。"),
    "cooperation": ("积极配合社区各项工作。", "配合社区工作有待加强。"),
}


def redate(session: Session, since: dt.datetime, when: dt.datetime, stamped) -> None:
    """Date every timestamp written since `since` in the tables `stamped(name)` picks to `when`
    (the audit log keeps the seeding time: its chain is sealed)."""
    session.flush()
    for table in Base.metadata.tables.values():
        if stamped(table.name):
            for column in table.c:
                if isinstance(column.type, UTCDateTime | sa.DateTime):
                    session.execute(table.update().where(column >= since).values({column.name: when}))
    for obj in list(session.identity_map.values()):
        table = getattr(type(obj), "__table__", None)
        if table is not None and stamped(table.name):
            session.expire(obj, [c.key for c in table.c if isinstance(c.type, UTCDateTime | sa.DateTime)])


def seed_assessment(session: Session, today: dt.date, password_hash: str) -> None:
    """Load the campaigns (after the subsidy demo: its claimants are known)."""
    _Seed(session, today, password_hash).run()


class _Seed:
    def __init__(self, session: Session, today: dt.date, password_hash: str):
        self.s, self.today, self.password_hash = session, today, password_hash
        self.rng = random.Random(SEED + 8)  # nosec B311
        users = {u.username: u for u in session.scalars(sa.select(User).where(User.company_id.is_(None)))}
        self.operator, self.lead = users["operator"], users["lead"]
        self.reviewers = [users[f"reviewer{i}"] for i in (1, 2, 3)]
        self.members = {u.company_id: u for u in session.scalars(
            sa.select(User).where(User.company_id.is_not(None)).order_by(User.id))}
        self.showcase = [u.company for u in sorted(self.members.values(), key=lambda u: u.username)
                         if u.username in {f"company{i}" for i in range(1, 6)}]
        self.company1 = self.showcase[0]
        self._tenants = max((int(u.username[6:]) for u in self.members.values() if u.username.startswith("tenant")),
                            default=0)
        self._steps: dict[dt.date, int] = {}
        # the year last assessed: its campaign ran in the first quarter and is long finished
        self.year = today.year - 1 if today.month >= 7 else today.year - 2
        self.levels: dict[int, str] = {}
        self.filed: dict[int, dict] = {}  # company id → last figures it filed

    def run(self) -> None:
        claimants = set(self.s.scalars(sa.select(SubsidyClaim.company_id)))
        tenants = self.s.scalars(sa.select(Company).where(Company.status == CompanyStatus.TENANT)
                                 .order_by(Company.moved_in_on, Company.id)).all()
        opens = working_day(dt.date(self.year, 1, 5))
        # failing: never a claimant nor a demo member; one there since before the earlier campaign
        spare = [c for c in tenants if c.id not in claimants and c not in self.showcase]
        early = [c for c in spare if c.moved_in_on and c.moved_in_on < dt.date(self.year - 1, 11, 1)]
        self.evicted = early[0] if early else spare[0]
        self.lapsing = next(c for c in spare if c is not self.evicted and c.moved_in_on < opens)
        self._earlier_campaign()
        self._last_campaign()
        self._open_campaign()
        self.s.flush()

    # --- dating the steps --------------------------------------------------------------------------

    @contextmanager
    def on(self, day: dt.date) -> Iterator[None]:
        """Run a step, then date what it wrote to `day` (steps of one day follow each other)."""
        since = utcnow()
        yield
        n = self._steps[day] = self._steps.get(day, -1) + 1
        redate(self.s, since, dt.datetime.combine(day, dt.time(9, 5), SHANGHAI) + dt.timedelta(minutes=3 * n),
               lambda name: name.startswith("assessment_") or name in STAMPED)

    @contextmanager
    def tenants_on(self, day: dt.date) -> Iterator[None]:
        """The services take today's tenants; a campaign of `day` takes the tenants of that day."""
        later = self.s.scalars(sa.select(Company).where(Company.status == CompanyStatus.TENANT,
                                                        sa.or_(Company.moved_in_on.is_(None),
                                                               Company.moved_in_on > day))).all()
        for company in later:
            company.status = CompanyStatus.APPLICANT
        self.s.flush()
        yield
        for company in later:
            company.status = CompanyStatus.TENANT
        self.s.flush()

    def member(self, company: Company) -> User:
        if company.id not in self.members:
            self._tenants += 1
            user = User(username=f"tenant{self._tenants:02d}", display_name=f"企业联系人 {company.contact_name}",
                        email=company.contact_email, phone=company.contact_phone, password_hash=self.password_hash,
                        company_id=company.id, roles=[UserRole(role=Role.COMPANY)])
            self.s.add(user)
            self.s.flush()
            self.members[company.id] = user
        return self.members[company.id]

    # --- figures ------------------------------------------------------------------------------------------

    def figures(self, company: Company, grade: str, area: Decimal | None) -> dict:
        """Figures earning about the grade's share of each indicator's cap (growth on last year's filing)."""
        rng = self.rng
        last = self.filed.get(company.id)
        level = LEVELS[grade][0 if last else 1]

        def share() -> Decimal:
            return max(D("0.05"), min(D(1), level + D(rng.randint(-8, 8)) / 100))

        def count(cap: int) -> int:
            return int(share() * cap + D("0.5"))
        headcount = last["headcount"] if last else company.headcount or 20
        revenue = last["revenue"] if last else D(rng.randint(300, 3000)) * 10000
        if last:  # growth: 0.2 point per percent up to 10 (revenue) and 6 (headcount) points
            revenue = (revenue * (1 + share() * 50 / 100)).quantize(D("1"))
            headcount = int(headcount * (1 + share() * 30 / 100)) + 1
        tax = max(share() * 300000, share() * 10 * 100 * (area or D(100))).quantize(D("1000"))
        return {
            "revenue": D(revenue), "tax_paid": D(tax),
            "rd_expense": (revenue * share() * 8 / 100).quantize(D("1")),
            "financing": (share() * 4 * 300000).quantize(D("10000")) if rng.random() < 0.6 else D(0),
            "headcount": headcount, "graduates": min(headcount, int(headcount * share() * D("0.6")) + 1),
            "high_level_talents": count(4), "ip_invention": count(2), "ip_utility": count(3), "ip_software": count(2),
            "new_qualifications": count(2) if grade != EXCELLENT else 1, "new_products": count(3),
        }

    def _evidence(self, filing: Filing) -> FileStorage:
        return FileStorage(io.BytesIO(tiny_pdf(f"Financial statements {filing.campaign.year} #{filing.id}")),
                           f"{filing.campaign.year}年度财务报表.pdf")

    # --- steps ----------------------------------------------------------------------------------------------

    def file(self, filing: Filing, level: str, day: dt.date, submit: bool = True, **overrides) -> None:
        member = self.member(filing.company)
        leases = self.s.scalars(sa.select(Lease).where(Lease.company_id == filing.company_id)).all()
        area = scoring.leased_area(list(leases), filing.campaign.year)
        data = self.figures(filing.company, level, area) | overrides
        with self.on(day - 2 * DAY):
            services.save_filing(self.s, member, filing, data)
            services.upload_evidence(self.s, member, filing, "financial_statements", None, self._evidence(filing))
        if submit:
            with self.on(day):
                services.submit_filing(self.s, member, filing)
        self.levels[filing.company_id] = level

    def check(self, filing: Filing, day: dt.date, correct: bool = False) -> None:
        with self.on(day):
            for key in services.pending_figures(filing):
                value = getattr(filing, key)
                if correct and key == "rd_expense" and value:
                    services.check_figure(self.s, self.operator, filing, key, CheckOutcome.CORRECTED,
                                          corrected=(value * D("0.8")).quantize(D("1")),
                                          reason="研发费用以审计报告为准，扣除不符合归集口径的费用。")
                else:
                    services.check_figure(self.s, self.operator, filing, key, CheckOutcome.ACCEPTED)

    def verify(self, filing: Filing, day: dt.date, correct: bool = False) -> None:
        self.check(filing, day, correct)
        with self.on(day):
            services.verify_filing(self.s, self.operator, filing)

    def return_(self, filing: Filing, day: dt.date) -> None:
        with self.on(day):
            services.check_figure(self.s, self.operator, filing, "tax_paid", CheckOutcome.RETURNED,
                                  reason="纳税总额与完税证明合计不一致，请按税务系统导出的完税证明更正。")
            services.return_filing(self.s, self.operator, filing, "请更正纳税总额并补充全年完税证明。")

    def resubmit(self, filing: Filing, day: dt.date) -> None:
        member = self.member(filing.company)
        with self.on(day):
            services.save_filing(self.s, member, filing, filing.figures() | {
                "tax_paid": (filing.tax_paid * D("0.92")).quantize(D("1000"))}, note="已按完税证明更正纳税总额。")
            services.submit_filing(self.s, member, filing)

    def review(self, campaign: Campaign, filings: list[Filing], day: dt.date) -> None:
        """Every reviewer on every filing; reviewer3 declares a conflict on one company."""
        with self.on(day):
            scoring.assign_reviewers(self.s, self.operator, campaign, [f.id for f in filings],
                                     [r.id for r in self.reviewers])
        items = reviewer_items(campaign.scheme.config)
        for n, filing in enumerate(filings):
            level = LEVELS[self.levels.get(filing.company_id, FAIL)][0]
            for i, (reviewer, sheet) in enumerate(zip(self.reviewers, sorted(filing.assignments,
                                                                              key=lambda a: a.reviewer_id),
                                                      strict=True)):
                with self.on(working_day(day + (1 + i + n % 3) * DAY)):
                    if i == 2 and n == 1:
                        scoring.declare_interest(self.s, reviewer, sheet, conflict=True,
                                                 note="本人曾为该企业提供技术咨询服务，申请回避。")
                        continue
                    scoring.declare_interest(self.s, reviewer, sheet, conflict=False)
                    scores = {it["key"]: min(D(it["cap"]), (D(it["cap"]) * (level + D(self.rng.randint(-5, 5)) / 100))
                                             .quantize(D("0.1"))) for it in items}
                    good = self.levels.get(filing.company_id) != FAIL
                    comments = {k: REVIEW_COMMENTS[k][0 if good else 1] for k in scores if k in REVIEW_COMMENTS}
                    scoring.save_scores(self.s, reviewer, sheet, scores, comments,
                                        "综合表现良好。" if good else "年度表现欠佳，建议加强整改。", submit=True)

    def finish(self, campaign: Campaign, publish: dt.date, appeal: bool = False) -> None:
        """Rank, confirm, publish (consequences), then close once the appeal window is over."""
        with self.on(publish - 6 * DAY):
            scoring.rank_results(self.s, self.operator, campaign)
        with self.on(publish - 3 * DAY):
            scoring.confirm_results(self.s, self.lead, campaign)
        with self.on(publish):
            scoring.publish_results(self.s, self.operator, campaign, on=publish)
        # the consequences were issued on publication day (the service dates them today)
        for rect in self.s.scalars(sa.select(Rectification).join(Result).where(Result.campaign_id == campaign.id)):
            rect.issued_on = publish
            rect.due_on = add_working_days(publish, int(campaign.scheme.config["rectification_working_days"]))
        if appeal:
            self._appeal(campaign)
        close = working_day(campaign.appeals_close_on + 5 * DAY)
        with self.on(close):
            scoring.close_campaign(self.s, self.operator, campaign, on=close)

    def _appeal(self, campaign: Campaign) -> None:
        """company1 shows the certificate its new-qualification count missed: upheld, revision 2."""
        result = self.s.scalar(sa.select(Result).where(Result.campaign_id == campaign.id, Result.current,
                                                       Result.company_id == self.company1.id))
        filed = add_working_days(campaign.published_on, 3)
        with self.on(filed):
            appeal = consequences.file_appeal(
                self.s, self.member(self.company1), result, on=filed,
                grounds="我司于当年12月取得“专精特新”中小企业认定，填报时漏报，新获资质认定应为2项，"
                        "现补充认定文件，申请复核该项得分。")
        points = next(i for d in result.breakdown["dimensions"] for i in d["indicators"] if i["key"] == "qualifications")
        with self.on(working_day(filed + 4 * DAY)):
            consequences.decide_appeal(
                self.s, self.lead, appeal, upheld=True,
                adjustments={"qualifications": min(D(points["cap"]), D(points["points"]) + 3)},
                reason="经核对认定文件，企业当年新获“专精特新”中小企业认定属实，新获资质认定一项加3分。")

    # --- the campaigns ------------------------------------------------------------------------------------------

    def _campaign(self, name: str, year: int, kind: CampaignKind, opens: dt.date, closes: dt.date,
                  note: str, company_ids=None) -> tuple[Campaign, list[Filing]]:
        with self.tenants_on(opens):
            with self.on(opens - 7 * DAY):
                campaign = services.create_campaign(self.s, self.operator, name=name, year=year, kind=kind,
                                                    opens_on=opens, closes_on=closes, note=note,
                                                    company_ids=company_ids)
            with self.on(opens):
                services.open_campaign(self.s, self.operator, campaign)
        filings = self.s.scalars(sa.select(Filing).where(Filing.campaign_id == campaign.id)
                                 .order_by(Filing.id)).all()
        return campaign, list(filings)

    def _earlier_campaign(self) -> None:
        """The year before: the first annual campaign; the company evicted later fails it."""
        year = self.year - 1
        opens, closes = working_day(dt.date(year + 1, 1, 6)), dt.date(year + 1, 3, 31)
        campaign, filings = self._campaign(f"{year}年度入驻企业考核", year, CampaignKind.ANNUAL, opens, closes,
                                           "首次年度考核，按市科技局考核办法执行。")
        for n, filing in enumerate(filings):
            level = FAIL if filing.company is self.evicted else [GOOD, PASS][n % 2]
            self.file(filing, level, working_day(opens + (10 + 4 * n) * DAY))
            self.filed[filing.company_id] = filing.figures()
        with self.on(closes + DAY):
            services.close_filing(self.s, self.operator, campaign)
        for n, filing in enumerate(filings):
            self.verify(filing, working_day(closes + (2 + n // 3) * DAY))
        self.review(campaign, filings, working_day(closes + 8 * DAY))
        self.finish(campaign, working_day(dt.date(year + 1, 4, 25)))
        self._rectified(self.evicted, "企业提交了整改报告，整改措施已落实，整改期满予以销号。")

    def _last_campaign(self) -> None:
        """Last year's: every grade; the evicted company fails again (exit proposal), another does
        not file at all (rectification); company1's appeal is upheld; closed."""
        year = self.year
        opens, closes = working_day(dt.date(year + 1, 1, 5)), dt.date(year + 1, 3, 31)
        campaign, filings = self._campaign(f"{year}年度入驻企业考核", year, CampaignKind.ANNUAL, opens, closes,
                                           "按市科技局考核办法执行；请于3月31日前完成填报并上传财务报表。")
        ranked = sorted(filings, key=lambda f: (f.company_id not in self.filed, f.company_id))
        for n, filing in enumerate(ranked):
            company = filing.company
            if company is self.lapsing:
                continue  # never filed: lapsed when filing closed
            level = FAIL if company is self.evicted else GOOD if company is self.company1 else \
                [EXCELLENT, GOOD, PASS, GOOD, PASS][n % 5]
            day = working_day(opens + (8 + 2 * n) * DAY)
            # company1 leaves out the qualification it obtained in December: its appeal
            self.file(filing, level, day, **({"new_qualifications": 0} if company is self.company1 else {}))
            if n % 7 == 3:  # returned once for correction during the window
                self.return_(filing, working_day(day + 5 * DAY))
                self.resubmit(filing, working_day(day + 12 * DAY))
        with self.on(closes + DAY):
            services.close_filing(self.s, self.operator, campaign)
        scored = [f for f in ranked if f.company is not self.lapsing]
        for n, filing in enumerate(scored):
            self.verify(filing, working_day(closes + (2 + n // 4) * DAY), correct=n % 6 == 2)
        self.review(campaign, scored, working_day(closes + 12 * DAY))
        self.finish(campaign, working_day(dt.date(year + 1, 4, 27)), appeal=True)
        self._rectified(self.lapsing, "企业已补报年度数据并提交整改报告，经核查整改到位。")

    def _rectified(self, company: Company, note: str) -> None:
        """The company's open rectification completed two days before it was due."""
        rect = self.s.scalar(sa.select(Rectification).where(Rectification.company_id == company.id,
                                                            Rectification.state == "open"))
        day = working_day(rect.due_on - 2 * DAY, -1)
        with self.on(day):
            consequences.complete_rectification(self.s, self.operator, rect, note)
        rect.closed_on = day

    def _open_campaign(self) -> None:
        """An interim review open now: the demo members (company1 still to file), the company
        re-reviewed after its failure and the newest tenants, in every state filing allows."""
        today = self.today
        opens, closes = working_day(today - 24 * DAY), today + 31 * DAY
        newest = self.s.scalars(sa.select(Company.id).where(
            Company.status == CompanyStatus.TENANT, Company.moved_in_on <= opens,
            Company.id.not_in([c.id for c in self.showcase] + [self.evicted.id, self.lapsing.id]))
            .order_by(Company.moved_in_on.desc(), Company.id).limit(3)).all()
        ids = [c.id for c in self.showcase] + [self.lapsing.id, *newest]
        campaign, filings = self._campaign(f"{today.year}年度中期考核", today.year, CampaignKind.INTERIM, opens,
                                           closes, "对整改复核企业及部分入驻企业开展中期考核（数据截至上季度末）。",
                                           company_ids=ids)
        by_company = {f.company_id: f for f in filings}
        cast = [by_company[i] for i in ids if i in by_company]
        t = [working_day(today - n * DAY, -1) for n in range(25)]
        stories = [
            lambda f: self.file(f, GOOD, t[1], submit=False),  # company1: saved, to be submitted
            lambda f: self.file(f, GOOD, t[12]),  # submitted
            lambda f: (self.file(f, PASS, t[18]), self.return_(f, t[10])),  # returned
            lambda f: (self.file(f, GOOD, t[20]), self.return_(f, t[15]), self.resubmit(f, t[6])),  # resubmitted
            lambda f: (self.file(f, EXCELLENT, t[19]), self.verify(f, t[8])),  # verified
            lambda f: (self.file(f, PASS, t[16]), self.verify(f, t[5])),  # re-reviewed: verified
            lambda f: self.file(f, PASS, t[3]),  # submitted
            lambda f: None,  # not started
        ]
        for filing, story in zip(cast, stories, strict=False):
            story(filing)
        verified = [f for f in cast if f.state.value == "verified"]
        if verified:
            with self.on(t[4]):
                scoring.assign_reviewers(self.s, self.operator, campaign, [f.id for f in verified],
                                         [r.id for r in self.reviewers[:2]])

