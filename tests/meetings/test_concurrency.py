"""Meetings under concurrency (PostgreSQL): a matter is on one open agenda at a time, the chair's
closing and agenda edits never interleave, and a tiered approval waits for its resolution however
many approvers try at once (and, once agreed, is approved exactly once)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from incubator.accounts.models import User
from incubator.companies.models import CompanyStatus
from incubator.core.formatting import today
from incubator.core.roles import Role
from incubator.db import db, utcnow
from incubator.funds.models import FundEntry, FundEntryKind, FundPool
from incubator.meetings import gate, services
from incubator.meetings.models import AgendaItem, ItemState, Meeting, MeetingState
from incubator.subsidies import services as subsidies
from incubator.subsidies.models import ClaimState as C
from incubator.subsidies.models import SubsidyClaim

from ..concurrency import race
from ..conftest import IS_PG
from ..factories import make_company, make_user
from ..subsidies.conftest import fund_pool, open_batch, support_type
from .helpers import PLACE, agree

pytestmark = pytest.mark.skipif(not IS_PG, reason="real row locks: PostgreSQL only")
AMOUNT = Decimal("150000.00")


def _claims(s, n: int) -> tuple[FundPool, list[int]]:
    """`n` claims of ¥150,000 verified at the deputy's tier, in one batch drawing on a ¥1,000,000 pool."""
    operator = make_user(s, Role.OPERATOR)
    pool = fund_pool(s, Decimal("1000000.00"))
    batch = open_batch(s, operator, support_type(s), pool)
    ids = []
    for i in range(n):
        company = make_company(s, status=CompanyStatus.TENANT)
        claim = SubsidyClaim(number=f"BT-MC-{batch.id}-{i}", batch_id=batch.id, company_id=company.id,
                             state=C.VERIFIED, amount=AMOUNT, required_role="deputy", calculation={"total": str(AMOUNT)},
                             policy_id=subsidies.policies.policy_in_force(s, batch.support_type, today()).id)
        s.add(claim)
        s.flush()
        ids.append(claim.id)
    return pool, ids


def _work_group(s, secretary, chair, days: float = 2) -> Meeting:
    t = gate.meeting_type_for(s, "subsidy_claim", "deputy")
    return services.schedule(s, secretary, meeting_type=t, starts_at=utcnow() + dt.timedelta(days=days), place=PLACE,
                             chair=chair, fill=False)


@pytest.mark.parametrize("n", [2, 6])
def test_a_matter_goes_on_one_open_agenda_only(committed_db, app, n):
    setup = db.Session()
    _pool, (claim_id,) = _claims(setup, 1)
    lead = make_user(setup, Role.LEAD)
    secretaries = [make_user(setup, Role.OPERATOR) for _ in range(n)]
    meetings = [_work_group(setup, secretaries[0], lead, days=i + 1).id for i in range(n)]
    setup.commit()
    pairs = list(zip(meetings, [u.id for u in secretaries], strict=True))
    setup.close()

    def attempt(s, pair, barrier):
        meeting, secretary = s.get(Meeting, pair[0]), s.get(User, pair[1])
        barrier.wait()
        services.add_item(s, secretary, meeting, "subsidy_claim", claim_id)
        return "ok"

    outcomes = race(pairs, attempt, app=app)
    assert outcomes.count("ok") == 1, outcomes
    assert set(outcomes) - {"ok"} <= {"ConcurrentChange", "DomainError"}, outcomes
    check = db.Session()
    try:
        open_items = check.scalars(sa.select(AgendaItem).where(AgendaItem.object_id == claim_id,
                                                               AgendaItem.state == ItemState.OPEN)).all()
        assert len(open_items) == 1
    finally:
        check.close()


