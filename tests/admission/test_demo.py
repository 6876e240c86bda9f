"""The admission demo: an application in every state, built through the services, with real
history, audit, PDF materials, rounds, and company6 ready to walk the flow."""
from __future__ import annotations

import datetime as dt
import io
from collections import Counter

import sqlalchemy as sa
from pypdf import PdfReader

from incubator.accounts.models import User
from incubator.admission import services
from incubator.admission.models import Application, IntakeRound
from incubator.admission.models import ApplicationState as S
from incubator.admission.models import AssignmentState as A
from incubator.audit.models import AuditEntry
from incubator.audit.services import verify_chain
from incubator.companies.models import CompanyStatus
from incubator.core.formatting import today
from incubator.core.workflow import history
from incubator.demo import seed_demo
from incubator.documents.models import Document
from incubator.documents.storage import file_store
from incubator.leases.models import LeaseState
from incubator.spaces.models import UnitStatus


def test_demo_applications_in_every_state(session):
    day = today()
    seed_demo(session, today=day)
    session.commit()
    apps = session.scalars(sa.select(Application).order_by(Application.id)).all()
    by_state = Counter(a.state for a in apps)
    assert set(by_state) == set(S) and by_state[S.ADMITTED] == 2 and len(apps) == 13
    one = {a.state: a for a in apps}
    users = {u.username: u for u in session.scalars(sa.select(User))}
    reviewers = {users[f"reviewer{i}"].id for i in (1, 2, 3)}

    # every application of a company that has a member login; every history in the past, in order
    for app in apps:
        assert session.scalar(sa.select(User.username).where(User.company_id == app.company_id))
        events = history(session, "application", app.id)
        assert [e.at for e in events] == sorted(e.at for e in events)
        assert all(e.at.date() <= day for e in events)
        assert len(services.materials(session, app)) >= 7
        assert not [i for i in services.materials(session, app) if i["missing"]]

    returned = one[S.RETURNED]
    assert returned.supplement_due_on > day and returned.supplement_items
    lapsed = one[S.LAPSED]
    assert lapsed.supplement_due_on < day and history(session, "application", lapsed.id)[-1].actor_id is None
    assert one[S.RESUBMITTED].supplement_due_on is None
    plan = next(i for i in services.materials(session, one[S.RESUBMITTED]) if i["key"] == "business_plan")
    assert plan["documents"][0].current_version_no == 2  # the supplement is a new version

    sheets = {a.state: a.assignments for a in apps}
    assert [s.state for s in sheets[S.EXPERT_REVIEW]] == [A.SUBMITTED, A.SCORING, A.ASSIGNED]
    for state in (S.JOINT_REVIEW, S.DECISION, S.REJECTED):
        assert {s.reviewer_id for s in sheets[state]} == reviewers
        assert {s.state for s in sheets[state]} == {A.SUBMITTED}
        assert all(len(s.scores) == 6 and all(x.comment for x in s.scores) for s in sheets[state])
    assert services.panel(one[S.JOINT_REVIEW]).passes
    assert not services.panel(one[S.REJECTED]).passes
    assert one[S.DECISION].joint_recommendation == "admit" and one[S.DECISION].joint_minutes
    rejected = one[S.REJECTED]
    assert rejected.joint_recommendation == "reject" and rejected.decision_reason

    admitted = [a for a in apps if a.state == S.ADMITTED]
    pending, signed = sorted(admitted, key=lambda a: a.lease.state != LeaseState.DRAFT)
    assert pending.lease.state == LeaseState.DRAFT and pending.company.status == CompanyStatus.APPLICANT
    assert {lu.unit.status for lu in pending.lease.units} == {UnitStatus.RESERVED}
    assert signed.lease.state == LeaseState.SIGNED and signed.company.status == CompanyStatus.TENANT
    assert {lu.unit.status for lu in signed.lease.units} == {UnitStatus.LEASED}
    for app in admitted:
        assert app.lease.area >= app.area_requested * 9 / 10
        assert {lu.unit.type for lu in app.lease.units} == {app.unit_type}
        assert {lu.unit.building.carrier_id for lu in app.lease.units} == {app.carrier_id}

    rounds = {r.name: r for r in session.scalars(sa.select(IntakeRound))}
    current, earlier = rounds["2026年第四批"], rounds["2026年第三批"]
    assert current.opens_on <= day <= current.closes_on and earlier.closes_on < day
    assert signed.round_id == rejected.round_id == lapsed.round_id == earlier.id
    assert one[S.SUBMITTED].round_id == current.id

    for name in (f"company{i}" for i in range(1, 6)):
        assert users[name].company.status == CompanyStatus.TENANT
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action.like("application.%"))) > 40
    assert verify_chain(session)[0]


def test_company6_has_a_draft_ready_to_submit(session):
    seed_demo(session, today=today())
    member = session.scalar(sa.select(User).where(User.username == "company6"))
    app = session.scalars(sa.select(Application).where(Application.company_id == member.company_id)).one()
    assert app.state == S.DRAFT and member.company.status == CompanyStatus.APPLICANT
    assert app.round.name == "2026年第四批"
    doc = session.scalars(sa.select(Document).where(Document.subject_type == "application",
                                                    Document.subject_id == app.id)).first()
    data = file_store().read(doc.versions[0].storage_key)
    assert len(data) < 2000 and "material" in PdfReader(io.BytesIO(data)).pages[0].extract_text()
    services.submit_application(session, member, app)
    assert app.state == S.SUBMITTED and app.submitted_at.date() >= today() - dt.timedelta(days=1)
