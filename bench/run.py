"""Benchmark the main pages against a Flask "hello" floor, on a fresh database of realistic size.

    .venv/bin/python bench/run.py                       # fresh SQLite file in a temp dir
    .venv/bin/python bench/run.py --db postgresql+psycopg://postgres@127.0.0.1:5432/bench   # WIPED first
    .venv/bin/python bench/run.py -n 100 --companies 2000

Everything runs in this process through Flask's test client, so the figures are the app's own
cost (routing, ORM, Jinja), not the network's. Adding to it:
  * a page: append a Page to PAGES (the path may use {company_id}, {member_company_id}, ...);
  * data for a new module: write `def mymodule_dataset(conn, ctx)` that bulk-inserts its rows
    (ids chosen by the script, kept in ctx.ids) and append it to DATASETS.
A page that does not answer 200 is reported with its status (its module may not exist yet).
"""
from __future__ import annotations

import argparse
import datetime as dt
import logging
import random
import statistics
import sys
import tempfile
import time
import types
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from faker import Faker
from flask import Flask

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from incubator import create_app, migrate  # noqa: E402
from incubator.accounts.models import User, UserRole  # noqa: E402
from incubator.accounts.services import hash_password  # noqa: E402
from incubator.admission.models import (  # noqa: E402
    Application,
    ApplicationState,
    AssignmentState,
    IntakeRound,
    ReviewAssignment,
    ReviewScore,
)
from incubator.admission.rules import DEFAULT_CONFIG  # noqa: E402
from incubator.assessment.models import (  # noqa: E402
    Campaign,
    CampaignKind,
    CampaignState,
    Filing,
    FilingState,
    ReviewerAssignment,
    ReviewerScore,
)
from incubator.audit.models import AuditEntry  # noqa: E402
from incubator.audit.services import GENESIS, entry_hash  # noqa: E402
from incubator.companies.models import (  # noqa: E402
    Agent,
    Company,
    CompanyStatus,
    IndustryTrack,
    Qualification,
    QualificationKind,
)
from incubator.core.models import WorkflowEvent  # noqa: E402
from incubator.core.roles import Role  # noqa: E402
from incubator.db import db  # noqa: E402
from incubator.demo import CARRIERS, LAYOUT, SIZES, SUB_FIELDS, add_years, company_name, credit_code  # noqa: E402
from incubator.demo_subsidies import PROGRAM, quarter_start  # noqa: E402
from incubator.documents.models import Document, DocumentVersion  # noqa: E402
from incubator.exits.models import ExitCase, ExitKind, ExitOrigin  # noqa: E402
from incubator.funds.models import FundEntry, FundEntryKind, FundPool, FundProgram, FundSource  # noqa: E402
from incubator.leases.ledger import DUE_DAYS, billing_periods  # noqa: E402
from incubator.leases.models import BillingCycle, Lease, LeaseState, LeaseUnit, RentCharge, RentPayment  # noqa: E402
from incubator.leases.rules import period_rent, to_fen  # noqa: E402
from incubator.models import Base  # noqa: E402
from incubator.spaces.models import Building, Carrier, Unit, UnitStatus, UnitType  # noqa: E402
from incubator.subsidies import rules  # noqa: E402
from incubator.subsidies.models import (  # noqa: E402
    BatchState,
    Clawback,
    ClawbackReason,
    ClawbackRepayment,
    ClawbackState,
    Objection,
    ObjectionOutcome,
    SubsidyBatch,
    SubsidyClaim,
    SubsidyPolicy,
)

UTC = dt.UTC


@dataclass
class Page:
    name: str
    path: str  # formatted with ctx.ids
    user: str = "operator"  # a key of ctx.users
    follow: bool = False  # follow redirects (timed and counted together)


PAGES = [
    Page("home", "/"),
    Page("companies", "/companies/"),
    Page("companies ?q=科技", "/companies/?q=科技"),
    Page("companies export (every page, xlsx)", "/companies/export.xlsx"),
    Page("claims export ?q=科技 (xlsx)", "/subsidies/claims/export.xlsx?q=科技"),
    Page("arrears export (xlsx)", "/leases/arrears/export.xlsx"),
    Page("company detail", "/companies/{company_id}"),
    Page("spaces", "/spaces/"),
    Page("units", "/spaces/units"),
    Page("units ?status=vacant", "/spaces/units?status=vacant"),
    Page("leases", "/leases/"),
    Page("audit", "/audit/"),
    Page("company documents", "/documents/company/{company_id}"),
    Page("my company (member)", "/companies/mine", user="member", follow=True),
    Page("admission list", "/admission/"),
    Page("admission in expert review", "/admission/?state=expert_review"),
    Page("admission ?q=项目1", "/admission/?q=项目1"),
    Page("application detail", "/admission/{application_id}"),
    Page("my reviews (reviewer)", "/admission/reviews", user="reviewer"),
    Page("lease detail (ledger)", "/leases/{lease_id}"),
    Page("rent arrears", "/leases/arrears"),
    Page("funds", "/funds/"),
    Page("fund pool", "/funds/pools/{pool_id}"),
    Page("subsidy batches", "/subsidies/"),
    Page("subsidy batch detail", "/subsidies/batches/{batch_id}"),
    Page("subsidy claims", "/subsidies/claims"),
    Page("claims ?state=in_notice", "/subsidies/claims?state=in_notice"),
    Page("claims ?q=科技", "/subsidies/claims?q=科技"),
    Page("claim detail", "/subsidies/claims/{claim_id}"),
    Page("open claim (live preview)", "/subsidies/claims/{open_claim_id}"),
    Page("clawbacks", "/subsidies/clawbacks"),
    Page("my claims (member)", "/subsidies/mine", user="member"),
    Page("assessment campaigns", "/assessment/"),
    Page("campaign detail (ranked)", "/assessment/campaigns/{campaign_id}"),
    Page("campaign ranking", "/assessment/campaigns/{campaign_id}/ranking"),
    Page("assessment filings", "/assessment/filings"),
    Page("result (breakdown)", "/assessment/results/{result_id}"),
    Page("my assessment (member)", "/assessment/mine", user="member"),
    Page("exits", "/exits/"),
    Page("exits ?state=proposed", "/exits/?state=proposed"),
    Page("exits ?q=科技", "/exits/?q=科技"),
    Page("exit case (executed)", "/exits/{exit_case_id}"),
    Page("exit case (reviewed)", "/exits/{open_exit_case_id}"),
    Page("HQ budget", "/budget/"),
    Page("HQ budget last year", "/budget/?year={last_year}", user="commander"),
    Page("expense requests", "/budget/requests"),
    Page("expense requests ?q=服务", "/budget/requests?q=服务"),
    Page("expense requests ?state=submitted", "/budget/requests?state=submitted"),
    Page("expense requests export (xlsx)", "/budget/requests/export.xlsx?year={last_year}"),
    Page("expense request (paid)", "/budget/requests/{expense_request_id}"),
    Page("expense request (deputy tier, waiting)", "/budget/requests/{open_expense_request_id}"),
    Page("budget setting page", "/budget/{this_year}/edit"),
    Page("meetings", "/meetings/"),
    Page("meetings ?q=协调", "/meetings/?q=协调"),
    Page("waiting for a meeting", "/meetings/pending"),
    Page("meeting (held, minutes)", "/meetings/{meeting_id}"),
    Page("meeting (scheduled, secretary)", "/meetings/{open_meeting_id}"),
    Page("dashboard (operator)", "/dashboard/"),
    Page("dashboard (commander)", "/dashboard/", user="commander"),
    Page("dashboard last year", "/dashboard/?year={last_year}", user="commander"),
    Page("reports page", "/reports/", user="commander"),
    Page("dossier page (200 docs)", "/dossiers/company/{dossier_company_id}"),
]


@dataclass
class Ctx:
    rng: random.Random
    fake: Faker
    today: dt.date
    size: argparse.Namespace
    ids: dict = field(default_factory=dict)  # named ids pages refer to, e.g. company_id
    users: dict = field(default_factory=dict)  # Page.user key → user id
    rows: dict = field(default_factory=dict)  # table → rows inserted (for the summary)
    shared: dict = field(default_factory=dict)  # what a dataset hands to a later one (the ledger's facts)


def insert(conn, model, rows: list[dict], ctx: Ctx) -> None:
    if rows:
        conn.execute(model.__table__.insert(), rows)
        ctx.rows[model.__tablename__] = ctx.rows.get(model.__tablename__, 0) + len(rows)


def moment(ctx: Ctx, days_back: int) -> dt.datetime:
    day = ctx.today - dt.timedelta(days=days_back)
    return dt.datetime.combine(day, dt.time(1 + ctx.rng.randint(0, 10), ctx.rng.randint(0, 59)), UTC)


# --- datasets, one per module, in foreign-key order ----------------------------------------

