"""The demo's money: a rent ledger for every demo lease, the special fund with its phases, the
rent policy's second version, three rent-subsidy batches (paid and closed; in public notice;
taking applications) whose claims together are in every state, a 融资奖励 batch whose two large
claims wait for their meetings, and two clawbacks. The deputy- and commander-tier approvals come
after a 工作例会 / 工作协调会 agreed them (demo_meetings.hold_meeting), as the plan's 经费审批 rule says.

Everything goes through the services, acting as the demo users would (operator, lead, deputy,
commander, and a member of each claiming company: company1 or a `tenantNN` login), each step
with its day; `_Seed.on(day)` then dates what the step wrote (history, fund entries, uploads,
timestamps) to that day. The audit log keeps the seeding time: its chain is sealed.
Deterministic, and relative to `today` like the rest of the demo.
"""
from __future__ import annotations

import datetime as dt
import io
import random
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import sqlalchemy as sa
from faker import Faker
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from .accounts.models import User, UserRole
from .admission.rules import add_months
from .companies import services as companies
from .companies.models import Company, CompanyStatus, QualificationKind
from .core.calendar import is_working_day
from .core.formatting import SHANGHAI, local
from .core.models import WorkflowEvent
from .core.roles import Role
from .db import utcnow
from .demo import PROPERTY_FEE, SEED, add_years, tiny_pdf
from .funds import services as funds
from .funds.models import FundSource
from .funds.rules import DEFAULT_PROGRAM_CONFIG
from .leases import ledger
from .leases.models import BillingCycle, Lease, LeaseState, RentCharge
from .leases.rules import to_fen
from .leases.services import create_lease, sign_lease
from .meetings import gate
from .models import Base
from .spaces.models import Building, Unit, UnitStatus, UnitType
from .subsidies import batches, clawbacks, policies, services
from .subsidies.models import ClawbackReason, SubsidyBatch, SubsidyClaim, SupportType

D = Decimal
DAY = dt.timedelta(days=1)
PROGRAM = "水乡科技创新创业社区专项政策经费"
BANKS = ("工行", "建行", "农行", "中行", "招行", "东莞农商行")
HQ_RENT = D("60.00")  # the headquarters floor's negotiated rent (fitted out)
V2_NOTE = ("自{day}起：计补单价不超过80元/㎡·月；按企业类别设年度补贴上限（科技型中小企业10万元、"
           "高新技术企业20万元、规上高新技术企业30万元）。")
# what a step writes and when it happened: these columns are dated to the step's day
STAMPED = {"workflow_events": ("at",), "fund_entries": ("at",), "fund_programs": ("created_at",),
           "documents": ("created_at",), "document_versions": ("uploaded_at",),
           "subsidy_policies": ("created_at",), "subsidy_batches": ("created_at", "updated_at"),
           "subsidy_claims": ("created_at", "updated_at", "submitted_at", "decided_at"),
           "subsidy_objections": ("resolved_at",), "subsidy_clawbacks": ("created_at", "updated_at"),
           "subsidy_clawback_repayments": ("recorded_at",), "leases": ("created_at", "updated_at"),
           "units": ("updated_at",), "companies": ("updated_at",)}
NUMERALS = "一二三四五六七八九十"
FINANCING_NOTE = ("奖励{start}至{end}期间完成股权融资（资金已到账）的入驻企业：按实际到账融资额核定奖励，"
                  "单个企业每年度最高50万元。")


def seed_subsidies(session: Session, today: dt.date, password_hash: str) -> None:
    """Load the ledger, fund, policy, batches and clawbacks (after the demo's leases and users)."""
    _Seed(session, today, password_hash).run()


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def periods(today: dt.date) -> dict[str, tuple[dt.date, dt.date]]:
    """The open batch covers the last quarter that ended at least 45 days ago (so its intake has
    run for weeks); the batch in notice the six months before, the closed one the six before that."""
    end = quarter_start(today) - DAY
    while (today - end).days < 45:
        end = quarter_start(end) - DAY
    open_ = (quarter_start(end), end)
    notice = (add_months(open_[0], -6), open_[0] - DAY)
    return {"open": open_, "notice": notice, "closed": (add_months(notice[0], -6), notice[0] - DAY)}


