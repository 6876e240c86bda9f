"""Automatic exit proposals (the daily job and `flask propose-exits`), in this order, at most one
open case per company:

1. an open exit proposal of the assessment (two consecutive 不合格, or the operator's choice
   after one) becomes a case;
2. a tenant meeting a graduation condition gets a graduation case;
3. a tenant whose tenancy ends within the policy's window (its latest lease in force, with no
   new lease drafted) gets a lease-expiry case for the lease's last day.

A case the system proposed and that was closed without an exit is not proposed again within
`repeat_after_days` (a lease-expiry case: never again for the same lease end). Cases whose
ground went away are withdrawn: the assessment's proposal was dismissed (a grade lifted on
appeal), or the lease was renewed. Reasons are stored in Chinese, like the assessment's."""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..assessment.models import ExitProposal, ExitProposalState, ExitReason
from ..companies.models import Company, CompanyStatus
from ..core.errors import DomainError
from ..core.formatting import today
from ..core.system import SYSTEM
from ..leases.models import Lease, LeaseState
from . import rules, services
from .facts import graduation_facts
from .models import OPEN_STATES, ExitCase, ExitKind, ExitOrigin, ExitPolicy
from .models import ExitState as S
from .workflow import BEFORE_APPROVAL, EXIT_FLOW

CONDITION_TEXT = {
    "incubation_over": "孵化期满（{moved_in_on}入驻，孵化期{months}个月，至{ends_on}）",
    "high_tech": "已认定为高新技术企业",
    "financing": "累计融资{total}元，超过{over}元",
    "revenue": "连续{years}年营业收入超过{over}元（{run}年）",
}


def graduation_reason(conditions: list[rules.Condition]) -> str:
    parts = []
    for c in conditions:
        if c.met and c.key in CONDITION_TEXT:
            values = {**c.values, "run": "、".join(str(y) for y in c.values.get("run", []))}
            parts.append(CONDITION_TEXT[c.key].format(**values))
    return "满足毕业条件：" + "；".join(parts) + "。"


def _closed_recently(session: Session, company_id: int, kind: ExitKind, on: dt.date, days: int) -> bool:
    since = dt.datetime.combine(on - dt.timedelta(days=days), dt.time(), tzinfo=dt.UTC)
    return bool(session.scalar(sa.select(sa.func.count()).select_from(ExitCase).where(
        ExitCase.company_id == company_id, ExitCase.kind == kind, ExitCase.origin == ExitOrigin.SYSTEM,
        ExitCase.state.in_([S.REJECTED, S.WITHDRAWN]), ExitCase.updated_at >= since)))


def tenancy_end(session: Session, company_id: int) -> Lease | None:
    """The company's lease in force that ends last, unless a new lease is being drafted."""
    leases = session.scalars(sa.select(Lease).where(Lease.company_id == company_id,
                                                    Lease.state.in_([LeaseState.SIGNED, LeaseState.DRAFT]))).all()
    if any(lease.state == LeaseState.DRAFT for lease in leases) or not leases:
        return None
    return max(leases, key=lambda lease: (lease.end_on, lease.id))


def _lease_proposed(session: Session, lease: Lease) -> bool:
    cases = session.scalars(sa.select(ExitCase).where(ExitCase.lease_id == lease.id)).all()
    return any((c.basis or {}).get("end_on") == lease.end_on.isoformat() for c in cases)


def _propose(session: Session, created: list[ExitCase], busy: set[int], company: Company, **kw) -> None:
    """Propose, unless someone raised a case for the company at this very moment."""
    try:
        created.append(services.propose(session, company, **kw))
    except DomainError:
        return
    busy.add(company.id)


