"""Assessment tests read English pages; `world` is a small community: three tenant companies with a
member each, an operator, two leads, two reviewers and a supervisor; `flow` drives campaigns."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from incubator.assessment.models import AssessmentScheme
from incubator.companies.models import CompanyStatus
from incubator.core.roles import Role

from ..factories import make_company, make_user


@pytest.fixture(autouse=True)
def english(english):
    """Pages and service messages in English (the suite-wide fixture, for every test here)."""
    return english


@pytest.fixture
def scheme(session):
    """The shipped version 1 (SPEC §7 defaults)."""
    return session.scalar(sa.select(AssessmentScheme).where(AssessmentScheme.version == 1))


@pytest.fixture
def world(session, scheme):
    companies = [make_company(session, name=f"水乡考核科技有限公司{i}", status=CompanyStatus.TENANT,
                              moved_in_on=dt.date(2024, 3, 1)) for i in (1, 2, 3)]
    w = SimpleNamespace(
        scheme=scheme, companies=companies,
        members=[make_user(session, Role.COMPANY, company=c, display_name=f"企业用户{i}")
                 for i, c in enumerate(companies, start=1)],
        operator=make_user(session, Role.OPERATOR, display_name="运营 王敏"),
        lead=make_user(session, Role.LEAD, display_name="组长 刘洋"),
        lead2=make_user(session, Role.LEAD, display_name="组长 陈静"),
        reviewers=[make_user(session, Role.REVIEWER, display_name=f"考核专家{i}") for i in (1, 2)],
        supervisor=make_user(session, Role.SUPERVISOR, display_name="监督 赵"),
    )
    session.commit()
    return w
