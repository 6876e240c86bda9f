"""Test harness: one app per run against TEST_DATABASE_URL (SQLite file by default),
the schema built by the real migrations, and each test inside a transaction that is
rolled back (services' commits become savepoints)."""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import g, has_app_context
from flask.testing import FlaskClient

from incubator import create_app
from incubator.core.roles import Role
from incubator.db import db

from . import factories

_TMP = Path(tempfile.mkdtemp(prefix="incubator-tests-"))
DB_URL = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{_TMP / 'test.db'}"
IS_PG = DB_URL.startswith("postgresql")


def _reset_database(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        if IS_PG:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()
    if not IS_PG:
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)


@pytest.fixture(scope="session")
def app():
    from incubator import migrate

    _reset_database(DB_URL)
    migrate.upgrade(DB_URL)
    application = create_app({
        "DATABASE_URL": DB_URL, "TESTING": True, "WTF_CSRF_ENABLED": False,
        "INSTANCE_DIR": str(_TMP / "instance"), "UPLOAD_DIR": str(_TMP / "files"),
        "SECRET_KEY": "test-secret", "SERVER_NAME": "localhost", "PUBLIC_BASE_URL": "http://localhost",
    })
    yield application
    db.engine.dispose()


@pytest.fixture
def session(app):
    """The session the app uses in this test; everything is rolled back afterwards."""
    connection = db.engine.connect()
    outer = connection.begin()
    db.Session.configure(bind=connection, join_transaction_mode="create_savepoint")
    with app.app_context():
        s = db.session
        yield s
        s.close()
    outer.rollback()
    connection.close()
    db.Session.configure(bind=db.engine, join_transaction_mode="conditional_savepoint")


class _TestClient(FlaskClient):
    """Each request starts like a real one: the test's fixture rows are committed (into the
    test's outer transaction, still rolled back at the end) so a refused request's rollback
    cannot take them away, and the user is loaded afresh from the cookie."""

    def open(self, *args, **kwargs):
        if has_app_context():
            db.session.commit()
            g.pop("_login_user", None)
            g.pop("_flask_babel", None)  # the locale too (services called outside a request cache zh_CN)
        return super().open(*args, **kwargs)


@pytest.fixture
def client(app, session):
    app.test_client_class = _TestClient
    with app.test_client() as c:
        yield c


@pytest.fixture
def english(app, client, monkeypatch):
    """Pages and service messages in English, so assertions can read the msgids (module suites use
    it; Chinese output itself is checked by the accounts, i18n, PDF and browser tests)."""
    with client.session_transaction() as s:
        s["lang"] = "en"
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "en")  # outside a request
    g.pop("_flask_babel", None)


@pytest.fixture
def login(client, session):
    """login(user) or login(Role.X): sign the test client in as that user and return the user."""

    def _login(who=None, company=None):
        user = who
        if user is None or isinstance(user, Role):
            user = factories.make_user(session, user or Role.COMPANY, company=company)
        with client.session_transaction() as s:
            s["_user_id"] = user.get_id()
            s["_fresh"] = True
        return user

    return _login


@pytest.fixture
def count_queries():
    """with count_queries() as n: ...; n() is the number of SQL statements run inside."""

    @contextmanager
    def counter():
        statements = []

        def before(conn, cursor, statement, *args):
            statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield lambda: len(statements)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", before)

    return counter


@pytest.fixture
def committed_db(app):
    """For concurrency tests: real commits, cleaned up afterwards by deleting every row
    except the reference data the migrations ship (default policies, support types, scheme)."""
    db.Session.configure(bind=db.engine)
    yield db.engine
    with db.engine.begin() as conn:
        from incubator.models import Base
        shipped = {"admission_policies": lambda t: sa.and_(t.c.version == 1, t.c.carrier_id.is_(None),
                                                            t.c.track.is_(None), t.c.created_by_id.is_(None)),
                   "support_types": lambda t: t.c.id <= 6,
                   "subsidy_policies": lambda t: sa.and_(t.c.support_type_id <= 6, t.c.version == 1,
                                                         t.c.created_by_id.is_(None)),
                   "assessment_schemes": lambda t: sa.and_(t.c.version == 1, t.c.created_by_id.is_(None)),
                   "exit_policies": lambda t: sa.and_(t.c.version == 1, t.c.created_by_id.is_(None)),
                   "meeting_types": lambda t: sa.and_(t.c.version == 1, t.c.created_by_id.is_(None)),
                   "budget_policies": lambda t: sa.and_(t.c.version == 1, t.c.created_by_id.is_(None)),
                   "budget_categories": lambda t: t.c.id <= 9,
                   }
        for table in reversed(Base.metadata.sorted_tables):
            keep = shipped.get(table.name)
            conn.execute(table.delete().where(~keep(table)) if keep else table.delete())