def spaces_dataset(conn, ctx: Ctx) -> None:
    """The demo's carriers and buildings, with units of the demo's sizes spread over them."""
    rng, units, buildings = ctx.rng, [], []
    insert(conn, Carrier, [dict(id=i, code=c, name=n, role=r, total_area=total, startup_area=sum(zone.values()),
                                sort_order=i) for i, (c, n, r, total, zone) in enumerate(CARRIERS, 1)], ctx)
    carrier_id = {c: i for i, (c, *_rest) in enumerate(CARRIERS, 1)}
    per_kind = -(-ctx.size.units // len(LAYOUT))
    for (code, unit_type), (names, *_rest) in LAYOUT.items():
        lo, _mode, hi = SIZES[unit_type]
        for b, name in enumerate(names):
            building_id = len(buildings) + 1
            buildings.append(dict(id=building_id, carrier_id=carrier_id[code], name=name))
            for i in range(per_kind // len(names) + (b < per_kind % len(names))):
                if len(units) == ctx.size.units:
                    break
                floor = 1 + i // 20
                units.append(dict(id=len(units) + 1, building_id=building_id, floor=floor,
                                  number=f"{floor}{i % 20 + 1:02d}", type=unit_type,
                                  area=Decimal(rng.randint(lo * 100, hi * 100)) / 100,
                                  list_rent=Decimal(rng.randint(36, 120)) / 2,
                                  status=UnitStatus.OUT_OF_SERVICE if rng.random() < 0.03 else UnitStatus.VACANT,
                                  in_startup_zone=rng.random() < 0.7))
    insert(conn, Building, buildings, ctx)
    insert(conn, Unit, units, ctx)
    ctx.ids["units"] = [u["id"] for u in units if u["status"] == UnitStatus.VACANT]


def companies_dataset(conn, ctx: Ctx) -> None:
    rng, fake, n = ctx.rng, ctx.fake, ctx.size.companies
    insert(conn, Agent, [dict(id=i, name=f"招商中介{i}号有限公司", contact_name=fake.name()) for i in range(1, 11)],
           ctx)
    statuses = ([CompanyStatus.TENANT] * 70 + [CompanyStatus.APPLICANT] * 15 + [CompanyStatus.EXITED] * 10
                + [CompanyStatus.GRADUATED] * 5)
    sub_fields = list(SUB_FIELDS)
    codes, companies, quals = set(), [], []
    for cid in range(1, n + 1):
        sub_field = rng.choice(sub_fields)
        code = credit_code(rng)
        while code in codes:
            code = credit_code(rng)
        codes.add(code)
        status = CompanyStatus.TENANT if cid == 1 else rng.choice(statuses)
        headcount = rng.randint(3, 300)
        companies.append(dict(
            id=cid, name=company_name(rng, sub_field), credit_code=code, legal_rep=fake.name(),
            registered_capital=Decimal(rng.choice([100, 200, 500, 1000, 3000])) * 10000,
            founded_on=ctx.today - dt.timedelta(days=rng.randint(200, 4000)), track=SUB_FIELDS[sub_field][0],
            sub_field=sub_field, contact_name=fake.name(), contact_phone=fake.phone_number(),
            address=f"广东省东莞市水乡功能区{rng.choice(CARRIERS)[1]}", headcount=headcount,
            talents_bachelor=headcount // 2, talents_high_level=headcount // 20, ip_invention=rng.randint(0, 10),
            ip_utility=rng.randint(0, 30), ip_software=rng.randint(0, 20), status=status,
            is_platform=SUB_FIELDS[sub_field][0] == IndustryTrack.RD_PLATFORM and rng.random() < 0.1,
            moved_in_on=ctx.today - dt.timedelta(days=rng.randint(30, 900)) if status != CompanyStatus.APPLICANT
            else None, agent_id=rng.randint(1, 10) if rng.random() < 0.15 else None))
        for kind in rng.sample(list(QualificationKind), rng.choice([0, 0, 1, 1, 2, 3]) if cid > 1 else 4):
            obtained = ctx.today - dt.timedelta(days=rng.randint(10, 1000))
            quals.append(dict(company_id=cid, kind=kind, certificate_no=f"Q{cid:05d}{kind.value[:2].upper()}",
                              obtained_on=obtained, expires_on=add_years(obtained, 3)))
    insert(conn, Company, companies, ctx)
    insert(conn, Qualification, quals, ctx)
    ctx.ids["company_id"] = ctx.ids["member_company_id"] = 1  # the showcase: tenant, leases, many documents
    ctx.ids["tenants"] = [c["id"] for c in companies if c["status"] == CompanyStatus.TENANT]


def accounts_dataset(conn, ctx: Ctx) -> None:
    """Staff, the member of the showcase company and members for a fifth of the companies."""
    password_hash = hash_password("Bench@2026")
    staff = [("operator", Role.OPERATOR), ("supervisor", Role.SUPERVISOR), ("reviewer", Role.REVIEWER),
             ("lead", Role.LEAD), ("admin", Role.ADMIN)]
    # every row carries the same keys: an executemany compiles its INSERT from the first row
    users = [dict(id=i, username=f"bench_{name}", display_name=f"{name} {ctx.fake.name()}", password_hash=password_hash,
                  company_id=None) for i, (name, _role) in enumerate(staff, 1)]
    roles = [dict(user_id=i, role=role) for i, (_n, role) in enumerate(staff, 1)]
    for cid in range(1, ctx.size.companies + 1, 5):
        uid = len(users) + 1
        users.append(dict(id=uid, username=f"member{cid}", display_name=ctx.fake.name(), password_hash=password_hash,
                          company_id=cid))
        roles.append(dict(user_id=uid, role=Role.COMPANY))
    insert(conn, User, users, ctx)
    insert(conn, UserRole, roles, ctx)
    ctx.users = {"operator": 1, "member": len(staff) + 1}  # member1 belongs to company 1
    ctx.ids["user_ids"] = [u["id"] for u in users]


def leases_dataset(conn, ctx: Ctx) -> None:
    """Signed leases for tenants until ~60% of the units are let; the showcase gets three."""
    rng, vacant = ctx.rng, ctx.ids["units"][:]
    rng.shuffle(vacant)
    leases, lease_units, leased = [], [], []
    area = dict(conn.execute(sa.select(Unit.id, Unit.area)).all())
    budget = int(len(vacant) * 0.6)
    tenants = [1, 1] + ctx.ids["tenants"]
    for cid in tenants:
        if len(leased) >= budget:
            break
        lease_id = len(leases) + 1
        start = ctx.today - dt.timedelta(days=rng.randint(20, 900))
        units = [vacant.pop() for _ in range(rng.choice([1, 1, 2, 3, 5]))]
        leases.append(dict(id=lease_id, number=f"BENCH-{lease_id:06d}", company_id=cid, start_on=start,
                           end_on=add_years(start, 3), rent_per_m2=Decimal("45.00"), property_fee_per_m2=Decimal("6.50"),
                           deposit=Decimal("10000.00"), billing_cycle=BillingCycle.MONTHLY, state=LeaseState.SIGNED,
                           signed_on=start))
        lease_units += [dict(lease_id=lease_id, unit_id=u, area=area[u]) for u in units]
        leased += units
    insert(conn, Lease, leases, ctx)
    insert(conn, LeaseUnit, lease_units, ctx)
    conn.execute(sa.update(Unit).where(Unit.id == sa.bindparam("uid")).values(status=UnitStatus.LEASED),
                 [{"uid": u} for u in leased])


DOC_KINDS = [("business_licence", "营业执照"), ("legal_rep_id", "法定代表人身份证明"), ("business_plan", "商业计划书"),
             ("financial_statement", "财务报表"), ("ip_certificate", "知识产权证书"), ("team_cv", "核心团队简历"),
             ("qualification", "资质证书"), ("evidence", "佐证材料")]


def documents_dataset(conn, ctx: Ctx) -> None:
    """Document + version rows (the files themselves are not written: no page reads them)."""
    rng, n, companies = ctx.rng, ctx.size.documents, ctx.size.companies
    docs, versions = [], []
    for doc_id in range(1, n + 1):
        cid = 1 if doc_id <= 40 else rng.randint(1, companies)
        category, title = rng.choice(DOC_KINDS)
        count = 2 if rng.random() < 0.25 else 1
        created = moment(ctx, rng.randint(1, 700))
        uploader = rng.choice(ctx.ids["user_ids"])
        docs.append(dict(id=doc_id, company_id=cid, category=category, title=f"{title}（{created.year}）",
                         created_by_id=uploader, created_at=created, current_version_no=count))
        for no in range(1, count + 1):
            key = f"{rng.getrandbits(128):032x}"
            versions.append(dict(document_id=doc_id, version_no=no, display_name=f"{title}-v{no}.pdf",
                                 storage_key=f"{key[:2]}/{key[2:4]}/{key}", sha256=f"{rng.getrandbits(256):064x}",
                                 size=rng.randint(40_000, 5_000_000), mime="application/pdf",
                                 uploaded_by_id=uploader, uploaded_at=created + dt.timedelta(days=no - 1)))
    insert(conn, Document, docs, ctx)
    insert(conn, DocumentVersion, versions, ctx)


def audit_dataset(conn, ctx: Ctx) -> None:
    """A sealed hash chain of past entries, so the audit page has depth and new entries chain on."""
    rng, prev, rows = ctx.rng, GENESIS, []
    actions = ["company.update", "lease.sign", "document.upload", "user.login", "unit.update", "company.create"]
    count = ctx.size.audit
    for seq in range(1, count + 1):
        entry = types.SimpleNamespace(
            id=seq, seq=seq, at=moment(ctx, (count - seq) * 365 // count), actor_id=rng.choice(ctx.ids["user_ids"]),
            actor_name="bench", action=rng.choice(actions), object_type="companies",
            object_id=rng.randint(1, ctx.size.companies), company_id=None, summary="bench", before=None, after=None)
        entry.company_id = entry.object_id
        entry.prev_hash, entry.hash = prev, entry_hash(entry, prev)
        prev = entry.hash
        rows.append(vars(entry))
    insert(conn, AuditEntry, rows, ctx)


# states of the benchmark's applications and their weights (most are past acceptance: reviewed)
APPLICATION_STATES = {"draft": 5, "submitted": 5, "returned": 3, "resubmitted": 2, "lapsed": 3, "accepted": 5,
                      "expert_review": 15, "joint_review": 10, "decision": 10, "admitted": 30, "rejected": 8,
                      "withdrawn": 4}
REVIEWED = {"expert_review", "joint_review", "decision", "admitted", "rejected"}
DECIDED = {"admitted", "rejected"}
# the workflow steps that lead to each state, in order
STEPS = {"submitted": ["submit"], "returned": ["submit", "return"], "resubmitted": ["submit", "return", "resubmit"],
         "lapsed": ["submit", "return", "lapse"], "accepted": ["submit", "accept"],
         "expert_review": ["submit", "accept", "start_review"],
         "joint_review": ["submit", "accept", "start_review", "close_review"],
         "decision": ["submit", "accept", "start_review", "close_review", "recommend"],
         "admitted": ["submit", "accept", "start_review", "close_review", "recommend", "admit"],
         "rejected": ["submit", "accept", "start_review", "close_review", "recommend", "reject"],
         "withdrawn": ["submit", "withdraw"], "draft": []}
TARGET = {"submit": "submitted", "return": "returned", "resubmit": "resubmitted", "lapse": "lapsed",
          "accept": "accepted", "start_review": "expert_review", "close_review": "joint_review",
          "recommend": "decision", "admit": "admitted", "reject": "rejected", "withdraw": "withdrawn"}


def admission_dataset(conn, ctx: Ctx) -> None:
    """Applications with 10 material documents each and three scored reviews once accepted, their
    history, four intake rounds and five more reviewers. The showcase company's application is
    admitted, on its first lease: the detail page and the certificate PDF use it."""
    rng, n = ctx.rng, ctx.size.applications
    rounds = [dict(id=i, name=f"第{i}批", opens_on=ctx.today - dt.timedelta(days=90 * (4 - i) + 20),
                   closes_on=ctx.today - dt.timedelta(days=90 * (4 - i) - 40)) for i in range(1, 5)]  # 4: open
    insert(conn, IntakeRound, rounds, ctx)
    first_user = max(ctx.ids["user_ids"]) + 1
    reviewers = [3] + list(range(first_user, first_user + 5))  # bench_reviewer and five more
    password_hash = hash_password("Bench@2026")
    insert(conn, User, [dict(id=uid, username=f"bench_reviewer{uid}", display_name=f"评审专家 {ctx.fake.name()}",
                             password_hash=password_hash, company_id=None) for uid in reviewers[1:]], ctx)
    insert(conn, UserRole, [dict(user_id=uid, role=Role.REVIEWER) for uid in reviewers[1:]], ctx)
    ctx.users["reviewer"] = 3

    materials = DEFAULT_CONFIG["materials"] + [{"key": "other", "label": "其他佐证材料"}]  # ten
    rubric = DEFAULT_CONFIG["rubric"]
    states = rng.choices(list(APPLICATION_STATES), weights=list(APPLICATION_STATES.values()), k=n)
    states[0] = "admitted"
    apps, docs, versions, sheets, scores, events = [], [], [], [], [], []
    doc_id = conn.execute(sa.select(sa.func.coalesce(sa.func.max(Document.id), 0))).scalar()
    for app_id in range(1, n + 1):
        state = states[app_id - 1]
        company_id = (app_id - 1) % ctx.size.companies + 1
        start = moment(ctx, rng.randint(20, 400))
        steps = STEPS[state]
        at = [start + dt.timedelta(days=3 * i, hours=rng.randint(0, 8)) for i in range(len(steps))]
        submitted = at[max(i for i, s in enumerate(steps) if s in ("submit", "resubmit"))] if steps else None
        apps.append(dict(
            id=app_id, number=f"SQ-BENCH-{app_id:05d}", company_id=company_id, policy_id=1,
            round_id=rng.randint(1, 4), state=ApplicationState(state), carrier_id=rng.randint(1, len(CARRIERS)),
            track=rng.choice(list(IndustryTrack)), area_requested=Decimal(rng.randint(60, 2000)),
            unit_type=rng.choice([UnitType.OFFICE, UnitType.OFFICE, UnitType.LAB, UnitType.FACTORY]),
            project_name=f"{rng.choice(list(SUB_FIELDS))}项目{app_id}", project_summary="项目简介" * 20,
            team_summary="核心团队" * 10, ip_summary="发明专利2项", revenue_last_year=Decimal("1000000.00"),
            will_move_registration=True, submitted_at=submitted,
            supplement_due_on=ctx.today + dt.timedelta(days=10) if state == "returned" else None,
            supplement_items={"business_plan": "请补充财务预测"} if "return" in steps else None,
            snapshot={"policy_version": 1, "application": {"project_name": f"项目{app_id}"}} if steps else None,
            joint_recommendation=("reject" if state == "rejected" else "admit") if "recommend" in steps else None,
            joint_minutes="联合评审会议纪要" if "recommend" in steps else None,
            decision_reason="同意入驻" if state in DECIDED else None, decided_at=at[-1] if state in DECIDED else None,
            lease_id=1 if app_id == 1 else None, created_at=start - dt.timedelta(days=2), updated_at=at[-1] if at
            else start))
        path = ["draft"] + [TARGET[step] for step in steps]
        events += [dict(object_type="application", object_id=app_id, action=step, from_state=path[i],
                        to_state=path[i + 1], actor_id=1, comment="请补充材料" if step == "return" else None,
                        visible_to_company=step != "recommend", at=at[i]) for i, step in enumerate(steps)]
        for item in materials:
            doc_id += 1
            key = f"{rng.getrandbits(128):032x}"
            docs.append(dict(id=doc_id, company_id=company_id, category=item["key"], title=item["label"],
                             subject_type="application", subject_id=app_id, created_by_id=1, created_at=start,
                             current_version_no=1))
            versions.append(dict(document_id=doc_id, version_no=1, display_name=f"{item['key']}.pdf",
                                 storage_key=f"{key[:2]}/{key[2:4]}/{key}", sha256=f"{rng.getrandbits(256):064x}",
                                 size=rng.randint(40_000, 3_000_000), mime="application/pdf", uploaded_by_id=1,
                                 uploaded_at=start))
        if state in REVIEWED:
            for reviewer_id in rng.sample(reviewers, 3):
                sheet_id = len(sheets) + 1
                done = state != "expert_review" or rng.random() < 0.5
                sheet = {i["key"]: Decimal(rng.randint(i["weight"], i["weight"] * 2)) / 2 for i in rubric}
                sheets.append(dict(id=sheet_id, application_id=app_id, reviewer_id=reviewer_id,
                                   state=AssignmentState.SUBMITTED if done else AssignmentState.SCORING,
                                   assigned_by_id=1, assigned_at=start, declared_at=start,
                                   submitted_at=start if done else None,
                                   total=sum(sheet.values()), overall_comment="总体评价良好"))
                scores += [dict(assignment_id=sheet_id, item_key=k, score=v, comment=f"{k}评语")
                           for k, v in sheet.items()]
    insert(conn, Application, apps, ctx)
    insert(conn, WorkflowEvent, events, ctx)
    insert(conn, Document, docs, ctx)
    insert(conn, DocumentVersion, versions, ctx)
    insert(conn, ReviewAssignment, sheets, ctx)
    insert(conn, ReviewScore, scores, ctx)
    ctx.ids["application_id"] = 1


# --- rent ledger, fund and subsidies -----------------------------------------------------------

BANKS = ("工行", "建行", "农行", "中行", "招行")


def ledger_dataset(conn, ctx: Ctx) -> None:
    """A charge for every month of every lease through today, paid on or before its due day by
    transfer; one tenant in twenty is one to three months behind. The engine's facts of each
    company's charges are handed on to the subsidies."""
    rng, today = ctx.rng, ctx.today
    units = defaultdict(list)
    for lease_id, unit_id, area, unit_type in conn.execute(
            sa.select(LeaseUnit.lease_id, LeaseUnit.unit_id, LeaseUnit.area, Unit.type).join(Unit)):
        units[lease_id].append(rules.UnitFact(unit_id, f"U{unit_id}", unit_type.value, area))
    behind = {cid: rng.randint(1, 3) for cid in ctx.ids["tenants"] if cid != 1 and rng.random() < 0.05}
    charges, payments, facts = [], [], defaultdict(list)
    for lease in conn.execute(sa.select(Lease).order_by(Lease.id)).all():
        area = sum(u.area for u in units[lease.id])
        periods = billing_periods(lease, today)
        due = [p for p in periods if p[0] + dt.timedelta(days=DUE_DAYS) < today]
        unpaid = set(due[len(due) - behind.get(lease.company_id, 0):]) if lease.company_id in behind else set()
        for start, end in periods:
            rent = period_rent(area, lease.rent_per_m2, start, end)
            amount = rent + period_rent(area, lease.property_fee_per_m2, start, end)
            due_on = start + dt.timedelta(days=DUE_DAYS)
            paid_on = min(due_on - dt.timedelta(days=rng.choice((0, 0, 1, 2, 5))), today)
            paid = (start, end) not in unpaid and (due_on <= today or rng.random() < 0.5)
            charge_id = len(charges) + 1
            charges.append(dict(id=charge_id, lease_id=lease.id, company_id=lease.company_id, period_start=start,
                                period_end=end, due_on=due_on, rent_per_m2=lease.rent_per_m2, rent=rent,
                                property_fee=amount - rent, paid=amount if paid else Decimal("0.00"),
                                settled_on=paid_on if paid else None))
            if paid:
                payments.append(dict(charge_id=charge_id, amount=amount, paid_on=paid_on, recorded_by_id=1,
                                     reference=f"{rng.choice(BANKS)}转账 {paid_on:%Y%m%d}{rng.randint(1000, 9999)}",
                                     recorded_at=dt.datetime.combine(paid_on, dt.time(7), UTC)))
            facts[lease.company_id].append(rules.ChargeFact(
                lease.number, start, end, lease.rent_per_m2, tuple(units[lease.id]), rent,
                amount if paid else Decimal("0.00"), amount, paid_on if paid else None))
    insert(conn, RentCharge, charges, ctx)
    insert(conn, RentPayment, payments, ctx)
    ctx.shared["charges"] = facts
    ctx.ids["lease_id"] = 1  # the showcase's


# claim states per batch (weights); the open batch has every state a batch taking claims can hold
BATCH_STATES = {
    BatchState.CLOSED: {"disbursed": 90, "rejected": 4, "lapsed": 3, "withdrawn": 3},
    BatchState.PAYING: {"disbursed": 60, "in_notice": 35, "rejected": 5},
    BatchState.NOTICE: {"in_notice": 92, "rejected": 8},
    BatchState.OPEN: {"draft": 12, "submitted": 25, "returned": 8, "resubmitted": 7, "lapsed": 3, "verified": 15,
                      "approved": 20, "rejected": 5, "withdrawn": 5},
}
CLAIM_STEPS = {"draft": [], "submitted": ["submit"], "returned": ["submit", "return"],
               "resubmitted": ["submit", "return", "resubmit"], "lapsed": ["submit", "return", "lapse"],
               "verified": ["submit", "verify"], "approved": ["submit", "verify", "approve"],
               "in_notice": ["submit", "verify", "approve", "notice"],
               "disbursed": ["submit", "verify", "approve", "notice", "disburse"],
               "rejected": ["submit", "reject"], "withdrawn": ["submit", "withdraw"]}
CLAIM_TARGET = {"submit": "submitted", "return": "returned", "resubmit": "resubmitted", "lapse": "lapsed",
                "verify": "verified", "approve": "approved", "notice": "in_notice", "disburse": "disbursed",
                "reject": "rejected", "withdraw": "withdrawn"}
COMMITTED = {"approved", "in_notice", "disbursed"}
POOL_NAMES = {FundSource.CITY: "市科技局专项经费", FundSource.COMMITTEE: "管委会配套资金"}


def _granted(calcs: list[dict]) -> dict[int, Decimal]:
    """Tenancy year → granted by earlier claims (what facts.granted_by_year reads from the database)."""
    granted = defaultdict(Decimal)
    for calc in calcs:
        for item in (*calc["lines"], *calc["adjustments"]):
            granted[item["tenancy_year"]] += Decimal(item["amount"])
    return granted


def subsidies_dataset(conn, ctx: Ctx) -> None:
    """The special fund (four pools), the rent policy's second version (caps), four batches of the
    last four quarters (closed, paying, in public notice, taking claims) with a claim of every tenant
    the engine grants something (the open batch: of every tenant), computed from the ledger, their history, evidence, fund entries, objections and
    clawbacks. Pool totals equal their entries; a claim is approved only while its pool has money."""
    rng, today, facts = ctx.rng, ctx.today, ctx.shared["charges"]
    quals = defaultdict(list)
    for cid, kind, obtained, expires in conn.execute(sa.select(Qualification.company_id, Qualification.kind,
                                                               Qualification.obtained_on, Qualification.expires_on)):
        quals[cid].append(rules.QualificationFact(kind.value, obtained, expires))
    moved_in = dict(conn.execute(sa.select(Company.id, Company.moved_in_on)).all())
    members = dict(conn.execute(sa.select(User.company_id, User.id).where(User.company_id.is_not(None))).all())

    ends = [quarter_start(today) - dt.timedelta(days=1)]
    for _ in range(3):
        ends.append(quarter_start(ends[-1]) - dt.timedelta(days=1))
    quarters = [(quarter_start(end), end) for end in reversed(ends)]  # oldest first
    v1 = conn.execute(sa.select(SubsidyPolicy).where(SubsidyPolicy.support_type_id == 1,
                                                     SubsidyPolicy.version == 1)).one()
    v2_config = {**v1.config, "unit_price_cap": "80",
                 "yearly_caps": {"tech_sme": "100000", "high_tech": "200000", "above_scale_high_tech": "300000"}}
    insert(conn, SubsidyPolicy, [dict(id=100, support_type_id=1, version=2, effective_from=quarters[2][0],
                                      config=v2_config, note="年度上限", created_by_id=1)], ctx)
    insert(conn, FundProgram, [dict(id=1, name=PROGRAM, config={"phase_cap": "10000000", "max_city_phases": 3,
                                                                 "matching_ratio": "1"})], ctx)
    pools = [dict(id=i, program_id=1, source=source, phase=phase, name=f"{POOL_NAMES[source]}第{phase}期",
                  allocated=Decimal(amount), committed=Decimal("0.00"), paid=Decimal("0.00"), returned=Decimal("0.00"),
                  opened_on=quarters[0][0] - dt.timedelta(days=30)) for i, (source, phase, amount) in enumerate(
        [(FundSource.CITY, 1, "10000000"), (FundSource.COMMITTEE, 1, "10000000"), (FundSource.CITY, 2, "6000000"),
         (FundSource.COMMITTEE, 2, "6000000")], 1)]
    entries = [dict(pool_id=p["id"], kind=FundEntryKind.ALLOCATE, amount=p["allocated"], object_type=None,
                    object_id=None, actor_id=1, at=moment(ctx, 400)) for p in pools]

    batches, claims, events, docs, versions, objections, granted = [], [], [], [], [], [], defaultdict(list)
    doc_id = conn.execute(sa.select(sa.func.coalesce(sa.func.max(Document.id), 0))).scalar()
    tenants = [1] + [c for c in ctx.ids["tenants"] if c != 1 and c in facts]
    for b, (state, (start, end)) in enumerate(zip(BATCH_STATES, quarters, strict=True), 1):
        pool = pools[b - 1]
        current = state == BatchState.OPEN
        opens = min(end + dt.timedelta(days=10), today - dt.timedelta(days=5))
        day = min(opens + dt.timedelta(days=30), today)  # when the claims were checked
        notice = opens + dt.timedelta(days=45) if state != BatchState.OPEN else None
        batches.append(dict(
            id=b, number=f"PC-BENCH-{b:02d}", name=f"{start.year}年第{(start.month + 2) // 3}季度租金补贴",
            support_type_id=1, fund_pool_id=pool["id"], intake_opens_on=opens,
            intake_closes_on=today + dt.timedelta(days=20) if current else opens + dt.timedelta(days=30),
            period_start=start, period_end=end, state=state, notice_starts_on=notice,
            notice_ends_on=notice + dt.timedelta(days=9) if notice else None,
            closed_on=notice + dt.timedelta(days=40) if state == BatchState.CLOSED else None, created_by_id=1))
        policy = v2_config if start >= quarters[2][0] else v1.config
        policy_id, version = (100, 2) if policy is v2_config else (v1.id, 1)
        weights = BATCH_STATES[state]
        for cid in tenants:
            company_facts = rules.Facts(
                company_name="", tenancy_start=moved_in[cid], charges=tuple(facts[cid]), qualifications=tuple(quals[cid]),
                last_grade=None, granted_by_year=_granted(granted[cid]),
                overdue=sum((c.amount - c.paid for c in facts[cid] if c.period_start + dt.timedelta(days=DUE_DAYS) < day),
                            Decimal("0.00")))
            calc = rules.compute_rent(policy, company_facts, start, end, policy_id=policy_id, policy_version=version)
            if calc.total <= 0 and not (current and rng.random() < 0.1):
                continue  # nothing to claim: the company did not apply (a few start a draft anyway)
            claim_state = "draft" if calc.total <= 0 else rng.choices(list(weights), list(weights.values()))[0]
            if cid == 1 and calc.total > 0:
                claim_state = "disbursed" if state in (BatchState.CLOSED, BatchState.PAYING) else \
                    "in_notice" if state == BatchState.NOTICE else "submitted"
            fixed = claim_state in COMMITTED | {"verified"}
            if claim_state in COMMITTED and pool["allocated"] - pool["committed"] - pool["paid"] < calc.total:
                claim_state = "verified" if current else "rejected"  # the pool ran dry
            claim_id = len(claims) + 1
            steps = CLAIM_STEPS[claim_state]
            at = [moment(ctx, max(0, (today - opens).days - 2 * i - 1)) for i in range(len(steps))]
            tier = rules.required_role(policy, calc.total) if fixed else None
            paid_on = notice + dt.timedelta(days=20) if claim_state == "disbursed" else None
            claims.append(dict(
                id=claim_id, number=f"BT-BENCH-{claim_id:05d}", batch_id=b, company_id=cid, state=claim_state,
                policy_id=policy_id, amount=calc.total if fixed else None,
                calculation=calc.to_json() if fixed else None, required_role=tier,
                submitted_at=at[0] if steps else None, decided_at=at[-1] if claim_state in COMMITTED else None,
                due_on=today + dt.timedelta(days=8) if claim_state == "returned" else None,
                return_reason="请补充银行回单" if "return" in steps else None, paid_on=paid_on,
                payment_reference=f"国库集中支付 {claim_id:08d}" if paid_on else None,
                originals_received_on=paid_on, created_by_id=members.get(cid, 1),
                created_at=moment(ctx, (today - opens).days), updated_at=at[-1] if at else moment(ctx, 1)))
            path = ["draft"] + [CLAIM_TARGET[s] for s in steps]
            events += [dict(object_type="subsidy_claim", object_id=claim_id,
                            action=f"approve_{tier}" if step == "approve" else step, from_state=path[i],
                            to_state=path[i + 1], actor_id=4 if step == "approve" else 1,
                            comment="请补充银行回单" if step in ("return", "reject", "withdraw") else None,
                            visible_to_company=True, at=at[i]) for i, step in enumerate(steps)]
            doc_id += 1
            key = f"{rng.getrandbits(128):032x}"
            docs.append(dict(id=doc_id, company_id=cid, category="payment_evidence", title="租金缴纳银行回单",
                             subject_type="subsidy_claim", subject_id=claim_id, created_by_id=1,
                             created_at=moment(ctx, (today - opens).days), current_version_no=1))
            versions.append(dict(document_id=doc_id, version_no=1, display_name="租金缴纳银行回单.pdf",
                                 storage_key=f"{key[:2]}/{key[2:4]}/{key}", sha256=f"{rng.getrandbits(256):064x}",
                                 size=rng.randint(40_000, 900_000), mime="application/pdf", uploaded_by_id=1,
                                 uploaded_at=moment(ctx, (today - opens).days)))
            if claim_state in COMMITTED:
                granted[cid].append(claims[-1]["calculation"])
                pool["committed" if claim_state != "disbursed" else "paid"] += calc.total
                entries.append(dict(pool_id=pool["id"], kind=FundEntryKind.COMMIT, amount=calc.total,
                                    object_type="subsidy_claim", object_id=claim_id, actor_id=4, at=at[2]))
                if claim_state == "disbursed":
                    entries.append(dict(pool_id=pool["id"], kind=FundEntryKind.PAY, amount=calc.total,
                                        object_type="subsidy_claim", object_id=claim_id, actor_id=1, at=at[-1]))
        if notice:
            in_batch = [c for c in claims if c["batch_id"] == b and c["state"] in COMMITTED]
            for n, claim in enumerate(in_batch[:6]):
                outcome = ObjectionOutcome.OPEN if state == BatchState.NOTICE and n < 2 else ObjectionOutcome.DISMISSED
                objections.append(dict(batch_id=b, claim_id=claim["id"], raised_by="实名来信", received_on=notice,
                                       content="反映该企业实际使用面积不足", outcome=outcome, recorded_by_id=1,
                                       resolution=None if outcome == ObjectionOutcome.OPEN else "经核查不属实"))
    ctx.ids["batch_id"] = 3  # in public notice: the fullest batch page
    # the paid claim with the most line items: the heaviest claim page and approval form
    ctx.ids["claim_id"] = max((c for c in claims if c["state"] == "disbursed"),
                              key=lambda c: (len(c["calculation"]["lines"]), -c["id"]))["id"]
    ctx.ids["claim_company_id"] = claims[ctx.ids["claim_id"] - 1]["company_id"]
    ctx.shared["approval_lines"] = len(claims[ctx.ids["claim_id"] - 1]["calculation"]["lines"])
    ctx.ids["open_claim_id"] = next(c["id"] for c in claims if c["batch_id"] == 4 and c["state"] == "submitted")
    ctx.ids["pool_id"] = 1

    clawbacks, repayments = [], []
    paid = [c for c in claims if c["state"] == "disbursed" and c["company_id"] != 1]
    for n, claim in enumerate(rng.sample(paid, min(20, len(paid))), 1):
        repaid = to_fen(claim["amount"] * Decimal("0.5")) if n % 2 and claim["amount"] > 1 else Decimal("0.00")
        clawbacks.append(dict(
            id=n, number=f"ZH-BENCH-{n:04d}", company_id=claim["company_id"],
            reason=ClawbackReason.EXIT if n % 3 else ClawbackReason.BREACH, trigger_on=today - dt.timedelta(days=n),
            amount=claim["amount"], repaid=repaid, state=ClawbackState.PARTLY_REPAID if repaid else ClawbackState.OPEN,
            basis={"reason": "exit", "trigger_on": str(today - dt.timedelta(days=n)), "excluded": [],
                   "total": str(claim["amount"]), "claims": [{
                       "claim_id": claim["id"], "number": claim["number"], "batch": f"PC-BENCH-{claim['batch_id']:02d}",
                       "fund_pool_id": batches[claim["batch_id"] - 1]["fund_pool_id"], "paid_on": str(claim["paid_on"]),
                       "amount": str(claim["amount"]), "lock_in_until": str(add_years(claim["paid_on"], 2))}]},
            due_on=today + dt.timedelta(days=30), created_by_id=1))
        if repaid:
            pool = pools[batches[claim["batch_id"] - 1]["fund_pool_id"] - 1]
            repayments.append(dict(id=len(repayments) + 1, clawback_id=n, fund_pool_id=pool["id"], amount=repaid,
                                   paid_on=today - dt.timedelta(days=1), reference="建行转账", recorded_by_id=1))
            pool["returned"] += repaid
            entries.append(dict(pool_id=pool["id"], kind=FundEntryKind.RETURN, amount=repaid,
                                object_type="clawback_repayment", object_id=len(repayments), actor_id=1,
                                at=moment(ctx, 1)))
    insert(conn, FundPool, pools, ctx)
    insert(conn, FundEntry, entries, ctx)
    insert(conn, SubsidyBatch, batches, ctx)
    insert(conn, SubsidyClaim, claims, ctx)
    insert(conn, WorkflowEvent, events, ctx)
    insert(conn, Document, docs, ctx)
    insert(conn, DocumentVersion, versions, ctx)
    insert(conn, Objection, objections, ctx)
    insert(conn, Clawback, clawbacks, ctx)
    insert(conn, ClawbackRepayment, repayments, ctx)


REVIEWER_ITEMS = {"technology": 6, "prospects": 3, "cooperation": 2}  # the scheme's reviewer indicators, caps


def _figures(rng: random.Random, growth: float = 1.0) -> dict:
    revenue = Decimal(rng.randint(50, 5000)) * Decimal(10000 * growth).quantize(Decimal("1"))
    headcount = int(rng.randint(5, 300) * growth)
    return dict(revenue=revenue, tax_paid=(revenue * Decimal(rng.randint(1, 8)) / 100).quantize(Decimal("1")),
                rd_expense=(revenue * Decimal(rng.randint(0, 12)) / 100).quantize(Decimal("1")),
                financing=Decimal(rng.choice([0, 0, 30, 100, 300])) * 10000, headcount=headcount,
                graduates=headcount // 2, high_level_talents=rng.randint(0, 5), ip_invention=rng.randint(0, 3),
                ip_utility=rng.randint(0, 6), ip_software=rng.randint(0, 4), new_qualifications=rng.randint(0, 2),
                new_products=rng.randint(0, 4))


def assessment_dataset(conn, ctx: Ctx) -> None:
    """Last year's campaign closed for filing with a verified filing of every company and two
    submitted reviewer sheets each (ranked by the benchmark itself), the year before's closed
    one (for the growth indicators), an interim one open and a cancelled one."""
    rng, year, n = ctx.rng, ctx.today.year - 1, ctx.size.companies
    reviewer2 = conn.scalar(sa.select(sa.func.max(User.id))) + 1
    insert(conn, User, [dict(id=reviewer2, username="bench_reviewer2", display_name=f"reviewer {ctx.fake.name()}",
                             password_hash=hash_password("Bench@2026"), company_id=None)], ctx)
    insert(conn, UserRole, [dict(user_id=reviewer2, role=Role.REVIEWER)], ctx)
    campaigns = [(1, year - 1, CampaignKind.ANNUAL, CampaignState.CLOSED), (2, year, CampaignKind.ANNUAL,
                                                                              CampaignState.REVIEWING),
                 (3, year + 1, CampaignKind.INTERIM, CampaignState.OPEN), (4, year, CampaignKind.INTERIM,
                                                                          CampaignState.CANCELLED)]
    insert(conn, Campaign, [dict(id=cid, name=f"{y}年度{'考核' if kind == CampaignKind.ANNUAL else '中期考核'}{cid}",
                                 year=y, kind=kind, scheme_id=1, state=state, opens_on=dt.date(y + 1, 1, 5),
                                 closes_on=dt.date(y + 1, 3, 31), created_by_id=1,
                                 published_on=dt.date(y + 1, 4, 27) if state == CampaignState.CLOSED else None,
                                 appeals_close_on=dt.date(y + 1, 5, 13) if state == CampaignState.CLOSED else None)
                            for cid, y, kind, state in campaigns], ctx)
    filings, assignments, scores = [], [], []
    for campaign_id, count in ((1, n * 7 // 10), (2, n), (3, 50)):
        for cid in range(1, count + 1):
            fid = len(filings) + 1
            verified = campaign_id < 3 or cid % 3 == 0
            submitted = moment(ctx, 300 if campaign_id == 2 else 20)
            filings.append(dict(id=fid, campaign_id=campaign_id, company_id=cid,
                                state=FilingState.VERIFIED if verified else FilingState.SUBMITTED,
                                submitted_at=submitted, verified_at=submitted if verified else None,
                                verified_by_id=1 if verified else None,
                                **_figures(rng, 1.0 if campaign_id == 1 else 1 + rng.random() / 2)))
            if campaign_id != 2:
                continue
            for reviewer in (ctx.users.get("reviewer", 3), reviewer2):
                aid = len(assignments) + 1
                assignments.append(dict(id=aid, filing_id=fid, reviewer_id=reviewer, assigned_by_id=1,
                                        state="submitted", declared_at=submitted, submitted_at=submitted))
                scores += [dict(assignment_id=aid, indicator=key, score=Decimal(rng.randint(cap * 4, cap * 10)) / 10)
                           for key, cap in REVIEWER_ITEMS.items()]
    insert(conn, Filing, filings, ctx)
    insert(conn, ReviewerAssignment, assignments, ctx)
    insert(conn, ReviewerScore, scores, ctx)
    ctx.ids["campaign_id"] = 2
    ctx.users.setdefault("lead", 4)


# exit state → share of the cases; the workflow steps that lead there (after "propose")
EXIT_STATES = {"proposed": 12, "prepared": 8, "reviewed": 6, "approved": 4, "executed": 30, "archived": 25,
               "rejected": 5, "withdrawn": 10}
EXIT_STEPS = {"proposed": [], "prepared": ["prepare"], "reviewed": ["prepare", "review"],
              "approved": ["prepare", "review", "approve"], "executed": ["prepare", "review", "approve", "execute"],
              "archived": ["prepare", "review", "approve", "execute", "archive"],
              "rejected": ["prepare", "review", "reject"], "withdrawn": ["withdraw"]}
EXIT_TARGET = {"prepare": "prepared", "review": "reviewed", "approve": "approved", "execute": "executed",
               "archive": "archived", "reject": "rejected", "withdraw": "withdrawn"}
EXIT_ACTORS = {"prepare": 1, "review": 4, "execute": 1, "archive": 1, "withdraw": 1}


def _exit_settlement(exit_on: dt.date, prepared_on: dt.date, arrears: Decimal, deposit: Decimal) -> dict:
    money = {"arrears": arrears, "clawback": Decimal("0.00"), "damage": Decimal("0.00"), "deposit": deposit,
             "prepaid": Decimal("0.00"), "deposit_refund": deposit, "prepaid_refund": Decimal("0.00"),
             "forfeited": Decimal("0.00"), "owed_by_company": arrears, "owed_to_company": deposit,
             "net": arrears - deposit}
    return {"exit_on": exit_on.isoformat(), "departure_approved": True, "prepared_on": prepared_on.isoformat(),
            "policy_version": 1, "leases": [], "clawback": None, "earlier_clawbacks": [], "damage_note": None,
            "figures": {k: f"{v:.2f}" for k, v in money.items()}}


def exits_dataset(conn, ctx: Ctx) -> None:
    """Some hundreds of exit cases in every state, one company each (at most one open case per
    company), with their history."""
    rng, n = ctx.rng, max(200, ctx.size.companies // 2)
    states = rng.choices(list(EXIT_STATES), weights=list(EXIT_STATES.values()), k=n)
    commander = conn.scalar(sa.select(sa.func.max(User.id))) + 1
    insert(conn, User, [dict(id=commander, username="bench_commander", display_name=f"commander {ctx.fake.name()}",
                             password_hash=hash_password("Bench@2026"), company_id=None)], ctx)
    insert(conn, UserRole, [dict(user_id=commander, role=Role.COMMANDER)], ctx)
    actors = EXIT_ACTORS | {"approve": commander, "reject": commander}
    companies = rng.sample(range(2, ctx.size.companies + 1), n)
    cases, events = [], []
    for i, (state, company_id) in enumerate(zip(states, companies, strict=True), start=1):
        days = rng.randint(5, 700)
        raised = ctx.today - dt.timedelta(days=days)
        exit_on = raised + dt.timedelta(days=rng.randint(20, 90))
        prepared = state not in ("proposed", "withdrawn")
        arrears, deposit = Decimal(rng.randint(0, 30000)), Decimal(rng.randint(5000, 60000))
        kind = rng.choice(list(ExitKind))
        cases.append(dict(
            id=i, number=f"TC-{raised.year}-B{i:05d}", company_id=company_id, policy_id=1, kind=kind,
            breach_type="sublet" if kind == ExitKind.BREACH else None,
            origin=ExitOrigin.SYSTEM if kind in (ExitKind.GRADUATION, ExitKind.LEASE_EXPIRY) else ExitOrigin.OPERATOR,
            reason="连续两次考核不合格" if kind == ExitKind.CONSECUTIVE_FAILURES else "经核查符合退出条件",
            state=state, planned_exit_on=exit_on, response_due_on=raised + dt.timedelta(days=14),
            departure_approved=True, arrears=arrears if prepared else Decimal(0),
            deposit_refund=deposit if prepared else Decimal(0), net=arrears - deposit if prepared else Decimal(0),
            checklist={k: {"done": True, "note": None} for k in ("keys", "access_cards", "unit_inspected",
                                                                  "documents_returned")} if prepared else None,
            settlement=_exit_settlement(exit_on, raised + dt.timedelta(days=7), arrears, deposit) if prepared else None,
            executed_on=exit_on if state in ("executed", "archived") else None,
            created_at=moment(ctx, days), updated_at=moment(ctx, max(days - 10, 0))))
        events.append(dict(object_type="exit_case", object_id=i, action="propose", from_state="",
                           to_state="proposed", actor_id=1, comment=None, visible_to_company=True,
                           at=moment(ctx, days)))
        source = "proposed"
        for step_no, action in enumerate(EXIT_STEPS[state], start=1):
            events.append(dict(object_type="exit_case", object_id=i, action=action, from_state=source,
                               to_state=EXIT_TARGET[action], actor_id=actors[action], comment="同意",
                               visible_to_company=True, at=moment(ctx, max(days - 3 * step_no, 0))))
            source = EXIT_TARGET[action]
    insert(conn, ExitCase, cases, ctx)
    insert(conn, WorkflowEvent, events, ctx)
    ctx.ids["exit_case_id"] = next(c["id"] for c in cases if c["state"] == "executed")
    ctx.ids["open_exit_case_id"] = next(c["id"] for c in cases if c["state"] == "reviewed")


BUDGET_STATES = {"paid": 80, "approved": 6, "submitted": 5, "returned": 2, "rejected": 2, "withdrawn": 3, "draft": 2}
BUDGET_STEPS = {"draft": ["draft"], "submitted": ["draft", "submit"], "returned": ["draft", "submit", "return"],
                "rejected": ["draft", "submit", "reject"], "withdrawn": ["draft", "submit", "withdraw"],
                "approved": ["draft", "submit", "approve_lead"], "paid": ["draft", "submit", "approve_lead", "pay"]}
BUDGET_TARGET = {"draft": "draft", "submit": "submitted", "return": "returned", "reject": "rejected",
                 "withdraw": "withdrawn", "approve_lead": "approved", "pay": "paid"}


def budget_dataset(conn, ctx: Ctx) -> None:
    """The HQ budget: four years of yearly budgets per category and 1,500 expense requests a year in every
    state (mostly paid), with their history; line totals are the sums of their requests."""
    from incubator.budget.models import BudgetCategory, BudgetLine, ExpenseRequest

    rng, this_year = ctx.rng, ctx.today.year
    categories = [cid for cid, in conn.execute(sa.select(BudgetCategory.id).order_by(BudgetCategory.id))]
    policy_id = conn.scalar(sa.text("SELECT id FROM budget_policies WHERE version = 1"))
    requests, events, totals = [], [], {}
    for year in range(this_year - 3, this_year + 1):
        for _ in range(1500):
            n = len(requests) + 1
            state = rng.choices(list(BUDGET_STATES), weights=list(BUDGET_STATES.values()))[0] \
                if year == this_year else rng.choice(["paid"] * 9 + ["rejected", "withdrawn"])
            amount = Decimal(rng.randint(2000, 95000))
            if n % 50 == 0:
                amount = Decimal(rng.randint(100000, 450000))
            tier = "lead" if amount < 100000 else "deputy" if amount < 300000 else "commander"
            days = (ctx.today - dt.date(year, 1, 1)).days - rng.randint(0, 360) if year < this_year \
                else rng.randint(1, max(2, ctx.today.timetuple().tm_yday - 1))
            days = max(days, 1)
            category = rng.choice(categories)
            key = (year, category)
            committed, spent = totals.get(key, (Decimal(0), Decimal(0)))
            if state == "approved":
                committed += amount
            elif state == "paid":
                spent += amount
            totals[key] = (committed, spent)
            requests.append(dict(
                id=n, number=f"ZC-{year}-B{n:05d}", year=year, category_id=category,
                title=f"{rng.choice(['办公用品采购', '宣传推广服务', '劳务派遣服务', '专家评审', '设施维护'])}{n}",
                purpose="按合同及验收单据实列支。", payee=ctx.fake.company(), amount=amount, tier=tier, policy_id=policy_id,
                state=state, requested_by_id=1, submitted_at=None if state == "draft" else moment(ctx, days),
                decided_by_id=4 if state in ("approved", "paid", "rejected") else None,
                decided_at=moment(ctx, max(days - 2, 0)) if state in ("approved", "paid", "rejected") else None,
                decision_reason=None, payment_reference=f"GK{n:08d}" if state == "paid" else None,
                paid_on=(ctx.today - dt.timedelta(days=max(days - 9, 0))) if state == "paid" else None,
                version=len(BUDGET_STEPS[state]), created_at=moment(ctx, days), updated_at=moment(ctx, max(days - 9, 0))))
            source = ""
            for step_no, action in enumerate(BUDGET_STEPS[state]):
                events.append(dict(object_type="expense_request", object_id=n, action=action, from_state=source,
                                   to_state=BUDGET_TARGET[action], actor_id=4 if action in ("approve_lead", "return", "reject")
                                   else 1, comment=None, visible_to_company=True,
                                   at=moment(ctx, max(days - 3 * step_no, 0))))
                source = BUDGET_TARGET[action]
    lines = [dict(year=year, category_id=category, budget=(committed + spent) * Decimal("1.15") + Decimal(200000),
                  committed=committed, spent=spent, note=None, version=1)
             for (year, category), (committed, spent) in sorted(totals.items())]
    insert(conn, BudgetLine, lines, ctx)
    insert(conn, ExpenseRequest, requests, ctx)
    insert(conn, WorkflowEvent, events, ctx)
    ctx.ids["expense_request_id"] = next(r["id"] for r in requests if r["state"] == "paid")
    ctx.ids["open_expense_request_id"] = next((r["id"] for r in requests if r["state"] == "submitted"
                                               and r["tier"] == "deputy"), requests[-1]["id"])
    ctx.ids["this_year"] = this_year
    ctx.ids.setdefault("last_year", this_year - 1)


def meetings_dataset(conn, ctx: Ctx) -> None:
    """Two years of meetings: a monthly coordination meeting and work-group meetings twice a month, held
    with attendance, ten-odd resolutions each and issued minutes (numbers only, no PDFs); the next
    coordination meeting scheduled with an agenda of open items."""
    from incubator.meetings.models import AgendaItem, Attendee, Meeting, MeetingType, Resolution

    rng = ctx.rng
    types = {code: tid for code, tid in conn.execute(sa.select(MeetingType.code, MeetingType.id))}
    staff = [uid for uid, in conn.execute(sa.select(User.id).where(User.company_id.is_(None)).order_by(User.id))]
    chair = conn.scalar(sa.select(User.id).where(User.username == "bench_commander")) or staff[0]
    claims = [cid for cid, in conn.execute(sa.select(SubsidyClaim.id).order_by(SubsidyClaim.id))] or [1]
    meetings, items, resolutions, attendees = [], [], [], []
    plan = [(days, "coordination") for days in range(10, 730, 30)] + \
           [(days, "work_group_integrated") for days in range(5, 730, 15)]
    for n, (days, code) in enumerate(sorted(plan, reverse=True), start=1):
        starts = moment(ctx, days)
        meetings.append(dict(id=n, number=f"HY-{starts.year}-B{n:04d}", type_id=types[code],
                             title=f"{starts.year}年{starts.month}月{starts.day}日{'工作协调会' if code == 'coordination' else '综合统筹组工作例会'}",
                             state="minutes_issued", starts_at=starts, place="现场指挥部第一会议室", chair_id=chair,
                             secretary_id=staff[0], held_at=starts, minutes="会议听取了各工作组的工作汇报。" * 20,
                             signed_off_at=starts, version=1, created_at=starts, updated_at=starts))
        for a, uid in enumerate(staff[:8]):
            attendees.append(dict(meeting_id=n, user_id=uid, name=f"参会人员{uid}", title="成员", present=a != 3,
                                  note="请假" if a == 3 else None, position=a))
        for position in range(1, rng.randint(8, 15)):
            claim_id = rng.choice(claims)
            item_id = len(items) + 1
            items.append(dict(id=item_id, meeting_id=n, position=position, kind="subsidy_claim", object_id=claim_id,
                              title=f"BT-B-{claim_id:05d} 补贴拨付事项", summary="2026年租金补贴", tier="deputy",
                              amount=Decimal(rng.randint(100000, 299999)), endpoint="subsidies.claim",
                              values={"claim_id": claim_id}, state="resolved", added_at=starts, version=1))
            resolutions.append(dict(item_id=item_id, meeting_id=n, kind="subsidy_claim", object_id=claim_id,
                                    outcome=rng.choice(["agreed"] * 8 + ["not_agreed", "deferred"]),
                                    text="同意按核定金额拨付。", version=1, created_at=starts, updated_at=starts))
    n = len(meetings) + 1
    starts = moment(ctx, -3)
    meetings.append(dict(id=n, number=f"HY-{starts.year}-B{n:04d}", type_id=types["coordination"],
                         title="下月工作协调会", state="scheduled", starts_at=starts, place="现场指挥部第一会议室",
                         chair_id=chair, secretary_id=staff[0], held_at=None, minutes=None, signed_off_at=None,
                         version=1, created_at=starts, updated_at=starts))
    for position in range(1, 13):  # open items on matters no one else holds
        items.append(dict(id=len(items) + 1, meeting_id=n, position=position, kind="exit_case", object_id=100000 + position,
                          title=f"TC-B-{position:04d} 退出事项", summary=None, tier=None, amount=None,
                          endpoint="exits.case",
                          values={"case_id": ctx.ids.get("open_exit_case_id", 1)}, state="open", added_at=starts,
                          version=1))
    for a, uid in enumerate(staff[:8]):
        attendees.append(dict(meeting_id=n, user_id=uid, name=f"参会人员{uid}", title="成员", present=None, note=None,
                              position=a))
    insert(conn, Meeting, meetings, ctx)
    insert(conn, AgendaItem, items, ctx)
    insert(conn, Resolution, resolutions, ctx)
    insert(conn, Attendee, attendees, ctx)
    ctx.ids["meeting_id"] = 1
    ctx.ids["open_meeting_id"] = n


DOSSIER_DOCUMENTS = 200  # the auditor's dossier benchmark: one company with this many uploaded documents


def dossier_dataset(conn, ctx: Ctx) -> None:
    """One more tenant with 200 uploaded documents (a quarter in 2–3 versions), 30 issued PDFs and 300
    audit entries of its own — with the files really written to the store, as the dossier reads them.
    Sizes are those of scans (20–800 KB) and the bytes random, so nothing compresses (like PDFs, JPEGs)."""
    import hashlib

    from flask import current_app

    from incubator.certificates.models import IssuedDocument
    from incubator.documents.storage import FileStore

    rng, store = random.Random(77), FileStore(current_app.config["UPLOAD_DIR"])
    cid = conn.scalar(sa.select(sa.func.max(Company.id))) + 1
    insert(conn, Company, [dict(id=cid, name="东莞审计档案基准科技有限公司", credit_code=credit_code(rng), legal_rep="周敏",
                                track=IndustryTrack.DIGITAL, sub_field="工业软件", status=CompanyStatus.TENANT,
                                moved_in_on=ctx.today - dt.timedelta(days=700), headcount=40)], ctx)

    def stored(label: str) -> tuple[str, str, int]:
        key = f"{rng.getrandbits(128):032x}"
        key = f"{key[:2]}/{key[2:4]}/{key}"
        data = b"%PDF-1.4\n% " + label.encode() + b"\n" + rng.randbytes(rng.randint(20_000, 800_000))
        path = store.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return key, hashlib.sha256(data).hexdigest(), len(data)

    first_doc = conn.scalar(sa.select(sa.func.max(Document.id))) or 0
    docs, versions, issued = [], [], []
    for n in range(1, DOSSIER_DOCUMENTS + 1):
        doc_id, (category, title) = first_doc + n, rng.choice(DOC_KINDS)
        count = rng.choice([1, 1, 1, 1, 1, 1, 2, 2, 3])
        created = moment(ctx, rng.randint(30, 700))
        docs.append(dict(id=doc_id, company_id=cid, category=category, title=f"{title}（{n}）", created_by_id=1,
                         created_at=created, current_version_no=count))
        for no in range(1, count + 1):
            key, sha256, size = stored(f"{doc_id} v{no}")
            versions.append(dict(document_id=doc_id, version_no=no, display_name=f"{title}-v{no}.pdf", storage_key=key,
                                 sha256=sha256, size=size, mime="application/pdf", uploaded_by_id=1,
                                 uploaded_at=created + dt.timedelta(days=no - 1)))
    for n in range(1, 31):
        key, sha256, size = stored(f"issued {n}")
        issued.append(dict(number=f"SX-DA-BENCH-{n:05d}", kind="company_dossier", title="企业档案", company_id=cid,
                           subject_type="company", subject_id=cid, verify_code=f"bench-dossier-{n}",
                           data_fingerprint="0" * 64, sha256=sha256, storage_key=key, size=size, issued_by_id=1,
                           issued_at=moment(ctx, 700 - 20 * n), valid_until=None, revoked_at=None,
                           revoked_reason=None, superseded_by_id=None))
    insert(conn, Document, docs, ctx)
    insert(conn, DocumentVersion, versions, ctx)
    insert(conn, IssuedDocument, issued, ctx)
    last = conn.execute(sa.select(AuditEntry.id, AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc())
                        .limit(1)).first()
    prev, rows = last.hash, []
    for i in range(1, 301):  # the chain continues from the last sealed entry
        entry = types.SimpleNamespace(
            id=last.id + i, seq=last.seq + i, at=moment(ctx, (300 - i) * 2), actor_id=1, actor_name="bench",
            action=rng.choice(["document.upload", "document.version_add", "company.update", "lease.sign"]),
            object_type="documents", object_id=first_doc + rng.randint(1, DOSSIER_DOCUMENTS), company_id=cid,
            summary=f"档案 {i}", before=None, after={"n": i})
        entry.prev_hash, entry.hash = prev, entry_hash(entry, prev)
        prev = entry.hash
        rows.append(vars(entry))
    insert(conn, AuditEntry, rows, ctx)
    ctx.ids["dossier_company_id"] = cid
    ctx.shared["dossier"] = (len(versions), len(issued), sum(v["size"] for v in versions) + sum(i["size"] for i in issued))


def measure_dossier(app, ctx: Ctx, counter: QueryCounter, runs: int = 3) -> Row:
    """The auditor's dossier ZIP of the 200-document company, built as the background job builds it
    (tasks.run_job: plan, copy and hash every file, audit sheet, index PDF, store): median of `runs`."""
    from incubator.documents.storage import file_store
    from incubator.dossier import services, tasks
    times, queries, index_ms = [], [], []
    render = services.render_pdf

    def timed_render(template, context):  # how much of it is the index PDF
        start = time.perf_counter()
        try:
            return render(template, context)
        finally:
            index_ms.append((time.perf_counter() - start) * 1000)

    services.render_pdf = timed_render
    try:
        with app.app_context():
            session = db.session
            supervisor = session.scalar(sa.select(User).where(User.username == "bench_supervisor"))
            company = session.get(Company, ctx.ids["dossier_company_id"])
            for _ in range(runs):
                job, _created = services.request_dossier(session, supervisor, company)
                session.commit()
                counter.count = 0
                start = time.perf_counter()
                state = tasks.run_job(job.id)
                times.append((time.perf_counter() - start) * 1000)
                queries.append(counter.count)
                session.refresh(job)
                if state != "done":
                    return Row("dossier ZIP", status=state, note=(job.error or "")[:70])
                size = job.size
                file_store().path(job.storage_key).unlink()  # 126 MB each: the throwaway store keeps none
    finally:
        services.render_pdf = render
    versions, issued, stored = ctx.shared["dossier"]
    median = statistics.median(times)
    return Row(f"dossier ZIP, {DOSSIER_DOCUMENTS} docs", median_ms=median, p95_ms=max(times), queries=spread(queries),
               kb=size / 1024, note=f"{versions} versions + {issued} issued, {stored / 2**20:.0f} MB; index PDF "
                                        f"{statistics.median(index_ms) / 1000:.1f} s of it; median of {runs}")


def reports_dataset(conn, ctx: Ctx) -> None:
    """No rows of its own (the dashboard and the reports read everyone's): the commander signs in to them."""
    ctx.users["commander"] = conn.scalar(sa.select(User.id).where(User.username == "bench_commander")) or 1
    ctx.ids["last_year"] = ctx.today.year - 1


DATASETS = [spaces_dataset, companies_dataset, accounts_dataset, leases_dataset, documents_dataset, audit_dataset,
            admission_dataset, ledger_dataset, subsidies_dataset, assessment_dataset, exits_dataset, budget_dataset,
            meetings_dataset,
            dossier_dataset,
            reports_dataset]


# --- database --------------------------------------------------------------------------------

def fresh_database(url: str | None, tmp: Path) -> str:
    if url is None:
        return f"sqlite:///{tmp / 'bench.db'}"
    if url.startswith("sqlite") and Path(url.removeprefix("sqlite:///")).exists():
        raise SystemExit(f"{url} exists: the benchmark needs a new SQLite file (or none, for a temp one)")
    if url.startswith("postgresql"):
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        engine.dispose()
    return url


def load_data(url: str, ctx: Ctx) -> None:
    engine = db.engine
    with engine.begin() as conn:
        for dataset in DATASETS:
            dataset(conn, ctx)
        if url.startswith("postgresql"):  # explicit ids: move the sequences past them
            for table in Base.metadata.sorted_tables:
                if "id" in table.c and table.c.id.primary_key:
                    conn.exec_driver_sql(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)")
    with engine.begin() as conn:  # planner statistics, as a live database would have
        conn.exec_driver_sql("ANALYZE")


# --- measuring -------------------------------------------------------------------------------

@dataclass
class Row:
    name: str
    status: str = "200"
    median_ms: float | None = None
    p95_ms: float | None = None
    queries: str = ""
    kb: float | None = None
    note: str = ""


class QueryCounter:
    """SQL statements sent to the database (SQLite's explicit BEGIN IMMEDIATE is not a query)."""

    def __init__(self, engine):
        self.count = 0
        sa.event.listen(engine, "before_cursor_execute", self._tick)

    def _tick(self, _conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith("BEGIN"):
            self.count += 1


def spread(queries: list[int]) -> str:
    return f"{min(queries)}" if min(queries) == max(queries) else f"{min(queries)}–{max(queries)}"


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18] if len(values) > 1 else values[0]


def time_requests(client, url: str, n: int, counter: QueryCounter | None,
                  follow: bool = False) -> tuple[list[float], list[int], object]:
    times, queries, resp = [], [], None
    for _ in range(n):
        if counter:
            counter.count = 0
        start = time.perf_counter()
        resp = client.get(url, follow_redirects=follow)
        times.append((time.perf_counter() - start) * 1000)
        if counter:
            queries.append(counter.count)
    return times, queries, resp


def measure_page(client, page: Page, url: str, n: int, counter: QueryCounter) -> Row:
    first = client.get(url, follow_redirects=page.follow)  # warm-up; also tells whether the page exists yet
    if first.status_code != 200:
        where = first.headers.get("Location", "")
        return Row(page.name, status=str(first.status_code), note=f"→ {where}" if where else "not measured")
    times, queries, resp = time_requests(client, url, n, counter, page.follow)
    return Row(page.name, median_ms=statistics.median(times), p95_ms=p95(times), queries=spread(queries),
               kb=len(resp.data) / 1024,
               note=f"later {resp.status_code}" if resp.status_code != 200 else
               f"via {len(resp.history)} redirect(s)" if resp.history else "")


def measure_hello(n: int) -> Row:
    hello = Flask("hello")
    hello.add_url_rule("/", "hello", lambda: "hello")
    with hello.test_client() as client:
        time_requests(client, "/", 20, None)
        times, _q, resp = time_requests(client, "/", n, None)
    return Row("flask hello (floor)", median_ms=statistics.median(times), p95_ms=p95(times), queries="0",
               kb=len(resp.data) / 1024)


def touch_company(company_id: int):
    return sa.update(Company).where(Company.id == company_id).values(headcount=Company.headcount + 1)


def touch_application(app_id: int):
    return sa.update(Application).where(Application.id == app_id).values(
        project_name=sa.func.substr(Application.project_name, 1, 60) + "·")


def measure_pdf(app, client, name: str, url: str, touch, counter: QueryCounter, warm_runs: int = 5) -> list[Row]:
    """Cold (first render in the process), warm (data changed by the `touch` statement →
    re-rendered), cached (unchanged → served from storage) and the bare renderer on the same
    data, for the 1.3× goal."""
    captured = _capture_renders()
    counter.count = 0
    start = time.perf_counter()
    first = client.get(url)
    cold_ms = (time.perf_counter() - start) * 1000
    if first.status_code != 200 or first.mimetype != "application/pdf":
        return [Row(f"{name} PDF", status=str(first.status_code), note=f"not measured ({first.mimetype})")]
    rows = [Row(f"{name} PDF cold", median_ms=cold_ms, queries=str(counter.count), kb=len(first.data) / 1024,
                note="first render in process")]
    warm, queries, statuses = [], [], set()
    for _ in range(warm_runs):
        with db.engine.begin() as conn:  # changed data → a new issue, rendered again
            conn.execute(touch)
        counter.count = 0
        start = time.perf_counter()
        resp = client.get(url)
        warm.append((time.perf_counter() - start) * 1000)
        queries.append(counter.count)
        statuses.add(resp.status_code)
    rows.append(Row(f"{name} PDF warm", status="/".join(map(str, sorted(statuses))), median_ms=statistics.median(warm),
                    p95_ms=max(warm), queries=spread(queries), kb=len(resp.data) / 1024,
                    note=f"re-rendered, median of {warm_runs}"))
    times, q, resp = time_requests(client, url, warm_runs, counter)
    rows.append(Row(f"{name} PDF unchanged", median_ms=statistics.median(times), p95_ms=max(times),
                    queries=spread(q), kb=len(resp.data) / 1024, note="served from storage"))
    if captured:
        from incubator.certificates import pdf
        template, context = captured[-1]
        bare = []
        with app.app_context():
            for _ in range(warm_runs):
                start = time.perf_counter()
                pdf.render_pdf(template, context)
                bare.append((time.perf_counter() - start) * 1000)
        ratio = rows[1].median_ms / statistics.median(bare)
        rows.append(Row(f"{name} renderer only", median_ms=statistics.median(bare), p95_ms=max(bare), queries="0",
                        note=f"warm request = {ratio:.2f}× this (goal ≤ 1.3×)"))
    return rows


def measure_reports(app, client, ctx: Ctx, counter: QueryCounter, runs: int = 5) -> list[Row]:
    """The on-demand reports (rendered on every request, nothing stored): the annual report of this
    year and of last year, the bi-weekly report, and the SQL of a year's figures alone."""
    from incubator.reports import rules, services
    rows = []
    fortnight = rules.last_complete_fortnight(ctx.today).start.isoformat()
    for name, url in ((f"annual report {ctx.today.year}", f"/reports/annual.pdf?year={ctx.today.year}"),
                      (f"annual report {ctx.today.year - 1}", f"/reports/annual.pdf?year={ctx.today.year - 1}"),
                      ("bi-weekly report", f"/reports/biweekly.pdf?start={fortnight}")):
        counter.count = 0
        start = time.perf_counter()
        first = client.get(url)
        cold = (time.perf_counter() - start) * 1000
        if first.status_code != 200 or first.mimetype != "application/pdf":
            rows.append(Row(f"{name} PDF", status=str(first.status_code), note=f"not measured ({first.mimetype})"))
            continue
        times, queries, resp = time_requests(client, url, runs, counter)
        rows.append(Row(f"{name} PDF", median_ms=statistics.median(times), p95_ms=max(times), queries=spread(queries),
                        kb=len(resp.data) / 1024, note=f"median of {runs}; first {cold:.0f} ms"))
    with app.app_context():
        times, queries = [], []
        for _ in range(runs):
            counter.count = 0
            start = time.perf_counter()
            services.year_overview(db.session, ctx.today.year, ctx.today)
            times.append((time.perf_counter() - start) * 1000)
            queries.append(counter.count)
        db.session.rollback()
    rows.append(Row("year figures (SQL only)", median_ms=statistics.median(times), p95_ms=max(times),
                    queries=spread(queries), note="services.year_overview, no rendering"))
    return rows


def _capture_renders() -> list:
    """Record what the certificates service renders, to time the bare renderer on the same data."""
    try:
        from incubator.certificates import services
    except ImportError:
        return []
    real = getattr(services, "render_pdf", None)
    if real is None:
        return []
    captured = []

    def render(template, context):
        captured.append((template, context))
        return real(template, context)

    services.render_pdf = render
    return captured


def touch_company_name(company_id: int):
    return sa.update(Company).where(Company.id == company_id).values(name=sa.func.substr(Company.name, 1, 60) + "·")


def measure_engine(app, batch_id: int, counter: QueryCounter) -> Row:
    """policies.calculate for every company against one batch, as an operator computing a whole
    batch would: per company median, p95 and queries; the total in the note."""
    from incubator.subsidies import policies
    times, queries = [], []
    with app.app_context():
        session = db.session
        batch = session.get(SubsidyBatch, batch_id)
        ids = session.scalars(sa.select(Company.id).order_by(Company.id)).all()
        start = time.perf_counter()
        for company_id in ids:
            counter.count = 0
            t = time.perf_counter()
            policies.calculate(session, session.get(Company, company_id), batch)
            times.append((time.perf_counter() - t) * 1000)
            queries.append(counter.count)
        total = time.perf_counter() - start
        session.rollback()
    return Row(f"engine, {len(ids):,} companies", median_ms=statistics.median(times), p95_ms=p95(times),
               queries=spread(queries), note=f"per company; whole batch {total:.2f} s = "
                                             f"{total * 1000 / len(ids):.2f} ms/company")


def measure_ranking(app, ctx: Ctx, counter: QueryCounter) -> Row:
    """rank_results on the campaign of all companies (scores, ranks, grades, writes the results),
    then the lead confirms and the operator publishes, so the ranking pages and reports have data."""
    from incubator.assessment import scoring
    with app.app_context():
        session = db.session
        campaign = session.get(Campaign, ctx.ids["campaign_id"])
        operator, lead = session.get(User, ctx.users["operator"]), session.get(User, ctx.users["lead"])
        counter.count = 0
        start = time.perf_counter()
        grades = scoring.rank_results(session, operator, campaign)
        session.commit()
        seconds = time.perf_counter() - start
        queries = counter.count
        scoring.confirm_results(session, lead, campaign)
        scoring.publish_results(session, operator, campaign)
        session.commit()
        from incubator.assessment.models import Result
        ctx.ids["result_id"] = session.scalar(sa.select(Result.id).where(Result.campaign_id == campaign.id,
                                                                         Result.company_id == 1))
    return Row(f"rank {sum(grades.values()):,} filings", median_ms=seconds * 1000, queries=str(queries),
               note=f"one run, {seconds:.2f} s; " + " ".join(f"{k} {v}" for k, v in sorted(grades.items())))


def login(client, user_id: int) -> None:
    with client.application.app_context():
        user = db.session.get(User, user_id)
        ident = user.get_id()
    with client.session_transaction() as s:
        s["_user_id"] = ident
        s["_fresh"] = True


def _pad(text: str, width: int) -> str:
    """Left-align in a terminal where CJK characters take two columns."""
    wide = sum(unicodedata.east_asian_width(ch) in "WF" for ch in text)
    return text + " " * max(0, width - len(text) - wide)


def print_table(rows: list[Row], hello_ms: float) -> None:
    head = f"{'page':<26} {'status':>6} {'median ms':>10} {'p95 ms':>8} {'×hello':>7} {'queries':>8} {'KB':>7}  note"
    print(head)
    print("-" * len(head))
    for r in rows:
        def num(v, fmt, width):
            return format(v, fmt) if v is not None else "–".rjust(width)
        ratio = f"{r.median_ms / hello_ms:.0f}" if r.median_ms is not None and hello_ms else "–"
        flag = " !" if r.queries and max(int(x) for x in r.queries.split("–")) >= 10 and "PDF" not in r.name else ""
        print(f"{_pad(r.name, 26)} {r.status:>6} {num(r.median_ms, '10.2f', 10)} {num(r.p95_ms, '8.2f', 8)} "
              f"{ratio:>7} {r.queries + flag:>8} {num(r.kb, '7.1f', 7)}  {r.note}")


class LastError(logging.Handler):
    """Keeps the app's last logged exception, to say why a page answered 500."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.message = ""

    def emit(self, record):
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            self.message = f"{type(exc).__name__}: {exc}"[:70]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", help="database URL (PostgreSQL: its public schema is DROPPED first); "
                                 "default: a fresh SQLite file in a temp dir")
    ap.add_argument("-n", "--requests", type=int, default=50, help="requests per page (default 50)")
    ap.add_argument("--companies", type=int, default=1000)
    ap.add_argument("--units", type=int, default=5000)
    ap.add_argument("--documents", type=int, default=20000)
    ap.add_argument("--audit", type=int, default=5000, help="audit entries")
    ap.add_argument("--applications", type=int, default=1000, help="admission applications (10 documents each)")
    ap.add_argument("--no-pdf", action="store_true", help="skip the dossier, certificate and approval-form PDFs")
    ap.add_argument("-v", "--verbose", action="store_true", help="show the app's error log")
    args = ap.parse_args(argv)

    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    tmp = Path(tempfile.mkdtemp(prefix="incubator-bench-"))
    url = fresh_database(args.db, tmp)
    total = time.perf_counter()
    start = time.perf_counter()
    migrate.upgrade(url)
    app = create_app({"DATABASE_URL": url, "INSTANCE_DIR": str(tmp / "instance"), "UPLOAD_DIR": str(tmp / "files"),
                      "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
    logging.getLogger().setLevel(logging.WARNING)
    last_error = LastError()
    app.logger.addHandler(last_error)
    app.logger.propagate = args.verbose  # tracebacks only when asked for
    migrate_s = time.perf_counter() - start

    fake = Faker("zh_CN")
    fake.seed_instance(7)
    ctx = Ctx(rng=random.Random(7), fake=fake, today=dt.date.today(), size=args)
    start = time.perf_counter()
    with app.app_context():
        load_data(url, ctx)
    print(f"database: {url.split('@')[-1] if '@' in url else url}")
    print(f"migrations {migrate_s:.1f} s; data {time.perf_counter() - start:.1f} s: "
          + ", ".join(f"{k} {v:,}" for k, v in ctx.rows.items()))
    print(f"{args.requests} requests per page, in process (test client); '!' marks ≥ 10 SQL queries; the approval "
          f"form is the paid claim with the most line items ({ctx.shared['approval_lines']})\n")

    counter = QueryCounter(db.engine)
    hello = measure_hello(max(args.requests, 200))
    rows, clients = [hello], {}
    for key, user_id in ctx.users.items():
        clients[key] = app.test_client()
        login(clients[key], user_id)
    try:
        rows.append(measure_ranking(app, ctx, counter))
    except Exception as exc:  # noqa: BLE001
        rows.append(Row("rank campaign", status="error", note=f"{type(exc).__name__}: {exc}"[:70]))
        ctx.ids.setdefault("result_id", 0)
    for page in PAGES:
        last_error.message = ""
        try:
            row = measure_page(clients[page.user], page, page.path.format(**ctx.ids), args.requests, counter)
        except Exception as exc:  # noqa: BLE001 - a broken page is a result, not the end of the run
            row = Row(page.name, status="error", note=f"{type(exc).__name__}: {exc}"[:70])
        if row.status == "500" and last_error.message:
            row.note = last_error.message
        rows.append(row)
    try:
        rows.append(measure_engine(app, ctx.ids["batch_id"], counter))
    except Exception as exc:  # noqa: BLE001
        rows.append(Row("engine (batch)", status="error", note=f"{type(exc).__name__}: {exc}"[:70]))
    if not args.no_pdf:  # the dossier ZIP renders its index PDF
        try:
            rows.append(measure_dossier(app, ctx, counter))
        except Exception as exc:  # noqa: BLE001
            rows.append(Row("dossier ZIP", status="error", note=f"{type(exc).__name__}: {exc}"[:70]))
    if not args.no_pdf:
        try:
            rows += measure_pdf(app, clients["operator"], "dossier", f"/certificates/dossier/{ctx.ids['company_id']}",
                                touch_company(ctx.ids["company_id"]), counter)
        except Exception as exc:  # noqa: BLE001
            rows.append(Row("dossier PDF", status="error", note=f"{type(exc).__name__}: {exc}"[:70]))
        try:
            rows += measure_pdf(app, clients["operator"], "certificate",
                                f"/admission/{ctx.ids['application_id']}/certificate.pdf",
                                touch_application(ctx.ids["application_id"]), counter)
        except Exception as exc:  # noqa: BLE001
            rows.append(Row("certificate PDF", status="error", note=f"{type(exc).__name__}: {exc}"[:70]))
        try:
            rows += measure_pdf(app, clients["operator"], "approval",
                                f"/subsidies/claims/{ctx.ids['claim_id']}/approval.pdf",
                                touch_company_name(ctx.ids["claim_company_id"]), counter)
        except Exception as exc:  # noqa: BLE001
            rows.append(Row("approval PDF", status="error", note=f"{type(exc).__name__}: {exc}"[:70]))
        try:
            rows += measure_pdf(app, clients["operator"], "assessment report",
                                f"/assessment/results/{ctx.ids['result_id']}/report.pdf", touch_company_name(1), counter)
        except Exception as exc:  # noqa: BLE001
            rows.append(Row("assessment report PDF", status="error", note=f"{type(exc).__name__}: {exc}"[:70]))
        try:
            rows += measure_reports(app, clients["commander"], ctx, counter)
        except Exception as exc:  # noqa: BLE001
            rows.append(Row("report PDFs", status="error", note=f"{type(exc).__name__}: {exc}"[:70]))
    print_table(rows, hello.median_ms)
    print(f"\ntotal {time.perf_counter() - total:.0f} s")
    db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
