"""Access-matrix rows and world objects for the meetings (issue #8).

A scheduled coordination meeting chaired by "commander" (one item on its agenda) and a meeting with
issued minutes; operators and administrators are the secretariat. Only the meeting's own chair
closes it and signs off; companies and reviewers never see meetings."""
from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa

from incubator.certificates.models import IssuedDocument
from incubator.db import utcnow
from incubator.documents.storage import file_store
from incubator.meetings.models import AgendaItem, Attendee, Meeting, MeetingState, MeetingType

READERS = {"operator", "lead", "deputy", "commander", "supervisor", "admin"}
SECRETARIAT = {"operator", "admin"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def rows(row) -> dict:
    m, done = "/meetings/{meeting}", "/meetings/{meeting_done}"
    edit = SECRETARIAT | {"commander"}  # the secretariat and this meeting's chair
    return {
        "meetings.index": row("/meetings/", READERS),
        "meetings.pending": row("/meetings/pending", READERS),
        # operators, administrators and whoever may chair some type (the form offers only those types)
        "meetings.new": row("/meetings/new", SECRETARIAT | {"lead", "deputy", "commander"}),
        "meetings.new:POST": row("/meetings/new", SECRETARIAT | {"lead", "deputy", "commander"}, "POST"),
        "meetings.meeting": row(m, READERS),
        "meetings.edit": row(m + "/edit", edit),
        "meetings.edit:POST": row(m + "/edit", edit, "POST"),
        "meetings.add_item": row(m + "/items", edit, "POST"),
        "meetings.fill": row(m + "/fill", edit, "POST"),
        "meetings.withdraw_item": row(m + "/items/{meeting_item}/withdraw", edit, "POST"),
        "meetings.defer_item": row(m + "/items/{meeting_item}/defer", edit, "POST"),
        "meetings.resolve": row(m + "/items/{meeting_item}/resolution", edit, "POST"),
        "meetings.attendance": row(m + "/attendance", edit, "POST"),
        "meetings.add_attendee": row(m + "/attendees", edit, "POST"),
        "meetings.hold": row(m + "/hold", {"commander"}, "POST"),
        "meetings.minutes": row(m + "/minutes", edit, "POST"),
        "meetings.sign_off": row(m + "/sign-off", {"commander"}),
        "meetings.sign_off:POST": row(m + "/sign-off", {"commander"}, "POST"),
        "meetings.cancel": row(m + "/cancel", edit, "POST"),
        "meetings.decision_pack": row(m + "/decision-pack.pdf", READERS),
        "meetings.minutes_pdf": row(done + "/minutes.pdf", READERS),
    }


def build(session, people, company, lease) -> dict:
    coordination = session.scalar(sa.select(MeetingType).where(MeetingType.code == "coordination",
                                                                MeetingType.active.is_(True)))
    meeting = Meeting(number="HY-T-0001", type_id=coordination.id, title="矩阵测试工作协调会", starts_at=utcnow(),
                      place="第一会议室", chair_id=people["commander"].id, secretary_id=people["operator"].id)
    doc = IssuedDocument(number=f"T-JY-{secrets.token_hex(4)}", kind="meeting_minutes", title="工作协调会纪要",
                         company_id=None, subject_type="meeting", subject_id=0, verify_code=secrets.token_urlsafe(12),
                         data_fingerprint="0" * 64, sha256="0" * 64, storage_key=file_store().save(session, PDF),
                         size=len(PDF))
    session.add_all([meeting, doc])
    session.flush()
    done = Meeting(number="HY-T-0002", type_id=coordination.id, title="上月工作协调会", state=MeetingState.MINUTES_ISSUED,
                   starts_at=utcnow() - dt.timedelta(days=30), place="第一会议室", chair_id=people["commander"].id,
                   held_at=utcnow() - dt.timedelta(days=30), minutes="纪要", signed_off_at=utcnow(),
                   minutes_document_id=doc.id)
    item = AgendaItem(meeting_id=meeting.id, position=1, kind="exit_case", object_id=1, title="TC-T-0001 甲公司：退出",
                      endpoint="exits.case", values={"case_id": 1})
    session.add_all([done, item, Attendee(meeting_id=meeting.id, user_id=people["commander"].id, name="指挥长")])
    session.flush()
    return {"meeting": meeting.id, "meeting_done": done.id, "meeting_item": item.id}