def _from_assessment(session: Session, policy: ExitPolicy, on: dt.date, busy: set[int]) -> list[ExitCase]:
    taken = sa.select(ExitCase.assessment_proposal_id).where(ExitCase.assessment_proposal_id.is_not(None))
    proposals = session.scalars(sa.select(ExitProposal).where(ExitProposal.state == ExitProposalState.OPEN,
                                                              ExitProposal.id.not_in(taken))
                                .order_by(ExitProposal.id)).all()
    created = []
    for p in proposals:
        if p.company_id in busy or p.company.status != CompanyStatus.TENANT:
            continue
        kind = (ExitKind.CONSECUTIVE_FAILURES if p.reason == ExitReason.CONSECUTIVE_FAILURES
                else ExitKind.FAILED_ASSESSMENT)
        _propose(session, created, busy, p.company, kind=kind, reason=p.detail or "考核不合格，建议清退。",
                 policy=policy, proposal=p, planned_exit_on=on + dt.timedelta(days=int(policy.config["notice_days"])),
                 basis={"assessment_proposal": p.id, "result": p.result_id, "reason": p.reason.value})
    return created


def _graduations_and_lease_ends(session: Session, policy: ExitPolicy, on: dt.date, busy: set[int]) -> list[ExitCase]:
    cfg = policy.config
    window = on + dt.timedelta(days=int(cfg["lease_ending_days"]))
    notice = on + dt.timedelta(days=int(cfg["notice_days"]))
    created = []
    tenants = session.scalars(sa.select(Company).where(Company.status == CompanyStatus.TENANT,
                                                       Company.id.not_in(busy)).order_by(Company.id)).all()
    for company in tenants:
        last = tenancy_end(session, company.id)
        ending = last is not None and last.end_on <= window
        conditions = rules.graduation_conditions(cfg, graduation_facts(session, company), on)
        if rules.met(conditions) and not _closed_recently(session, company.id, ExitKind.GRADUATION, on,
                                                          int(cfg["repeat_after_days"])):
            _propose(session, created, busy, company, kind=ExitKind.GRADUATION, policy=policy,
                     reason=graduation_reason(conditions), planned_exit_on=min(notice, last.end_on) if ending else notice,
                     basis={"conditions": [asdict(c) for c in conditions]})
        elif ending and not _lease_proposed(session, last):
            _propose(session, created, busy, company, kind=ExitKind.LEASE_EXPIRY, policy=policy, lease=last,
                     reason=f"租约{last.number}将于{last.end_on.isoformat()}到期，未续签。", planned_exit_on=last.end_on,
                     basis={"lease": last.number, "end_on": last.end_on.isoformat()})
    return created


def withdraw_stale(session: Session) -> list[ExitCase]:
    """Withdraw the cases (before approval) whose ground went away."""
    withdrawn = []
    for case in session.scalars(sa.select(ExitCase).where(ExitCase.state.in_(BEFORE_APPROVAL))
                                .order_by(ExitCase.id)).all():
        why = None
        proposal = case.assessment_proposal
        if proposal is not None and proposal.state == ExitProposalState.DISMISSED:
            why = f"考核退出建议已撤销：{proposal.closing_note or ''}".rstrip("：")
        lease = case.lease
        if (case.kind == ExitKind.LEASE_EXPIRY and lease is not None and lease.state == LeaseState.SIGNED
                and lease.end_on.isoformat() != (case.basis or {}).get("end_on")):
            why = f"租约{lease.number}已续签至{lease.end_on.isoformat()}。"
        if why:
            EXIT_FLOW.apply(session, SYSTEM, case, "withdraw", comment=why)
            withdrawn.append(case)
    return withdrawn


def propose_exits(session: Session, on: dt.date | None = None) -> tuple[list[ExitCase], list[ExitCase]]:
    """(cases proposed, cases withdrawn) today; running it twice proposes nothing twice."""
    on = on or today()
    withdrawn = withdraw_stale(session)
    try:
        policy = services.current_policy(session, on)
    except DomainError:
        return [], withdrawn
    busy = set(session.scalars(sa.select(ExitCase.company_id).where(ExitCase.state.in_(OPEN_STATES))))
    created = _from_assessment(session, policy, on, busy)
    created += _graduations_and_lease_ends(session, policy, on, busy)
    return created, withdrawn
