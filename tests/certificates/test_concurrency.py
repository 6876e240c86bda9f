"""Concurrent issues never share a number (real commits, real threads; meant for PostgreSQL)."""
import sqlalchemy as sa

from incubator.certificates import services
from incubator.certificates.models import IssuedDocument
from incubator.core.roles import Role
from incubator.db import db
from tests.concurrency import race
from tests.factories import make_company, make_user

THREADS = 8


def _run_together(app, work):
    """work(session, i) in THREADS threads at once; every one must succeed."""
    def attempt(s, i, barrier):
        barrier.wait()
        return ("done", work(s, i))

    results = race(range(THREADS), attempt, app=app)
    assert all(isinstance(r, tuple) for r in results), results  # a failure comes back as its name
    return [value for _done, value in results]


def test_concurrent_numbers_are_distinct(app, committed_db):
    numbers = _run_together(app, lambda s, i: [services.next_number(s, "company_dossier", 2040) for _ in range(5)])
    flat = [n for batch in numbers for n in batch]
    assert sorted(flat) == list(range(1, THREADS * 5 + 1))


def test_concurrent_dossiers_get_distinct_numbers(app, committed_db):
    with app.app_context():
        s = db.Session()
        companies = [make_company(s) for _ in range(THREADS)]
        operator = make_user(s, Role.OPERATOR)
        s.commit()
        company_ids, operator_id = [c.id for c in companies], operator.id
        s.close()

    def issue(s, i):
        from incubator.accounts.models import User
        from incubator.companies.models import Company
        return services.issue_company_dossier(s, s.get(User, operator_id), s.get(Company, company_ids[i])).number

    numbers = _run_together(app, issue)
    assert len(set(numbers)) == THREADS
    with app.app_context():
        s = db.Session()
        assert s.scalar(sa.select(sa.func.count(sa.distinct(IssuedDocument.number)))) == THREADS
        s.close()
