"""The rule that tiered approvals wait for a meeting (plan 四、工作保障 三是经费审批): from ¥100,000 the
deputy commander approves after the work-group meeting agreed, from ¥300,000 the commander after the
coordination meeting; the agenda offers the requests waiting; the agreement covers its amount only."""
from __future__ import annotations

from decimal import Decimal

import pytest

from incubator.budget import services
from incubator.budget.deliberation import KIND
from incubator.budget.models import RequestState as S
from incubator.meetings import agenda, gate
from incubator.meetings.gate import AwaitingDeliberation

from .flow import draft, submitted
from .meeting import deliberate

D = Decimal


@pytest.mark.parametrize("amount, tier, meeting_code, approver", [
    ("100000.00", "deputy", "work_group_integrated", "deputy"),
    ("299999.99", "deputy", "work_group_integrated", "deputy"),
    ("300000.00", "commander", "coordination", "commander"),
])
def test_the_approval_follows_the_meetings_agreement(world, session, amount, tier, meeting_code, approver):
    req = submitted(world, amount)
    assert req.tier == tier
    assert gate.meeting_type_for(session, KIND, tier).code == meeting_code
    with pytest.raises(AwaitingDeliberation):
        services.approve(session, getattr(world, approver), req)
    resolution = deliberate(world, req)
    assert resolution.meeting.type.code == meeting_code
    services.approve(session, getattr(world, approver), req, "按会议纪要执行")
    assert req.state == S.APPROVED
    assert gate.resolution_for(session, KIND, req.id).id == resolution.id
    assert services.line_for(session, world.year, world.office.id).committed == D(amount)


def test_the_lead_tier_needs_no_meeting(world, session):
    req = submitted(world, "99999.99")
    assert gate.meeting_type_for(session, KIND, "lead") is None
    services.approve(session, world.lead, req)
    assert req.state == S.APPROVED


def test_a_meeting_that_did_not_agree_blocks_the_approval(world, session):
    req = submitted(world, "150000.00")
    deliberate(world, req, outcome="not_agreed")
    with pytest.raises(AwaitingDeliberation, match="did not agree"):
        services.approve(session, world.deputy, req)
    services.reject(session, world.deputy, req, "工作例会未同意")
    assert req.state == S.REJECTED


def test_the_commander_approving_a_deputy_tier_request_still_needs_the_work_group_meeting(world, session):
    req = submitted(world, "200000.00")
    with pytest.raises(AwaitingDeliberation):
        services.approve(session, world.commander, req)
    deliberate(world, req)
    services.approve(session, world.commander, req)
    assert req.state == S.APPROVED


def test_an_agreement_covers_its_amount_and_tier_only(world, session):
    req = submitted(world, "120000.00")
    deliberate(world, req)
    services.return_request(session, world.deputy, req, "请按最新报价调整金额")
    # raised within the deputy tier: the agreement for ¥120,000 does not cover ¥150,000
    services.update_request(session, world.operator, req, year=world.year, category_id=world.office.id,
                            title=req.title, purpose=req.purpose, payee=req.payee, amount="150000.00")
    services.submit(session, world.operator, req)
    with pytest.raises(AwaitingDeliberation):
        services.approve(session, world.deputy, req)
    # lowered: the agreement covers it
    services.return_request(session, world.deputy, req, "按原金额")
    services.update_request(session, world.operator, req, year=world.year, category_id=world.office.id,
                            title=req.title, purpose=req.purpose, payee=req.payee, amount="110000.00")
    services.submit(session, world.operator, req)
    services.approve(session, world.deputy, req)
    assert req.state == S.APPROVED


def test_the_agenda_offers_submitted_requests_at_the_deputy_and_commander_tiers(world, session):
    lead_tier = submitted(world, "99999.99")
    deputy_tier = submitted(world, "100000.00")
    commander_tier = submitted(world, "300000.00")
    draft(world, "200000.00")  # not submitted yet
    waiting = {c.object_id: c for c in agenda.waiting(session, KIND)}
    assert set(waiting) == {deputy_tier.id, commander_tier.id}
    c = waiting[commander_tier.id]
    assert (c.kind, c.tier, c.amount, c.company_id, c.endpoint, c.values) == (
        KIND, "commander", D("300000.00"), None, "budget.request", {"request_id": commander_tier.id})
    assert c.title == f"{commander_tier.number} 社区宣传册印制"
    assert "¥300,000.00" in c.summary and "办公费" in c.summary
    assert lead_tier.id not in waiting
    deliberate(world, deputy_tier)
    assert deputy_tier.id not in {c.object_id for c in agenda.pending(session)}
