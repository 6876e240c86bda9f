"""What is waiting for a meeting: every module registers an agenda source for its kind of matter
(`@agenda_source("subsidy_claim")`), a function returning everything of that kind currently
waiting for deliberation, whatever the meeting type. `pending` takes away what a meeting has
already settled or has on its agenda, and keeps what a given type may take up.

Titles are kept in Chinese whatever the reader's language: they go into the agenda and the
minutes, which are Chinese records."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, joinedload

from . import rules
from .models import CONCLUDED, AgendaItem, ItemState, Meeting, MeetingState, MeetingType, Outcome, Resolution

DELIBERATION_FLOOR = Decimal("100000.00")  # clawbacks from here on go before the coordination meeting


@dataclass
class Candidate:
    kind: str
    object_id: int
    title: str
    tier: str | None
    amount: Decimal | None
    company_id: int | None
    endpoint: str  # the matter's page: url_for(endpoint, **values)
    values: dict = field(default_factory=dict)
    summary: str = ""

    @property
    def key(self) -> tuple[str, int]:
        return self.kind, self.object_id


Source = Callable[[Session], list[Candidate]]
_sources: dict[str, Source] = {}
# how each kind of matter reads on pages and in the minutes (a source may add its own)
KIND_LABELS = {"application": _l("Admission application"), "subsidy_claim": _l("Subsidy payout"),
               "clawback": _l("Subsidy clawback"), "exit_case": _l("Exit"), "appeal": _l("Assessment appeal"),
               "expense_request": _l("HQ expense request")}


def agenda_source(kind: str, label=None) -> Callable[[Source], Source]:
    """Register `fn(session) -> list[Candidate]` as the source of `kind` (and its label)."""
    def register(fn: Source) -> Source:
        _sources[kind] = fn
        if label is not None:
            KIND_LABELS[kind] = label
        return fn
    return register


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def source_kinds() -> list[str]:
    return list(_sources)


def waiting(session: Session, kind: str | None = None, kinds=None) -> list[Candidate]:
    """Everything the sources say is waiting for deliberation (of one kind, of some, or all)."""
    wanted = {kind} if kind is not None else set(kinds) if kinds is not None else None
    out: list[Candidate] = []
    with force_locale("zh_CN"):
        for name, fn in _sources.items():
            if wanted is None or name in wanted:
                out.extend(fn(session))
    return out


def taken_keys(session: Session) -> set[tuple[str, int]]:
    """Matters a meeting has in hand or has settled: on the agenda of a scheduled meeting (open,
    or resolved there and waiting for the chair to close it), or resolved as agreed / not agreed
    by a held meeting. Deferred and withdrawn matters are free again."""
    on_agenda = (sa.select(AgendaItem.kind, AgendaItem.object_id).join(Meeting, Meeting.id == AgendaItem.meeting_id)
                 .where(Meeting.state == MeetingState.SCHEDULED, AgendaItem.state != ItemState.WITHDRAWN))
    settled = (sa.select(Resolution.kind, Resolution.object_id).join(Meeting, Meeting.id == Resolution.meeting_id)
               .where(Meeting.state.in_(CONCLUDED), Resolution.outcome.in_([Outcome.AGREED, Outcome.NOT_AGREED])))
    return {(k, i) for k, i in session.execute(sa.union(on_agenda, settled))}


def pending(session: Session, meeting_type: MeetingType | None = None) -> list[Candidate]:
    """What waits for a meeting and no meeting has in hand or has settled; only what
    `meeting_type` may deliberate when given."""
    taken = taken_keys(session)
    if meeting_type is None:
        return [c for c in waiting(session) if c.key not in taken]
    return [c for c in waiting(session, kinds=rules.kinds(meeting_type.config))
            if c.key not in taken and rules.may_deliberate(meeting_type.config, c.kind, c.tier)]


def candidate(session: Session, kind: str, object_id: int) -> Candidate | None:
    """The matter as its source describes it now (None when it is not waiting)."""
    return next((c for c in waiting(session, kind) if c.object_id == object_id), None)


# --- the sources of the modules that existed before the meetings ---------------------------------------------

@agenda_source("application")
def _applications(session: Session) -> list[Candidate]:
    """Applications in joint review: the joint admission review meeting takes them up."""
    from ..admission.models import Application, ApplicationState

    apps = session.scalars(sa.select(Application).where(Application.state == ApplicationState.JOINT_REVIEW)
                           .order_by(Application.id)).all()
    return [Candidate("application", a.id, f"{a.number} {a.company.name}：{a.project_name}", None, None,
                      a.company_id, "admission.application", {"app_id": a.id},
                      f"{a.carrier.name} · {a.track.label} · {a.unit_type.label} {a.area_requested} m²")
            for a in apps]


@agenda_source("subsidy_claim")
def _subsidy_claims(session: Session) -> list[Candidate]:
    """Verified claims whose amount calls for the deputy or the commander."""
    from ..core.formatting import format_money
    from ..subsidies.models import ClaimState, SubsidyClaim

    claims = session.scalars(sa.select(SubsidyClaim).where(SubsidyClaim.state == ClaimState.VERIFIED,
                                                           SubsidyClaim.required_role.in_(["deputy", "commander"]))
                             .order_by(SubsidyClaim.id)).all()
    return [Candidate("subsidy_claim", c.id, f"{c.number} {c.company.name}：{c.batch.name}", c.required_role,
                      c.amount, c.company_id, "subsidies.claim", {"claim_id": c.id},
                      f"{c.batch.number} · {c.batch.period_start.isoformat()}—{c.batch.period_end.isoformat()} · "
                      f"{format_money(c.amount)}")
            for c in claims]


@agenda_source("clawback")
def _clawbacks(session: Session) -> list[Candidate]:
    """Open clawbacks of ¥100,000 or more outstanding: whether to press or waive is the commander's."""
    from ..core.formatting import format_money
    from ..subsidies.clawbacks import OPEN_STATES
    from ..subsidies.models import Clawback

    rows = session.scalars(sa.select(Clawback).where(Clawback.state.in_(OPEN_STATES),
                                                     Clawback.amount - Clawback.repaid >= DELIBERATION_FLOOR)
                           .order_by(Clawback.id)).all()
    return [Candidate("clawback", c.id, f"{c.number} {c.company.name}：{c.reason.label}", None, c.outstanding,
                      c.company_id, "subsidies.clawback", {"clawback_id": c.id},
                      f"{format_money(c.amount)} · {c.state.label} · {c.due_on.isoformat() if c.due_on else ''}")
            for c in rows]


@agenda_source("exit_case")
def _exit_cases(session: Session) -> list[Candidate]:
    """Exits the lead reviewed, awaiting the commander."""
    from ..exits.models import ExitCase, ExitState

    cases = session.scalars(sa.select(ExitCase).where(ExitCase.state == ExitState.REVIEWED)
                            .order_by(ExitCase.id)).all()
    return [Candidate("exit_case", c.id, f"{c.number} {c.company.name}：{c.kind.label}", None, None, c.company_id,
                      "exits.case", {"case_id": c.id}, " ".join(c.reason.split())[:200])
            for c in cases]


@agenda_source("appeal")
def _appeals(session: Session) -> list[Candidate]:
    """Assessment appeals filed and not yet decided."""
    from ..assessment.models import Appeal, AppealState, Result

    appeals = session.scalars(sa.select(Appeal).where(Appeal.state == AppealState.FILED)
                              .options(joinedload(Appeal.result).joinedload(Result.campaign))
                              .order_by(Appeal.id)).all()
    return [Candidate("appeal", a.id, f"{a.filing.company.name}：{a.result.campaign.name}", None, None, a.company_id,
                      "assessment.result", {"result_id": a.result_id}, " ".join(a.grounds.split())[:200])
            for a in appeals]
