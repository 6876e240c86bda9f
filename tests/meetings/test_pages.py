"""The meeting pages as people use them: the secretary schedules a coordination meeting and keeps its
agenda and attendance; the commander records the resolutions, closes the meeting, signs off the minutes
(a numbered, QR-verifiable 会议纪要) and then approves the payout the meeting agreed."""
import datetime as dt
import re

import pytest
import sqlalchemy as sa

from incubator.certificates.models import IssuedDocument
from incubator.core.formatting import today
from incubator.core.inbox import tasks_for
from incubator.core.roles import Role
from incubator.db import utcnow
from incubator.meetings import gate, services
from incubator.meetings.models import ItemState, Meeting, MeetingState, Outcome
from incubator.subsidies.models import ClaimState as C
from incubator.subsidies.models import SubsidyClaim

from ..pdfs import cjk, get_pdf, nospace, pdf_text
from . import matters
from .helpers import PLACE


def post(client, url, data=None, status=303):
    resp = client.post(url, data=data or {})
    assert resp.status_code == status, resp.get_data(as_text=True)[:2000]
    return resp


def page(client, url, status=200) -> str:
    resp = client.get(url)
    assert resp.status_code == status, resp.status_code
    return resp.get_data(as_text=True)


def _meeting(session, number_or_id) -> Meeting:
    return session.get(Meeting, number_or_id)


def test_the_whole_story_over_http(mworld, client, login, session):
    w = mworld
    claim = w.claims["commander"]
    login(w.operator)
    form = page(client, "/meetings/new?type=coordination")
    assert "Field headquarters coordination meeting" in form
    resp = post(client, "/meetings/new", {
        "type_id": gate.meeting_type_for(session, "subsidy_claim", "commander").id, "starts_on": today().isoformat(),
        "starts_time": "00:00", "place": "现场指挥部第一会议室", "chair_id": w.commander.id, "fill": "y"})
    meeting_id = int(re.search(r"/meetings/(\d+)", resp.headers["Location"]).group(1))
    m = _meeting(session, meeting_id)
    assert [i.object_id for i in m.items] == [claim.id]
    html = page(client, f"/meetings/{meeting_id}")
    assert claim.number in html and "Decision pack (PDF)" in html and "Close the meeting" not in html
    # the decision pack, in Chinese with its fonts embedded
    pack = get_pdf(client, f"/meetings/{meeting_id}/decision-pack.pdf")
    assert cjk(pack) and claim.number in pdf_text(pack)
    # attendance: everyone present but one deputy on leave
    attendees = m.attendees
    data = {f"present_{a.id}": "yes" for a in attendees}
    data[f"present_{attendees[1].id}"], data[f"note_{attendees[1].id}"] = "no", "请假"
    post(client, f"/meetings/{meeting_id}/attendance", data)
    session.expire_all()
    assert services.present_count(_meeting(session, meeting_id)) == len(attendees) - 1

    login(w.commander)
    item = _meeting(session, meeting_id).items[0]
    prefix = f"r{item.id}-"
    bad = client.post(f"/meetings/{meeting_id}/items/{item.id}/resolution", data={
        prefix + "outcome": "agreed", prefix + "text": "同意", prefix + "votes_for": "99", prefix + "votes_against": "0",
        prefix + "votes_abstain": "0"})
    assert bad.status_code == 400 and "more votes than people present" in bad.get_data(as_text=True)
    post(client, f"/meetings/{meeting_id}/items/{item.id}/resolution", {
        prefix + "outcome": "agreed", prefix + "text": "同意按核定金额拨付租金补贴30万元。",
        prefix + "conditions": "企业须在拨付前补交加盖公章的纸质申请材料原件。"})
    # the approval still waits: the chair has not closed the meeting
    assert "Approve ¥300,000.00" not in page(client, f"/subsidies/claims/{claim.id}")
    html = page(client, f"/meetings/{meeting_id}")
    assert "Close the meeting and confirm the resolutions" in html
    post(client, f"/meetings/{meeting_id}/hold", {"comment": ""})
    post(client, f"/meetings/{meeting_id}/minutes", {"minutes": "会议听取了运营公司关于2026年上半年租金补贴核定情况的汇报。"})
    confirm = page(client, f"/meetings/{meeting_id}/sign-off")
    assert "Sign off and issue the minutes" in confirm and "同意按核定金额拨付" in confirm
    post(client, f"/meetings/{meeting_id}/sign-off")
    session.expire_all()
    m = _meeting(session, meeting_id)
    assert m.state == MeetingState.MINUTES_ISSUED
    doc = session.get(IssuedDocument, m.minutes_document_id)
    assert re.fullmatch(rf"SX-JY-{utcnow().year}-\d{{5}}", doc.number) or doc.number.startswith("SX-JY-")
    # the minutes PDF: Chinese, the resolution and its conditions, the number and the QR link
    minutes = get_pdf(client, f"/meetings/{meeting_id}/minutes.pdf", "meeting-minutes")
    text = pdf_text(minutes)
    assert cjk(minutes)
    for words in (doc.number, "同意按核定金额拨付租金补贴30万元", "纸质申请材料原件", claim.number, "请假"):
        assert nospace(words) in text, words
    # anyone can verify it
    verify = client.get(f"/verify/{doc.verify_code}")
    assert verify.status_code == 200 and doc.number in verify.get_data(as_text=True)
    # and the commander approves the payout the meeting agreed, from the claim page that links the resolution
    html = page(client, f"/subsidies/claims/{claim.id}")
    assert f"/meetings/{meeting_id}#item-{item.id}" in html and doc.number in html
    post(client, f"/subsidies/claims/{claim.id}/approve_commander")
    assert session.get(SubsidyClaim, claim.id).state == C.APPROVED


