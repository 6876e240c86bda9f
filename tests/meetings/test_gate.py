"""The tiered approvals wait for the meeting that must deliberate them (plan 四、工作保障, 三是经费审批):
¥100,000–¥299,999.99 → the deputy, after the work-group meeting; ¥300,000+ → the commander, after the
coordination meeting; below ¥100,000 the lead approves without one."""
import datetime as dt
from decimal import Decimal

import pytest

from incubator.core.errors import DomainError
from incubator.core.inbox import tasks_for
from incubator.core.roles import Role
from incubator.db import utcnow
from incubator.meetings import gate, services
from incubator.meetings.gate import AwaitingDeliberation
from incubator.meetings.models import Outcome
from incubator.subsidies import services as subsidies
from incubator.subsidies.models import ClaimState as C

from .helpers import PLACE, agree, disagree, hold_meeting


def _approve(s, actor, claim):
    savepoint = s.begin_nested()
    try:
        subsidies.approve(s, actor, claim)
        return claim.state
    except AwaitingDeliberation as exc:
        return exc.message
    finally:
        savepoint.rollback()
        s.expire_all()


def test_which_meeting_each_tier_waits_for(mworld):
    s = mworld.session
    assert gate.meeting_type_for(s, "subsidy_claim", "lead") is None
    assert gate.meeting_type_for(s, "subsidy_claim", "deputy").code == "work_group_integrated"
    assert gate.meeting_type_for(s, "subsidy_claim", "commander").code == "coordination"
    assert gate.meeting_type_for(s, "expense_request", "commander").code == "coordination"
    assert gate.meeting_type_for(s, "exit_case", None) is None  # deliberated, not gated


def test_the_lead_tier_needs_no_meeting(mworld):
    w = mworld
    assert gate.require_agreed(w.session, "subsidy_claim", w.claims["lead"].id, "lead") is None
    subsidies.approve(w.session, w.lead, w.claims["lead"])
    assert w.claims["lead"].state == C.APPROVED


@pytest.mark.parametrize(("tier", "meeting"), [("deputy", "Integrated coordination group meeting"),
                                               ("commander", "Field headquarters coordination meeting")])
def test_a_tiered_claim_waits_until_its_meeting_agreed_and_was_held(mworld, tier, meeting):
    w, s = mworld, mworld.session
    claim, approver = w.claims[tier], getattr(w, tier)
    assert _approve(s, approver, claim) == (f"This must first be deliberated and agreed at the {meeting}; it can be "
                                            "approved once that meeting is held.")
    # on the agenda, resolved as agreed, but the chair has not closed the meeting: still waiting
    t = gate.meeting_type_for(s, "subsidy_claim", tier)
    chair = w.lead if tier == "deputy" else w.commander
    m = services.schedule(s, w.operator, meeting_type=t, starts_at=utcnow() - dt.timedelta(hours=2), place=PLACE,
                          chair=chair)
    item = next(i for i in m.items if i.object_id == claim.id)
    services.record_attendance(s, w.operator, m, {a.id: True for a in m.attendees})
    services.record_resolution(s, w.operator, item, outcome="agreed", text="同意拨付。")
    assert "must first be deliberated" in _approve(s, approver, claim)
    assert "approve_" + tier not in subsidies.claim_actions(s, approver, claim)
    services.hold(s, chair, m)
    assert _approve(s, approver, claim) == C.APPROVED
    assert f"approve_{tier}" in subsidies.claim_actions(s, approver, claim)
    resolution = gate.require_agreed(s, "subsidy_claim", claim.id, tier, claim.amount)
    assert resolution.meeting_id == m.id and resolution.outcome == Outcome.AGREED


def test_not_agreed_or_deferred_does_not_open_the_gate(mworld):
    w, s = mworld, mworld.session
    deputy, commander = w.claims["deputy"], w.claims["commander"]
    refused = disagree(s, "subsidy_claim", deputy.id, "deputy")
    message = _approve(s, w.deputy, deputy)
    assert "did not agree" in message and refused.meeting.number in message
    hold_meeting(s, "subsidy_claim", commander.id, "commander", outcome=Outcome.DEFERRED, text="暂缓。")
    assert "must first be deliberated" in _approve(s, w.commander, commander)
    assert gate.agreed_ids(s, "subsidy_claim", [deputy.id, commander.id]) == set()


