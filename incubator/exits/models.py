"""Exit policies (versioned), exit cases and their settlement (SPEC §8)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.enums import LabeledEnum, enum_column
from ..db import Base, Money, TimestampMixin, utcnow


class ExitPolicy(Base):
    """Graduation thresholds, the lease-ending window and the company's response time.

    Rows are never edited: a change adds the next version. A case records the version it used;
    `config` is read by rules.py (see the shipped version 1 in the migration for its shape)."""

    __tablename__ = "exit_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    effective_from: Mapped[dt.date]
    config: Mapped[dict] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ExitKind(LabeledEnum):
    VOLUNTARY = "voluntary"  # requested by the company
    BREACH = "breach"  # 违约, with a BreachType and evidence
    CONSECUTIVE_FAILURES = "consecutive_failures"  # 考核清退: two consecutive 不合格
    FAILED_ASSESSMENT = "failed_assessment"  # one 不合格, the operator chose exit over rectification
    LEASE_EXPIRY = "lease_expiry"  # the tenancy ends and is not renewed
    GRADUATION = "graduation"  # 毕业


ExitKind.__labels__ = {
    ExitKind.VOLUNTARY: _l("Voluntary exit"),
    ExitKind.BREACH: _l("Breach"),
    ExitKind.CONSECUTIVE_FAILURES: _l("Two consecutive failed assessments"),
    ExitKind.FAILED_ASSESSMENT: _l("Failed assessment"),
    ExitKind.LEASE_EXPIRY: _l("Lease ending without renewal"),
    ExitKind.GRADUATION: _l("Graduation"),
}
ExitKind.__badges__ = {ExitKind.VOLUNTARY: "blue", ExitKind.BREACH: "red", ExitKind.CONSECUTIVE_FAILURES: "orange",
                       ExitKind.FAILED_ASSESSMENT: "orange", ExitKind.LEASE_EXPIRY: "secondary",
                       ExitKind.GRADUATION: "green"}


class BreachType(LabeledEnum):
    FALSE_MATERIALS = "false_materials"
    REGISTRATION_MOVED = "registration_moved"
    SUBLET = "sublet"
    CHANGE_OF_USE = "change_of_use"
    FEES_UNPAID = "fees_unpaid"
    PRODUCTION_STOPPED = "production_stopped"


BreachType.__labels__ = {
    BreachType.FALSE_MATERIALS: _l("False materials"),
    BreachType.REGISTRATION_MOVED: _l("Registration moved out of the community"),
    BreachType.SUBLET: _l("Unauthorised sublet"),
    BreachType.CHANGE_OF_USE: _l("Unauthorised change of use"),
    BreachType.FEES_UNPAID: _l("Fees unpaid after notice"),
    BreachType.PRODUCTION_STOPPED: _l("Factory stopped over 3 consecutive or 5 cumulative months"),
}


class ExitOrigin(LabeledEnum):
    OPERATOR = "operator"
    COMPANY = "company"
    SYSTEM = "system"


ExitOrigin.__labels__ = {ExitOrigin.OPERATOR: _l("Raised by the operator"),
                         ExitOrigin.COMPANY: _l("Requested by the company"),
                         ExitOrigin.SYSTEM: _l("Proposed automatically")}


class ExitState(LabeledEnum):
    PROPOSED = "proposed"
    PREPARED = "prepared"  # settlement prepared by the operator
    REVIEWED = "reviewed"  # by the work-group lead
    APPROVED = "approved"  # by the commander
    EXECUTED = "executed"
    ARCHIVED = "archived"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


ExitState.__labels__ = {
    ExitState.PROPOSED: _l("Proposed"),
    ExitState.PREPARED: _l("Settlement prepared"),
    ExitState.REVIEWED: _l("Reviewed by the lead"),
    ExitState.APPROVED: _l("Approved"),
    ExitState.EXECUTED: _l("Executed"),
    ExitState.ARCHIVED: _l("Archived"),
    ExitState.REJECTED: _l("Rejected"),
    ExitState.WITHDRAWN: _l("Withdrawn"),
}
ExitState.__badges__ = {
    ExitState.PROPOSED: "blue", ExitState.PREPARED: "cyan", ExitState.REVIEWED: "indigo",
    ExitState.APPROVED: "yellow", ExitState.EXECUTED: "green", ExitState.ARCHIVED: "dark",
    ExitState.REJECTED: "red", ExitState.WITHDRAWN: "secondary",
}

OPEN_STATES = (ExitState.PROPOSED, ExitState.PREPARED, ExitState.REVIEWED, ExitState.APPROVED)
_OPEN_SQL = "state IN ('proposed', 'prepared', 'reviewed', 'approved')"

# settlement figures, all yuan ≥ 0 except `net` (company pays when positive, is paid when negative)
FIGURES = ("arrears", "clawback", "damage", "deposit_refund", "prepaid_refund", "forfeited", "net")


class ExitCase(TimestampMixin, Base):
    """One exit of one company, from its trigger to its execution. `basis` keeps the facts the
    trigger saw (the conditions met, the lease ending, the failing results); `settlement` the
    prepared figures with their line items (see rules.py and settlement.py)."""

    __tablename__ = "exit_cases"
    __table_args__ = (
        CheckConstraint("arrears >= 0 AND clawback >= 0 AND damage >= 0 AND deposit_refund >= 0 "
                        "AND prepaid_refund >= 0 AND forfeited >= 0", name="figures"),
        CheckConstraint("kind != 'breach' OR breach_type IS NOT NULL", name="breach_type"),
        # one open case per company, also when two people (or the daily job) raise one at once
        Index("uq_exit_cases_open_company", "company_id", unique=True, sqlite_where=sa.text(_OPEN_SQL),
              postgresql_where=sa.text(_OPEN_SQL)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)  # TC-2026-0001
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("exit_policies.id"))
    kind: Mapped[ExitKind] = mapped_column(enum_column(ExitKind), index=True)
    breach_type: Mapped[BreachType | None] = mapped_column(enum_column(BreachType))
    origin: Mapped[ExitOrigin] = mapped_column(enum_column(ExitOrigin))
    reason: Mapped[str] = mapped_column(Text)
    basis: Mapped[dict | None] = mapped_column(JSON)
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the system
    assessment_proposal_id: Mapped[int | None] = mapped_column(ForeignKey("assessment_exit_proposals.id"),
                                                               index=True)
    lease_id: Mapped[int | None] = mapped_column(ForeignKey("leases.id"))  # the lease whose end raised it
    state: Mapped[ExitState] = mapped_column(enum_column(ExitState), default=ExitState.PROPOSED, index=True)
    planned_exit_on: Mapped[dt.date] = mapped_column(index=True)
    # the company's say on the stated reason (before the commander decides)
    response_due_on: Mapped[dt.date | None]
    company_response: Mapped[str | None] = mapped_column(Text)
    company_agrees: Mapped[bool | None]
    responded_at: Mapped[dt.datetime | None]
    # settlement: an approved departure refunds deposit and prepaid rent, leaving without approval forfeits both
    departure_approved: Mapped[bool] = mapped_column(default=True)
    checklist: Mapped[dict | None] = mapped_column(JSON)  # key → {"done": bool, "note": str}
    settlement: Mapped[dict | None] = mapped_column(JSON)
    arrears: Mapped[Decimal] = Money(default=Decimal("0.00"))
    clawback: Mapped[Decimal] = Money(default=Decimal("0.00"))
    damage: Mapped[Decimal] = Money(default=Decimal("0.00"))
    deposit_refund: Mapped[Decimal] = Money(default=Decimal("0.00"))
    prepaid_refund: Mapped[Decimal] = Money(default=Decimal("0.00"))
    forfeited: Mapped[Decimal] = Money(default=Decimal("0.00"))
    net: Mapped[Decimal] = Money(default=Decimal("0.00"))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    executed_on: Mapped[dt.date | None]
    clawback_id: Mapped[int | None] = mapped_column(ForeignKey("subsidy_clawbacks.id"))
    version: Mapped[int] = mapped_column(default=1)

    company = relationship("Company", lazy="joined")
    policy: Mapped[ExitPolicy] = relationship(lazy="joined")
    lease = relationship("Lease")
    assessment_proposal = relationship("ExitProposal")
    created_clawback = relationship("Clawback")

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def graduates(self) -> bool:
        return self.kind == ExitKind.GRADUATION
