"""Write audit entries in the caller's transaction and seal them into the chain on commit."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from enum import Enum

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from .models import AuditEntry

_ADVISORY_KEY = 7_420_001  # PostgreSQL advisory lock that serialises sealing


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal | dt.date | dt.datetime):
        return str(value)
    return value


def _company_of(obj) -> int | None:
    if type(obj).__name__ == "Company":
        return obj.id
    return getattr(obj, "company_id", None)


def record(session: Session, actor, action: str, obj=None, *, before: dict | None = None,
           after: dict | None = None, summary: str = "", object_type: str | None = None,
           object_id: int | None = None, company_id: int | None = None) -> AuditEntry:
    """Add an audit entry for `action` on `obj`; it commits (and is sealed) with the change."""
    if obj is not None and getattr(obj, "id", None) is None:
        session.flush()
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        actor_name=getattr(actor, "username", None) or "system",
        action=action,
        object_type=object_type or (getattr(obj, "__tablename__", None) or "-"),
        object_id=object_id if object_id is not None else getattr(obj, "id", None),
        company_id=company_id if company_id is not None else _company_of(obj),
        summary=summary[:300],
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
    )
    session.add(entry)
    session.info.setdefault("audit_pending", []).append(entry)
    return entry


def entry_hash(entry: AuditEntry, prev_hash: str) -> str:
    payload = json.dumps(
        {
            "seq": entry.seq, "at": entry.at.astimezone(dt.UTC).isoformat(),
            "actor_id": entry.actor_id, "actor_name": entry.actor_name, "action": entry.action,
            "object_type": entry.object_type, "object_id": entry.object_id, "company_id": entry.company_id,
            "summary": entry.summary, "before": entry.before, "after": entry.after, "prev": prev_hash,
        },
        sort_keys=True, ensure_ascii=False, separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


GENESIS = "0" * 64


def seal_pending(session: Session) -> None:
    # entries whose (sub)transaction was rolled back have been expunged from the session
    pending = [e for e in session.info.pop("audit_pending", []) if e in session]
    if not pending:
        return
    session.flush()
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ADVISORY_KEY})
    last = session.execute(
        sa.select(AuditEntry.seq, AuditEntry.hash).where(AuditEntry.seq.is_not(None))
        .order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    seq, prev = (last.seq, last.hash) if last else (0, GENESIS)
    for entry in sorted(pending, key=lambda e: e.id):
        seq += 1
        entry.seq = seq
        entry.prev_hash = prev
        entry.hash = entry_hash(entry, prev)
        prev = entry.hash
    session.flush()


@event.listens_for(Session, "before_commit")
def _seal_before_commit(session: Session) -> None:
    seal_pending(session)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    # fires for savepoints too: keep the entries of the enclosing transaction
    if "audit_pending" in session.info:
        session.info["audit_pending"] = [e for e in session.info["audit_pending"] if e in session]


def verify_chain(session: Session) -> tuple[bool, int, str]:
    """Walk the chain in order; return (ok, entries checked, message)."""
    prev, count = GENESIS, 0
    stmt = sa.select(AuditEntry).where(AuditEntry.seq.is_not(None)).order_by(AuditEntry.seq)
    for entry in session.scalars(stmt).yield_per(1000):
        count += 1
        if entry.seq != count:
            return False, count, f"gap before seq {entry.seq}"
        if entry.prev_hash != prev or entry_hash(entry, prev) != entry.hash:
            return False, count, f"entry seq {entry.seq} (id {entry.id}) does not match its hash"
        prev = entry.hash
    unsealed = session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.seq.is_(None)))
    if unsealed:
        return False, count, f"{unsealed} entries were never sealed"
    return True, count, "ok"
