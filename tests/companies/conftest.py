"""Company tests read English pages (the Chinese catalog is filled in separately)."""
import pytest
import sqlalchemy as sa
from sqlalchemy import event

from incubator.audit.models import AuditEntry
from incubator.db import db


@pytest.fixture(autouse=True)
def _in_english(request):
    if "committed_db" not in request.fixturenames:  # concurrency tests run without the test client
        request.getfixturevalue("english")


@pytest.fixture
def count_queries():
    """with count_queries() as n: ...; n() is the number of SQL statements run inside."""
    from contextlib import contextmanager

    @contextmanager
    def counter():
        statements = []

        def before(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield lambda: len(statements)
        finally:
            event.remove(db.engine, "before_cursor_execute", before)

    return counter


def audit_entries(session, action, object_id=None):
    stmt = sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    if object_id is not None:
        stmt = stmt.where(AuditEntry.object_id == object_id)
    return list(session.scalars(stmt))
