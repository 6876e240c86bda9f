"""The audit log is hash-chained in commit order and tampering is detected."""
import sqlalchemy as sa

from incubator.audit.models import AuditEntry
from incubator.audit.services import record, verify_chain
from incubator.core.roles import Role

from ..factories import make_company, make_user


def test_entries_are_chained_on_commit(session):
    actor = make_user(session, Role.OPERATOR)
    company = make_company(session)
    first = record(session, actor, "company.update", company, before={"name": "a"}, after={"name": "b"})
    second = record(session, actor, "company.update", company, after={"x": 1})
    session.commit()
    assert second.seq == first.seq + 1
    assert second.prev_hash == first.hash and len(first.hash) == 64
    assert first.company_id == company.id
    ok, count, _ = verify_chain(session)
    assert ok and count >= 2


def test_tampering_is_detected(session):
    actor = make_user(session, Role.OPERATOR)
    entry = record(session, actor, "company.update", make_company(session), after={"amount": "100.00"})
    session.commit()
    session.execute(sa.update(AuditEntry).where(AuditEntry.id == entry.id).values(after={"amount": "999.00"}))
    ok, _, message = verify_chain(session)
    assert not ok and str(entry.seq) in message


def test_deleting_an_entry_is_detected(session):
    actor = make_user(session, Role.OPERATOR)
    company = make_company(session)
    a = record(session, actor, "x.one", company)
    record(session, actor, "x.two", company)
    session.commit()
    session.execute(sa.delete(AuditEntry).where(AuditEntry.id == a.id))
    assert verify_chain(session)[0] is False


def test_rolled_back_change_leaves_no_entry(session):
    actor = make_user(session, Role.OPERATOR)
    session.commit()
    before = session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    record(session, actor, "x.lost", actor)
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == before


def test_audit_page_filters(client, session, login):
    login(Role.SUPERVISOR)
    actor = make_user(session, Role.OPERATOR, username="auditee")
    record(session, actor, "company.update", make_company(session), summary="改名")
    session.commit()
    text = client.get("/audit/?actor=auditee").get_data(as_text=True)
    assert "company.update" in text and "改名" in text
    assert "company.update" not in client.get("/audit/?actor=nobody-else").get_data(as_text=True)
    assert client.get("/audit/?from=not-a-date").status_code == 200


def test_company_member_cannot_read_audit(client, login):
    login(Role.COMPANY)
    assert client.get("/audit/").status_code == 403


def test_cli_verify(app, session):
    record(session, make_user(session, Role.OPERATOR), "x.cli", make_company(session))
    session.commit()
    result = app.test_cli_runner().invoke(args=["audit-verify"])
    assert result.exit_code == 0 and result.output.startswith("OK")
    session.execute(sa.update(AuditEntry).values(summary="tampered"))
    result = app.test_cli_runner().invoke(args=["audit-verify"])
    assert result.exit_code == 1 and result.output.startswith("BROKEN")


def test_savepoint_rollback_keeps_the_outer_entries(session):
    actor = make_user(session, Role.OPERATOR)
    company = make_company(session)
    kept = record(session, actor, "x.kept", company)
    nested = session.begin_nested()
    lost = record(session, actor, "x.lost_in_savepoint", company)
    session.flush()
    nested.rollback()
    session.commit()
    assert kept.seq is not None and lost not in session
    assert verify_chain(session)[0]
