"""The demo's money (incubator/demo_subsidies.py): a paid and closed batch, one in public notice
with approvals at all three tiers, one taking applications, claims in every state, clawbacks,
a fund that reconciles to its entries, a rent ledger with arrears; and the pages a newcomer
follows, down to recomputing a paid claim from its approval form."""
from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from incubator.accounts.models import User
from incubator.audit.services import verify_chain
from incubator.core.formatting import today
from incubator.core.models import WorkflowEvent
from incubator.demo import seed_demo
from incubator.demo_subsidies import PROGRAM, periods
from incubator.funds.models import FundEntry, FundEntryKind, FundPool, FundProgram, FundSource
from incubator.leases import ledger
from incubator.leases.models import Lease, RentCharge
from incubator.subsidies.models import (
    BatchState,
    ClaimState,
    Clawback,
    ClawbackReason,
    ClawbackState,
    Objection,
    ObjectionOutcome,
    SubsidyBatch,
    SubsidyClaim,
    SupportType,
)

C = ClaimState
ZERO = Decimal("0.00")
CENT = Decimal("0.01")


@pytest.fixture
def demo(session):
    seed_demo(session, today=today())
    session.commit()
    return session


def _users(session) -> dict[str, User]:
    return {u.username: u for u in session.scalars(sa.select(User))}


def _batches(session) -> dict[BatchState, SubsidyBatch]:
    """The three rent batches by state (the demo's 融资奖励 batch is the meetings demo's story)."""
    return {b.state: b for b in session.scalars(sa.select(SubsidyBatch).join(SupportType)
                                                 .where(SupportType.code == "rent"))}


def _claims(session, batch: SubsidyBatch) -> list[SubsidyClaim]:
    return list(session.scalars(sa.select(SubsidyClaim).where(SubsidyClaim.batch_id == batch.id)
                                .order_by(SubsidyClaim.id)))


