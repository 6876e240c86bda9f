"""Every change to companies: registration, profile, qualifications, agents."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ..audit.services import record
from ..core.errors import ConcurrentChange, DomainError, PermissionDenied
from ..core.formatting import today
from ..core.roles import STAFF_EDITORS, Role
from .models import Agent, Company, CompanyStatus, IndustryTrack, Qualification, QualificationKind
from .rules import check_counts, check_founded_on, normalize_credit_code, parse_capital

TEXT_FIELDS = ("legal_rep", "sub_field", "description", "contact_name", "contact_phone", "contact_email", "address")
COUNT_FIELDS = ("headcount", "talents_bachelor", "talents_high_level",
                "ip_invention", "ip_utility", "ip_software", "ip_other")
PROFILE_FIELDS = ("name", "credit_code", "registered_capital", "founded_on", "track", *TEXT_FIELDS, *COUNT_FIELDS)
STAFF_FIELDS = ("is_platform", "status", "agent_id")  # the operator's side of the record


def is_staff_editor(actor) -> bool:
    return bool(actor.role_set & STAFF_EDITORS)


def is_own_company(actor, company: Company) -> bool:
    return actor.has_role(Role.COMPANY) and actor.company_id == company.id


def can_edit_company(actor, company: Company) -> bool:
    """Staff editors always; a member only for their own company while it applies or resides."""
    return is_staff_editor(actor) or (is_own_company(actor, company) and company.is_active_member_company)


def _require_edit(actor, company: Company) -> None:
    if can_edit_company(actor, company):
        return
    if is_own_company(actor, company):
        raise PermissionDenied(_("Your company's records are read-only."))
    raise PermissionDenied(_("You are not allowed to do this."))


def _require_staff_editor(actor) -> None:
    if not is_staff_editor(actor):
        raise PermissionDenied(_("You are not allowed to do this."))


def _code_taken() -> DomainError:
    return DomainError(_("A company with this unified social credit code is already registered. "
                         "Ask a colleague who is a member to invite you."), field="credit_code")


def ensure_code_free(session: Session, code: str, exclude_id: int | None = None, *,
                     invite_hint: bool = True) -> None:
    """Self-registration suggests an invitation; an edit just says the code is taken."""
    stmt = sa.select(Company.id, Company.name).where(Company.credit_code == code)
    if exclude_id:
        stmt = stmt.where(Company.id != exclude_id)
    if session.execute(stmt).first():
        if invite_hint:
            raise _code_taken()
        raise DomainError(_("Another company is already registered with this unified social credit code."),
                          field="credit_code")


def registry_filters(*, q: str = "", track: IndustryTrack | None = None, qualification: QualificationKind | None = None,
                     agent_id: int | None = None, day: dt.date | None = None) -> list:
    """WHERE conditions for the registry list (status is filtered separately: it drives the pills)."""
    conditions = []
    if q:
        like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(sa.or_(*(col.ilike(like, escape="\\") for col in (
            Company.name, Company.credit_code, Company.contact_name, Company.contact_phone, Company.contact_email))))
    if track is not None:
        conditions.append(Company.track == track)
    if qualification is not None:
        day = day or today()
        conditions.append(Company.qualifications.any(sa.and_(
            Qualification.kind == qualification, Qualification.obtained_on <= day,
            sa.or_(Qualification.expires_on.is_(None), Qualification.expires_on >= day))))
    if agent_id:
        conditions.append(Company.agent_id == agent_id)
    return conditions


def _clean_name(name) -> str:
    name = (name or "").strip()
    if len(name) < 2:
        raise DomainError(_("Please enter the company's full registered name."), field="name")
    return name


def _max_length(field: str, value: str) -> str:
    limit = getattr(Company.__table__.c[field].type, "length", None)
    if limit and len(value) > limit:
        raise DomainError(_("This is too long (at most %(n)s characters).", n=limit), field=field)
    return value


def _clean(session: Session, data: dict, *, staff: bool, company: Company | None) -> dict:
    """Check and normalise profile values; returns only the keys given (fields a member may not
    change are refused if they differ, ignored if they do not)."""
    unknown = set(data) - set(PROFILE_FIELDS) - set(STAFF_FIELDS)
    if unknown:
        raise ValueError(f"unknown company fields: {sorted(unknown)}")
    clean: dict = {}
    for key, value in data.items():
        if key in STAFF_FIELDS and not staff:
            if company is None or getattr(company, key) != value:
                raise PermissionDenied(_("Only the operator can change this."))
            continue
        if key == "name":
            value = _max_length(key, _clean_name(value))
        elif key == "credit_code":
            value = normalize_credit_code(value)
            ensure_code_free(session, value, company.id if company else None, invite_hint=False)
        elif key == "registered_capital":
            value = parse_capital(value)
        elif key == "founded_on":
            if value is not None and not isinstance(value, dt.date):
                raise DomainError(_("Please enter a valid date."), field=key)
            check_founded_on(value, today())
        elif key == "track":
            value = _enum(IndustryTrack, value, key) if value else None
        elif key in TEXT_FIELDS:
            value = _max_length(key, (value or "").strip()) or None
        elif key == "status":
            value = _enum(CompanyStatus, value, key)
        elif key == "is_platform":
            value = bool(value)
        elif key == "agent_id":
            value = value or None
            agent = session.get(Agent, value) if value is not None else None
            if value is not None and (agent is None or not agent.active and getattr(company, "agent_id", None) != value):
                raise DomainError(_("Please choose an active agent from the list."), field=key)
        clean[key] = value
    counts = {k: clean[k] if k in clean else (getattr(company, k) if company else 0) for k in COUNT_FIELDS}
    check_counts(counts)
    return clean


def _enum(enum_cls, value, field: str):
    try:
        return enum_cls(value)
    except ValueError:
        raise DomainError(_("Please choose a value from the list."), field=field) from None


def register_company(session: Session, *, name: str, credit_code: str, contact_name: str,
                     contact_phone: str | None, contact_email: str | None, username: str, password: str):
    """Self-registration: the company (as applicant) and its first member, together."""
    from ..accounts.services import create_user

    code = normalize_credit_code(credit_code)
    ensure_code_free(session, code)
    name = _clean_name(name)
    company = Company(name=name, credit_code=code, contact_name=contact_name.strip(),
                      contact_phone=contact_phone or None, contact_email=contact_email or None,
                      status=CompanyStatus.APPLICANT)
    session.add(company)
    try:
        session.flush()
    except sa.exc.IntegrityError:  # two registrations of one code at the same moment
        session.rollback()
        raise _code_taken() from None
    user = create_user(session, None, username=username, display_name=contact_name, password=password,
                       roles=[Role.COMPANY], email=contact_email, phone=contact_phone, company_id=company.id)
    record(session, user, "company.register", company, after={"name": company.name, "credit_code": code},
           summary=company.name)
    return company, user


def create_company(session: Session, actor, data: dict) -> Company:
    """The operator registers a company on its behalf (no user account; members are invited later)."""
    _require_staff_editor(actor)
    if not data.get("name") or not data.get("credit_code"):
        raise DomainError(_("The name and the unified social credit code are required."))
    clean = _clean(session, data, staff=True, company=None)
    company = Company(**{"status": CompanyStatus.APPLICANT, **clean})
    session.add(company)
    try:
        session.flush()
    except sa.exc.IntegrityError:  # the same code registered at the same moment
        session.rollback()
        raise DomainError(_("Another company is already registered with this unified social credit code."),
                          field="credit_code") from None
    record(session, actor, "company.create", company, after=clean, summary=company.name)
    return company


def update_company(session: Session, actor, company: Company, data: dict) -> dict:
    """Change the profile; `data["version"]` is the version the form was loaded with, so a
    stale form never overwrites someone else's change. Returns the changed fields."""
    _require_edit(actor, company)
    data = dict(data)
    try:
        expected = int(data.pop("version"))
    except (KeyError, TypeError, ValueError):
        raise DomainError(_("The form is incomplete. Please reload the page and try again.")) from None
    if expected != company.version:
        raise ConcurrentChange(_("Someone else changed this company's record while you were editing it. "
                                 "Reload the page to see the current data, then make your change again."))
    clean = _clean(session, data, staff=is_staff_editor(actor), company=company)
    changes = {k: v for k, v in clean.items() if getattr(company, k) != v}
    if not changes:
        return {}
    before = {k: getattr(company, k) for k in changes}
    try:
        result = session.execute(
            sa.update(Company).where(Company.id == company.id, Company.version == company.version)
            .values(**changes, version=Company.version + 1).execution_options(synchronize_session=False))
    except sa.exc.IntegrityError:  # the code was taken at the same moment
        session.rollback()
        raise DomainError(_("Another company is already registered with this unified social credit code."),
                          field="credit_code") from None
    if result.rowcount != 1:
        raise ConcurrentChange(_("Someone else changed this company's record while you were editing it. "
                                 "Reload the page to see the current data, then make your change again."))
    session.refresh(company)
    record(session, actor, "company.update", company, before=before, after=changes, summary=company.name)
    session.flush()
    return changes