def test_the_list_searches_filters_and_pages(mworld, client, login, session):
    w = mworld
    t = gate.meeting_type_for(session, "subsidy_claim", "deputy")
    for n in range(22):
        services.schedule(session, w.operator, meeting_type=t, starts_at=utcnow() + dt.timedelta(days=n + 1),
                          place=f"第{n + 1}会议室", chair=w.lead, fill=False)
    session.commit()
    login(w.supervisor)
    html = page(client, "/meetings/")
    assert "21 in all" not in html and "22 in all" in html and "page 1 of 2" in html
    assert "第22会议室" in page(client, "/meetings/?q=第22会议室")
    assert "No meetings match." in page(client, "/meetings/?q=不存在的会议")
    assert "No meetings match." in page(client, "/meetings/?type=coordination")
    assert "22 in all" in page(client, "/meetings/?type=work_group_integrated&state=scheduled")
    assert "No meetings match." in page(client, "/meetings/?state=held")
    assert client.get("/meetings/?page=abc&year=x&state=nonsense").status_code == 200
    assert "Schedule a meeting" not in html  # the supervisor reads, changes nothing


def test_the_pending_page_and_adding_from_it(mworld, client, login, session):
    w = mworld
    joint = matters.application(session)
    session.commit()
    login(w.operator)
    html = page(client, "/meetings/pending")
    for words in (w.claims["deputy"].number, w.claims["commander"].number, joint.number, "Schedule one"):
        assert words in html
    assert w.claims["lead"].number not in html
    t = gate.meeting_type_for(session, "subsidy_claim", "deputy")
    m = services.schedule(session, w.operator, meeting_type=t, starts_at=utcnow() + dt.timedelta(days=3), place=PLACE,
                          chair=w.lead, fill=False)
    session.commit()
    html = page(client, "/meetings/pending")
    assert f"Add to {m.number}" in html
    post(client, f"/meetings/{m.id}/items", {"kind": "subsidy_claim", "object_id": w.claims["deputy"].id,
                                             "back": "pending"})
    html = page(client, "/meetings/pending")
    assert "is on the agenda of" in html
    assert f'data-kind="subsidy_claim" data-object="{w.claims["deputy"].id}"' not in html
    # a matter the type cannot take up is refused with the reason
    resp = client.post(f"/meetings/{m.id}/items", data={"kind": "application", "object_id": joint.id},
                       headers={"Referer": f"/meetings/{m.id}"})
    assert resp.status_code == 303
    assert "does not deliberate" in page(client, f"/meetings/{m.id}")
    assert client.post(f"/meetings/{m.id}/items", data={"kind": "application"}).status_code == 400


def test_empty_pending_page(session, client, login):
    login(Role.OPERATOR)
    html = page(client, "/meetings/pending")
    assert "Nothing is waiting for a meeting." in html or "Nothing is waiting for this type" in html


def test_defer_withdraw_guest_and_cancel_over_http(mworld, client, login, session):
    w = mworld
    t = gate.meeting_type_for(session, "subsidy_claim", "commander")
    big = matters.clawback(session)
    m = services.schedule(session, w.operator, meeting_type=t, starts_at=utcnow() + dt.timedelta(days=3), place=PLACE,
                          chair=w.commander)
    session.commit()
    claim_item, clawback_item = m.items
    login(w.operator)
    post(client, f"/meetings/{m.id}/items/{claim_item.id}/defer", {"reason": "待审计意见出具后再议"})
    assert client.post(f"/meetings/{m.id}/items/{clawback_item.id}/withdraw", data={"reason": ""}).status_code == 400
    post(client, f"/meetings/{m.id}/items/{clawback_item.id}/withdraw", {"reason": "企业已全额退回"})
    post(client, f"/meetings/{m.id}/attendees", {"name": "市科技局 陈科长", "title": "列席"})
    assert client.post(f"/meetings/{m.id}/attendees", data={"name": ""}).status_code == 400
    session.expire_all()
    m = session.get(Meeting, m.id)
    assert claim_item.resolution.outcome == Outcome.DEFERRED and clawback_item.state == ItemState.WITHDRAWN
    assert m.attendees[-1].name == "市科技局 陈科长"
    assert client.post(f"/meetings/{m.id}/cancel", data={"comment": ""}).status_code == 400
    post(client, f"/meetings/{m.id}/cancel", {"comment": "指挥长出差，改期召开"})
    session.expire_all()
    assert session.get(Meeting, m.id).state == MeetingState.CANCELLED
    html = page(client, f"/meetings/{m.id}")
    assert "Cancelled: 指挥长出差，改期召开" in html and "Record the resolution" not in html
    assert big.number in page(client, "/meetings/pending")


