"""The demo community: the three carriers of SPEC §1 with their start-up zones, ~60 companies,
their leases and one demo user per role (password Demo@2026).

Deterministic: fixed seeds give the same community every time; dates are offsets from `today`
so the demo always looks current. The name and credit-code helpers also feed bench/run.py.
(The password and the seeded RNG are public on purpose: bandit B105/B311 are silenced.)
"""
from __future__ import annotations

import datetime as dt
import io
import itertools
import random
from decimal import Decimal

import sqlalchemy as sa
from faker import Faker
from sqlalchemy.orm import Session
from stdnum.cn import uscc
from werkzeug.datastructures import FileStorage

from .accounts.models import User, UserRole
from .accounts.services import hash_password
from .admission import services as admission
from .admission.models import ApplicationState
from .audit.services import record
from .companies.models import Agent, Company, CompanyStatus, IndustryTrack, Qualification, QualificationKind
from .core.calendar import add_working_days
from .core.formatting import today as shanghai_today
from .core.models import WorkflowEvent
from .core.roles import Role
from .core.system import SYSTEM
from .documents.services import add_version, upload_document
from .leases.models import BillingCycle, Lease, LeaseState, LeaseUnit
from .leases.rules import add_years
from .leases.services import lease_number, sign_lease
from .spaces.models import Building, Carrier, Unit, UnitStatus, UnitType

DEMO_PASSWORD = "Demo@2026"  # nosec B105
SEED = 20261122
D = Decimal
CENT = D("0.01")

# code, name, role, total area, start-up zone per unit type (m², all units are in the zone).
# KC's 15,000 m² of fitted-out office includes its labs: 1,500 m² of it are carved out as labs.
CARRIERS = [
    ("KC", "水乡科创中心（含零碳产业园）",
     "科研创新中心：技术研发型和生产性服务型企业、企业重点实验室、工程检测中心、新型研发机构；众创空间+孵化器+加速器",
     D("130000"), {UnitType.OFFICE: D("13500"), UnitType.LAB: D("1500")}),
    ("ZT", "中铁水乡科技智造中心",
     "TOD科技总部：人工智能、工业互联网、数字科技、电商贸易、直播电商、新能源汽车、储能及光伏、电池材料",
     D("86000"), {UnitType.FACTORY: D("13000"), UnitType.OFFICE: D("37000"), UnitType.APARTMENT: D("20000")}),
    ("HX", "水乡河西数字产业区 一期·二期", "综合智造基地：以生产制造为核心的高质量厂房",
     D("410000"), {UnitType.FACTORY: D("20000")}),
]

# (carrier, type) → buildings, units per floor, first floor, list rent range (元/m²/月)
LAYOUT = {
    ("KC", UnitType.OFFICE): (["A栋", "B栋", "C栋"], 8, 2, (42, 58)),
    ("KC", UnitType.LAB): (["零碳实验楼"], 4, 1, (50, 60)),
    ("ZT", UnitType.OFFICE): (["产研大厦A座", "产研大厦B座", "独栋总部"], 8, 3, (35, 55)),
    ("ZT", UnitType.FACTORY): (["智造厂房1栋", "智造厂房2栋"], 2, 1, (22, 28)),
    ("ZT", UnitType.APARTMENT): (["人才公寓1栋", "人才公寓2栋"], 16, 2, (25, 40)),
    ("HX", UnitType.FACTORY): (["一期1号厂房", "一期2号厂房", "二期3号厂房", "二期5号厂房"], 2, 1, (18, 25)),
}
# unit size in fen-free m²: (min, mode, max)
SIZES = {UnitType.OFFICE: (60, 220, 600), UnitType.LAB: (100, 220, 400),
         UnitType.FACTORY: (500, 1600, 3000), UnitType.APARTMENT: (30, 55, 90)}
APARTMENT_LAYOUTS = (35, 42, 48, 58, 68, 78, 88)
PROPERTY_FEE = {UnitType.OFFICE: D("6.50"), UnitType.LAB: D("8.00"), UnitType.FACTORY: D("3.50"),
                UnitType.APARTMENT: D("2.50")}
# share of each pool's lettable area that is leased
TARGET = {UnitType.OFFICE: 0.62, UnitType.LAB: 0.6, UnitType.FACTORY: 0.62, UnitType.APARTMENT: 0.58}