# --- qualifications --------------------------------------------------------------------------

def add_qualification(session: Session, actor, company: Company, *, kind, certificate_no: str | None,
                      obtained_on: dt.date | None, expires_on: dt.date | None) -> Qualification:
    _require_edit(actor, company)
    kind = _enum(QualificationKind, kind, "kind")
    if obtained_on is None:
        raise DomainError(_("Please enter the date the qualification was obtained."), field="obtained_on")
    if obtained_on > today():
        raise DomainError(_("The date obtained cannot be in the future."), field="obtained_on")
    if expires_on is not None and expires_on < obtained_on:
        raise DomainError(_("The expiry date cannot be before the date obtained."), field="expires_on")
    certificate_no = (certificate_no or "").strip() or None
    if certificate_no and len(certificate_no) > 60:
        raise DomainError(_("This is too long (at most %(n)s characters).", n=60), field="certificate_no")
    qualification = Qualification(kind=kind, certificate_no=certificate_no, obtained_on=obtained_on,
                                  expires_on=expires_on)
    company.qualifications.append(qualification)
    session.flush()
    record(session, actor, "qualification.add", qualification, company_id=company.id,
           after={"kind": kind, "certificate_no": certificate_no, "obtained_on": obtained_on,
                  "expires_on": expires_on},
           summary=f"{company.name}: {kind.label}")
    return qualification


