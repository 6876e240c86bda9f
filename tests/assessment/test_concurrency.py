"""Concurrent assessment steps on PostgreSQL: one ranking, one appeal decision, one revision."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from incubator.accounts.models import User
from incubator.assessment import consequences, scoring
from incubator.assessment.models import Appeal, Campaign, Result
from incubator.companies.models import CompanyStatus
from incubator.core.roles import Role
from incubator.db import db

from ..concurrency import race
from ..conftest import IS_PG
from ..factories import make_company, make_user
from .flow import WEAK, run

pytestmark = pytest.mark.skipif(not IS_PG, reason="real row locks: PostgreSQL only")


def _world(s, leads: int = 1):
    companies = [make_company(s, status=CompanyStatus.TENANT, moved_in_on=dt.date(2024, 3, 1)) for _ in range(3)]
    return SimpleNamespace(
        companies=companies, members=[make_user(s, Role.COMPANY, company=c) for c in companies],
        operator=make_user(s, Role.OPERATOR), lead=make_user(s, Role.LEAD),
        leads=[make_user(s, Role.LEAD) for _ in range(leads)], reviewers=[make_user(s, Role.REVIEWER) for _ in (1, 2)])


def test_operators_ranking_at_once_compute_the_results_once(committed_db):
    setup = db.Session()
    w = _world(setup)
    operators = [make_user(setup, Role.OPERATOR) for _ in range(4)]
    campaign = run(setup, w, {}, confirm=False)
    scoring.send_back(setup, w.lead, campaign, "复核")
    setup.commit()
    campaign_id, ids = campaign.id, [o.id for o in operators]
    setup.close()

    def attempt(s, operator_id, barrier):
        c, actor = s.get(Campaign, campaign_id), s.get(User, operator_id)
        barrier.wait()
        scoring.rank_results(s, actor, c)
        return "ok"

    outcomes = race(ids, attempt)
    assert sorted(outcomes) == ["ConcurrentChange"] * 3 + ["ok"]
    with db.Session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Result).where(Result.campaign_id == campaign_id)) == 3


def test_leads_deciding_one_appeal_at_once_make_one_revision(committed_db):
    setup = db.Session()
    w = _world(setup, leads=4)
    campaign = run(setup, w, {w.companies[2].id: WEAK})
    result = setup.scalar(sa.select(Result).where(Result.campaign_id == campaign.id,
                                                  Result.company_id == w.companies[2].id))
    appeal = consequences.file_appeal(setup, w.members[2], result, "纳税额漏计")
    setup.commit()
    appeal_id, ids, filing_id = appeal.id, [lead.id for lead in w.leads], result.filing_id
    setup.close()

    def attempt(s, lead_id, barrier):
        a, actor = s.get(Appeal, appeal_id), s.get(User, lead_id)
        barrier.wait()
        consequences.decide_appeal(s, actor, a, upheld=True, reason="予以调整", adjustments={"tax_paid": Decimal("9")})
        return "ok"

    outcomes = race(ids, attempt)
    assert outcomes.count("ok") == 1 and set(outcomes) - {"ok"} == {"ConcurrentChange"}
    with db.Session() as s:
        revisions = s.scalars(sa.select(Result).where(Result.filing_id == filing_id).order_by(Result.revision)).all()
        assert [(r.revision, r.current) for r in revisions] == [(1, False), (2, True)]
