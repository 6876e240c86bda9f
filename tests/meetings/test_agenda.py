"""Building agendas from what is waiting: every source, what a type may take up, what is already in
hand or settled, and what comes back (deferred, withdrawn, cancelled)."""
import datetime as dt

import pytest

from incubator.admission.models import ApplicationState
from incubator.core.errors import DomainError, PermissionDenied
from incubator.core.roles import Role
from incubator.db import utcnow
from incubator.exits.models import ExitState
from incubator.meetings import agenda, gate, services
from incubator.meetings.models import ItemState, MeetingType, Outcome
from incubator.subsidies.models import ClawbackState

from ..factories import make_user
from . import matters
from .helpers import PLACE, agree, disagree, hold_meeting


def _type(session, code: str) -> MeetingType:
    return next(t for t in gate.active_types(session) if t.code == code)


def _keys(candidates) -> set:
    return {(c.kind, c.object_id) for c in candidates}


def _schedule(w, code: str, chair=None, fill=True, days=3):
    t = _type(w.session, code)
    chair = chair or {"coordination": w.commander, "joint_review": w.lead}.get(code, w.lead)
    return services.schedule(w.session, w.operator, meeting_type=t, starts_at=utcnow() + dt.timedelta(days=days),
                             place=PLACE, chair=chair, fill=fill)


def test_every_source_lists_what_waits_and_nothing_else(mworld):
    w, s = mworld, mworld.session
    joint = matters.application(s)
    matters.application(s, state=ApplicationState.EXPERT_REVIEW)  # not yet
    reviewed = matters.exit_case(s)
    matters.exit_case(s, state=ExitState.PREPARED)  # the lead has not reviewed it
    big = matters.clawback(s, "150000.00")
    matters.clawback(s, "99999.99")  # below ¥100,000: the operator handles it
    matters.clawback(s, "200000.00", state=ClawbackState.WAIVED)  # closed
    filed = matters.appeal(s)
    waiting = _keys(agenda.pending(s))
    assert waiting == {("application", joint.id), ("exit_case", reviewed.id), ("clawback", big.id),
                       ("appeal", filed.id), ("subsidy_claim", w.claims["deputy"].id),
                       ("subsidy_claim", w.claims["commander"].id)}
    deputy = next(c for c in agenda.pending(s) if c.key == ("subsidy_claim", w.claims["deputy"].id))
    assert (deputy.tier, deputy.amount, deputy.endpoint) == ("deputy", w.claims["deputy"].amount, "subsidies.claim")
    assert deputy.title.startswith(w.claims["deputy"].number) and "东莞deputy级补贴科技有限公司" in deputy.title


def test_each_type_takes_up_what_its_data_says(mworld):
    w, s = mworld, mworld.session
    joint, reviewed, big, filed = matters.application(s), matters.exit_case(s), matters.clawback(s), matters.appeal(s)
    by_type = {code: _keys(agenda.pending(s, _type(s, code))) for code in
               ("work_group_integrated", "work_group_resources", "coordination", "joint_review")}
    assert by_type["work_group_integrated"] == {("subsidy_claim", w.claims["deputy"].id), ("appeal", filed.id)}
    assert by_type["coordination"] == {("subsidy_claim", w.claims["commander"].id), ("exit_case", reviewed.id),
                                       ("clawback", big.id)}
    assert by_type["joint_review"] == {("application", joint.id)}
    assert by_type["work_group_resources"] == set()


def test_scheduling_fills_the_agenda_and_takes_the_items_out_of_pending(mworld):
    w, s = mworld, mworld.session
    big = matters.clawback(s)
    meeting = _schedule(w, "coordination")
    assert [(i.kind, i.object_id, i.state) for i in meeting.items] == [
        ("subsidy_claim", w.claims["commander"].id, ItemState.OPEN), ("clawback", big.id, ItemState.OPEN)]
    item = meeting.items[0]
    assert (item.amount, item.tier, item.values) == (w.claims["commander"].amount, "commander",
                                                     {"claim_id": w.claims["commander"].id})
    assert _keys(agenda.pending(s, meeting.type)) == set()
    # the work-group meeting still sees its own matter
    assert _keys(agenda.pending(s, _type(s, "work_group_integrated"))) == {("subsidy_claim", w.claims["deputy"].id)}
    # a second coordination meeting finds nothing left to take
    assert _schedule(w, "coordination", days=10).items == []


