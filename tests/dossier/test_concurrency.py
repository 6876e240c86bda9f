"""Concurrent requests on PostgreSQL: however many people ask for a company's dossier at the same
moment, one job is made and everyone is sent to it; a queued job is claimed by one worker only."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from incubator.accounts.models import User
from incubator.companies.models import Company
from incubator.core.roles import Role
from incubator.db import db
from incubator.dossier import services
from incubator.dossier.models import DossierJob

from ..concurrency import race
from ..conftest import IS_PG
from ..factories import make_company, make_user

pytestmark = pytest.mark.skipif(not IS_PG, reason="real row locks: PostgreSQL only")


@pytest.mark.parametrize("n", [2, 6])
def test_one_dossier_in_the_making_per_company(committed_db, app, n):
    setup = db.Session()
    company = make_company(setup, name="并发档案科技有限公司")
    people = [make_user(setup, Role.SUPERVISOR if i % 2 else Role.OPERATOR) for i in range(n - 1)]
    people.append(make_user(setup, Role.COMPANY, company=company))
    setup.commit()
    company_id, targets = company.id, [p.id for p in people]
    setup.close()

    def attempt(s, user_id, barrier):
        actor, target = s.get(User, user_id), s.get(Company, company_id)
        barrier.wait()
        job, created = services.request_dossier(s, actor, target)
        return job.id, created

    outcomes = race(targets, attempt, app=app)
    assert all(isinstance(o, tuple) for o in outcomes), outcomes
    assert len({job_id for job_id, _created in outcomes}) == 1, outcomes
    assert [created for _id, created in outcomes].count(True) == 1, outcomes
    check = db.Session()
    try:
        assert check.scalar(sa.select(sa.func.count()).select_from(DossierJob)
                            .where(DossierJob.company_id == company_id)) == 1
    finally:
        check.close()


def test_a_queued_job_is_claimed_by_one_worker(committed_db, app):
    setup = db.Session()
    company = make_company(setup, name="并发领取科技有限公司")
    operator = make_user(setup, Role.OPERATOR)
    with app.app_context():
        job, _created = services.request_dossier(setup, operator, company)
    setup.commit()
    job_id = job.id
    setup.close()

    def attempt(s, _worker, barrier):
        barrier.wait()
        return "claimed" if services.claim(s, job_id) else "skipped"

    outcomes = race(range(5), attempt, app=app)
    assert sorted(outcomes) == ["claimed"] + ["skipped"] * 4
    check = db.Session()
    try:
        assert check.get(DossierJob, job_id).attempts == 1
    finally:
        check.close()
