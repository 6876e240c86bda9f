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
from incubator.documents.models import Document, DocumentVersion  # noqa: E402
from incubator.leases.models import BillingCycle, Lease, LeaseState, LeaseUnit  # noqa: E402
from incubator.models import Base  # noqa: E402
from incubator.spaces.models import Building, Carrier, Unit, UnitStatus, UnitType  # noqa: E402

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


DATASETS = [spaces_dataset, companies_dataset, accounts_dataset, leases_dataset, documents_dataset, audit_dataset,
            admission_dataset]


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
    ap.add_argument("--no-pdf", action="store_true", help="skip the dossier and certificate PDFs")
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
    print(f"{args.requests} requests per page, in process (test client); '!' marks ≥ 10 SQL queries\n")

    counter = QueryCounter(db.engine)
    hello = measure_hello(max(args.requests, 200))
    rows, clients = [hello], {}
    for key, user_id in ctx.users.items():
        clients[key] = app.test_client()
        login(clients[key], user_id)
    for page in PAGES:
        last_error.message = ""
        try:
            row = measure_page(clients[page.user], page, page.path.format(**ctx.ids), args.requests, counter)
        except Exception as exc:  # noqa: BLE001 - a broken page is a result, not the end of the run
            row = Row(page.name, status="error", note=f"{type(exc).__name__}: {exc}"[:70])
        if row.status == "500" and last_error.message:
            row.note = last_error.message
        rows.append(row)
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
    print_table(rows, hello.median_ms)
    print(f"\ntotal {time.perf_counter() - total:.0f} s")
    db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
