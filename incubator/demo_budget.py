"""The demo's HQ budget (plan 资金保障 and 四、工作保障): the daily office fund (about ¥2,000,000 a year,
raised this year) and the operations fund with a budget per category for the last three years and
this one; their routine spending (monthly staff and cleaning/security fees, quarterly office
supplies, travel and expert reviews, utilities every two months …), all below ¥100,000 and
approved by the work-group lead; and the stories: a request in every state and one at each tier —
a commander-tier 双创活动周 contract agreed by a 工作协调会 and paid, a deputy-tier brochure agreed by a
综合统筹组工作例会 and paid, a deputy-tier expert review contract agreed and approved awaiting
payment, a deputy-tier video and a commander-tier renovation submitted and waiting for their
meetings (demo_meetings puts them on the coming agendas), one waiting for the lead, one returned,
one rejected, one withdrawn, one cancelled after approval, a draft.

Through the budget services as the demo users (operator asks and pays, lead approves, deputy and
commander after their meeting — demo_meetings.hold_meeting), each step run in the order of its day
and dated to it, so a request's number (ZC-<year>-0001 …) follows the day it was made, also in the
meetings' agendas. Deterministic.
"""
from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .accounts.models import User
from .budget import services
from .budget.models import POOL_ZH, BudgetLine, ExpenseRequest
from .budget.models import RequestState as S
from .certificates.models import DocumentCounter
from .core.formatting import SHANGHAI, amount_in_words, format_money, today
from .core.models import WorkflowEvent
from .db import utcnow
from .demo import SEED
from .demo_subsidies import working_day
from .models import Base

D = Decimal
DAY = dt.timedelta(days=1)
TOP = D("99800.00")  # routine spending stays with the lead's tier
STAMPED = {"expense_requests": ("created_at", "updated_at", "submitted_at", "decided_at"),
           "workflow_events": ("at",)}
# category → budget three years ago, two, last year, this year (yuan)
BUDGETS = {
    "office": (260000, 280000, 300000, 300000),
    "publicity": (330000, 360000, 400000, 520000),
    "staff": (720000, 760000, 800000, 840000),
    "travel": (120000, 130000, 150000, 150000),
    "project_review": (300000, 320000, 350000, 490000),
    "maintenance": (600000, 700000, 800000, 900000),
    "property_services": (1100000, 1150000, 1200000, 1200000),
    "utilities": (480000, 520000, 560000, 600000),
    "events": (300000, 350000, 400000, 650000),
}
BUDGET_NOTES = ("水乡管委会年度部门预算批复", "水乡控股年度运营经费预算")
Q = "一二三四"
# routine spending: category → (months, title, payee, share of the year's budget each time: past years, this year)
ROUTINE = {
    "staff": (range(1, 13), "{y}年{m}月劳务派遣人员服务费", "东莞市南城人力资源服务有限公司", (0.95 / 12, 0.95 / 12)),
    "property_services": (range(1, 13), "{y}年{m}月公共区域保洁及安保服务费", "东莞水乡物业管理有限公司",
                          (0.96 / 12, 0.96 / 12)),
    "maintenance": (range(1, 13), "{y}年{m}月设施设备日常维修维护", "东莞市恒安机电工程有限公司", (0.85 / 12, 0.3 / 12)),
    "utilities": ((2, 4, 6, 8, 10, 12), "{y}年{p}—{m}月公共区域水电费", "东莞供电局、东莞市水务集团有限公司",
                  (0.9 / 6, 0.9 / 6)),
    "office": ((3, 6, 9, 12), "{y}年第{q}季度办公用品及耗材采购", "东莞市文星办公用品有限公司", (0.85 / 4, 0.8 / 4)),
    "travel": ((3, 6, 9, 12), "{y}年第{q}季度赴外地招商对接差旅费", "指挥部工作人员差旅费报销", (0.75 / 4, 0.7 / 4)),
    "project_review": ((3, 6, 9, 12), "{y}年第{q}批入驻项目专家评审费", "评审专家劳务费（按人发放）", (0.85 / 4, 0.45 / 4)),
    "publicity": ((4, 7, 11), "{y}年{m}月社区招商宣传推广服务", "东莞日报社新媒体中心", (0.7 / 3, 0.4 / 3)),
    "events": ((4, 7, 11), "{y}年{m}月创新创业活动承办服务", "东莞市松湖创业服务有限公司", (0.7 / 3, 0.3 / 3)),
}
PURPOSES = {
    "staff": "指挥部派驻工作人员4名的劳务派遣服务费，按劳务派遣合同及当月考勤结算。",
    "property_services": "社区公共区域保洁、秩序维护及安保服务，按物业服务合同及月度考核结果结算。",
    "maintenance": "公共区域电梯、给排水、照明及门禁等设施设备的日常维修维护，附维修单及验收记录。",
    "utilities": "公共区域照明、空调及绿化用水用电，按供电局、水务集团缴费通知单据实列支。",
    "office": "指挥部日常办公用品、打印耗材采购，按询价结果在定点供应商采购，附清单。",
    "travel": "指挥部工作人员赴外地开展招商对接、考察学习的交通及住宿费用，按差旅费管理办法报销。",
    "project_review": "入驻项目准入评估专家评审劳务费，按评审会签到表及专家劳务费标准发放。",
    "publicity": "社区招商宣传推广：新媒体稿件撰写发布、宣传物料设计制作，附服务合同及验收单。",
    "events": "社区创新创业活动的策划与承办（场地布置、嘉宾邀请、组织实施），附活动方案及总结。",
}


