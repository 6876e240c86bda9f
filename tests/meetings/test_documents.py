"""The meeting documents: the decision pack (one page of facts per agenda item, whatever its kind,
with the fund or budget balance before and after) and the 会议纪要 (numbered, QR-verifiable, the
same document when issued again unchanged). Text is extracted from the PDFs with tests/pdfs.py;
each PDF is also kept under test-artifacts/ with its pages as PNG for a look.

The world (tests/meetings/conftest.py): tenants with January–June 2026 rent paid on 100 / 400 /
1,000 m² at ¥50 (100 % in the first tenancy year), so their verified claims are ¥30,000 (lead),
¥120,000 (deputy: 400 × 50 × 6) and ¥300,000 (commander: 1,000 × 50 × 6), each month one line of
1,000.00 m² × ¥50.00 × 1 = ¥50,000.00 for the commander's; a ¥1,000,000 city pool nothing is
committed from yet."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from incubator.budget import services as budget
from incubator.budget.models import BudgetCategory
from incubator.certificates.models import IssuedDocument
from incubator.core.errors import TransitionNotAllowed
from incubator.core.formatting import today
from incubator.db import utcnow
from incubator.documents.storage import file_store
from incubator.exits.models import ExitState
from incubator.meetings import documents, gate, services
from incubator.meetings.models import AgendaItem, Meeting, MeetingState, Outcome

from .. import pdfs
from ..pdfs import cjk, pdf_text
from ..subsidies.conftest import tenant
from . import matters
from .conftest import verified_claim

PLACE = "现场指挥部第一会议室"


def schedule(w, code: str, chair, *, fill: bool = True, days_ago: int = 0) -> Meeting:
    meeting_type = next(t for t in gate.active_types(w.session) if t.code == code)
    return services.schedule(w.session, w.operator, meeting_type=meeting_type, place=PLACE, chair=chair,
                             starts_at=utcnow() - dt.timedelta(days=days_ago, minutes=5), fill=fill)


def item_of(meeting: Meeting, kind: str, object_id: int) -> AgendaItem:
    return next(i for i in meeting.items if (i.kind, i.object_id) == (kind, object_id))


def settle(case) -> None:
    """The settlement services.prepare would store, with figures summed by hand: ¥3,000.00 arrears,
    ¥20,000.00 deposit refunded → net ¥17,000.00 the community pays back."""
    figures = {"arrears": "3000.00", "clawback": "0.00", "damage": "0.00", "deposit": "20000.00", "prepaid": "0.00",
               "deposit_refund": "20000.00", "prepaid_refund": "0.00", "forfeited": "0.00",
               "owed_by_company": "3000.00", "owed_to_company": "20000.00", "net": "-17000.00"}
    case.settlement = {"exit_on": (today() + dt.timedelta(days=30)).isoformat(), "departure_approved": True,
                       "prepared_on": today().isoformat(), "policy_version": 1, "leases": [], "clawback": None,
                       "earlier_clawbacks": [], "damage_note": None, "figures": figures}
    case.arrears, case.deposit_refund, case.net = Decimal("3000.00"), Decimal("20000.00"), Decimal("-17000.00")


@pytest.fixture
def coordination(mworld):
    """Today's coordination meeting, its agenda filled with what waits for it: the ¥300,000 claim, an
    HQ expense request of ¥350,000 (budget ¥800,000 for 办公费), an exit the lead reviewed (its
    settlement prepared) and a ¥150,000 clawback."""
    w, s = mworld, mworld.session
    office = s.scalar(sa.select(BudgetCategory).where(BudgetCategory.code == "office"))
    budget.set_budget(s, w.operator, today().year, office, Decimal("800000.00"))
    w.request = budget.create_request(s, w.lead, year=today().year, category_id=office.id, title="社区宣传推广年度服务采购",
                                      purpose="年度宣传推广及新媒体运营服务（公开招标）。", payee="东莞市湾区文化传媒有限公司",
                                      amount="350000.00")
    budget.submit(s, w.lead, w.request, comment="已完成招标，中标价35万元。")
    w.case = matters.exit_case(s)
    settle(w.case)
    w.clawback = matters.clawback(s, "150000.00")
    w.meeting = schedule(w, "coordination", w.commander)
    s.commit()
    return w


def test_the_pack_gives_each_item_its_facts(coordination, client, login):
    w = coordination
    data = documents.decision_pack_pdf(w.session, w.meeting)
    pdfs.keep("meeting-pack-coordination", data)
    text = pdf_text(data)
    assert cjk(data)
    claim = w.claims["commander"]
    # the cover: the agenda and what it asks of each fund
    assert "会议材料" in text and w.meeting.number in text and "议程" in text
    for title in (i.title for i in w.meeting.items):
        assert pdfs.nospace(title) in text
    # the claim: company, batch, period, every line as frozen, the amount in figures and 大写, the tier,
    # who verified it, and the pool's ¥1,000,000.00 before and ¥700,000.00 after
    assert claim.company.name in text and claim.batch.number in text and "2026年1月1日至2026年6月30日" in text
    assert text.count("50000.00") >= 6 and "300000.00" in text
    assert "¥300,000.00" in text and "人民币叁拾万元整" in text and "总指挥" in text
    assert "operator测试" in text and "建议予以补贴" in text
    assert "审批前¥1,000,000.00" in text and "审批后¥700,000.00" in text
    # the expense request: category, payee, amount, the budget line before and after
    assert "社区宣传推广年度服务采购" in text and "东莞市湾区文化传媒有限公司" in text
    assert "人民币叁拾伍万元整" in text and "¥800,000.00" in text and "¥450,000.00" in text
    assert "已完成招标，中标价35万元。" in text
    # the exit: the settlement figures, who pays whom
    assert "¥3,000.00" in text and "¥20,000.00" in text and "¥17,000.00" in text and "社区应向企业退还" in text
    # the clawback: outstanding, in words
    assert "¥150,000.00" in text and "壹拾伍万元整" in text
    # a box to note each decision, none recorded yet
    assert text.count("□同意") == 4

    # the meeting page's link serves the same pack to staff
    login(w.commander)
    served = client.get(f"/meetings/{w.meeting.id}/decision-pack.pdf")
    assert served.status_code == 200 and served.mimetype == "application/pdf"
    assert "人民币叁拾万元整" in pdf_text(served.data)


def test_the_pack_shows_the_balance_left_as_the_agenda_runs(mworld):
    """Two ¥120,000 claims on one pool: the second is shown against what the first leaves."""
    w, s = mworld, mworld.session
    second = verified_claim(w, tenant(s, "东莞第二家副总指挥级科技有限公司", area=Decimal("400.00")))
    assert second.amount == Decimal("120000.00") and second.required_role == "deputy"
    meeting = schedule(w, "work_group_integrated", w.lead)
    assert [i.object_id for i in meeting.items if i.kind == "subsidy_claim"] == [w.claims["deputy"].id, second.id]
    text = pdf_text(documents.decision_pack_pdf(s, meeting))
    assert "审批前¥1,000,000.00审批后¥880,000.00" in text
    assert "审批前¥880,000.00审批后¥760,000.00" in text
    assert "扣除本议程前面使用同一资金池的议题（¥120,000.00）" in text
    # the cover: ¥240,000.00 asked of the pool, ¥760,000.00 left if all is agreed
    assert "¥1,000,000.00¥240,000.00¥760,000.00" in text


def test_the_pack_covers_appeals_and_applications_and_survives_unknown_kinds(mworld):
    w, s = mworld, mworld.session
    appeal = matters.appeal(s)
    meeting = schedule(w, "work_group_integrated", w.lead, fill=False)
    services.add_item(s, w.operator, meeting, "appeal", appeal.id)
    odd = AgendaItem(meeting_id=meeting.id, position=9, kind="future_kind", object_id=1, title="未来的事项类别",
                     endpoint="main.index", values={})
    s.add(odd)
    s.flush()
    s.refresh(meeting)
    text = pdf_text(documents.decision_pack_pdf(s, meeting))
    assert "55.00分，第9名，不合格" in text and "研发投入数据录入有误。" in text
    assert "未来的事项类别" in text and "详细资料无法读取" in text

    app = matters.application(s)
    review = schedule(w, "joint_review", w.deputy)
    assert [i.object_id for i in review.items] == [app.id]
    text = pdf_text(documents.decision_pack_pdf(s, review))
    assert app.number in text and "工业互联网平台" in text and "建议准予入驻" in text and "尚无提交的专家评分" in text


def _close(w, meeting: Meeting) -> Meeting:
    """The secretary takes attendance (one guest on leave) and records three different outcomes; the
    chair closes the meeting and signs off the minutes."""
    s = w.session
    services.add_attendee(s, w.operator, meeting, name="林慧", title="市科技局高新技术科科长")
    services.add_attendee(s, w.operator, meeting, name="郭敏", title="水乡管委会经济发展局局长")
    services.record_attendance(s, w.operator, meeting, {a.id: a.name != "郭敏" for a in meeting.attendees},
                               notes={a.id: "请假（出差）" for a in meeting.attendees if a.name == "郭敏"})
    claim, request = w.claims["commander"], w.request
    services.record_resolution(s, w.operator, item_of(meeting, "subsidy_claim", claim.id), outcome=Outcome.AGREED,
                               text="同意按核定金额予以补贴，报总指挥审批。", conditions="拨付前须收到加盖公章的纸质原件。",
                               votes_for=5, votes_against=0, votes_abstain=1)
    services.record_resolution(s, w.operator, item_of(meeting, "expense_request", request.id),
                               outcome=Outcome.NOT_AGREED, text="采购方案须重新比选，本次不予同意。")
    services.defer_item(s, w.operator, item_of(meeting, "exit_case", w.case.id))
    services.withdraw_item(s, w.operator, item_of(meeting, "clawback", w.clawback.id), "企业已承诺一次性缴回。")
    services.hold(s, w.commander, meeting)
    services.save_minutes(s, w.operator, meeting, "会议听取了运营服务中心的汇报。\n会议要求各工作组抓好落实。")
    return meeting


def test_minutes_are_issued_numbered_and_verifiable(coordination, client):
    w = coordination
    s = w.session
    meeting = _close(w, w.meeting)
    doc = services.sign_off(s, w.commander, meeting)
    s.commit()
    assert meeting.state == MeetingState.MINUTES_ISSUED and meeting.minutes_document_id == doc.id
    assert doc.kind == "meeting_minutes" and doc.number.startswith("SX-JY-") and doc.subject_id == meeting.id
    data = file_store().read(doc.storage_key)
    pdfs.keep("meeting-minutes", data)
    text = pdf_text(data)
    assert cjk(data)
    assert "现场指挥部工作协调会纪要" in text and doc.number in text and meeting.number in text
    # attendance: those present, and who was on leave and why
    assert "commander测试" in text and "林慧（市科技局高新技术科科长）" in text
    assert "郭敏（水乡管委会经济发展局局长）：请假（出差）" in text
    # each item with its resolution: agreed with conditions and votes, not agreed, deferred; the one withdrawn
    assert "会议同意。同意按核定金额予以补贴，报总指挥审批。" in text
    assert "附加条件：拨付前须收到加盖公章的纸质原件。" in text and "同意5票，反对0票，弃权1票" in text
    assert "¥300,000.00（人民币叁拾万元整）" in text
    assert "会议不同意。采购方案须重新比选，本次不予同意。" in text
    assert "会议决定暂缓审议。" in text
    assert "会前撤出议程的事项" in text and "企业已承诺一次性缴回。" in text
    # the text, the sign-off by the chair, what the minutes bind
    assert "会议听取了运营服务中心的汇报。" in text and "会议要求各工作组抓好落实。" in text
    assert "会议主持人签发：commander测试" in text
    assert "市科技局、水乡管委会按职责分工在各自部门执行" in text and "未经会议同意的不得审批" in text

    page = client.get(f"/verify/{doc.verify_code}")
    assert page.status_code == 200 and "Genuine document" in page.text and 'id="status">Valid<' in page.text

    # issued again unchanged: the same document, nothing new numbered
    count = s.scalar(sa.select(sa.func.count()).select_from(IssuedDocument))
    assert documents.issue_minutes(s, w.commander, meeting).number == doc.number
    assert s.scalar(sa.select(sa.func.count()).select_from(IssuedDocument)) == count

    # the agreed claim may now be approved by the commander; the refused request may not
    assert gate.is_agreed(s, "subsidy_claim", w.claims["commander"].id, "commander", Decimal("300000.00"))
    assert not gate.is_agreed(s, "expense_request", w.request.id, "commander", Decimal("350000.00"))
    # the pack now shows the decisions instead of the boxes
    text = pdf_text(documents.decision_pack_pdf(s, meeting))
    assert "□同意" not in text and "会议同意" in text and "会议不同意" in text and "暂缓审议" in text


def test_minutes_wait_for_the_chairs_sign_off(coordination):
    w = coordination
    meeting = _close(w, w.meeting)
    assert meeting.state == MeetingState.HELD
    with pytest.raises(TransitionNotAllowed):
        documents.issue_minutes(w.session, w.commander, meeting)
    assert meeting.minutes_document_id is None
    assert w.case.state == ExitState.REVIEWED  # deferring changes nothing of the matter
