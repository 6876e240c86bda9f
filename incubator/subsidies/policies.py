"""Versioned subsidy policies: which version is in force on a day, a new version (never an edit),
and running the engine for a company with the version in force."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..audit.services import record
from ..companies.models import Company
from ..core.errors import ConcurrentChange, DomainError, PermissionDenied
from ..core.formatting import today
from ..core.roles import STAFF_EDITORS
from . import rules
from .facts import rent_facts
from .models import SubsidyBatch, SubsidyClaim, SubsidyPolicy, SupportType


def policy_in_force(session: Session, support_type: SupportType, day: dt.date) -> SubsidyPolicy:
    """The newest version whose effective date has come (a version dated later waits)."""
    policy = session.scalar(sa.select(SubsidyPolicy).where(SubsidyPolicy.support_type_id == support_type.id,
                                                           SubsidyPolicy.effective_from <= day)
                            .order_by(SubsidyPolicy.version.desc()).limit(1))
    if policy is None:
        raise DomainError(_("No %(type)s policy is in force on %(day)s.", type=support_type.name,
                            day=day.isoformat()))
    return policy


def compute(session: Session, company: Company, policy: SubsidyPolicy, period_start: dt.date,
            period_end: dt.date, *, day: dt.date, declared: Decimal | None = None,
            exclude_batch_id: int | None = None) -> rules.Calculation:
    """The engine of the policy's support type for the company over the period."""
    if policy.support_type.calculator == "rent":
        facts = rent_facts(session, company, period_start, period_end, day, exclude_batch_id=exclude_batch_id)
        return rules.compute_rent(policy.config, facts, period_start, period_end, policy_id=policy.id,
                                  policy_version=policy.version)
    if declared is None:
        raise DomainError(_("Please enter the amount claimed."), field="declared_amount")
    return rules.compute_declared(policy.config, declared, policy_id=policy.id, policy_version=policy.version,
                                  period_start=period_start, period_end=period_end)


def calculate(session: Session, company: Company, batch: SubsidyBatch, *, declared: Decimal | None = None,
              day: dt.date | None = None) -> tuple[SubsidyPolicy, rules.Calculation]:
    """The company's subsidy in the batch by the version in force on `day` (today); the company's
    grants in other batches count against yearly caps, its claim in this batch does not."""
    day = day or today()
    policy = policy_in_force(session, batch.support_type, day)
    return policy, compute(session, company, policy, batch.period_start, batch.period_end, day=day,
                           declared=declared, exclude_batch_id=batch.id)


def new_policy_version(session: Session, actor, support_type: SupportType, config: dict,
                       effective_from: dt.date, note: str | None) -> SubsidyPolicy:
    """The next version of the support type's policy. Earlier versions stay as they were, and
    claims keep the version they were computed with."""
    if not actor.has_role(*STAFF_EDITORS):
        raise PermissionDenied(_("You are not allowed to do this."))
    if not isinstance(effective_from, dt.date):
        raise DomainError(_("Please enter the date from which the version applies."), field="effective_from")
    problems = rules.validate_config(config, support_type.calculator)
    if problems:
        raise DomainError(_("The policy is not valid: %(problems)s", problems=" ".join(problems)))
    latest = session.scalar(sa.select(SubsidyPolicy).where(SubsidyPolicy.support_type_id == support_type.id)
                            .order_by(SubsidyPolicy.version.desc()).limit(1))
    policy = SubsidyPolicy(support_type_id=support_type.id, version=(latest.version if latest else 0) + 1,
                           effective_from=effective_from, config=config, note=(note or "").strip() or None,
                           created_by_id=actor.id)
    try:
        with session.begin_nested():  # two editors saving at once: the second is told, nothing half-written
            session.add(policy)
    except IntegrityError:
        raise ConcurrentChange(_("Someone else saved a new version of this policy just now. Please reload "
                                 "the page and check it before saving yours.")) from None
    record(session, actor, "subsidy_policy.version", policy,
           before={"version": latest.version, "config": latest.config} if latest else None,
           after={"version": policy.version, "effective_from": effective_from, "config": config},
           summary=f"{support_type.code} v{policy.version}")
    return policy


# --- reading ------------------------------------------------------------------------------------

@dataclass
class PolicyRow:
    support_type: SupportType
    versions: list[SubsidyPolicy]  # newest first
    in_force: SubsidyPolicy | None
    upcoming: list[SubsidyPolicy]


def policy_overview(session: Session, day: dt.date) -> list[PolicyRow]:
    """Each support type with its versions, the one in force on `day` and those still to come."""
    versions: dict[int, list[SubsidyPolicy]] = defaultdict(list)
    for p in session.scalars(sa.select(SubsidyPolicy).order_by(SubsidyPolicy.version.desc())):
        versions[p.support_type_id].append(p)
    rows = []
    for st in session.scalars(sa.select(SupportType).order_by(SupportType.position, SupportType.id)):
        mine = versions.get(st.id, [])
        rows.append(PolicyRow(st, mine, next((p for p in mine if p.effective_from <= day), None),
                              [p for p in mine if p.effective_from > day]))
    return rows


def authors(session: Session, policies: list[SubsidyPolicy]) -> dict[int, str]:
    """user id → display name of the people who saved these versions."""
    ids = {p.created_by_id for p in policies if p.created_by_id}
    if not ids:
        return {}
    return dict(session.execute(sa.select(User.id, User.display_name).where(User.id.in_(ids))).all())


def usage(session: Session, policy_ids: list[int] | None = None) -> dict[int, int]:
    """policy id → number of claims computed with it."""
    stmt = sa.select(SubsidyClaim.policy_id, sa.func.count()).group_by(SubsidyClaim.policy_id)
    if policy_ids is not None:
        stmt = stmt.where(SubsidyClaim.policy_id.in_(policy_ids))
    return dict(session.execute(stmt).all())
