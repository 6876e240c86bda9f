"""The one transition helper every workflow uses.

A workflow is a table (state × action → state, allowed roles, owner may act, actions whose
author may not take this one). `Workflow.apply` checks the table, the actor's roles and
segregation of duties, moves the state with a conditional UPDATE (so exactly one of N
concurrent attempts wins on SQLite and PostgreSQL alike), records the history event and
the audit entry. It flushes; the caller commits.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ..audit.services import record
from .errors import ConcurrentChange, DomainError, PermissionDenied, SegregationOfDuties, TransitionNotAllowed
from .models import WorkflowEvent
from .roles import Role


@dataclass(frozen=True)
class Rule:
    action: str
    sources: frozenset
    target: Enum
    roles: frozenset[Role] = frozenset()
    owner: bool = False  # a member of the subject company may take it
    # segregation of duties: whoever took one of these actions on the object may not take this one
    not_after: tuple[str, ...] = ()
    needs_comment: bool = False


def rule(action: str, sources: Enum | Iterable[Enum], target: Enum, roles: Iterable[Role] = (),
         owner: bool = False, not_after: Iterable[str] = (), needs_comment: bool = False) -> Rule:
    srcs = frozenset([sources]) if isinstance(sources, Enum) else frozenset(sources)
    return Rule(action, srcs, target, frozenset(roles), owner, tuple(not_after), needs_comment)


@dataclass
class Workflow:
    name: str  # object_type in history and audit, e.g. "application"
    model: type
    rules: list[Rule]
    state_attr: str = "state"
    owner_company: Callable[[object], int | None] = field(default=lambda obj: getattr(obj, "company_id", None))

    def __post_init__(self):
        self._by_key = {}
        for r in self.rules:
            for s in r.sources:
                key = (s, r.action)
                if key in self._by_key:
                    raise ValueError(f"duplicate rule {key}")
                self._by_key[key] = r

    @property
    def actions(self) -> list[str]:
        return sorted({r.action for r in self.rules})

    def rule_for(self, state, action: str) -> Rule | None:
        return self._by_key.get((state, action))

    def _is_owner(self, actor, obj) -> bool:
        company_id = self.owner_company(obj)
        return company_id is not None and getattr(actor, "company_id", None) == company_id and actor.has_role(Role.COMPANY)

    def _did(self, session: Session, actor, obj, actions: tuple[str, ...]) -> bool:
        if not actions:
            return False
        stmt = sa.select(sa.func.count()).select_from(WorkflowEvent).where(
            WorkflowEvent.object_type == self.name,
            WorkflowEvent.object_id == obj.id,
            WorkflowEvent.actor_id == actor.id,
            WorkflowEvent.action.in_(actions),
        )
        return bool(session.scalar(stmt))

    def check(self, session: Session, actor, obj, action: str) -> Rule:
        """Raise the typed error that explains why `actor` may not take `action` now."""
        state = getattr(obj, self.state_attr)
        r = self.rule_for(state, action)
        if r is None:
            raise TransitionNotAllowed(_("This action is not possible in the current state (%(state)s).",
                                         state=getattr(state, "label", state)))
        if not (actor.role_set & r.roles or (r.owner and self._is_owner(actor, obj))):
            raise PermissionDenied(_("You are not allowed to do this."))
        if self._did(session, actor, obj, r.not_after):
            raise SegregationOfDuties(_("Segregation of duties: you cannot approve a step you submitted or prepared."))
        return r

    def can(self, session: Session, actor, obj, action: str) -> bool:
        try:
            self.check(session, actor, obj, action)
            return True
        except DomainError:
            return False

    def available(self, session: Session, actor, obj) -> list[str]:
        return [a for a in self.actions if self.can(session, actor, obj, a)]

    def apply(self, session: Session, actor, obj, action: str, comment: str | None = None,
              values: dict | None = None, visible_to_company: bool = True) -> WorkflowEvent:
        r = self.check(session, actor, obj, action)
        comment = (comment or "").strip() or None
        if r.needs_comment and not comment:
            raise DomainError(_("A reason is required."), field="comment")
        from_state = getattr(obj, self.state_attr)
        table = self.model.__table__
        state_col = table.c[self.state_attr]
        new_values = {self.state_attr: r.target, **(values or {})}
        if "version" in table.c:
            new_values["version"] = table.c.version + 1
        result = session.execute(
            sa.update(table).where(table.c.id == obj.id, state_col == from_state).values(**new_values)
        )
        if result.rowcount != 1:
            raise ConcurrentChange(_("Someone else changed this record first. Please reload and try again."))
        session.refresh(obj)
        event = WorkflowEvent(object_type=self.name, object_id=obj.id, action=action,
                              from_state=str(from_state.value), to_state=str(r.target.value),
                              actor_id=actor.id, comment=comment, visible_to_company=visible_to_company)
        session.add(event)
        record(session, actor, f"{self.name}.{action}", obj,
               before={self.state_attr: from_state.value},
               after={self.state_attr: r.target.value, **_plain(values), **({"comment": comment} if comment else {})})
        session.flush()
        return event


def _plain(values: dict | None) -> dict:
    return {k: (v.value if isinstance(v, Enum) else str(v) if v is not None else None) for k, v in (values or {}).items()}


def history(session: Session, object_type: str, object_id: int, company_view: bool = False) -> list[WorkflowEvent]:
    stmt = sa.select(WorkflowEvent).where(WorkflowEvent.object_type == object_type,
                                          WorkflowEvent.object_id == object_id)
    if company_view:
        stmt = stmt.where(WorkflowEvent.visible_to_company.is_(True))
    return list(session.scalars(stmt.order_by(WorkflowEvent.at, WorkflowEvent.id)))