# sub-field → (track, words for the name, fits a factory)
SUB_FIELDS = {
    "人工智能": (IndustryTrack.DIGITAL, ["智能科技", "人工智能科技", "智算科技"], False),
    "工业互联网": (IndustryTrack.DIGITAL, ["工业互联网科技", "智造科技", "数字科技"], False),
    "大数据": (IndustryTrack.DIGITAL, ["数据科技", "云计算科技", "信息技术"], False),
    "电商贸易": (IndustryTrack.DIGITAL, ["电子商务", "跨境电商科技", "供应链科技"], False),
    "直播电商": (IndustryTrack.DIGITAL, ["网络科技", "文化传媒科技", "直播科技"], False),
    "关键电子元器件": (IndustryTrack.DIGITAL, ["电子科技", "微电子科技", "精密电子"], True),
    "5G通信": (IndustryTrack.DIGITAL, ["通信技术", "物联网科技", "无线科技"], True),
    "储能": (IndustryTrack.NEW_ENERGY, ["储能科技", "新能源科技", "能源技术"], True),
    "光伏": (IndustryTrack.NEW_ENERGY, ["光伏科技", "光能科技", "绿能科技"], True),
    "电池材料": (IndustryTrack.NEW_ENERGY, ["新材料科技", "电池材料", "锂电科技"], True),
    "新能源汽车零部件": (IndustryTrack.NEW_ENERGY, ["汽车零部件", "电驱科技", "智能汽车科技"], True),
    "氢能与燃料电池": (IndustryTrack.NEW_ENERGY, ["氢能科技", "燃料电池科技", "氢能源"], True),
    "新型研发机构": (IndustryTrack.RD_PLATFORM, ["智能制造研究院", "新能源研究院", "先进材料研究院"], False),
    "企业重点实验室": (IndustryTrack.RD_PLATFORM, ["工程技术研究中心", "联合实验室", "创新研究院"], False),
    "检验检测": (IndustryTrack.MODERN_SERVICES, ["检测技术", "检验认证", "质量检测技术"], False),
    "知识产权服务": (IndustryTrack.MODERN_SERVICES, ["知识产权代理", "知识产权服务", "专利事务"], False),
    "科技咨询": (IndustryTrack.MODERN_SERVICES, ["科技咨询", "科技服务", "企业管理咨询"], False),
    "研发设计": (IndustryTrack.MODERN_SERVICES, ["工业设计", "设计科技", "研发设计"], False),
    "科技金融": (IndustryTrack.MODERN_SERVICES, ["科技金融服务", "创业投资管理", "融资租赁"], False),
}
TOWNS = ("麻涌镇", "中堂镇", "望牛墩镇", "洪梅镇", "道滘镇", "南城街道", "松山湖")
_BRAND_A = "华宏鼎瑞聚博睿卓恒嘉弘泰达源翔智思立信德中天明汇盛新航凯腾安百"
_BRAND_B = "星辰创拓远科讯越途川峰锐诚益泽云启为能邦联合光禾铭"

# Tenants by the pool (carrier, type) they mostly occupy: count and the tracks they come from.
TENANT_POOLS = [
    ("KC", UnitType.OFFICE, 12, (IndustryTrack.DIGITAL, IndustryTrack.MODERN_SERVICES)),
    ("KC", UnitType.LAB, 3, (IndustryTrack.RD_PLATFORM,)),
    ("ZT", UnitType.OFFICE, 15, (IndustryTrack.DIGITAL, IndustryTrack.NEW_ENERGY, IndustryTrack.MODERN_SERVICES)),
    ("ZT", UnitType.FACTORY, 3, (IndustryTrack.NEW_ENERGY,)),
    ("HX", UnitType.FACTORY, 5, (IndustryTrack.NEW_ENERGY, IndustryTrack.DIGITAL)),
]
NEWLY_ADMITTED = 2  # tenants whose first lease still awaits signature
APPLICANTS, EXITED, GRADUATED = 10, 6, 4

# username, display name, roles; company members come from the tenants below
STAFF = [
    ("admin", "系统管理员 陈刚", [Role.ADMIN]),
    ("operator", "运营专员 王敏", [Role.OPERATOR]),
    ("reviewer1", "评审专家 李建华", [Role.REVIEWER]),
    ("reviewer2", "评审专家 周慧琳", [Role.REVIEWER]),
    ("reviewer3", "评审专家 郑国强", [Role.REVIEWER]),
    ("lead", "招商运营组组长 刘洋", [Role.LEAD]),
    ("deputy", "现场副指挥长 黄志明", [Role.DEPUTY]),
    ("commander", "指挥长 吴海峰", [Role.COMMANDER]),
    ("supervisor", "市科技局监督员 孙丽", [Role.SUPERVISOR]),
]
AGENTS = [("东莞市湾区招商服务有限公司", "林晓东"), ("广东粤创产业投资咨询有限公司", "何婷"),
          ("深圳前海众联招商顾问有限公司", "赵磊"), ("东莞水乡产业促进中心", "梁振宇")]


# --- helpers shared with the benchmark ----------------------------------------------------

