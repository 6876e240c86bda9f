"""Concurrent issues never share a number (real commits, real threads; meant for PostgreSQL)."""
import threading

import sqlalchemy as sa

from incubator.certificates import services
from incubator.certificates.models import IssuedDocument
from incubator.core.roles import Role
from incubator.db import db
from tests.factories import make_company, make_user

THREADS = 8


def _run_together(app, work):
    barrier = threading.Barrier(THREADS)
    results, errors = [], []

    def runner(i):
        with app.app_context():
            s = db.Session()
            try:
                barrier.wait()
                results.append(work(s, i))
                s.commit()
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                s.close()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    return results


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