def working_day(day: dt.date, step: int = 1) -> dt.date:
    """`day` when it is a working day, else the next (step 1) or previous (step -1) one."""
    while not is_working_day(day):
        day += dt.timedelta(days=step)
    return day


class _Seed:
    def __init__(self, session: Session, today: dt.date, password_hash: str):
        self.s, self.today, self.password_hash = session, today, password_hash
        self.rng = random.Random(SEED + 6)  # nosec B311
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(SEED + 6)
        self.p = periods(today)
        users = {u.username: u for u in session.scalars(sa.select(User).where(User.company_id.is_(None)))}
        self.operator = users["operator"]
        self.approver = {"lead": users["lead"], "deputy": users["deputy"], "commander": users["commander"]}
        self.members = {u.company_id: u for u in session.scalars(
            sa.select(User).where(User.company_id.is_not(None)).order_by(User.id))}
        self.company1 = next(u.company for u in self.members.values() if u.username == "company1")
        self.showcase = {u.company_id for u in self.members.values() if u.username.startswith("company")}
        self.rent = session.scalar(sa.select(SupportType).where(SupportType.code == "rent"))
        self._steps: dict[dt.date, int] = {}
        self._tenants = 0
        self.closed_paid: list[SubsidyClaim] = []

    def run(self) -> None:
        tenants = self.s.scalars(sa.select(Company).where(Company.status == CompanyStatus.TENANT)
                                 .order_by(Company.id)).all()
        signed = self.s.scalars(sa.select(Lease).where(Lease.state == LeaseState.SIGNED).order_by(Lease.id)).all()
        office = {lease.company_id for lease in signed
                  if {lu.unit.type for lu in lease.units} & {UnitType.OFFICE, UnitType.LAB}}
        cycle: dict[int, BillingCycle] = {}  # of each company's first lease
        for lease in signed:
            cycle.setdefault(lease.company_id, lease.billing_cycle)
        # tenants renting neither offices nor labs, without a member login: one takes a headquarters
        # floor, three (monthly payers first) fall behind on rent
        plain = [c for c in tenants if c.id not in office and c.id not in self.members]
        self.hq = self._headquarters(plain)
        self.arrears = sorted((c for c in plain if c is not self.hq),
                              key=lambda c: (cycle.get(c.id) != BillingCycle.MONTHLY, c.id))[:3]
        self.leaver = self._leaver()
        self.claimants = [c for c in tenants if c.id in office] + [self.leaver]
        for company in self.claimants:
            self._renewals(company)
        self._ledger()
        self._fund()
        self._policy_v2()
        self._closed_batch()
        self._notice_batch()
        self._open_batch()
        self._financing_batch()
        self._clawbacks()
        self.s.flush()

    # --- dating the steps -------------------------------------------------------------------------

    @contextmanager
    def on(self, day: dt.date) -> Iterator[None]:
        """Run a step, then date what it wrote to `day` (steps of one day follow each other)."""
        since = utcnow()
        yield
        self.s.flush()
        n = self._steps[day] = self._steps.get(day, -1) + 1
        when = dt.datetime.combine(day, dt.time(9, 5), SHANGHAI) + dt.timedelta(minutes=11 * n)
        for name, columns in STAMPED.items():
            table = Base.metadata.tables[name]
            for column in columns:
                self.s.execute(table.update().where(table.c[column] >= since).values({column: when}))
        for obj in list(self.s.identity_map.values()):
            if isinstance(obj, SubsidyClaim | SubsidyBatch):
                self.s.expire(obj, ["created_at", "updated_at"] + (
                    ["submitted_at", "decided_at"] if isinstance(obj, SubsidyClaim) else []))

    # --- companies -----------------------------------------------------------------------------------

    def member(self, company: Company) -> User:
        """The company's member login; tenants without one get `tenantNN` (password as the demo's)."""
        if company.id not in self.members:
            self._tenants += 1
            user = User(username=f"tenant{self._tenants:02d}", display_name=f"企业联系人 {company.contact_name}",
                        email=company.contact_email, phone=company.contact_phone, password_hash=self.password_hash,
                        company_id=company.id, roles=[UserRole(role=Role.COMPANY)])
            self.s.add(user)
            self.s.flush()
            self.members[company.id] = user
        return self.members[company.id]

    def _headquarters(self, plain: list[Company]) -> Company:
        """A manufacturer moves its regional headquarters into ~1,000 m² of offices at the start of
        the notice batch's period, in its first tenancy year, certified high-tech and above scale:
        its claim reaches the ¥300,000 yearly cap, the commander's tier."""
        start = self.p["notice"][0]
        settled = [c for c in plain if c.moved_in_on and c.moved_in_on <= start] or plain
        company = max(settled, key=lambda c: (c.moved_in_on, c.id))
        vacant = self.s.scalars(sa.select(Unit).join(Building).where(
            Unit.type == UnitType.OFFICE, Unit.status == UnitStatus.VACANT)
            .order_by((Building.name == "独栋总部").desc(), Unit.area.desc(), Unit.id)).all()
        units, area = [], D(0)
        for unit in vacant:
            if area >= 1000:
                break
            units.append(unit)
            area += unit.area
        fee = PROPERTY_FEE[UnitType.OFFICE]
        with self.on(start - 24 * DAY):
            lease = create_lease(self.s, self.operator, company, units, start_on=start,
                                 end_on=add_years(start, 3) - DAY, rent_per_m2=HQ_RENT, property_fee_per_m2=fee,
                                 deposit=to_fen(area * (HQ_RENT + fee) * 2), billing_cycle=BillingCycle.MONTHLY,
                                 note="区域总部及研发中心（整层精装修交付）")
        with self.on(start - 17 * DAY):
            sign_lease(self.s, self.operator, lease, signed_on=start - 17 * DAY)
        for kind, obtained, years, prefix in ((QualificationKind.ABOVE_SCALE, start - 120 * DAY, 1, "GS"),
                                              (QualificationKind.HIGH_TECH, start - 75 * DAY, 3, "GR")):
            companies.add_qualification(self.s, self.operator, company, kind=kind,
                                        certificate_no=f"{prefix}{obtained.year}{self.rng.randint(10**7, 10**8 - 1)}",
                                        obtained_on=obtained, expires_on=add_years(obtained, years) - DAY)
        return company

    def _leaver(self) -> Company:
        """A past tenant that left (early, if one did) after the closed batch paid it: the clawback."""
        paid_by = self.p["closed"][1] + 110 * DAY
        left = self.s.scalars(sa.select(Lease).where(Lease.state.in_([LeaseState.TERMINATED, LeaseState.ENDED]))
                              .order_by(Lease.id)).all()
        fits = [lease for lease in left if lease.company.status == CompanyStatus.EXITED
                and lease.start_on <= self.p["closed"][0] and lease.ended_on and lease.ended_on > paid_by
                and UnitType.OFFICE in {lu.unit.type for lu in lease.units}]
        lease = max(fits or left, key=lambda lease: (lease.state == LeaseState.TERMINATED, lease.ended_on, lease.id))
        company = lease.company
        closed = self.p["closed"]
        if not any(q.kind in (QualificationKind.TECH_SME, QualificationKind.HIGH_TECH) and q.is_valid_on(closed[1])
                   for q in company.qualifications):
            obtained = closed[0] - 90 * DAY
            companies.add_qualification(self.s, self.operator, company, kind=QualificationKind.TECH_SME,
                                        certificate_no=f"4419{obtained.year}{self.rng.randint(10**7, 10**8 - 1)}",
                                        obtained_on=obtained, expires_on=add_years(obtained, 1) - DAY)
        return company

    def _renewals(self, company: Company) -> None:
        """科技型中小企业 is renewed every year: record the earlier certificates back to the move-in
        (the demo holds only the current one)."""
        sme = sorted((q for q in company.qualifications if q.kind == QualificationKind.TECH_SME),
                     key=lambda q: q.obtained_on)
        back_to = max(company.moved_in_on or self.p["closed"][0], self.p["closed"][0])
        while sme and sme[0].obtained_on > back_to:
            obtained = add_years(sme[0].obtained_on, -1)
            sme.insert(0, companies.add_qualification(
                self.s, self.operator, company, kind=QualificationKind.TECH_SME,
                certificate_no=f"4419{obtained.year}{self.rng.randint(10**7, 10**8 - 1)}", obtained_on=obtained,
                expires_on=sme[0].obtained_on - DAY))

    # --- the rent ledger -------------------------------------------------------------------------------

    def _ledger(self) -> None:
        """Charges through today for every demo lease; paid on or a few days before the due day
        (now and then a little late), by bank transfer. Three tenants are behind: one, two and
        three periods, the oldest of the two partly paid."""
        rng, today = self.rng, self.today
        behind = {c.id: n for n, c in enumerate(self.arrears, start=1)}
        leases = self.s.scalars(sa.select(Lease).where(Lease.state.in_(ledger.BILLED)).order_by(Lease.id)).all()
        for lease in leases:
            charges = ledger.generate_charges(self.s, self.operator, lease, today)
            bank = BANKS[lease.company_id % len(BANKS)]
            due = [c for c in charges if c.due_on < today]
            unpaid = due[len(due) - behind.pop(lease.company_id, 0):] if lease.company_id in behind else []
            for charge in charges:
                if charge in unpaid:
                    if len(unpaid) == 2 and charge is unpaid[0]:
                        self._pay(charge, to_fen(charge.amount * D("0.4")), charge.due_on + 6 * DAY, bank)
                    continue
                if charge.due_on > today and rng.random() < 0.5:
                    continue  # not due yet
                days = rng.randint(2, 12) if rng.random() < 0.06 else -rng.choice((0, 0, 1, 2, 3, 5))  # late, or not
                paid_on = charge.due_on + dt.timedelta(days=days)
                self._pay(charge, charge.amount, min(paid_on, today), bank)

    def _pay(self, charge: RentCharge, amount: Decimal, paid_on: dt.date, bank: str) -> None:
        payment = ledger.record_payment(self.s, self.operator, charge, amount, paid_on,
                                        reference=f"{bank}转账 {paid_on:%Y%m%d}{self.rng.randint(1000, 9999)}")
        payment.recorded_at = dt.datetime.combine(paid_on, dt.time(15, self.rng.randint(0, 59)), SHANGHAI)

    # --- the fund and the policy ---------------------------------------------------------------------------

    def _fund(self) -> None:
        """City phase 1 (¥10M), phase 2 (¥6M so far, in two transfers) and the committee's matching."""
        first, second = self.p["closed"][0] - 40 * DAY, self.p["open"][0] - 30 * DAY
        with self.on(first - 10 * DAY):
            program = funds.create_program(self.s, self.operator, PROGRAM, DEFAULT_PROGRAM_CONFIG,
                                           note="市科技局专项经费分三期拨付，每期不超过1000万元；管委会按不低于1:1配套。")
        self.pools = {}
        for key, source, phase, name, amount, day in (
                ("city1", FundSource.CITY, 1, "市科技局专项经费第一期", "10000000", first),
                ("committee1", FundSource.COMMITTEE, 1, "管委会配套资金第一期", "10000000", first + 20 * DAY),
                ("city2", FundSource.CITY, 2, "市科技局专项经费第二期", "4000000", second),
                ("committee2", FundSource.COMMITTEE, 2, "管委会配套资金第二期", "6000000", second + 15 * DAY)):
            with self.on(day):
                self.pools[key] = funds.open_pool(self.s, self.operator, program, source, phase, name, D(amount),
                                                  opened_on=day, note="首笔拨付" if key == "city2" else None)
        with self.on(second + 40 * DAY):
            funds.allocate(self.s, self.operator, self.pools["city2"], D("2000000"), note="第二笔拨付")

    def _policy_v2(self) -> None:
        start = self.p["open"][0]
        v1 = policies.policy_in_force(self.s, self.rent, start - DAY)
        config = {**v1.config, "unit_price_cap": "80",
                  "yearly_caps": {"tech_sme": "100000", "high_tech": "200000", "above_scale_high_tech": "300000"}}
        with self.on(start - 20 * DAY):
            policies.new_policy_version(self.s, self.operator, self.rent, config, start,
                                        V2_NOTE.format(day=f"{start.year}年{start.month}月{start.day}日"))

    # --- claims ------------------------------------------------------------------------------------------

    def _batch(self, key: str, pool: str, opens: dt.date, closes: dt.date) -> SubsidyBatch:
        start, end = self.p[key]
        year = opens.year
        n = self.s.scalar(sa.select(sa.func.count()).select_from(SubsidyBatch).where(
            SubsidyBatch.intake_opens_on.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))) + 1
        with self.on(opens - 4 * DAY):
            return batches.create_batch(
                self.s, self.operator, name=f"{year}年第{NUMERALS[n - 1]}批租金补贴", support_type=self.rent,
                fund_pool=self.pools[pool], intake_opens_on=opens, intake_closes_on=closes, period_start=start,
                period_end=end, day=opens - 4 * DAY,
                note=f"补贴时段：{start.year}年{start.month}月{start.day}日至{end.year}年{end.month}月{end.day}日已缴清的租金。")

    def _cast(self, batch: SubsidyBatch, day: dt.date, count: int, skip=()) -> list[Company]:
        """Claimants the engine would grant something in the batch on `day`, in id order."""
        cast = []
        for company in self.claimants:
            if len(cast) == count:
                break
            if company in skip or company.id in {c.id for c in cast}:
                continue
            if policies.calculate(self.s, company, batch, day=day)[1].total > 0:
                cast.append(company)
        return cast

    def _receipt(self, claim: SubsidyClaim, n: int) -> FileStorage:
        rent = claim.batch.support_type.code == "rent"  # a financing award is evidenced by its capital increase
        name = ("租金缴纳银行回单.pdf" if rent else "增资协议及银行进账单.pdf") if n == 1 else "补充银行回单.pdf"
        return FileStorage(io.BytesIO(tiny_pdf(f"{'Rent receipts' if rent else 'Financing'} {claim.number} ({n})")), name)

    def _start(self, batch: SubsidyBatch, company: Company, day: dt.date) -> SubsidyClaim:
        member = self.member(company)
        with self.on(day), self._resident(company):
            claim = services.start_claim(self.s, member, batch, day=day)
            services.upload_evidence(self.s, member, claim, self._receipt(claim, 1))
        return claim

    @contextmanager
    def _resident(self, company: Company) -> Iterator[None]:
        """The leaver claimed while it was a tenant: it is one again for its own steps."""
        status = company.status
        company.status = CompanyStatus.TENANT
        yield
        company.status = status
        self.s.flush()

    def walk(self, claim: SubsidyClaim, *steps: tuple) -> SubsidyClaim:
        """Take the claim through (action, day[, text]) steps as the people concerned."""
        member, op = self.member(claim.company), self.operator
        for action, day, *text in steps:
            if action == "approve" and not gate.is_agreed(self.s, services.SUBJECT, claim.id, claim.required_role,
                                                          claim.amount):
                self.deliberate([claim], self._verified_on(claim))  # its tier waits for a meeting
            with self.on(day), self._resident(claim.company):
                if action == "submit":
                    services.submit(self.s, member, claim, day=day)
                elif action == "return":
                    services.return_claim(self.s, op, claim, text[0], day=day)
                elif action == "resubmit":
                    services.upload_evidence(self.s, member, claim, self._receipt(claim, 2))
                    services.resubmit(self.s, member, claim, day=day)
                elif action == "lapse":  # the nightly job, the day after the deadline
                    services.lapse_overdue(self.s, day=day)
                elif action == "verify":
                    services.verify(self.s, op, claim, day=day)
                elif action == "approve":
                    services.approve(self.s, self.approver[claim.required_role], claim)
                elif action == "reject":
                    services.reject(self.s, op, claim, text[0])
                elif action == "withdraw":
                    services.withdraw(self.s, member, claim, text[0])
                elif action == "originals":
                    services.record_originals(self.s, op, claim, day, day=day)
        return claim

    def _verified_on(self, claim: SubsidyClaim) -> dt.date:
        event = self.s.scalar(sa.select(WorkflowEvent).where(
            WorkflowEvent.object_type == services.SUBJECT, WorkflowEvent.object_id == claim.id,
            WorkflowEvent.action == "verify").order_by(WorkflowEvent.id.desc()).limit(1))
        return local(event.at).date()

    def deliberate(self, claims: list[SubsidyClaim], verified: dt.date) -> dt.date:
        """The verified claims the deputy approves go before a 综合统筹组工作例会 on the next working
        day (morning), those the commander approves before a 工作协调会 that afternoon (plan
        四、工作保障: 经费审批); each agrees them. The meetings' day: the approvals follow it."""
        from .demo_meetings import claim_resolution, hold_meeting  # builds on this module's helpers

        day = working_day(verified + DAY)
        for tier, code in (("deputy", "work_group_integrated"), ("commander", "coordination")):
            matters = [("subsidy_claim", c.id, claim_resolution(c)) for c in claims if c.required_role == tier]
            if matters:
                hold_meeting(self.s, code, day, matters)
        return day

    def _correction(self, batch: SubsidyBatch) -> str:
        month = batch.period_end.month
        return f"所附{month}月租金银行回单金额与账单不一致，请补充该月租金的完整银行回单（加盖公章）。"

    def _closed_batch(self) -> None:
        """Intake a fortnight after the period, approvals, a 7-working-day notice with an objection
        upheld, payment about three and a half months after the period; then closed."""
        end = self.p["closed"][1]
        opens, closes = end + 10 * DAY, end + 45 * DAY
        batch = self._batch("closed", "city1", opens, closes)
        cast = self._cast(batch, closes, 9, skip=[self.hq, self.leaver]) + [self.leaver]
        others = [c for c in cast if c not in (self.company1, self.leaver)]
        lapsed, objected = others[-1], others[0]
        claim = self._start(batch, lapsed, opens + DAY)
        self.walk(claim, ("submit", opens + 2 * DAY), ("return", opens + 6 * DAY, self._correction(batch)))
        self.walk(claim, ("lapse", claim.due_on + DAY))
        approved, verified = [], closes
        for i, company in enumerate(c for c in cast if c is not lapsed):
            start = opens + (2 + 2 * i) * DAY
            verified = working_day(closes + (2 + i // 2) * DAY)
            approved.append(self.walk(self._start(batch, company, start), ("submit", start + DAY),
                                      ("verify", verified)))
        met = self.deliberate(approved, verified)
        for i, claim in enumerate(approved):
            self.walk(claim, ("approve", working_day(met + (1 + i % 3) * DAY)))
        paid = [c for c in approved if c.company is not objected]
        for i, claim in enumerate(paid):
            self.walk(claim, ("originals", working_day(local(claim.submitted_at).date() + (8 + i) * DAY)))
        with self.on(closes + DAY):
            batches.close_intake(self.s, self.operator, batch, day=closes + DAY)
        notice = working_day(closes + 25 * DAY)
        with self.on(notice):
            batches.start_notice(self.s, self.operator, batch, day=notice)
        received = notice + 2 * DAY
        with self.on(received):
            objection = batches.record_objection(
                self.s, self.operator, batch, raised_by=f"实名来信 {self.fake.name()}", received_on=received,
                claim=next(c for c in approved if c.company is objected), day=received,
                content="反映该企业在补贴时段内将部分租赁场地转租给关联公司使用，实际自用面积小于申报面积。")
        with self.on(received + 3 * DAY):
            batches.resolve_objection(self.s, self.operator, objection, upheld=True, resolution=(
                "经现场核查和调阅物业出入记录，转租情况属实，取消该企业本批次补贴资格，已书面告知企业。"))
        ends = batch.notice_ends_on
        with self.on(ends + DAY):
            batches.finish_notice(self.s, self.operator, batch, day=ends + DAY)
        paid_on = working_day(ends + 21 * DAY)
        for n, claim in enumerate(paid, start=1):
            with self.on(paid_on):
                services.disburse(self.s, self.operator, claim, day=paid_on, paid_on=paid_on,
                                  reference=f"国库集中支付 {paid_on:%Y%m%d}{n:03d}")
        with self.on(paid_on + 7 * DAY):
            batches.close_batch(self.s, self.operator, batch, day=paid_on + 7 * DAY)
        self.closed_paid = paid

    def _notice_batch(self) -> None:
        """Checked and approved at all three tiers in the last weeks; the notice started a few days
        ago: one objection dismissed, another still open."""
        today = self.today
        opens, closes = max(self.p["notice"][1] + 10 * DAY, today - 60 * DAY), today - 25 * DAY
        batch = self._batch("notice", "committee1", opens, closes)
        verify_day = today - 22 * DAY
        others = self._cast(batch, verify_day, 6, skip=[self.company1, self.hq, self.leaver, *self._breach()])
        # one claim between ¥100,000 and ¥300,000 (the deputy's tier), if the engine grants one that much
        deputy = [c for c in others if D(100000) <= policies.calculate(self.s, c, batch, day=verify_day)[1].total
                  < D(300000)]
        cast = [self.company1, self.hq, *list(dict.fromkeys(deputy[:1] + others))[:4]]
        claims = []
        for i, company in enumerate(cast):
            start = opens + (1 + 2 * i) * DAY
            claim = self._start(batch, company, start)
            claims.append(self.walk(claim, ("submit", start + DAY), ("verify", verify_day + i * DAY)))
        met = self.deliberate(claims, verify_day + (len(cast) - 1) * DAY)
        for i, claim in enumerate(claims):
            self.walk(claim, ("approve", max(today - (12 - i // 2) * DAY, working_day(met + DAY))))
        self.walk(claims[0], ("originals", today - 8 * DAY))
        with self.on(closes + DAY):
            batches.close_intake(self.s, self.operator, batch, day=closes + DAY)
        notice = working_day(today - 3 * DAY, -1)
        with self.on(notice):
            batches.start_notice(self.s, self.operator, batch, day=notice)
        with self.on(notice + DAY):
            dismissed = batches.record_objection(
                self.s, self.operator, batch, raised_by="匿名电话（12345热线转办）", received_on=notice + DAY,
                claim=claims[1], day=notice + DAY, content="反映该企业总部楼层大部分空置，实际使用面积不足。")
        with self.on(today - DAY):
            batches.resolve_objection(self.s, self.operator, dismissed, upheld=False, resolution=(
                "经现场核查，该企业研发和管理人员已全部入驻，装修后各楼层均在使用，与租赁合同一致，异议不成立。"))
        received = today - 2 * DAY if today - 2 * DAY >= notice else notice
        with self.on(received):
            batches.record_objection(self.s, self.operator, batch, raised_by=f"同园区企业 {self.fake.name()}",
                                     received_on=received, claim=claims[-1], day=received,
                                     content="反映该企业申报期内曾拖欠物业费，质疑其是否符合“无欠缴租金”的条件。")

    def _breach(self) -> list[Company]:
        """A company paid in the closed batch and found subletting last week (kept out of later
        batches; never one of the demo members, whose records stay clean)."""
        paid = [c for c in self.closed_paid if c.company.id not in self.showcase and c.company is not self.leaver]
        return [max(paid, key=lambda c: (c.amount, c.id)).company] if paid else []

    def _open_batch(self) -> None:
        """Taking applications for the last quarter: company1's draft and a claim in every other
        state a batch still taking applications can hold."""
        today = self.today
        opens = today - 40 * DAY
        batch = self._batch("open", "city2", opens, today + 21 * DAY)
        cast = self._cast(batch, today - 30 * DAY, 8, skip=[self.company1, self.hq, self.leaver, *self._breach()])
        t = [today - n * DAY for n in range(45)]  # t[n]: n days ago
        stories = [
            [("submit", t[38]), ("return", t[36], self._correction(batch))],  # lapses below
            [("submit", t[36]), ("withdraw", t[31], "公司本期暂不申报，待补齐全部银行回单后在下一批次申报。")],
            [("submit", t[34]), ("verify", t[26]), ("approve", t[21])],
            [("submit", t[32]), ("reject", t[24], "经核查，企业已于申报期内将注册地迁出本功能区，不符合申报条件。")],
            [("submit", t[29]), ("return", t[23], self._correction(batch)), ("resubmit", t[14])],
            [("submit", t[19]), ("verify", t[9])],
            [("submit", t[11]), ("return", t[4], self._correction(batch))],
            [("submit", t[2])],
        ]
        for company, steps in zip(cast, stories, strict=False):
            claim = self.walk(self._start(batch, company, steps[0][1] - DAY), *steps)
            if claim.due_on and claim.due_on < today:
                self.walk(claim, ("lapse", claim.due_on + DAY))
        self._start(batch, self.company1, t[1])  # company1: evidence uploaded, ready to submit

    def _financing_batch(self) -> None:
        """融资奖励 (an amount the company declares, checked by people) for the twelve months up to
        the open batch's quarter, taking applications: the headquarters tenant's ¥500,000 after
        its Series B, verified at the commander's tier, and company1's ¥150,000 after its A round,
        verified at the deputy's: both wait for their meeting (demo_meetings puts them on the
        agendas of today's coordination meeting and the next work-group meeting)."""
        today, end = self.today, self.p["open"][1]
        start, opens = add_years(end + DAY, -1), today - 30 * DAY
        financing = self.s.scalar(sa.select(SupportType).where(SupportType.code == "financing"))
        with self.on(opens - 4 * DAY):
            batch = batches.create_batch(
                self.s, self.operator, name=f"{opens.year}年第一批融资奖励", support_type=financing,
                fund_pool=self.pools["committee2"], intake_opens_on=opens, intake_closes_on=today + 30 * DAY,
                period_start=start, period_end=end, day=opens - 4 * DAY, note=FINANCING_NOTE.format(
                    start=f"{start.year}年{start.month}月{start.day}日", end=f"{end.year}年{end.month}月{end.day}日"))
        for company, amount, remarks, submitted, verified in (
                (self.hq, "500000.00", "公司于本年度完成B轮股权融资人民币8,000万元（已全部到账，附增资协议及银行进账单），"
                 "按政策申请融资奖励。", today - 20 * DAY, today - 6 * DAY),
                (self.company1, "150000.00", "公司完成A轮股权融资人民币1,500万元（已到账），按政策申请融资奖励。",
                 today - 15 * DAY, today - 4 * DAY)):
            claim = self._start(batch, company, submitted - DAY)
            with self.on(submitted - DAY), self._resident(company):
                services.save_claim(self.s, self.member(company), claim, remarks=remarks, declared_amount=amount)
            self.walk(claim, ("submit", submitted), ("verify", working_day(verified, -1)))

    # --- clawbacks -----------------------------------------------------------------------------------------

    def _clawbacks(self) -> None:
        """The leaver's exit within the lock-in period: claimed back and partly repaid into the
        pool; a breach found last week: awaiting repayment."""
        company = self.leaver
        created = min(company.left_on + 7 * DAY, self.today - DAY)
        with self.on(created):
            clawback = clawbacks.create_clawback(
                self.s, self.operator, company, ClawbackReason.EXIT, trigger_on=company.left_on,
                due_on=created + 30 * DAY, note="企业在补贴锁定期内退出社区，按政策追回锁定期内已拨付的租金补贴。")
        repaid_on = min(created + 20 * DAY, self.today - DAY)
        with self.on(repaid_on):
            clawbacks.record_repayment(self.s, self.operator, clawback, to_fen(clawback.amount * D("0.4")),
                                       repaid_on, reference=f"{BANKS[company.id % len(BANKS)]}转账 "
                                                            f"{repaid_on:%Y%m%d}{self.rng.randint(1000, 9999)}")
        for company in self._breach():
            found = self.today - 10 * DAY
            with self.on(found + 2 * DAY):
                clawbacks.create_clawback(
                    self.s, self.operator, company, ClawbackReason.BREACH, trigger_on=found, due_on=found + 30 * DAY,
                    note="日常巡查发现企业将部分租赁场地转租他人，违反入驻协议，追回锁定期内已拨付的租金补贴。")