def _closing_against_an_edit(app) -> list[str]:
    setup = db.Session()
    _pool, (first, second) = _claims(setup, 2)
    lead, secretary = make_user(setup, Role.LEAD), make_user(setup, Role.OPERATOR)
    meeting = _work_group(setup, secretary, lead, days=-0.01)
    item = services.add_item(setup, secretary, meeting, "subsidy_claim", first)
    services.record_attendance(setup, secretary, meeting, {a.id: True for a in meeting.attendees})
    services.record_resolution(setup, secretary, item, outcome="agreed", text="同意。")
    setup.commit()
    meeting_id, lead_id, secretary_id = meeting.id, lead.id, secretary.id
    setup.close()

    def attempt(s, who, barrier):
        m = s.get(Meeting, meeting_id)
        barrier.wait()
        if who == "chair":
            services.hold(s, s.get(User, lead_id), m)
        else:
            services.add_item(s, s.get(User, secretary_id), m, "subsidy_claim", second)
        return f"{who} ok"

    outcomes = sorted(race(["chair", "secretary"], attempt, app=app))
    check = db.Session()
    try:
        m = check.get(Meeting, meeting_id)
        opened = [i for i in m.items if i.state == ItemState.OPEN]
        assert (m.state == MeetingState.HELD) == (not opened)
    finally:
        check.close()
    return outcomes


def test_the_chairs_closing_and_an_agenda_edit_never_interleave(committed_db, app):
    """Whichever comes first wins: an item added before the closing stops it (it has no resolution);
    an item added after it is refused. Never a held meeting with an open item."""
    for _round in range(3):
        outcomes = _closing_against_an_edit(app)
        assert outcomes in (["DomainError", "secretary ok"], ["TransitionNotAllowed", "chair ok"]), outcomes


@pytest.mark.parametrize("n", [3, 6])
def test_a_tiered_approval_waits_for_the_resolution_and_then_happens_once(committed_db, app, n):
    setup = db.Session()
    pool, (claim_id,) = _claims(setup, 1)
    deputies = [make_user(setup, Role.DEPUTY) for _ in range(n)]
    setup.commit()
    pool_id, deputy_ids = pool.id, [u.id for u in deputies]
    setup.close()

    def attempt(s, deputy_id, barrier):
        claim, deputy = s.get(SubsidyClaim, claim_id), s.get(User, deputy_id)
        barrier.wait()
        subsidies.approve(s, deputy, claim)
        return "ok"

    # nobody gets past the gate before the work-group meeting agreed
    assert race(deputy_ids, attempt, app=app) == ["AwaitingDeliberation"] * n
    setup = db.Session()
    agree(setup, "subsidy_claim", claim_id, "deputy")
    setup.commit()
    setup.close()
    outcomes = race(deputy_ids, attempt, app=app)
    assert sorted(outcomes) == sorted(["ok"] + ["ConcurrentChange"] * (n - 1)), outcomes
    check = db.Session()
    try:
        assert check.get(SubsidyClaim, claim_id).state == C.APPROVED
        assert check.get(FundPool, pool_id).committed == AMOUNT
        assert check.scalar(sa.select(sa.func.count()).select_from(FundEntry)
                            .where(FundEntry.kind == FundEntryKind.COMMIT)) == 1
    finally:
        check.close()


def test_approving_while_the_chair_closes_the_meeting(committed_db, app):
    """The approval sees the meeting either still open (refused) or held (approved): never a payout
    on a resolution that was not in force."""
    setup = db.Session()
    _pool, (claim_id,) = _claims(setup, 1)
    lead, deputy, secretary = make_user(setup, Role.LEAD), make_user(setup, Role.DEPUTY), make_user(setup, Role.OPERATOR)
    meeting = _work_group(setup, secretary, lead, days=-0.01)
    item = services.add_item(setup, secretary, meeting, "subsidy_claim", claim_id)
    services.record_attendance(setup, secretary, meeting, {a.id: True for a in meeting.attendees})
    services.record_resolution(setup, secretary, item, outcome="agreed", text="同意。")
    setup.commit()
    ids = {"meeting": meeting.id, "lead": lead.id, "deputy": deputy.id}
    setup.close()

    def attempt(s, who, barrier):
        barrier.wait()
        if who == "chair":
            services.hold(s, s.get(User, ids["lead"]), s.get(Meeting, ids["meeting"]))
        else:
            subsidies.approve(s, s.get(User, ids["deputy"]), s.get(SubsidyClaim, claim_id))
        return f"{who} ok"

    outcomes = sorted(race(["chair", "deputy"], attempt, app=app))
    assert outcomes in (["chair ok", "deputy ok"], ["AwaitingDeliberation", "chair ok"]), outcomes
    check = db.Session()
    try:
        assert check.get(Meeting, ids["meeting"]).state == MeetingState.HELD
        state = check.get(SubsidyClaim, claim_id).state
        assert state == (C.APPROVED if "deputy ok" in outcomes else C.VERIFIED)
    finally:
        check.close()