def remove_qualification(session: Session, actor, qualification: Qualification) -> None:
    company = qualification.company
    _require_edit(actor, company)
    record(session, actor, "qualification.remove", qualification, company_id=company.id,
           before={"kind": qualification.kind, "certificate_no": qualification.certificate_no,
                   "obtained_on": qualification.obtained_on, "expires_on": qualification.expires_on},
           summary=f"{company.name}: {qualification.kind.label}")
    company.qualifications.remove(qualification)
    session.flush()


# --- agents ----------------------------------------------------------------------------------

AGENT_FIELDS = ("name", "contact_name", "contact_phone", "note", "active")


def _clean_agent(session: Session, data: dict, agent: Agent | None) -> dict:
    clean = {}
    for key in AGENT_FIELDS:
        if key not in data:
            continue
        value = data[key]
        if key == "active":
            clean[key] = bool(value)
            continue
        value = (value or "").strip() or None
        limit = getattr(Agent.__table__.c[key].type, "length", None)
        if value and limit and len(value) > limit:
            raise DomainError(_("This is too long (at most %(n)s characters).", n=limit), field=key)
        clean[key] = value
    if "name" in clean or agent is None:
        name = clean.get("name")
        if not name or len(name) < 2:
            raise DomainError(_("Please enter the agent's name."), field="name")
        stmt = sa.select(Agent.id).where(sa.func.lower(Agent.name) == name.lower())
        if agent is not None:
            stmt = stmt.where(Agent.id != agent.id)
        if session.scalar(stmt):
            raise DomainError(_("An agent with this name already exists."), field="name")
    return clean


def create_agent(session: Session, actor, data: dict) -> Agent:
    _require_staff_editor(actor)
    clean = _clean_agent(session, data, None)
    agent = Agent(**clean)
    session.add(agent)
    try:
        session.flush()
    except sa.exc.IntegrityError:
        session.rollback()
        raise DomainError(_("An agent with this name already exists."), field="name") from None
    record(session, actor, "agent.create", agent, after=clean, summary=agent.name)
    return agent


def update_agent(session: Session, actor, agent: Agent, data: dict) -> dict:
    _require_staff_editor(actor)
    clean = _clean_agent(session, data, agent)
    changes = {k: v for k, v in clean.items() if getattr(agent, k) != v}
    if not changes:
        return {}
    before = {k: getattr(agent, k) for k in changes}
    for key, value in changes.items():
        setattr(agent, key, value)
    try:
        session.flush()
    except sa.exc.IntegrityError:
        session.rollback()
        raise DomainError(_("An agent with this name already exists."), field="name") from None
    record(session, actor, "agent.update", agent, before=before, after=changes, summary=agent.name)
    return changes


def mark_moved_in(session: Session, actor, company: Company, moved_in_on) -> None:
    """A signed lease makes an applicant a tenant (admission's last step)."""
    if company.status != CompanyStatus.APPLICANT:
        return
    company.status, company.moved_in_on = CompanyStatus.TENANT, moved_in_on
    company.version += 1
    session.flush()
    record(session, actor, "company.move_in", company, before={"status": "applicant"},
           after={"status": "tenant", "moved_in_on": moved_in_on}, summary=company.name)


def agent_choices(session: Session, current_id: int | None = None) -> list[tuple[int, str]]:
    """Active agents, plus the one already recorded (an inactive agent stays on its companies)."""
    return [tuple(row) for row in session.execute(
        sa.select(Agent.id, Agent.name).where(sa.or_(Agent.active, Agent.id == current_id)).order_by(Agent.name))]
