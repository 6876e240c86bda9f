"""Company tests read English pages (the Chinese catalog is filled in separately)."""
import pytest
import sqlalchemy as sa

from incubator.audit.models import AuditEntry


@pytest.fixture(autouse=True)
def _in_english(request):
    if "committed_db" not in request.fixturenames:  # concurrency tests run without the test client
        request.getfixturevalue("english")



def audit_entries(session, action, object_id=None):
    stmt = sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    if object_id is not None:
        stmt = stmt.where(AuditEntry.object_id == object_id)
    return list(session.scalars(stmt))