def _money(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(ZERO)


def test_the_demo_tells_the_whole_story(demo):
    session, day = demo, today()
    users = _users(session)
    found = _batches(session)
    assert set(found) == {BatchState.CLOSED, BatchState.NOTICE, BatchState.OPEN}
    closed, notice, open_ = found[BatchState.CLOSED], found[BatchState.NOTICE], found[BatchState.OPEN]
    span = periods(day)
    assert (open_.period_start, open_.period_end) == span["open"]
    assert (closed.period_end + dt.timedelta(days=1), notice.period_end + dt.timedelta(days=1)) == \
        (notice.period_start, open_.period_start)

    # every claim state, across the three batches; the open batch holds all it can
    claims = {b.state: _claims(session, b) for b in (closed, notice, open_)}
    every = Counter(c.state for batch in claims.values() for c in batch)
    assert set(every) == set(C)
    assert {c.state for c in claims[BatchState.OPEN]} == set(C) - {C.IN_NOTICE, C.DISBURSED}
    assert {c.state for c in claims[BatchState.NOTICE]} == {C.IN_NOTICE}
    assert {c.state for c in claims[BatchState.CLOSED]} == {C.DISBURSED, C.REJECTED, C.LAPSED}

    # the closed batch: paid after its notice, with references and originals; one rejected on an
    # upheld objection (its money released), one lapsed
    paid = [c for c in claims[BatchState.CLOSED] if c.state == C.DISBURSED]
    assert 6 <= len(paid) <= 10 and closed.closed_on < day
    for c in paid:
        assert c.payment_reference and closed.notice_ends_on < c.paid_on <= closed.closed_on
        assert c.originals_received_on and c.policy.version == 1
    upheld = session.scalars(sa.select(Objection).where(Objection.batch_id == closed.id)).one()
    assert upheld.outcome == ObjectionOutcome.UPHELD and upheld.claim.state == C.REJECTED
    assert session.scalar(sa.select(FundEntry).where(FundEntry.kind == FundEntryKind.RELEASE,
                                                     FundEntry.object_id == upheld.claim_id))

    # the notice batch: the notice is running, every tier approved by its own role, objections
    assert notice.notice_starts_on <= day <= notice.notice_ends_on
    tiers = {c.required_role for c in claims[BatchState.NOTICE]}
    assert tiers == {"lead", "deputy", "commander"}
    approver = {"approve_lead": "lead", "approve_deputy": "deputy", "approve_commander": "commander"}
    for c in claims[BatchState.NOTICE]:
        assert c.policy.version == 2
        event = session.scalars(sa.select(WorkflowEvent).where(
            WorkflowEvent.object_type == "subsidy_claim", WorkflowEvent.object_id == c.id,
            WorkflowEvent.action.like("approve_%"))).one()
        assert event.actor_id == users[approver[event.action]].id == users[c.required_role].id
    outcomes = {o.outcome for o in session.scalars(sa.select(Objection).where(Objection.batch_id == notice.id))}
    assert outcomes == {ObjectionOutcome.OPEN, ObjectionOutcome.DISMISSED}

    # the open batch: company1's draft, deadlines on either side of today
    company1 = users["company1"]
    by_state = {c.state: c for c in claims[BatchState.OPEN]}
    assert by_state[C.DRAFT].company_id == company1.company_id
    assert open_.intake_opens_on < day < open_.intake_closes_on
    assert by_state[C.RETURNED].due_on > day and by_state[C.LAPSED].due_on < day

    # histories in the past and in order, each claim made by a member of its company
    for batch in claims.values():
        for c in batch:
            events = session.scalars(sa.select(WorkflowEvent).where(
                WorkflowEvent.object_type == "subsidy_claim", WorkflowEvent.object_id == c.id)
                .order_by(WorkflowEvent.id)).all()
            assert [e.at for e in events] == sorted(e.at for e in events)
            assert all(e.at.date() <= day for e in events)
            assert session.get(User, c.created_by_id).company_id == c.company_id
    assert verify_chain(session)[0]


def test_the_money_reconciles_and_the_ledger_has_arrears(demo):
    session = demo
    program = session.scalars(sa.select(FundProgram).where(FundProgram.name == PROGRAM)).one()
    pools = {(p.source, p.phase): p for p in program.pools}
    assert pools[(FundSource.CITY, 1)].allocated == Decimal("10000000.00")
    assert pools[(FundSource.CITY, 2)].allocated == Decimal("6000000.00")
    city = sum(p.allocated for p in pools.values() if p.source == FundSource.CITY)
    committee = sum(p.allocated for p in pools.values() if p.source == FundSource.COMMITTEE)
    assert committee >= city

    for pool in session.scalars(sa.select(FundPool)):
        sums = dict(session.execute(sa.select(FundEntry.kind, sa.func.sum(FundEntry.amount))
                                    .where(FundEntry.pool_id == pool.id).group_by(FundEntry.kind)).all())
        entry = {k: _money(sums.get(k)) for k in FundEntryKind}
        assert pool.allocated == entry[FundEntryKind.ALLOCATE]
        assert pool.committed == entry[FundEntryKind.COMMIT] - entry[FundEntryKind.RELEASE] - entry[FundEntryKind.PAY]
        assert pool.paid == entry[FundEntryKind.PAY] and pool.returned == entry[FundEntryKind.RETURN]
        assert min(pool.committed, pool.paid, pool.returned, pool.remaining) >= 0
        # what the claims of the pool's batches say, too
        claims = session.scalars(sa.select(SubsidyClaim).join(SubsidyBatch).where(
            SubsidyBatch.fund_pool_id == pool.id)).all()
        assert pool.paid == sum((c.amount for c in claims if c.state == C.DISBURSED), ZERO)
        assert pool.committed == sum((c.amount for c in claims if c.state in (C.APPROVED, C.IN_NOTICE)), ZERO)

    clawbacks = {c.reason: c for c in session.scalars(sa.select(Clawback))}
    exit_ = clawbacks[ClawbackReason.EXIT]
    assert exit_.state == ClawbackState.PARTLY_REPAID and 0 < exit_.repaid < exit_.amount
    assert exit_.company.left_on == exit_.trigger_on
    counted = session.get(SubsidyClaim, exit_.basis["claims"][0]["claim_id"])
    assert counted.state == C.DISBURSED and counted.paid_on < exit_.trigger_on
    assert counted.batch.fund_pool.returned == exit_.repaid == sum(r.amount for r in exit_.repayments)
    assert clawbacks[ClawbackReason.BREACH].state == ClawbackState.OPEN

    # the rent ledger: every billed lease charged, nearly all paid by transfer; three tenants
    # behind (one period partly paid), the demo members clean
    day, users = today(), _users(session)
    leases = session.scalars(sa.select(Lease).where(Lease.state.in_(ledger.BILLED))).all()
    charged = set(session.scalars(sa.select(RentCharge.lease_id)))
    assert {lease.id for lease in leases} <= charged
    companies, oldest = ledger.arrears_overview(session, day)
    assert companies == 3 and oldest < day
    overdue = session.scalars(sa.select(RentCharge).where(RentCharge.due_on < day)).all()
    assert sum(c.is_settled for c in overdue) > 0.95 * len(overdue)
    assert sum(0 < c.paid < c.amount for c in overdue) == 1
    assert all(p.reference and "转账" in p.reference for c in overdue for p in c.payments)
    for name in (f"company{i}" for i in range(1, 6)):
        assert ledger.overdue_total(session, users[name].company_id, day) == 0, name


def _pdf_text(data: bytes) -> str:
    return "".join("".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages)


def test_a_newcomer_follows_a_claim_and_recomputes_it(demo, client, login):
    session = demo
    users = _users(session)
    found = _batches(session)
    login(users["company1"])
    draft = next(c for c in _claims(session, found[BatchState.OPEN]) if c.state == C.DRAFT)
    page = client.get(f"/subsidies/claims/{draft.id}")
    assert page.status_code == 200 and draft.number in page.text
    assert client.get("/subsidies/mine").status_code == 200

    login(users["operator"])
    paid = next(c for c in _claims(session, found[BatchState.CLOSED]) if c.state == C.DISBURSED)
    for path in ("/subsidies/", f"/subsidies/batches/{found[BatchState.NOTICE].id}", "/subsidies/claims",
                 f"/subsidies/claims/{paid.id}", "/subsidies/clawbacks", "/funds/", "/leases/arrears"):
        assert client.get(path).status_code == 200, path
    resp = client.get(f"/subsidies/claims/{paid.id}/approval.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    text = _pdf_text(resp.data)
    calc = paid.calculation
    items = calc["lines"] + calc["adjustments"]
    assert sum(Decimal(x["amount"]) for x in items) == paid.amount
    for x in calc["lines"]:  # each line recomputes by hand: area × price × months, × rate
        num, _slash, den = x["months"].partition("/")
        base = Decimal(x["eligible_area"]) * Decimal(x["price_used"]) * Decimal(num) / Decimal(den or 1)
        assert base.quantize(CENT, ROUND_HALF_UP) == Decimal(x["base"])
        assert (Decimal(x["base"]) * Decimal(x["rate"])).quantize(CENT, ROUND_HALF_UP) == Decimal(x["amount"])
        assert x["amount"] in text and x["base"] in text
    assert paid.payment_reference.replace(" ", "") in text