@pytest.mark.parametrize(("who", "status"), [("lead2", 403), ("deputy", 403), ("supervisor", 403)])
def test_only_the_secretary_and_the_chair_change_a_meeting(mworld, client, login, session, who, status):
    w = mworld
    t = gate.meeting_type_for(session, "subsidy_claim", "deputy")
    m = services.schedule(session, w.operator, meeting_type=t, starts_at=utcnow(), place=PLACE, chair=w.lead)
    session.commit()
    login(getattr(w, who))
    assert client.get(f"/meetings/{m.id}").status_code == 200
    html = page(client, f"/meetings/{m.id}")
    assert "Record the resolution" not in html and "Save the attendance" not in html
    item = m.items[0]
    for url in (f"/meetings/{m.id}/items/{item.id}/resolution", f"/meetings/{m.id}/attendance",
                f"/meetings/{m.id}/hold", f"/meetings/{m.id}/cancel", f"/meetings/{m.id}/edit"):
        assert client.post(url, data={}).status_code == status, url
    assert client.get(f"/meetings/{m.id}/sign-off").status_code in (403, 409)


def test_companies_never_see_meetings(mworld, client, login, session):
    w = mworld
    t = gate.meeting_type_for(session, "subsidy_claim", "deputy")
    m = services.schedule(session, w.operator, meeting_type=t, starts_at=utcnow(), place=PLACE, chair=w.lead)
    session.commit()
    login(w.member)
    for url in ("/meetings/", "/meetings/pending", f"/meetings/{m.id}", f"/meetings/{m.id}/decision-pack.pdf"):
        assert client.get(url).status_code == 403, url
    assert "/meetings/" not in page(client, "/")


def test_bad_ids_are_404(mworld, client, login):
    login(mworld.operator)
    assert client.get("/meetings/99999999999").status_code == 404
    assert client.get("/meetings/424242").status_code == 404
    assert client.get("/meetings/424242/minutes.pdf").status_code == 404


def test_bad_schedule_form_inputs(mworld, client, login, session):
    w = mworld
    login(w.operator)
    t = gate.meeting_type_for(session, "subsidy_claim", "commander")
    base = {"type_id": t.id, "starts_on": today().isoformat(), "starts_time": "14:30", "place": PLACE,
            "chair_id": w.commander.id}
    for change, words in (({"starts_on": "2026-13-45"}, "YYYY-MM-DD"), ({"starts_time": "25:99"}, "HH:MM"),
                          ({"place": ""}, "where the meeting takes place"), ({"chair_id": w.lead.id}, "must be a"),
                          ({"type_id": 999999}, "Not a valid choice"),
                          ({"starts_on": (today() + dt.timedelta(days=500)).isoformat()}, "a year ahead")):
        resp = client.post("/meetings/new", data={**base, **change})
        assert resp.status_code == 400, change
        assert words in resp.get_data(as_text=True), words
    assert session.scalar(sa.select(sa.func.count()).select_from(Meeting)) == 0


def test_the_chairs_and_the_secretarys_inbox(mworld, app, session):
    w = mworld
    t = gate.meeting_type_for(session, "subsidy_claim", "commander")
    with app.test_request_context():
        titles = {x.title: x for x in tasks_for(session, w.operator) if x.module == "meetings"}
        assert any("Field headquarters coordination meeting" in title for title in titles)
        m = services.schedule(session, w.operator, meeting_type=t, starts_at=utcnow() - dt.timedelta(hours=1),
                              place=PLACE, chair=w.commander)
        # all taken: nothing waits for the coordination meeting any more
        assert not any("Field headquarters" in x.title for x in tasks_for(session, w.operator) if x.module == "meetings")
        hold = [x for x in tasks_for(session, w.commander) if x.module == "meetings"]
        assert [x.title for x in hold] == [f"Hold {m.title}: confirm the resolutions and close it"]
        assert not [x for x in tasks_for(session, w.deputy) if x.module == "meetings" and "Hold" in x.title]
        services.record_resolution(session, w.operator, m.items[0], outcome="agreed", text="同意。")
        services.record_attendance(session, w.operator, m, {a.id: True for a in m.attendees})
        services.hold(session, w.commander, m)
        assert [x.title for x in tasks_for(session, w.commander) if x.module == "meetings"] == [
            f"Sign off the minutes of {m.title}"]