# The stories: (calendar days before today it was asked, category, title ({y}: its year), payee, amount, purpose,
# requester, then its steps: (working days after the previous step, step, who, comment)
STORIES = [
    (200, "events", "{y}年双创活动周承办服务", "东莞市创新创业服务中心有限公司", "380000",
     "承办社区双创活动周（开幕式、项目路演、投融资对接会及成果展），含场地搭建、宣传及组织实施，经比选确定承办单位，"
     "附活动方案、比选记录及服务合同（草案）。", "operator",
     [(5, "meet", None, None), (1, "approve", "commander", "按工作协调会议定事项执行，活动结束后凭验收报告付款。"),
      (30, "pay", None, None)]),
    (150, "publicity", "社区招商画册及宣传展板设计制作", "东莞市印象广告传媒有限公司", "126000",
     "设计印制中英文招商画册3000册、制作社区宣传展板20块，经三家比价，附报价单及设计方案。", "operator",
     [(4, "meet", None, None), (1, "approve", "deputy", None), (20, "pay", None, None)]),
    (70, "travel", "赴北京对接大院大所差旅费", "指挥部工作人员差旅费报销", "9800",
     "分管领导带队赴北京对接中科院相关研究所及高校技术转移中心，3人3天，附行程及邀请函。", "lead",
     [(2, "approve", "deputy", None), (8, "pay", None, None)]),  # the lead asked: the deputy approves (four eyes)
    (60, "events", "企业家私董会活动场地租赁", "东莞市松湖会展服务有限公司", "45000",
     "租用会展中心会议厅举办企业家私董会季度活动，附报价单。", "operator",
     [(2, "approve", "lead", None), (8, "cancel", "operator", "活动改在社区自有会议室举办，无需租赁场地，不再支付。")]),
    (40, "publicity", "户外广告牌租赁（第四季度）", "东莞市城市广告有限公司", "52000",
     "租用莞深高速出口户外广告牌一块，发布社区招商广告3个月。", "operator",
     [(2, "reject", "lead", "与新媒体推广内容重复，且不在年度宣传计划内，不予列支。")]),
    (30, "project_review", "{y}年度入驻项目专家评审服务（框架协议）", "东莞市科技咨询服务中心", "235000",
     "委托专业机构组织本年度后续批次入驻项目的技术评审（专家遴选、评审会组织、评审报告），按框架协议据实结算，"
     "附协议文本及费用测算。", "operator",
     [(4, "meet", None, None), (1, "approve", "deputy", "同意，按框架协议据实结算。")]),  # waiting to be paid
    (20, "travel", "赴上海参加双创博览会差旅费", "指挥部工作人员差旅费报销", "12800",
     "组织指挥部工作人员赴上海参加全国双创博览会并开展招商推介，4人3天。", "operator",
     [(2, "withdraw", "operator", "展会延期至明年举办，暂不出行。")]),
    (12, "office", "会议室视频会议系统采购", "东莞市视讯科技有限公司", "36500",
     "为指挥部会议室配置视频会议终端及音响设备，便于与市科技局远程会商。", "operator",
     [(1, "return", "lead", "请补充三家比价材料后重新提交。")]),
    # waiting for today's coordination meeting and the next work-group meeting (demo_meetings), and for the lead
    (9, "maintenance", "公共区域智能化改造（一期）", "广东智城建设工程有限公司", "460000",
     "社区公共区域门禁、停车及能耗监测系统智能化改造一期，经造价咨询审核，附方案、预算书及审核报告。", "operator", []),
    (6, "publicity", "社区招商宣传片拍摄制作", "东莞市光影文化传播有限公司", "168000",
     "拍摄制作社区招商宣传片（中英文版各一部，5分钟），经三家比价，附报价单及脚本大纲。", "operator", []),
    (2, "travel", "赴深圳招商对接差旅费", "指挥部工作人员差旅费报销", "8600",
     "赴深圳南山区对接数字经济企业及投资机构，3人2天，附行程安排。", "operator", []),
    (1, "office", "年终工作总结会会务费", "东莞市水乡酒店管理有限公司", "18000",
     "指挥部年终工作总结会场地、资料印制及工作餐，约80人。", "operator", None),  # None: a draft
]


