"""Migrations upgrade to head and back to base on this run's database kind, and agree with the models."""
import uuid

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.util.exc import CommandError

from incubator import migrate

from .conftest import _TMP, DB_URL, IS_PG


@pytest.fixture
def scratch_url():
    if not IS_PG:
        yield f"sqlite:///{_TMP / f'mig-{uuid.uuid4().hex}.db'}"
        return
    name = f"incubator_mig_{uuid.uuid4().hex[:8]}"
    admin_url = DB_URL.rsplit("/", 1)[0] + "/postgres"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield DB_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def _tables(url):
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_check_downgrade_upgrade(scratch_url):
    migrate.upgrade(scratch_url)
    assert {"users", "companies", "units", "audit_entries", "issued_documents"} <= _tables(scratch_url)
    # models and migrations agree: autogenerate finds nothing to do
    command.check(migrate.alembic_config(scratch_url))
    migrate.downgrade(scratch_url, "base")
    assert _tables(scratch_url) <= {"alembic_version"}
    migrate.upgrade(scratch_url)
    assert "users" in _tables(scratch_url)


def test_check_detects_drift(scratch_url):
    migrate.upgrade(scratch_url)
    engine = sa.create_engine(scratch_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP INDEX ix_documents_company_id")
    engine.dispose()
    with pytest.raises(CommandError):
        command.check(migrate.alembic_config(scratch_url))
