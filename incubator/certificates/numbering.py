"""Running numbers per kind and year (documents, leases, applications), shared by every module."""
from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from .models import DocumentCounter

_UPSERTS = {"postgresql": pg_insert, "sqlite": sqlite_insert}


def next_number(session: Session, kind: str, year: int) -> int:
    """The next running number for kind+year, in one atomic upsert: concurrent callers wait
    on the counter row and each gets its own number (no SELECT … FOR UPDATE needed)."""
    insert = _UPSERTS[session.get_bind().dialect.name]
    stmt = (insert(DocumentCounter).values(kind=kind, year=year, last=1)
            .on_conflict_do_update(index_elements=["kind", "year"], set_={"last": DocumentCounter.last + 1})
            .returning(DocumentCounter.last))
    return session.execute(stmt).scalar_one()
