"""Meeting tests read English pages. `mworld`: the subsidy world (tests/subsidies/conftest.py)
plus claims verified at each tier — ¥30,000 (lead), ¥120,000 (deputy) and ¥300,000 (commander)
— and the people who keep and chair meetings."""
from __future__ import annotations

import pytest

from incubator.core.roles import Role
from incubator.subsidies import services as subsidies

from ..factories import make_user
from ..subsidies.conftest import evidence_file, open_batch, subsidy_world, tenant  # noqa: F401 - the fixture is reused

AMOUNTS = {"lead": "30000.00", "deputy": "120000.00", "commander": "300000.00"}


@pytest.fixture(autouse=True)
def english_everywhere(english):
    """Pages and service messages in English (tests/conftest.py::english)."""


def verified_claim(w, company):
    """A rent claim of `company` in the world's batch, verified (its amount from the rent paid)."""
    member = make_user(w.session, Role.COMPANY, company=company)
    claim = subsidies.start_claim(w.session, member, w.batch)
    subsidies.upload_evidence(w.session, member, claim, evidence_file())
    subsidies.submit(w.session, member, claim)
    subsidies.verify(w.session, w.operator, claim)
    return claim


@pytest.fixture
def mworld(subsidy_world):  # noqa: F811 - the subsidy tests' fixture, imported above
    """Tenants whose first half of 2026 rent is paid on 100 m² (¥30,000: lead), 400 m² (¥120,000:
    deputy) and 1,000 m² (¥300,000: commander), each with a verified claim; a lead, a deputy and a
    commander who chair, the operator who keeps the minutes."""
    from decimal import Decimal
    w = subsidy_world
    s = w.session
    areas = {"lead": Decimal("100.00"), "deputy": Decimal("400.00"), "commander": Decimal("1000.00")}
    w.claims = {}
    for tier, area in areas.items():
        company = tenant(s, f"东莞{tier}级补贴科技有限公司", area=area)
        w.claims[tier] = verified_claim(w, company)
    w.lead2 = make_user(s, Role.LEAD, display_name="lead2 测试")
    s.commit()
    return w
