"""After publication: appeals (申诉) and what a failing grade brings — a rectification notice
(整改通知) or an exit proposal, automatically one after two consecutive failures — and the grade
the rent-subsidy engine reads (a 不合格 blocks rent subsidies until a later pass)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ..audit.services import record
from ..core.calendar import add_working_days
from ..core.errors import ConcurrentChange, DomainError, PermissionDenied, SegregationOfDuties
from ..core.formatting import format_date, today
from ..core.roles import Role
from ..core.system import SYSTEM
from ..db import utcnow
from ..subsidies import facts as subsidy_facts
from . import rules
from .models import (
    Appeal,
    AppealState,
    Campaign,
    ExitProposal,
    ExitProposalState,
    ExitReason,
    Filing,
    Rectification,
    RectificationState,
    Result,
    ReviewerAssignment,
)
from .models import AssignmentState as A
from .models import CampaignState as C
from .workflow import APPEAL, EXIT_PROPOSAL, RECTIFICATION

PUBLISHED = (C.PUBLISHED, C.CLOSED)
MAX_TEXT = 5000


def published_results(company_id: int):
    """The company's results in force from published campaigns, newest publication first."""
    return (sa.select(Result).join(Campaign, Result.campaign_id == Campaign.id)
            .where(Result.company_id == company_id, Result.current, Campaign.state.in_(PUBLISHED))
            .order_by(Campaign.published_on.desc(), Campaign.year.desc(), Campaign.id.desc()))


def latest_grade(session: Session, company_id: int) -> str | None:
    """The grade of the company's latest published result: "fail" until a later result passes."""
    result = session.scalar(published_results(company_id).limit(1))
    return result.grade.value if result is not None else None


subsidy_facts.GRADE_SOURCES.append(latest_grade)


def previous_result(session: Session, result: Result) -> Result | None:
    """The company's result in force from the published campaign before this one."""
    return session.scalar(published_results(result.company_id).where(
        Result.campaign_id != result.campaign_id,
        Campaign.published_on <= (result.campaign.published_on or today())).limit(1))


# --- consequences ------------------------------------------------------------------------------------

def _requirements(result: Result) -> str:
    weakest = sorted((i for d in result.breakdown["dimensions"] for i in d["indicators"]),
                     key=lambda i: Decimal(i["points"]) / Decimal(i["cap"]))[:3]
    lines = [f"{result.campaign.name}：总分 {result.score} 分，等次为不合格。请针对以下方面制定并落实整改措施，"
             "于整改期限内提交整改报告及相关证明材料："]
    lines += [f"{n}. {i['label']}（得分 {i['points']}/{i['cap']}）" for n, i in enumerate(weakest, start=1)]
    if result.breakdown.get("vetoes"):
        lines.append("一票否决事项：" + "；".join(v["label"] for v in result.breakdown["vetoes"]))
    return "\n".join(lines)


def issue_rectification(session: Session, actor, result: Result, on: dt.date | None = None) -> Rectification:
    on = on or today()
    days = int(result.campaign.scheme.config["rectification_working_days"])
    rect = Rectification(company_id=result.company_id, result_id=result.id, issued_on=on,
                         due_on=add_working_days(on, days), requirements=_requirements(result),
                         issued_by_id=actor.id)
    session.add(rect)
    session.flush()
    record(session, actor, "assessment_rectification.issue", rect,
           after={"result": result.id, "due_on": rect.due_on}, summary=result.company.name)
    return rect


def _raise_exit(session: Session, actor, result: Result, reason: ExitReason, detail: str) -> ExitProposal:
    proposal = ExitProposal(company_id=result.company_id, reason=reason, detail=detail, result_id=result.id,
                            raised_by_id=actor.id)
    session.add(proposal)
    session.flush()
    record(session, actor, "assessment_exit_proposal.raise", proposal,
           after={"reason": reason, "result": result.id, "detail": detail}, summary=result.company.name)
    return proposal


def _open_for(session: Session, model, open_state, company_id: int):
    return session.scalars(sa.select(model).where(model.company_id == company_id, model.state == open_state)).all()