def test_scheduling_without_filling_and_adding_by_hand(mworld):
    w, s = mworld, mworld.session
    meeting = _schedule(w, "work_group_integrated", fill=False)
    assert meeting.items == []
    item = services.add_item(s, w.operator, meeting, "subsidy_claim", w.claims["deputy"].id)
    assert item.state == ItemState.OPEN and item.position == 1
    with pytest.raises(DomainError, match="already on the agenda"):
        services.add_item(s, w.operator, meeting, "subsidy_claim", w.claims["deputy"].id)
    other = _schedule(w, "work_group_integrated", fill=False, days=9)
    with pytest.raises(DomainError, match="already on the agenda"):
        services.add_item(s, w.operator, other, "subsidy_claim", w.claims["deputy"].id)


@pytest.mark.parametrize(("kind", "why"), [
    ("subsidy_claim:commander", "does not deliberate"),  # the coordination meeting's
    ("subsidy_claim:lead", "not waiting"),  # the lead approves it without a meeting
    ("nonsense:1", "not waiting"),
])
def test_what_cannot_go_on_a_work_group_agenda(mworld, kind, why):
    w = mworld
    meeting = _schedule(w, "work_group_integrated", fill=False)
    name, ref = kind.split(":")
    object_id = w.claims[ref].id if name == "subsidy_claim" else int(ref)
    with pytest.raises(DomainError, match=why):
        services.add_item(w.session, w.operator, meeting, name, object_id)
    assert meeting.items == []


def test_settled_matters_leave_pending_deferred_ones_come_back(mworld):
    w, s = mworld, mworld.session
    deputy, commander = w.claims["deputy"], w.claims["commander"]
    agree(s, "subsidy_claim", deputy.id, "deputy")
    disagree(s, "subsidy_claim", commander.id, "commander")
    assert _keys(agenda.pending(s)) == set()
    # a later claim of the same kind is unaffected; a deferred matter waits again
    case = matters.exit_case(s)
    hold_meeting(s, "exit_case", case.id, None, outcome=Outcome.DEFERRED, text="待补充材料后再议。",
                 meeting_type=_type(s, "coordination"), chair=w.commander)
    assert _keys(agenda.pending(s)) == {("exit_case", case.id)}


def test_withdrawn_and_cancelled_items_wait_again(mworld):
    w, s = mworld, mworld.session
    wg = _schedule(w, "work_group_integrated")
    coord = _schedule(w, "coordination")
    assert _keys(agenda.pending(s)) == set()
    services.withdraw_item(s, w.operator, wg.items[0], "材料需补充现场核查记录")
    assert wg.items[0].state == ItemState.WITHDRAWN and wg.items[0].withdrawn_reason == "材料需补充现场核查记录"
    services.cancel(s, w.commander, coord, "指挥长出差，会议改期")
    assert [i.state for i in coord.items] == [ItemState.WITHDRAWN]
    assert _keys(agenda.pending(s)) == {("subsidy_claim", w.claims["deputy"].id),
                                        ("subsidy_claim", w.claims["commander"].id)}
    # and can go on another meeting's agenda
    again = _schedule(w, "coordination", days=12)
    assert [(i.kind, i.object_id) for i in again.items] == [("subsidy_claim", w.claims["commander"].id)]


def test_a_resolved_item_cannot_be_withdrawn_and_only_editors_keep_the_agenda(mworld):
    w, s = mworld, mworld.session
    meeting = _schedule(w, "work_group_integrated")
    item = meeting.items[0]
    services.record_resolution(s, w.operator, item, outcome="agreed", text="同意拨付。")
    with pytest.raises(DomainError, match="without a resolution"):
        services.withdraw_item(s, w.operator, item, "撤回")
    for who in (w.supervisor, w.deputy, w.lead2, make_user(s, Role.COMPANY)):
        with pytest.raises(PermissionDenied):
            services.add_item(s, who, meeting, "subsidy_claim", w.claims["deputy"].id)
    with pytest.raises(DomainError, match="reason"):
        services.withdraw_item(s, w.operator, item, "  ")
