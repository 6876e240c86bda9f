"""The spaces and lease lists cost the same number of queries for 3 rows as for 20."""
import contextlib
import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from incubator.core.roles import Role
from incubator.db import db
from incubator.leases.services import create_lease

from ..factories import make_company, make_unit, make_user


@contextlib.contextmanager
def counting():
    statements = []

    def listener(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listener)


def _fill(session, n):
    operator = make_user(session, Role.OPERATOR)
    first = make_unit(session)
    units = [first] + [make_unit(session, first.building.carrier, building=first.building, number=f"N{i:03d}",
                                 area=Decimal("50")) for i in range(n - 1)]
    for unit in units:
        create_lease(session, operator, make_company(session), [unit], start_on=dt.date(2026, 1, 1))
    session.commit()


@pytest.mark.parametrize("url", ["/spaces/", "/spaces/units", "/leases/", "/leases/new"])
def test_queries_do_not_grow_with_rows(client, login, session, url):
    me = login(Role.OPERATOR)  # held, so the user comes from the identity map in every request  # noqa: F841
    _fill(session, 3)
    client.get(url)  # warm-up
    with counting() as few:
        assert client.get(url).status_code == 200
    _fill(session, 20)
    with counting() as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few) and len(few) < 10, many