def apply_consequences(session: Session, actor, result: Result) -> Rectification | ExitProposal | None:
    """A 不合格 result: an exit proposal when the previous published result failed too (raised by
    the system), else a rectification notice the operator may turn into an exit proposal."""
    if result.grade != "fail":
        return None
    if _open_for(session, ExitProposal, ExitProposalState.OPEN, result.company_id):
        return None
    previous = previous_result(session, result)
    if previous is not None and previous.grade == "fail":
        detail = (f"{previous.campaign.name}（{previous.score} 分）与{result.campaign.name}（{result.score} 分）"
                  "连续两次考核不合格")
        return _raise_exit(session, SYSTEM, result, ExitReason.CONSECUTIVE_FAILURES, detail)
    if any(r.result_id == result.id for r in _open_for(session, Rectification, RectificationState.OPEN,
                                                       result.company_id)):
        return None
    return issue_rectification(session, actor, result)


def propose_exit(session: Session, actor, result: Result, detail: str) -> ExitProposal:
    """The operator's choice for a failing company: exit instead of rectification (视情况清退)."""
    if not actor.has_role(Role.OPERATOR, Role.ADMIN):
        raise PermissionDenied(_("You are not allowed to do this."))
    if result.grade != "fail" or not result.current or result.campaign.state not in PUBLISHED:
        raise DomainError(_("An exit can be proposed only on a published failing result."))
    detail = (detail or "").strip()
    if not detail:
        raise DomainError(_("A reason is required."), field="detail")
    if _open_for(session, ExitProposal, ExitProposalState.OPEN, result.company_id):
        raise DomainError(_("An exit proposal for this company is already open."))
    for rect in _open_for(session, Rectification, RectificationState.OPEN, result.company_id):
        RECTIFICATION.apply(session, actor, rect, "cancel", comment=_("Replaced by an exit proposal."))
    return _raise_exit(session, actor, result, ExitReason.FAILED_ASSESSMENT, detail)


def complete_rectification(session: Session, actor, rect: Rectification, note: str) -> Rectification:
    RECTIFICATION.apply(session, actor, rect, "complete", comment=note,
                        values={"closed_on": today(), "closing_note": (note or "").strip() or None})
    return rect


def take_exit_proposal(session: Session, actor, proposal: ExitProposal) -> ExitProposal:
    """The exit workflow (issue #6) takes the proposal up."""
    EXIT_PROPOSAL.apply(session, actor, proposal, "take", values={"closed_by_id": actor.id, "closed_at": utcnow()})
    return proposal


def dismiss_exit_proposal(session: Session, actor, proposal: ExitProposal, reason: str) -> ExitProposal:
    EXIT_PROPOSAL.apply(session, actor, proposal, "dismiss", comment=reason,
                        values={"closed_by_id": actor.id, "closed_at": utcnow(),
                                "closing_note": (reason or "").strip() or None})
    return proposal


# --- appeals -----------------------------------------------------------------------------------------------

def may_appeal(result: Result, on: dt.date | None = None) -> bool:
    campaign = result.campaign
    return (result.current and campaign.state == C.PUBLISHED and campaign.appeals_close_on is not None
            and (on or today()) <= campaign.appeals_close_on)


def file_appeal(session: Session, actor, result: Result, grounds: str, on: dt.date | None = None) -> Appeal:
    if not (actor.has_role(Role.COMPANY) and actor.company_id == result.company_id):
        raise PermissionDenied(_("Only members of the company can do this."))
    grounds = (grounds or "").strip()
    if not grounds:
        raise DomainError(_("Please state the grounds of the appeal."), field="grounds")
    if len(grounds) > MAX_TEXT:
        raise DomainError(_("At most %(n)s characters, please.", n=MAX_TEXT), field="grounds")
    if not may_appeal(result, on):
        raise DomainError(_("The appeal period for this result has ended."))
    if session.scalar(sa.select(Appeal.id).where(Appeal.filing_id == result.filing_id)):
        raise DomainError(_("An appeal against this result was filed already."))
    appeal = Appeal(filing_id=result.filing_id, company_id=result.company_id, result_id=result.id, grounds=grounds,
                    filed_by_id=actor.id)
    session.add(appeal)
    session.flush()
    record(session, actor, "assessment_appeal.file", appeal, after={"result": result.id, "grounds": grounds},
           summary=f"{result.company.name} {result.campaign.name}")
    return appeal


def _scored_it(session: Session, actor, filing_id: int) -> bool:
    return bool(session.scalar(sa.select(sa.func.count()).select_from(ReviewerAssignment).where(
        ReviewerAssignment.filing_id == filing_id, ReviewerAssignment.reviewer_id == actor.id,
        ReviewerAssignment.state == A.SUBMITTED)))