def test_the_wrong_meeting_or_a_smaller_amount_does_not_count(mworld):
    w, s = mworld, mworld.session
    commander = w.claims["commander"]
    # the work-group meeting cannot take up a commander-tier claim at all …
    wg = gate.meeting_type_for(s, "subsidy_claim", "deputy")
    with pytest.raises(DomainError, match="does not deliberate"):
        hold_meeting(s, "subsidy_claim", commander.id, "commander", meeting_type=wg, chair=w.lead)
    s.rollback()
    # … and an agreement covers the amount put before the meeting, not more
    resolution = agree(s, "subsidy_claim", commander.id, "commander")
    assert resolution.item.amount == Decimal("300000.00")
    assert gate.is_agreed(s, "subsidy_claim", commander.id, "commander", Decimal("300000.00"))
    assert not gate.is_agreed(s, "subsidy_claim", commander.id, "commander", Decimal("300000.01"))
    assert not gate.is_agreed(s, "subsidy_claim", commander.id, "deputy", Decimal("300000.00"))


def test_the_approvers_inbox_shows_only_what_the_meeting_agreed(mworld, client, login):
    w, s = mworld, mworld.session

    def count(user, tier):
        return next((t.count for t in tasks_for(s, user) if t.module == "subsidies" and f"tier={tier}" in t.url), None)

    with client.application.test_request_context():
        assert count(w.deputy, "deputy") is None and count(w.commander, "commander") is None
        assert count(w.lead, "lead") == 1  # the lead tier: no meeting
        agree(s, "subsidy_claim", w.claims["deputy"].id, "deputy")
        assert count(w.deputy, "deputy") == 1 and count(w.commander, "commander") is None
    login(w.deputy)
    page = client.get("/subsidies/claims?state=verified&tier=deputy&agreed=1").get_data(as_text=True)
    assert w.claims["deputy"].number in page
    page = client.get("/subsidies/claims?state=verified&tier=commander&agreed=1").get_data(as_text=True)
    assert w.claims["commander"].number not in page


def test_the_claim_page_says_what_it_waits_for_and_links_the_resolution(mworld, client, login):
    w, s = mworld, mworld.session
    login(w.deputy)
    claim = w.claims["deputy"]
    page = client.get(f"/subsidies/claims/{claim.id}").get_data(as_text=True)
    assert 'id="deliberation"' in page and "Awaiting the Integrated coordination group meeting" in page
    assert "Approve ¥120,000.00" not in page
    resolution = agree(s, "subsidy_claim", claim.id, "deputy")
    page = client.get(f"/subsidies/claims/{claim.id}").get_data(as_text=True)
    assert f"/meetings/{resolution.meeting_id}#item-{resolution.item_id}" in page
    assert resolution.meeting.number in page and "Awaiting" not in page
    assert "Approve ¥120,000.00" in page
    assert client.post(f"/subsidies/claims/{claim.id}/approve_deputy").status_code == 303
    assert s.get(type(claim), claim.id).state == C.APPROVED


def test_approving_before_the_meeting_over_http_is_refused_with_the_reason(mworld, client, login):
    w, s = mworld, mworld.session
    login(w.commander)
    claim = w.claims["commander"]
    resp = client.post(f"/subsidies/claims/{claim.id}/approve_commander", headers={"Referer": "/"})
    assert resp.status_code == 303
    s.expire_all()
    assert s.get(type(claim), claim.id).state == C.VERIFIED
    page = client.get(f"/subsidies/claims/{claim.id}").get_data(as_text=True)
    assert "Field headquarters coordination meeting" in page


def test_the_company_never_sees_the_meeting(mworld, client, login):
    w = mworld
    claim = w.claims["deputy"]
    agree(w.session, "subsidy_claim", claim.id, "deputy")
    login(Role.COMPANY, company=claim.company)
    page = client.get(f"/subsidies/claims/{claim.id}").get_data(as_text=True)
    assert 'id="deliberation"' not in page and "/meetings/" not in page


def test_deliberated_matters_link_their_resolution_without_being_gated(mworld, client, login, session):
    """Exits, applications and clawbacks are deliberated, not gated: their pages show the meeting's
    resolution once there is one, and nothing before."""
    from . import matters

    w = mworld
    case, app_, cb = matters.exit_case(session), matters.application(session), matters.clawback(session)
    session.commit()
    login(w.supervisor)
    pages = {"exit_case": f"/exits/{case.id}", "application": f"/admission/{app_.id}",
             "clawback": f"/subsidies/clawbacks/{cb.id}"}
    for url in pages.values():
        assert 'id="deliberation"' not in client.get(url).get_data(as_text=True), url
    for kind, obj in (("exit_case", case), ("application", app_), ("clawback", cb)):
        t = next(t for t in gate.active_types(session) if rules_may(t, kind))
        resolution = hold_meeting(session, kind, obj.id, None, meeting_type=t, text="同意。")
        html = client.get(pages[kind]).get_data(as_text=True)
        assert f"/meetings/{resolution.meeting_id}#item-{resolution.item_id}" in html, kind
        assert gate.require_agreed(session, kind, obj.id, None) is None  # never gated


def rules_may(meeting_type, kind) -> bool:
    from incubator.meetings import rules
    return rules.may_deliberate(meeting_type.config, kind, None)