def seed_budget(session: Session, today: dt.date) -> None:
    """Load the HQ budget (after the exits, before the meetings: those schedule what waits here)."""
    _Seed(session, today).run()


def after(day: dt.date, days: int) -> dt.date:
    """The first working day at least `days` days after `day`."""
    return working_day(day + dt.timedelta(days=days))


class _Seed:
    def __init__(self, session: Session, today: dt.date):
        self.s, self.today = session, today
        self.rng = random.Random(SEED + 11)  # nosec B311
        users = {u.username: u for u in session.scalars(sa.select(User).where(User.company_id.is_(None)))}
        self.users = users
        self.operator, self.lead = users["operator"], users["lead"]
        self.cats = {c.code: c for c in services.categories(session)}
        self._steps: dict[dt.date, int] = {}
        self._numbers: dict[int, int] = defaultdict(int)  # year → last request number given
        # story money not asked for yet, per (year, category): the routine leaves room for it
        self._reserved: dict[tuple[int, str], D] = defaultdict(D)
        self._timeline: list[tuple[dt.date, int, Callable[[], None]]] = []

    @contextmanager
    def on(self, day: dt.date) -> Iterator[None]:
        """Run a step, then date what it wrote to `day` (steps of one day follow each other)."""
        since = utcnow()
        yield
        self.s.flush()
        n = self._steps[day] = self._steps.get(day, -1) + 1
        when = dt.datetime.combine(day, dt.time(9, 20), SHANGHAI) + dt.timedelta(minutes=7 * n)
        for name, columns in STAMPED.items():
            table = Base.metadata.tables[name]
            for column in columns:
                self.s.execute(table.update().where(table.c[column] >= since).values({column: when}))
        for obj in list(self.s.identity_map.values()):
            if isinstance(obj, ExpenseRequest):
                self.s.expire(obj, list(STAMPED["expense_requests"]))

    def at(self, day: dt.date, step: Callable[[], None]) -> None:
        self._timeline.append((day, len(self._timeline), step))

    def run(self) -> None:
        years = [self.today.year - back for back in (3, 2, 1, 0)]
        for i, year in enumerate(years):
            with self.on(working_day(dt.date(year, 1, 6))):
                for code, amounts in BUDGETS.items():
                    cat = self.cats[code]
                    services.set_budget(self.s, self.operator, year, cat, D(amounts[i]),
                                        note=f"{year}年{BUDGET_NOTES[cat.pool.value != 'office']}")
        for story in STORIES:
            self.story(*story)
        for year in years:
            self.routine(year, current=year == self.today.year)
        for _day, _n, step in sorted(self._timeline, key=lambda t: (t[0], t[1])):
            step()
        for year in {*self._numbers, today().year}:
            self._counter(year, exact=True)

    def _counter(self, year: int, exact: bool = False) -> None:
        """The running number of `year` on to the last one given here (`exact`: at it, also where the
        services numbered by the real clock's year meanwhile)."""
        counter = self.s.scalar(sa.select(DocumentCounter).where(DocumentCounter.kind == "expense_request",
                                                                 DocumentCounter.year == year))
        if counter is None:
            self.s.add(DocumentCounter(kind="expense_request", year=year, last=self._numbers[year]))
        else:
            counter.last = self._numbers[year] if exact else max(counter.last, self._numbers[year])
        self.s.flush()

    # --- one request --------------------------------------------------------------------------------------------

    def ask(self, day: dt.date, code: str, title: str, payee: str, amount: D, purpose: str, by: User,
            submit: bool = True) -> ExpenseRequest:
        """Create (numbered by the day it is made) and submit."""
        self._counter(today().year)  # the service's own number then never meets one given here
        req = services.create_request(self.s, by, year=day.year, category_id=self.cats[code].id, title=title,
                                      purpose=purpose, payee=payee, amount=amount)
        self._numbers[day.year] += 1
        self.s.execute(sa.update(ExpenseRequest).where(ExpenseRequest.id == req.id)
                       .values(number=f"ZC-{day.year}-{self._numbers[day.year]:04d}")
                       .execution_options(synchronize_session=False))
        self.s.refresh(req)
        if submit:
            services.submit(self.s, by, req)
        return req

    def deliberate(self, day: dt.date, req: ExpenseRequest) -> None:
        """A 综合统筹组工作例会 (deputy tier) or a 工作协调会 (commander tier) agrees the request."""
        from .demo_meetings import hold_meeting  # builds on this module's requests

        approver = {"deputy": "副总指挥", "commander": "总指挥"}[req.tier]
        text = (f"同意{req.title}，金额{format_money(req.amount)}（人民币{amount_in_words(req.amount)}），"
                f"在{req.year}年度{POOL_ZH[req.category.pool]}{req.category.name}预算内列支，报{approver}审批。")
        code = "work_group_integrated" if req.tier == "deputy" else "coordination"
        hold_meeting(self.s, code, day, [("expense_request", req.id, text)])

    def story(self, days_before: int, code: str, title: str, payee: str, amount: str, purpose: str, by: str,
              steps: list | None) -> None:
        asked = working_day(self.today - dt.timedelta(days=days_before), -1)
        amount = D(amount)
        held: list[ExpenseRequest] = []
        self._reserved[(asked.year, code)] += amount

        def create() -> None:
            self._reserved[(asked.year, code)] -= amount
            with self.on(asked):
                held.append(self.ask(asked, code, title.format(y=asked.year), payee, amount, purpose,
                                     self.users[by], submit=steps is not None))

        self.at(asked, create)
        day = asked
        for gap, step, who, comment in steps or []:
            day = after(day, gap)
            self.at(day, self._step(day, step, held, who, comment))

    def _step(self, day: dt.date, step: str, held: list, who: str | None, comment: str | None) -> Callable[[], None]:
        def run() -> None:
            req = held[0]
            if step == "meet":
                self.deliberate(day, req)
                return
            actor = self.users[who] if who else self.operator
            with self.on(day):
                if step == "pay":
                    services.pay(self.s, actor, req, reference=f"GK{day:%Y%m%d}{self.rng.randint(100, 999)}",
                                 paid_on=day)
                elif step == "approve":
                    services.approve(self.s, actor, req, comment)
                else:  # cancel, reject, withdraw, return: with the comment
                    {"cancel": services.cancel, "reject": services.reject, "withdraw": services.withdraw,
                     "return": services.return_request}[step](self.s, actor, req, comment)
        return run

    # --- the routine --------------------------------------------------------------------------------------------------

    def routine(self, year: int, current: bool) -> None:
        """Each month's routine payments up to today: asked on the 8th (or the next working day),
        approved by the lead two days later, paid a week after. A line keeps the room its stories
        need. Months all done are written as records in one go (requests, history, line totals);
        the latest ones, still waiting, go through the services."""
        lines = {code: services.line_for(self.s, year, self.cats[code].id) for code in ROUTINE}
        for m in range(1, 13):
            asked = working_day(dt.date(year, m, 8))
            if asked >= self.today:
                break
            approved, paid = after(asked, 2), after(asked, 9)
            amounts = {code: min((lines[code].budget * D(str(shares[1] if current else shares[0]))
                                  * D(str(self.rng.uniform(0.97, 1.03)))).quantize(D("10")), TOP).quantize(D("0.01"))
                       for code, (months, _t, _p, shares) in ROUTINE.items() if m in months}
            titles = {code: ROUTINE[code][1].format(y=year, m=m, q=Q[(m - 1) // 3], p=m - 1) for code in amounts}
            if paid < self.today:
                self.at(asked, lambda m=m, asked=asked, approved=approved, paid=paid, amounts=amounts, titles=titles:
                        self._closed_month(lines, asked, approved, paid, amounts, titles))
                continue
            due: list[ExpenseRequest] = []

            def create(asked=asked, due=due, amounts=amounts, titles=titles) -> None:
                with self.on(asked):
                    for code, amount in self._fitting(lines, asked.year, amounts).items():
                        due.append(self.ask(asked, code, titles[code], ROUTINE[code][2], amount, PURPOSES[code],
                                            self.operator))

            def approve(approved=approved, due=due) -> None:
                with self.on(approved):
                    for req in due:
                        services.approve(self.s, self.lead, req)

            self.at(asked, create)
            if approved < self.today:
                self.at(approved, approve)

    def _fitting(self, lines: dict, year: int, amounts: dict[str, D]) -> dict[str, D]:
        """The amounts their line can take besides the room its stories still need."""
        fitting = {}
        for code, amount in amounts.items():
            self.s.refresh(lines[code])
            if lines[code].remaining - self._reserved[(year, code)] >= amount:
                fitting[code] = amount
        return fitting

    def _closed_month(self, lines: dict, asked: dt.date, approved: dt.date, paid: dt.date, amounts: dict[str, D],
                      titles: dict[str, str]) -> None:
        """A month whose routine requests were all asked, approved and paid: the requests as the
        services leave them, their four history events, and the money on their lines."""
        policy = services.current_policy(self.s)
        stamp = lambda day, n: dt.datetime.combine(day, dt.time(9, 20), SHANGHAI) + dt.timedelta(minutes=7 * n)  # noqa: E731
        rows = []
        for n, (code, amount) in enumerate(self._fitting(lines, asked.year, amounts).items()):
            self._numbers[asked.year] += 1
            reference = f"GK{paid:%Y%m%d}{self.rng.randint(100, 999)}"
            rows.append({"number": f"ZC-{asked.year}-{self._numbers[asked.year]:04d}", "year": asked.year,
                         "category_id": self.cats[code].id, "title": titles[code], "purpose": PURPOSES[code],
                         "payee": ROUTINE[code][2], "amount": amount, "tier": "lead", "policy_id": policy.id,
                         "state": S.PAID, "requested_by_id": self.operator.id, "submitted_at": stamp(asked, n),
                         "decided_by_id": self.lead.id, "decided_at": stamp(approved, n), "payment_reference": reference,
                         "paid_on": paid, "created_at": stamp(asked, n), "updated_at": stamp(paid, n), "version": 4})
            self.s.execute(sa.update(BudgetLine).where(BudgetLine.id == lines[code].id)
                           .values(spent=BudgetLine.spent + amount, version=BudgetLine.version + 1))
        if not rows:
            return
        ids = self.s.scalars(sa.insert(ExpenseRequest).returning(ExpenseRequest.id, sort_by_parameter_order=True),
                             rows).all()
        steps = [("draft", "", "draft", self.operator, asked, None), ("submit", "draft", "submitted", self.operator,
                                                                       asked, None),
                 ("approve_lead", "submitted", "approved", self.lead, approved, None),
                 ("pay", "approved", "paid", self.operator, paid, "reference")]
        self.s.execute(sa.insert(WorkflowEvent), [
            {"object_type": "expense_request", "object_id": request_id, "action": action, "from_state": before,
             "to_state": to, "actor_id": actor.id, "at": stamp(day, n), "visible_to_company": True,
             "comment": row["payment_reference"] if comment else None}
            for n, (request_id, row) in enumerate(zip(ids, rows, strict=True))
            for action, before, to, actor, day, comment in steps])
        for line in lines.values():
            self.s.expire(line)