def decide_appeal(session: Session, actor, appeal: Appeal, *, upheld: bool, reason: str,
                  adjustments: dict[str, Decimal] | None = None, lift_vetoes: bool = False) -> Appeal:
    """The lead decides. Upheld: the indicators' points are changed (and/or the veto lifted), the
    result gets a new revision with its new rank and grade, the old one is kept."""
    APPEAL.check(session, actor, appeal, "uphold" if upheld else "dismiss")
    if _scored_it(session, actor, appeal.filing_id):
        raise SegregationOfDuties(_("You scored this company as a reviewer; another lead must decide the appeal."))
    if not upheld:
        APPEAL.apply(session, actor, appeal, "dismiss", comment=reason,
                     values={"decided_by_id": actor.id, "decided_at": utcnow(),
                             "decision_reason": (reason or "").strip() or None})
        return appeal
    old = appeal.result
    config = old.campaign.scheme.config
    caps = {i["key"]: rules.D(i["cap"]) for i in config["indicators"]}
    current = rules.indicator_points(old.breakdown)
    adjustments = {k: v for k, v in (adjustments or {}).items() if v is not None and v != current.get(k)}
    for key, value in adjustments.items():
        if key not in caps:
            raise DomainError(_("Unknown indicator."), field="adjustments")
        if not value.is_finite() or not Decimal("0") <= value <= caps[key] or value != value.quantize(rules.TWO):
            raise DomainError(_("Points must be between 0 and the indicator's cap, with at most two decimals."),
                              field=f"adjust_{key}")
    if not adjustments and not (lift_vetoes and old.veto):
        raise DomainError(_("An upheld appeal must change some points or lift the veto; otherwise dismiss it."))
    # the old revision stops being current first: of two deciders at once, one wins
    done = session.execute(sa.update(Result).where(Result.id == old.id, Result.current).values(current=False))
    if done.rowcount != 1:
        raise ConcurrentChange(_("Someone else changed this record first. Please reload and try again."))
    breakdown = rules.revise(old.breakdown, adjustments, reason=(reason or "").strip(), lift_vetoes=lift_vetoes)
    total, veto = rules.D(breakdown["total"]), bool(breakdown["vetoes"])
    others = session.execute(sa.select(Result.score, Result.veto).where(
        Result.campaign_id == old.campaign_id, Result.current, Result.id != old.id)).all()
    rank = rules.rank_among(total, veto, [(s, v) for s, v in others])
    n = len(others) + 1
    places = rules.excellent_places(config, n)
    grade = rules.grade_for(config, total, rank, places, veto)
    breakdown["ranking"] = {"rank": rank, "of": n, "places": places, "grade": grade,
                            "explanation": rules.grade_explanation(config, total, rank, n, places, veto)}
    new = Result(campaign_id=old.campaign_id, filing_id=old.filing_id, company_id=old.company_id,
                 revision=old.revision + 1, score=total, rank=rank, grade=grade, veto=veto, breakdown=breakdown,
                 reason=(reason or "").strip(), created_by_id=actor.id)
    session.add(new)
    session.flush()
    APPEAL.apply(session, actor, appeal, "uphold", comment=reason,
                 values={"decided_by_id": actor.id, "decided_at": utcnow(), "new_result_id": new.id,
                         "decision_reason": (reason or "").strip() or None})
    record(session, actor, "assessment_result.revise", new,
           before={"score": old.score, "rank": old.rank, "grade": old.grade, "revision": old.revision},
           after={"score": new.score, "rank": new.rank, "grade": new.grade, "revision": new.revision},
           summary=f"{new.company.name} {new.campaign.name}")
    _after_revision(session, actor, old, new)
    return appeal


def _after_revision(session: Session, actor, old: Result, new: Result) -> None:
    """A grade lifted from 不合格 withdraws what the failure brought; a new 不合格 brings it."""
    if old.grade == "fail" and new.grade != "fail":
        comment = _("The failing grade was lifted on appeal (%(day)s).", day=format_date(today()))
        for rect in session.scalars(sa.select(Rectification).where(Rectification.result_id == old.id,
                                                                   Rectification.state == RectificationState.OPEN)):
            RECTIFICATION.apply(session, SYSTEM, rect, "cancel", comment=comment)
        for proposal in session.scalars(sa.select(ExitProposal).where(
                ExitProposal.result_id == old.id, ExitProposal.state == ExitProposalState.OPEN)):
            dismiss_exit_proposal(session, SYSTEM, proposal, comment)
    elif old.grade != "fail" and new.grade == "fail":
        apply_consequences(session, actor, new)


def open_appeal_count(session: Session, campaign: Campaign) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(Appeal).join(Filing)
                          .where(Filing.campaign_id == campaign.id, Appeal.state == AppealState.FILED)) or 0