def credit_code(rng: random.Random, region: str = "441900") -> str:
    """A valid 统一社会信用代码: 9 (工商) 1 (企业), region, organisation code with its
    GB 11714 check character, then the GB 32100 check character."""
    org = [rng.randint(0, 9) for _ in range(8)]
    c9 = 11 - sum(d * w for d, w in zip(org, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    body = "91" + region + "".join(map(str, org)) + {10: "X", 11: "0"}.get(c9, str(c9))
    return body + uscc.calc_check_digit(body)


def company_name(rng: random.Random, sub_field: str) -> str:
    words = SUB_FIELDS[sub_field][1]
    brand = rng.choice(_BRAND_A) + rng.choice(_BRAND_B)
    if SUB_FIELDS[sub_field][0] == IndustryTrack.RD_PLATFORM:
        return f"东莞水乡{brand}{rng.choice(words)}有限公司"
    suffix = "股份有限公司" if rng.random() < 0.12 else "有限公司"
    return f"东莞市{brand}{rng.choice(words)}{suffix}"


def sub_fields_of(track: IndustryTrack, factory: bool = False) -> list[str]:
    return [k for k, (t, _w, fits) in SUB_FIELDS.items() if t == track and (fits or not factory)]


def split_area(rng: random.Random, total: Decimal, unit_type: UnitType) -> list[Decimal]:
    """Unit areas within the type's size range that add up exactly to `total`."""
    lo, mode, hi = SIZES[unit_type]
    remaining, lo_c, hi_c = int(total * 100), lo * 100, hi * 100
    areas = []
    while remaining > hi_c:
        if unit_type == UnitType.APARTMENT:
            cents = rng.choice(APARTMENT_LAYOUTS) * 100 + rng.randint(0, 99)
        else:
            cents = int(rng.triangular(lo, hi, mode) * 100)
        cents = max(lo_c, min(cents, hi_c, remaining - lo_c))  # what is left stays a valid unit
        areas.append(cents)
        remaining -= cents
    areas.append(remaining)
    return [D(c) / 100 for c in areas]


def tiny_pdf(text: str) -> bytes:
    """A one-page PDF (A4) showing one line of ASCII text: small, valid, with a correct xref."""
    line = text.encode("ascii", "replace").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    stream = b"BT /F1 14 Tf 72 770 Td (" + line + b") Tj ET"
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (n, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


# --- the seed ---------------------------------------------------------------------------

def database_is_empty(session: Session) -> bool:
    return session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def seed_demo(session: Session, today: dt.date | None = None) -> None:
    """Load the demo community into an empty, migrated database (flushes; the caller commits)."""
    today = today or shanghai_today()  # the services' today (Asia/Shanghai), not the machine's UTC date
    rng = random.Random(SEED)  # nosec B311
    fake = Faker("zh_CN")
    fake.seed_instance(SEED)

    pools = _spaces(session, rng)
    agents = [Agent(name=n, contact_name=c, contact_phone=fake.phone_number()) for n, c in AGENTS]
    session.add_all(agents)
    companies = _companies(rng, fake, today, agents)
    session.add_all(c for c, _p in companies)
    session.flush()
    showcase, members = _leases(session, rng, today, pools, companies)
    password_hash = _users(session, members)
    # applicants without a lease: the newcomers with a lease awaiting signature came in before the stories
    leased = set(session.scalars(sa.select(Lease.company_id)))
    seed_admission(session, today, [c for c, _p in companies if c.status == CompanyStatus.APPLICANT
                                    and c.id not in leased], password_hash)
    from .demo_subsidies import seed_subsidies  # builds on this module's helpers
    seed_subsidies(session, today, password_hash)
    from .demo_assessment import seed_assessment
    seed_assessment(session, today, password_hash)
    from .demo_exits import seed_exits
    seed_exits(session, today)
    from .demo_budget import seed_budget  # before the meetings: they schedule what waits here
    seed_budget(session, today)
    from .demo_meetings import seed_meetings  # last: minutes of the meetings held, today's agenda
    seed_meetings(session, today)
    record(session, None, "demo.seed", None, summary="Demo community loaded",
           after={"carriers": len(CARRIERS), "units": sum(len(p) for p in pools.values()),
                  "companies": len(companies), "showcase_company_id": showcase.id})
    session.flush()


def _spaces(session: Session, rng: random.Random) -> dict[tuple[str, UnitType], list[Unit]]:
    pools: dict[tuple[str, UnitType], list[Unit]] = {}
    for order, (code, name, role, total, zone) in enumerate(CARRIERS):
        carrier = Carrier(code=code, name=name, role=role, total_area=total,
                          startup_area=sum(zone.values()), sort_order=order)
        session.add(carrier)
        for unit_type, area in zone.items():
            names, per_floor, first_floor, (rent_lo, rent_hi) = LAYOUT[(code, unit_type)]
            areas = split_area(rng, area, unit_type)
            per_building = -(-len(areas) // len(names))
            units = []
            for b, bname in enumerate(names):
                building = Building(carrier=carrier, name=bname)
                base_rent = D(rng.randint(rent_lo * 2, (rent_hi - 2) * 2)) / 2
                for i, unit_area in enumerate(areas[b * per_building:(b + 1) * per_building]):
                    floor = first_floor + i // per_floor
                    premium = D(rng.choice((0, 1, 2))) / 2 if floor > 5 else 0  # higher floors, better view
                    rent = min(base_rent + premium, D(rent_hi))
                    units.append(Unit(building=building, floor=floor, number=f"{floor}{i % per_floor + 1:02d}",
                                      type=unit_type, area=unit_area, list_rent=rent.quantize(CENT)))
            for unit in rng.sample(units, max(1, len(units) // 30)):
                unit.status = UnitStatus.OUT_OF_SERVICE
                unit.note = rng.choice(["装修改造中", "消防整改", "漏水维修", "作为公共配套使用"])
            session.add_all(units)
            pools[(code, unit_type)] = units
    session.flush()
    return pools


def _company(rng, fake, today, track, sub_field, status, factory=False) -> Company:
    young = status == CompanyStatus.APPLICANT
    founded = today - dt.timedelta(days=rng.randint(120, 700) if young else rng.randint(700, 3600))
    headcount = rng.randint(5, 30) if young else rng.randint(40, 260) if factory else rng.randint(10, 120)
    bachelor = int(headcount * rng.uniform(0.35, 0.9))
    return Company(
        name=company_name(rng, sub_field), credit_code=credit_code(rng), legal_rep=fake.name(),
        registered_capital=D(rng.choice([100, 200, 300, 500, 1000, 2000, 5000])) * 10000,
        founded_on=founded, track=track, sub_field=sub_field,
        description=f"专注于{sub_field}领域的技术研发、产品创新与产业化应用。",
        address=f"广东省东莞市{rng.choice(TOWNS)}{fake.street_address()}",
        contact_name=fake.name(), contact_phone=fake.phone_number(), contact_email=fake.email(),
        headcount=headcount, talents_bachelor=bachelor, talents_high_level=rng.randint(0, max(1, bachelor // 8)),
        ip_invention=rng.randint(0, 3 if young else 15), ip_utility=rng.randint(0, 5 if young else 40),
        ip_software=rng.randint(0, 4 if young else 30), ip_other=rng.randint(0, 6), status=status,
    )


def _qualify(company: Company, rng: random.Random, today: dt.date, rich: bool = False,
             high_tech: bool = False) -> None:
    """Qualifications with realistic validity: 科技型中小企业 and 瞪羚 yearly, 高新/专精特新 three years."""
    def add(kind, obtained, years, prefix):
        expires = add_years(obtained, years) - dt.timedelta(days=1) if years else None
        company.qualifications.append(Qualification(
            kind=kind, obtained_on=obtained, expires_on=expires,
            certificate_no=f"{prefix}{obtained.year}{rng.randint(10**7, 10**8 - 1)}"))

    recent = today - dt.timedelta(days=rng.randint(30, 300))
    if rich or rng.random() < 0.55:
        add(QualificationKind.TECH_SME, recent, 1, "4419")
    if rich:
        add(QualificationKind.TECH_SME, add_years(recent, -1), 1, "4419")
    if rich or high_tech or rng.random() < 0.25:
        add(QualificationKind.HIGH_TECH, today - dt.timedelta(days=rng.randint(60, 900)), 3, "GR")
    if rich or rng.random() < 0.08:
        add(QualificationKind.SPECIALIZED, today - dt.timedelta(days=rng.randint(60, 700)), 3, "ZJTX")
    if rng.random() < 0.05:
        add(QualificationKind.GAZELLE, recent, 1, "DL")


def _companies(rng, fake, today, agents) -> list[tuple[Company, tuple | None]]:
    """Companies with the pool they occupy (None: no space); tenants first, in pool order."""
    out: list[tuple[Company, tuple | None]] = []
    for code, unit_type, count, tracks in TENANT_POOLS:
        factory = unit_type == UnitType.FACTORY
        for i in range(count):
            track = tracks[i % len(tracks)]
            sub_field = "人工智能" if not out else rng.choice(sub_fields_of(track, factory))  # the showcase
            company = _company(rng, fake, today, track, sub_field, CompanyStatus.TENANT, factory)
            out.append((company, (code, unit_type)))
    for pool in [("KC", UnitType.OFFICE), ("ZT", UnitType.OFFICE)][:NEWLY_ADMITTED]:
        track = rng.choice([IndustryTrack.DIGITAL, IndustryTrack.MODERN_SERVICES])
        out.append((_company(rng, fake, today, track, rng.choice(sub_fields_of(track)), CompanyStatus.TENANT),
                    pool))
    others = [CompanyStatus.APPLICANT] * APPLICANTS + [CompanyStatus.EXITED] * EXITED + \
        [CompanyStatus.GRADUATED] * GRADUATED
    for i, status in enumerate(others):
        track = list(IndustryTrack)[i % len(IndustryTrack)]
        pool = None if status == CompanyStatus.APPLICANT else ("KC", UnitType.OFFICE) if i % 2 else \
            ("ZT", UnitType.OFFICE)
        out.append((_company(rng, fake, today, track, rng.choice(sub_fields_of(track)), status), pool))
    for n, (company, _pool) in enumerate(out):
        if company.status != CompanyStatus.APPLICANT:
            # graduates left through the high-tech certification route
            _qualify(company, rng, today, rich=n == 0, high_tech=company.status == CompanyStatus.GRADUATED)
        if rng.random() < 0.2:
            company.agent = rng.choice(agents)
    platforms = [c for c, _p in out if c.track == IndustryTrack.RD_PLATFORM and c.status == CompanyStatus.TENANT]
    for company in platforms[:2]:
        company.is_platform = True
    return out


def _take(pool: list[Unit], count: int = 1) -> list[Unit]:
    """Vacant units of a pool, smallest first, so a lease never swallows a whole pool."""
    vacant = sorted((u for u in pool if u.status == UnitStatus.VACANT), key=lambda u: u.area)
    return vacant[:count]


def _leases(session, rng, today, pools, companies):
    leases: list[Lease] = []

    def lease(company, units, state, start, end, **kw) -> Lease:
        unit_type = units[0].type
        rent = min(u.list_rent for u in units)
        area = sum(u.area for u in units)
        fee = PROPERTY_FEE[unit_type]
        obj = Lease(number=lease_number(session, start.year), company=company, start_on=start, end_on=end,
                    rent_per_m2=rent, property_fee_per_m2=fee, deposit=(area * (rent + fee) * 2).quantize(CENT),
                    billing_cycle=BillingCycle.QUARTERLY if rng.random() < 0.3 else BillingCycle.MONTHLY,
                    state=state, units=[LeaseUnit(unit=u, area=u.area) for u in units], **kw)
        if status := {LeaseState.SIGNED: UnitStatus.LEASED, LeaseState.DRAFT: UnitStatus.RESERVED}.get(state):
            for u in units:
                u.status = status
        leases.append(obj)
        return obj

    tenants = [(c, p) for c, p in companies if c.status == CompanyStatus.TENANT]
    settled, newcomers = tenants[:len(tenants) - NEWLY_ADMITTED], tenants[len(tenants) - NEWLY_ADMITTED:]
    showcase = settled[0][0]  # first KC office tenant, richly qualified: capped at two units
    for c, _p in settled:
        c.moved_in_on = today - dt.timedelta(days=rng.randint(45, 960))
    # who occupies each pool; ZT's apartments go to the tenants of ZT and a few of HX
    holders: dict[tuple, list[Company]] = {}
    for c, pool in settled:
        holders.setdefault(pool, []).append(c)
    holders[("ZT", UnitType.APARTMENT)] = [c for c, p in settled if p[0] == "ZT"] + \
        holders[("HX", UnitType.FACTORY)][:2]
    for pool_key, pool_holders in holders.items():
        pool = pools[pool_key]
        target = D(str(TARGET[pool_key[1]])) * sum(u.area for u in pool if u.status != UnitStatus.OUT_OF_SERVICE)
        taken: dict[int, list[Unit]] = {id(c): [] for c in pool_holders}
        leased = D(0)
        vacant = [u for u in pool if u.status == UnitStatus.VACANT]
        rng.shuffle(vacant)
        for c in itertools.cycle(pool_holders):  # everyone one unit first, then round-robin to the target
            if not vacant or (leased >= target and all(taken.values())):
                break
            if c is showcase and len(taken[id(c)]) == 2:
                continue
            unit = vacant.pop()
            if taken[id(c)] and leased + unit.area > target * D("1.04"):
                continue
            taken[id(c)].append(unit)
            leased += unit.area
        for c in pool_holders:
            if taken[id(c)]:
                start = c.moved_in_on if pool_key[1] != UnitType.APARTMENT else \
                    c.moved_in_on + dt.timedelta(days=rng.randint(0, 40))
                lease(c, taken[id(c)], LeaseState.SIGNED, start, add_years(start, 3) - dt.timedelta(days=1),
                      signed_on=start - dt.timedelta(days=rng.randint(3, 20)))
    # past tenants: their units are vacant again
    for c, pool in companies:
        if c.status in (CompanyStatus.EXITED, CompanyStatus.GRADUATED):
            c.left_on = today - dt.timedelta(days=rng.randint(20, 300))
            early = c.status == CompanyStatus.EXITED and rng.random() < 0.5
            if early:  # a three-year lease ended before its term
                c.moved_in_on = c.left_on - dt.timedelta(days=rng.randint(400, 1000))
                end = add_years(c.moved_in_on, 3) - dt.timedelta(days=1)
            else:  # a lease that ran its full term
                c.moved_in_on = add_years(c.left_on, -rng.choice((2, 3))) + dt.timedelta(days=1)
                end = c.left_on
            lease(c, rng.sample(_take(pools[pool], 8), rng.randint(1, 2)),
                  LeaseState.TERMINATED if early else LeaseState.ENDED, c.moved_in_on, end,
                  signed_on=c.moved_in_on - dt.timedelta(days=7), ended_on=c.left_on,
                  note="提前解约，押金按协议处理" if early else None)
    # awaiting signature: the newcomers' first leases and two tenants taking more space; a newcomer
    # is still an applicant until its lease is signed (signing makes it a tenant)
    for c, _pool in newcomers:
        c.status, c.moved_in_on = CompanyStatus.APPLICANT, None
    expanding = [holders[("ZT", UnitType.OFFICE)][0], holders[("HX", UnitType.FACTORY)][1]]
    for c, pool in newcomers + [(c, ("ZT", UnitType.OFFICE) if i == 0 else ("HX", UnitType.FACTORY))
                                for i, c in enumerate(expanding)]:
        units = _take(pools[pool], 1 if pool[1] == UnitType.FACTORY else 2)
        if units:
            start = today + dt.timedelta(days=rng.randint(10, 45))
            lease(c, units, LeaseState.DRAFT, start, add_years(start, 3) - dt.timedelta(days=1))
    carrier_names = {code: name for code, name, *_ in CARRIERS}
    for c, pool in tenants:
        c.address = f"广东省东莞市水乡功能区{carrier_names[pool[0]]}"
    session.add_all(leases)
    session.flush()
    # company members: the showcase and one tenant from each other kind of space
    members = [showcase] + [holders[k][0] for k in [("ZT", UnitType.OFFICE), ("HX", UnitType.FACTORY),
                                                    ("KC", UnitType.LAB), ("ZT", UnitType.FACTORY)]]
    return showcase, members


def _users(session: Session, member_companies: list[Company]) -> str:
    password_hash = hash_password(DEMO_PASSWORD)  # argon2 is slow on purpose: hash once, reuse
    users = [User(username=u, display_name=n, email=f"{u}@sxinnov.example.cn", password_hash=password_hash,
                  roles=[UserRole(role=r) for r in roles]) for u, n, roles in STAFF]
    for i, company in enumerate(member_companies, start=1):
        users.append(User(username=f"company{i}", display_name=f"企业联系人 {company.contact_name}",
                          email=company.contact_email, phone=company.contact_phone, password_hash=password_hash,
                          company_id=company.id, roles=[UserRole(role=Role.COMPANY)]))
    session.add_all(users)
    session.flush()
    return password_hash


# --- admission: one application in every state ----------------------------------------------

# (state the application ends in, days ago each of its workflow steps happened, in order)
ADMISSION_STORIES = [
    ("submitted", [1]),
    ("returned", [7, 2]),
    ("resubmitted", [16, 12, 3]),
    ("lapsed", [45, 40, None]),  # None: the day after the deadline, when the nightly job lapsed it
    ("accepted", [10, 4]),
    ("expert_review", [20, 15, 9]),
    ("joint_review", [30, 25, 20, 6]),
    ("decision", [40, 34, 28, 15, 5]),
    ("admitted", [55, 50, 44, 30, 20, 12]),  # lease drafted, awaiting signature
    ("signed", [120, 112, 105, 90, 80, 70]),  # admitted and moved in: a tenant through admission
    ("rejected", [100, 95, 88, 75, 66, 60]),
    ("withdrawn", [25, 18]),
]
EARLIER_ROUND = ("signed", "rejected", "lapsed")
PROJECTS = {
    IndustryTrack.DIGITAL: ("工业视觉质检平台", "基于深度学习的工业视觉缺陷检测平台，服务电子制造与精密加工企业。"),
    IndustryTrack.NEW_ENERGY: ("储能电池管理系统产线", "面向工商业储能的电池管理系统研发与小批量生产。"),
    IndustryTrack.RD_PLATFORM: ("新能源材料中试平台", "开展电池正极材料中试与检测，向园区企业开放共享。"),
    IndustryTrack.MODERN_SERVICES: ("科技成果转化服务中心", "为园区企业提供知识产权运营、技术评估与融资对接服务。"),
}
# the carrier and space a company of each track asks for
REQUESTED_SPACE = {IndustryTrack.DIGITAL: ("KC", UnitType.OFFICE, 220), IndustryTrack.NEW_ENERGY:
                   ("HX", UnitType.FACTORY, 1500), IndustryTrack.RD_PLATFORM: ("KC", UnitType.LAB, 200),
                   IndustryTrack.MODERN_SERVICES: ("ZT", UnitType.OFFICE, 180)}
COMMENTS = {
    "technology": ("核心算法具备自主知识产权，技术路线清晰。", "技术积累一般，创新点有待提炼。"),
    "team": ("核心团队产业经验丰富，分工合理。", "团队规模偏小，关键岗位尚未配齐。"),
    "fit": ("与社区数字经济、新能源主导产业高度契合。", "与社区主导产业关联度一般。"),
    "market": ("下游需求明确，已有意向客户。", "市场验证不足，商业模式需进一步论证。"),
    "operations": ("财务状况健康，研发投入占比较高。", "营收规模较小，现金流压力较大。"),
    "contribution": ("预计三年内形成规模产值和税收，带动就业。", "对社区产值和税收贡献有限。"),
}


def seed_admission(session: Session, today: dt.date, applicants: list[Company], password_hash: str) -> None:
    """Applications in every state, built through the admission services so that history,
    audit, numbers and documents are the real thing; then their steps are dated into the past.
    `applicants`: the demo's applicant companies; three more are added here."""
    rng = random.Random(SEED + 4)  # nosec B311
    fake = Faker("zh_CN")
    fake.seed_instance(SEED + 4)
    users = {u.username: u for u in session.scalars(sa.select(User).where(User.company_id.is_(None)))}
    operator, lead, deputy = users["operator"], users["lead"], users["deputy"]
    reviewers = [users[f"reviewer{i}"] for i in (1, 2, 3)]
    carriers = {c.code: c for c in session.scalars(sa.select(Carrier))}

    earlier = admission.create_round(session, operator, name="2026年第三批", note="已截止",
                                     opens_on=today - dt.timedelta(days=150), closes_on=today - dt.timedelta(days=90))
    admission.create_round(session, operator, name="2026年第四批", opens_on=today - dt.timedelta(days=20),
                           closes_on=today + dt.timedelta(days=40))

    codes = set(session.scalars(sa.select(Company.credit_code)))
    extra = []
    for track in (IndustryTrack.DIGITAL, IndustryTrack.NEW_ENERGY, IndustryTrack.MODERN_SERVICES):
        company = _company(rng, fake, today, track, rng.choice(sub_fields_of(track)), CompanyStatus.APPLICANT)
        while company.credit_code in codes:
            company.credit_code = credit_code(rng)
        codes.add(company.credit_code)
        extra.append(company)
    session.add_all(extra)
    session.flush()
    # company6 gets the youngest (so its draft stays within the age limit longest); the draft
    # stays open to submit, the others follow the stories; the lease-bound ones ask for office space
    pool = sorted(applicants, key=lambda c: c.id)
    youngest = max(pool, key=lambda c: (c.founded_on, c.id))
    pool.remove(youngest)
    office = next(c for c in pool if c.track in (IndustryTrack.DIGITAL, IndustryTrack.MODERN_SERVICES))
    pool.remove(office)
    cast = dict(zip([s for s, _d in ADMISSION_STORIES if s not in ("admitted", "signed", "rejected", "withdrawn")],
                    pool, strict=True))
    cast.update(admitted=office, signed=extra[0], rejected=extra[1], withdrawn=extra[2])

    members = {}
    for n, company in enumerate([youngest, *cast.values()]):
        username = "company6" if n == 0 else f"applicant{n:02d}"
        members[company.id] = User(username=username, display_name=f"企业联系人 {company.contact_name}",
                                   email=company.contact_email, phone=company.contact_phone,
                                   password_hash=password_hash, company_id=company.id,
                                   roles=[UserRole(role=Role.COMPANY)])
    session.add_all(members.values())
    session.flush()

    def apply(company, n):
        code, unit_type, area = REQUESTED_SPACE[company.track]
        if company.track == IndustryTrack.DIGITAL and n % 2:
            code = "ZT"
        name, summary = PROJECTS[company.track]
        member = members[company.id]
        app = admission.create_application(session, member, company, dict(
            carrier_id=carriers[code].id, track=company.track, unit_type=unit_type,
            area_requested=D(area + rng.randint(-4, 8) * 10), project_name=f"{company.sub_field}·{name}",
            project_summary=summary, team_summary=f"核心团队{company.headcount}人，本科及以上{company.talents_bachelor}人。",
            ip_summary=f"发明专利{company.ip_invention}项，实用新型{company.ip_utility}项，软件著作权{company.ip_software}项。",
            revenue_last_year=D(rng.randint(50, 2000)) * 10000, tax_last_year=D(rng.randint(2, 90)) * 10000,
            rd_expense_last_year=D(rng.randint(20, 600)) * 10000,
            financing_total=D(rng.choice([0, 300, 800, 2000])) * 10000,
            expected_jobs=rng.randint(10, 80), will_move_registration=True, agent_id=company.agent_id))
        for item in admission.materials(session, app):
            if item.get("required"):
                upload_document(session, member, company, category=item["key"], title=item["label"],
                                file_storage=_pdf_file(app.number, item["key"], 1),
                                subject_type=admission.SUBJECT, subject_id=app.id)
        return app, member

    def review(app, submitted: int, good: bool):
        """The first `submitted` sheets are handed in, the next is a draft, the rest await the declaration."""
        admission.accept_application(session, operator, app)
        admission.assign_reviewers(session, operator, app, [r.id for r in reviewers])
        admission.start_review(session, operator, app)
        for i, (reviewer, sheet) in enumerate(zip(reviewers, app.assignments, strict=True)):
            if i > submitted:
                continue
            admission.declare_interest(session, reviewer, sheet, conflict=False)
            level = (0.72 + 0.06 * rng.random() + 0.04 * i) if good else (0.62 - 0.08 * i)
            # each item a share of its weight around `level`, in half points
            scores = {}
            for item in app.policy.config["rubric"]:
                weight = D(item["weight"])
                share = D(f"{level + rng.uniform(-0.05, 0.05):.3f}")
                scores[item["key"]] = min(weight, (weight * 2 * share).quantize(D("1")) / 2)
            comments = {k: COMMENTS[k][0 if good else 1] for k in scores}
            low = sum(scores.values()) < D(app.policy.config["low_score"])
            overall = "建议入驻，重点关注产业化进度。" if good else \
                ("技术成熟度与产业契合度均不足，不建议入驻。" if low else "总体一般，建议补强团队后再申请。")
            admission.save_scores(session, reviewer, sheet, scores, comments, overall, submit=i < submitted)

    stories = dict(ADMISSION_STORIES)
    for n, (state, _days) in enumerate(ADMISSION_STORIES, start=1):
        app, member = apply(cast[state], n)
        admission.submit_application(session, member, app)
        if state == "withdrawn":
            admission.withdraw_application(session, member, app, "公司战略调整，暂缓入驻计划。")
        elif state in ("returned", "resubmitted", "lapsed"):
            admission.return_application(session, operator, app, "请按意见补正材料后重新提交。", {
                "business_plan": "商业计划书缺少近三年财务预测及融资计划。",
                "space_requirement": "场地需求说明未写明用电负荷和层高要求。"})
            if state == "resubmitted":
                for item in admission.materials(session, app):
                    if item["reason"]:
                        add_version(session, member, item["documents"][-1], _pdf_file(app.number, item["key"], 2))
                admission.submit_application(session, member, app)
            elif state == "lapsed":  # returned weeks ago; the deadline passed without a supplement
                app.supplement_due_on = admission.supplement_due_on(app, today - dt.timedelta(days=stories[state][1]))
                session.flush()
                admission.lapse_overdue(session, SYSTEM, on=today)
        elif state == "accepted":
            admission.accept_application(session, operator, app)
        elif state != "submitted":
            review(app, 1 if state == "expert_review" else 3, good=state != "rejected")
            if state != "expert_review":
                admission.close_review(session, operator, app)
            if state in ("decision", "admitted", "signed", "rejected"):
                admission.recommend(session, lead, app, recommendation="reject" if state == "rejected" else "admit",
                                    minutes=_minutes(admission.panel(app).mean, state != "rejected"))
            if state in ("admitted", "signed", "rejected"):
                admission.decide(session, deputy, app, admit=state != "rejected", reason=(
                    "专家评审均分未达到70分，项目与社区主导产业契合度不足，不予入驻。" if state == "rejected"
                    else "同意入驻，请运营公司按申请面积安排场地。"))
            if state in ("admitted", "signed"):
                _allocate(session, operator, app, today, signed=state == "signed")
        if state in EARLIER_ROUND:
            app.round_id = earlier.id
        _date_steps(session, app, stories[state], today)

    apply(youngest, 0)  # company6: every required file uploaded, ready to submit
    session.flush()


def _minutes(mean: Decimal, admit: bool) -> str:
    verdict = "项目技术先进、与社区产业方向契合，建议准予入驻。" if admit else "未达70分，建议不予入驻。"
    return f"综合统筹组会同市科技局召开联合评审会，专家组均分{mean}分，{verdict}"


def _pdf_file(number: str, key: str, version: int) -> FileStorage:
    return FileStorage(io.BytesIO(tiny_pdf(f"Demo material {number}: {key}, version {version}")), f"{key}.pdf")


def _allocate(session, operator, app, today, signed: bool) -> None:
    """Vacant units of the requested type, smallest first, until they cover the requested area."""
    chosen, area = [], D(0)
    for unit in sorted(admission.allocable_units(session, app), key=lambda u: (u.area, u.id)):
        if area >= app.area_requested * D("0.9") or len(chosen) == 3:
            break
        chosen.append(unit)
        area += unit.area
    start = today - dt.timedelta(days=55) if signed else today + dt.timedelta(days=20)
    rent = min(u.list_rent for u in chosen)
    fee = PROPERTY_FEE[app.unit_type]
    admission.allocate_units(session, operator, app, chosen, start_on=start, rent_per_m2=rent, property_fee_per_m2=fee,
                             deposit=(area * (rent + fee) * 2).quantize(CENT), billing_cycle=BillingCycle.MONTHLY)
    if signed:
        sign_lease(session, operator, app.lease, signed_on=start - dt.timedelta(days=5))


def _date_steps(session: Session, app, days_ago: list, today: dt.date) -> None:
    """Move the application's history (and the dates derived from it) to the given days."""
    events = session.scalars(sa.select(WorkflowEvent).where(WorkflowEvent.object_type == "application",
                                                            WorkflowEvent.object_id == app.id)
                             .order_by(WorkflowEvent.id)).all()
    due = None
    for event, days in zip(events, days_ago, strict=True):
        day = due + dt.timedelta(days=1) if days is None else today - dt.timedelta(days=days)
        event.at = dt.datetime.combine(day, dt.time(2 + event.id % 6, event.id * 7 % 60), dt.UTC)
        if event.action == "return":
            due = add_working_days(day, int(app.policy.config["supplement_working_days"]))
        if event.action in ("submit", "resubmit"):
            app.submitted_at = event.at
        if event.action in ("admit", "reject"):
            app.decided_at = event.at
        if event.action == "start_review":
            for i, sheet in enumerate(app.assignments):
                sheet.assigned_at = event.at - dt.timedelta(hours=20)
                if sheet.declared_at:
                    sheet.declared_at = event.at + dt.timedelta(days=1, hours=i)
                if sheet.submitted_at:
                    sheet.submitted_at = event.at + dt.timedelta(days=3 + i, hours=i)
    if app.state == ApplicationState.RETURNED:
        app.supplement_due_on = due
    app.created_at = (events[0].at if events else app.created_at) - dt.timedelta(days=2)
    session.flush()
