"""Every movement of the special fund. Pool totals change only by conditional UPDATEs, so
concurrent approvals can never overdraw a pool (the CHECK constraints are the last line);
each movement leaves a FundEntry and an audit entry. Services take the acting user and flush;
the caller commits.

commit / release / pay / return_funds are called by the subsidy claims and clawbacks with the
user who acts there (their workflows check who may); programmes, pools and allocations are the
operator's (STAFF_EDITORS)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..audit.services import record
from ..core.errors import DomainError, NotFound, PermissionDenied
from ..core.formatting import format_money
from ..core.roles import STAFF_EDITORS
from ..spaces.rules import parse_amount
from . import rules
from .models import FundEntry, FundEntryKind, FundPool, FundProgram, FundSource

K = FundEntryKind
# object_type of the entries for a subsidy claim's grant and a clawback repayment
CLAIM = "subsidy_claim"
REPAYMENT = "clawback_repayment"


class InsufficientFunds(DomainError):
    """The pool has less left than the amount asked for."""

    status_code = 409


class DuplicateMovement(DomainError):
    """A second movement of the same kind for the same object."""

    status_code = 409


DUPLICATE = {K.COMMIT: _l("Funds were committed for this already."), K.PAY: _l("This was paid already."),
             K.RELEASE: _l("These funds were released already."),
             K.RETURN: _l("This repayment was returned to the fund already.")}


def _money(amount, field: str = "amount") -> Decimal:
    return parse_amount(amount, field, positive=True, digits=14)


def _fen(expr):
    # SQLite keeps NUMERIC as binary floats: round so that an exact balance compares equal
    return sa.func.round(expr, 2)


def _require_editor(actor) -> None:
    if not actor.role_set & STAFF_EDITORS:
        raise PermissionDenied(_("You are not allowed to do this."))


# --- programmes ------------------------------------------------------------------------------

def _clean_config(config: dict) -> dict:
    problems = rules.config_problems(config)
    if problems:
        key, message = next(iter(problems.items()))
        raise DomainError(message, field=key or None)
    return {"phase_cap": str(rules.phase_cap(config)), "max_city_phases": int(config["max_city_phases"]),
            "matching_ratio": str(Decimal(str(config["matching_ratio"])))}


def create_program(session: Session, actor, name: str, config: dict, note: str | None = None) -> FundProgram:
    _require_editor(actor)
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Please enter a name."), field="name")
    program = FundProgram(name=name, config=_clean_config(config), note=(note or "").strip() or None)
    try:
        with session.begin_nested():  # the unique name decides, also between two at once
            session.add(program)
            session.flush()
    except IntegrityError:
        raise DomainError(_("A fund programme with this name exists already."), field="name") from None
    record(session, actor, "fund_program.create", program, after={"name": name, "config": program.config},
           summary=name)
    return program


def change_config(session: Session, actor, program: FundProgram, config: dict, note: str | None = None) -> FundProgram:
    """An audited edit. Pools already opened must still fit: a lower cap or fewer phases than
    the money already allocated is refused rather than leaving the books outside the rules."""
    _require_editor(actor)
    new = _clean_config(config)
    for pool in program.pools:
        if pool.source != FundSource.CITY:
            continue
        if not rules.city_phase_allowed(new, pool.phase):
            raise DomainError(_("City phase %(phase)s exists already: allow at least %(phase)s phases.",
                                phase=pool.phase), field="max_city_phases")
        if not rules.within_phase_cap(new, pool.allocated):
            raise DomainError(_("%(pool)s already holds %(amount)s, more than this cap.", pool=pool.name,
                                amount=format_money(pool.allocated)), field="phase_cap")
    before = dict(program.config)
    if new == before:
        return program
    program.config = new
    if note is not None and note.strip():
        program.note = note.strip()
    session.flush()
    record(session, actor, "fund_program.config", program, before=before, after=new, summary=program.name)
    return program


# --- pools and allocations ---------------------------------------------------------------------

def open_pool(session: Session, actor, program: FundProgram, source, phase: int, name: str, allocated,
              opened_on: dt.date, note: str | None = None) -> FundPool:
    _require_editor(actor)
    source = FundSource(source)
    amount = _money(allocated, "allocated")
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Please enter a name."), field="name")
    if not isinstance(phase, int) or phase < 1 or phase > 99:
        raise DomainError(_("The phase is a whole number from 1 to 99."), field="phase")
    if source == FundSource.CITY:
        if not rules.city_phase_allowed(program.config, phase):
            raise DomainError(_("The city funds at most %(n)s phases.", n=program.config["max_city_phases"]),
                              field="phase")
        if not rules.within_phase_cap(program.config, amount):
            raise DomainError(_("A city phase holds at most %(cap)s.", cap=format_money(rules.phase_cap(program.config))),
                              field="allocated")
    pool = FundPool(program_id=program.id, source=source, phase=phase, name=name, allocated=amount,
                    opened_on=opened_on, note=(note or "").strip() or None)
    try:
        with session.begin_nested():  # the unique (programme, source, phase) decides between two at once
            session.add(pool)
            session.flush()
    except IntegrityError:
        raise DomainError(_("This programme already has a pool for %(source)s phase %(phase)s.",
                            source=source.label, phase=phase), field="phase") from None
    session.expire(program, ["pools"])  # the new pool is one of them now
    _entry(session, actor, pool, K.ALLOCATE, amount, None, None, note)
    record(session, actor, "fund_pool.open", pool,
           after={"source": source.value, "phase": phase, "name": name, "allocated": amount},
           summary=f"{program.name} {name} {format_money(amount)}")
    return pool


def allocate(session: Session, actor, pool: FundPool, amount, note: str | None = None) -> FundEntry:
    """A top-up of the pool; a city phase stays within the cap even when two arrive at once."""
    _require_editor(actor)
    amount = _money(amount)
    guard = [FundPool.id == pool.id]
    if pool.source == FundSource.CITY:
        guard.append(_fen(FundPool.allocated + amount) <= rules.phase_cap(pool.program.config))
    before = pool.allocated
    if not _update(session, pool, guard, allocated=FundPool.allocated + amount):
        raise DomainError(_("A city phase holds at most %(cap)s; %(pool)s holds %(held)s already.",
                            cap=format_money(rules.phase_cap(pool.program.config)), pool=pool.name,
                            held=format_money(pool.allocated)), field="amount")
    entry = _entry(session, actor, pool, K.ALLOCATE, amount, None, None, note)
    _audit(session, actor, pool, entry, "allocated", before)
    return entry


# --- movements for claims and clawbacks ----------------------------------------------------------

def commit(session: Session, actor, pool_id: int, amount, object_type: str, object_id: int,
           note: str | None = None) -> FundEntry:
    """Reserve `amount` for an approval; refused when the pool has less left (InsufficientFunds)."""
    amount = _money(amount)
    pool = _pool(session, pool_id)
    before = pool.committed
    left = FundPool.allocated - FundPool.committed - FundPool.paid + FundPool.returned
    entry = _move(session, actor, pool, K.COMMIT, amount, object_type, object_id, note, [_fen(left) >= amount],
                  lambda: InsufficientFunds(_("%(pool)s has only %(left)s left, less than %(amount)s.", pool=pool.name,
                                              left=format_money(pool.remaining), amount=format_money(amount))),
                  committed=FundPool.committed + amount)
    _audit(session, actor, pool, entry, "committed", before)
    return entry


def release(session: Session, actor, object_type: str, object_id: int, note: str | None = None) -> FundEntry | None:
    """Give an approval's money back to its pool (a rejection or an upheld objection). None when
    nothing is committed (never approved, or released already)."""
    committed = _commitment(session, object_type, object_id)
    if committed is None or _done(session, K.RELEASE, object_type, object_id):
        return None
    if _done(session, K.PAY, object_type, object_id):
        raise DomainError(_("This money was paid out already; only a clawback can bring it back."))
    pool, amount = committed.pool, committed.amount
    before = pool.committed
    try:
        entry = _move(session, actor, pool, K.RELEASE, amount, object_type, object_id, note,
                      [_fen(FundPool.committed) >= amount], _short_commitment, committed=FundPool.committed - amount)
    except DuplicateMovement:
        return None
    _audit(session, actor, pool, entry, "committed", before)
    return entry


def pay(session: Session, actor, object_type: str, object_id: int, note: str | None = None) -> FundEntry:
    """Committed money paid out, exactly once."""
    committed = _commitment(session, object_type, object_id)
    if committed is None:
        raise DomainError(_("No funds were committed for this, so nothing can be paid."))
    if _done(session, K.RELEASE, object_type, object_id):
        raise DomainError(_("The committed funds were released, so nothing can be paid."))
    if _done(session, K.PAY, object_type, object_id):
        raise DuplicateMovement(str(DUPLICATE[K.PAY]))
    pool, amount = committed.pool, committed.amount
    before = pool.paid
    entry = _move(session, actor, pool, K.PAY, amount, object_type, object_id, note,
                  [_fen(FundPool.committed) >= amount], _short_commitment,
                  committed=FundPool.committed - amount, paid=FundPool.paid + amount)
    _audit(session, actor, pool, entry, "paid", before)
    return entry


def return_funds(session: Session, actor, pool_id: int, amount, object_type: str, object_id: int,
                 note: str | None = None) -> FundEntry:
    """Money clawed back into the pool it was paid from (never more than the pool paid out)."""
    amount = _money(amount)
    pool = _pool(session, pool_id)
    before = pool.returned
    entry = _move(session, actor, pool, K.RETURN, amount, object_type, object_id, note,
                  [_fen(FundPool.returned + amount) <= FundPool.paid],
                  lambda: DomainError(_("%(pool)s paid out %(paid)s and got %(returned)s back: it cannot take back "
                                        "%(amount)s more.", pool=pool.name, paid=format_money(pool.paid),
                                        returned=format_money(pool.returned), amount=format_money(amount))),
                  returned=FundPool.returned + amount)
    _audit(session, actor, pool, entry, "returned", before)
    return entry


def _short_commitment() -> DomainError:
    return DomainError(_("The pool's committed total is lower than this commitment."))


def _pool(session: Session, pool_id: int) -> FundPool:
    pool = session.get(FundPool, pool_id)
    if pool is None:
        raise NotFound(_("The fund pool was not found."))
    return pool


def _commitment(session: Session, object_type: str, object_id: int) -> FundEntry | None:
    """The object's COMMIT entry, locked (PostgreSQL) so its pay and release queue up one after
    the other and each sees what the other did."""
    return session.scalar(sa.select(FundEntry).where(FundEntry.kind == K.COMMIT, FundEntry.object_type == object_type,
                                                     FundEntry.object_id == object_id)
                          .with_for_update(of=FundEntry).execution_options(populate_existing=True))


def _done(session: Session, kind: FundEntryKind, object_type: str, object_id: int) -> bool:
    return session.scalar(sa.select(FundEntry.id).where(FundEntry.kind == kind, FundEntry.object_type == object_type,
                                                        FundEntry.object_id == object_id)) is not None


def _move(session: Session, actor, pool: FundPool, kind: FundEntryKind, amount: Decimal, object_type: str,
          object_id: int, note: str | None, guard: list, refused, **values) -> FundEntry:
    """One movement in a SAVEPOINT: the conditional UPDATE of the pool's totals (`refused()` is
    raised when its guard fails) and the entry. The unique (kind, object) of the entries is the
    backstop against a second movement of one kind for one object."""
    try:
        with session.begin_nested():
            if not _update(session, pool, [FundPool.id == pool.id, *guard], **values):
                raise refused()
            return _entry(session, actor, pool, kind, amount, object_type, object_id, note)
    except IntegrityError:
        session.refresh(pool)  # the savepoint's rollback undid the UPDATE; the object does not know
        if _done(session, kind, object_type, object_id):
            raise DuplicateMovement(str(DUPLICATE[kind])) from None
        # a CHECK constraint (the pool's last line) refused what the guard let through
        raise DomainError(_("The fund pool's limits refused this change; nothing was changed.")) from None


def _update(session: Session, pool: FundPool, guard: list, **values) -> bool:
    """UPDATE fund_pools SET … , version + 1 WHERE <guard>; True when the row changed."""
    result = session.execute(sa.update(FundPool).where(*guard)
                             .values(**{k: _fen(v) for k, v in values.items()}, version=FundPool.version + 1)
                             .execution_options(synchronize_session=False))
    session.refresh(pool)
    return result.rowcount == 1


def _entry(session: Session, actor, pool: FundPool, kind: FundEntryKind, amount: Decimal, object_type: str | None,
           object_id: int | None, note: str | None) -> FundEntry:
    entry = FundEntry(pool_id=pool.id, kind=kind, amount=amount, object_type=object_type, object_id=object_id,
                      actor_id=getattr(actor, "id", None), note=(note or "").strip() or None)
    session.add(entry)
    session.flush()
    return entry


def _audit(session: Session, actor, pool: FundPool, entry: FundEntry, total: str, before: Decimal) -> None:
    obj = f" {entry.object_type}#{entry.object_id}" if entry.object_type else ""
    record(session, actor, f"fund_pool.{entry.kind.value}", pool,
           before={total: before}, after={total: getattr(pool, total), "amount": entry.amount,
                                          "entry_id": entry.id, "remaining": pool.remaining},
           summary=f"{pool.name} {entry.kind.value} {format_money(entry.amount)}{obj}")


# --- reading --------------------------------------------------------------------------------------

TOTALS = ("allocated", "committed", "paid", "returned")


def _totals(pools: list[FundPool]) -> dict:
    sums = {t: sum((getattr(p, t) for p in pools), Decimal("0.00")) for t in TOTALS}
    sums["remaining"] = rules.remaining(*(sums[t] for t in TOTALS))
    sums["paid_pct"], sums["committed_pct"] = rules.use_shares(*(sums[t] for t in TOTALS))
    sums["low"] = rules.running_low(sums["allocated"], sums["remaining"])
    return sums


def pool_totals(pool: FundPool) -> dict:
    return _totals([pool])


def program_summary(session: Session, program: FundProgram) -> dict:
    """Per-pool totals, the city's and the committee's, and whether the matching ratio is met."""
    pools = list(program.pools)
    city = [p for p in pools if p.source == FundSource.CITY]
    committee = [p for p in pools if p.source == FundSource.COMMITTEE]
    summary = {"program": program, "pools": [{"pool": p, **pool_totals(p)} for p in pools],
               "city": _totals(city), "committee": _totals(committee), "total": _totals(pools),
               "city_phases": len(city), "max_city_phases": int(program.config["max_city_phases"]),
               "phase_cap": rules.phase_cap(program.config)}
    summary["matching"] = rules.matching(program.config, summary["city"]["allocated"],
                                         summary["committee"]["allocated"])
    return summary
