"""Engine, per-request session and the declarative Base.

Sessions are explicit: views get one from `db.session` (one per request, closed at
teardown) and pass it to services; services flush, the edge commits once.
SQLite runs in WAL mode with BEGIN IMMEDIATE so concurrent writers queue instead of
silently losing writes (see shared/RELIABILITY.md); PostgreSQL gets pool_pre_ping.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask import Flask, current_app, g, has_app_context
from sqlalchemy import DateTime, MetaData, Numeric, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC timestamps on both databases (SQLite drops the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def Money(**kw):  # noqa: N802 - reads like a type in models
    """Yuan, exact to the fen."""
    return mapped_column(Numeric(14, 2, asdecimal=True), **kw)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        dt.datetime: UTCDateTime(),
        Decimal: Numeric(14, 2),
    }


class TimestampMixin:
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def make_engine(url: str, echo: bool = False) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=5, max_overflow=10)


class _AppDatabase:
    def __init__(self, engine: Engine):
        self.engine = engine
        self.Session = sessionmaker(bind=engine, expire_on_commit=False)


class Database:
    """Hands out one session per request (`db.session`). Each app has its own engine;
    outside an app context the first app's is used (scripts, test fixtures)."""

    def __init__(self) -> None:
        self._default: _AppDatabase | None = None

    def init_app(self, app: Flask) -> None:
        state = _AppDatabase(make_engine(app.config["DATABASE_URL"], app.config.get("SQL_ECHO", False)))
        app.extensions["db"] = state
        if self._default is None:
            self._default = state

        @app.teardown_appcontext
        def _close(_exc):
            session = g.pop("db_session", None)
            if session is not None:
                session.close()

    def _state(self) -> _AppDatabase:
        if has_app_context():
            return current_app.extensions["db"]
        if self._default is None:
            raise RuntimeError("no application has been initialised")
        return self._default

    @property
    def engine(self) -> Engine:
        return self._state().engine

    @property
    def Session(self) -> sessionmaker[Session]:  # noqa: N802 - a factory, named like one
        return self._state().Session

    @property
    def session(self) -> Session:
        if "db_session" not in g:
            g.db_session = self.Session()
        return g.db_session


db = Database()
