"""Alembic environment: metadata from incubator.models, URL from the config or DATABASE_URL."""
from __future__ import annotations

import os

from alembic import context
from sqlalchemy.types import TypeDecorator

from incubator.db import make_engine
from incubator.models import Base

config = context.config


def render_item(type_, obj, autogen_context):
    """Write the database type of our TypeDecorators, so migrations never import app code."""
    if type_ == "type" and isinstance(obj, TypeDecorator):
        return "sa." + repr(obj.impl)
    return False
target_metadata = Base.metadata


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        from incubator.config import load_config
        url = os.environ.get("DATABASE_URL") or load_config()["DATABASE_URL"]
    return url


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=True, compare_type=True, render_item=render_item)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    url = _url()
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=url.startswith("sqlite"), compare_type=True,
                          render_item=render_item)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
