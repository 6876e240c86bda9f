"""The admission services: what each refuses, and what each writes (state, fields, history, audit)."""
from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from incubator.admission import services
from incubator.admission.models import Application
from incubator.admission.models import ApplicationState as S
from incubator.admission.models import AssignmentState as A
from incubator.admission.rules import DEFAULT_CONFIG
from incubator.audit.models import AuditEntry
from incubator.companies.models import CompanyStatus, IndustryTrack
from incubator.core.errors import ConcurrentChange, DomainError, NotFound, PermissionDenied
from incubator.core.formatting import today
from incubator.core.models import WorkflowEvent
from incubator.core.roles import Role
from incubator.core.system import SYSTEM
from incubator.core.workflow import history
from incubator.leases.models import LeaseState
from incubator.spaces.models import Building, UnitStatus

from ..factories import make_unit, make_user
from .flow import GOOD_SCORES, MINUTES, application_data, drive, new_applicant, upload_materials

D = Decimal


def audit(session, action, object_id=None):
    stmt = sa.select(AuditEntry).where(AuditEntry.action == action)
    if object_id is not None:
        stmt = stmt.where(AuditEntry.object_id == object_id)
    return list(session.scalars(stmt.order_by(AuditEntry.id)))


# --- submission ------------------------------------------------------------------------------------

def test_submit_names_the_missing_materials(session, admission_world):
    w = admission_world
    app, member = new_applicant(session, w, "东莞缺件科技有限公司", materials=False)
    upload_materials(session, member, app, ["business_licence", "legal_rep_id", "ip_certificate", "space_requirement"])
    with pytest.raises(DomainError) as exc:
        services.submit_application(session, member, app)
    assert "商业计划书" in exc.value.message and "核心团队简历及学历证明" in exc.value.message
    assert "营业执照" not in exc.value.message
    assert "近两年财务报表" not in exc.value.message  # founded 10 months ago: not required
    assert app.state == S.DRAFT and app.submitted_at is None


def test_submit_refuses_a_company_founded_more_than_24_months_ago(session, admission_world):
    w = admission_world
    w.company.founded_on = today() - dt.timedelta(days=800)
    session.flush()
    with pytest.raises(DomainError, match="24"):
        services.submit_application(session, w.member, w.app)
    assert w.app.state == S.DRAFT


def test_submit_refuses_without_the_registration_move_commitment(session, admission_world):
    w = admission_world
    services.update_application(session, w.member, w.app, application_data(w.kc.id, will_move_registration=False))
    with pytest.raises(DomainError) as exc:
        services.submit_application(session, w.member, w.app)
    assert "registration" in exc.value.message or "工商" in exc.value.message
    assert w.app.state == S.DRAFT


def test_only_the_company_submits(session, admission_world):
    w = admission_world
    for outsider in (w.operator, make_user(session, Role.COMPANY)):
        with pytest.raises(PermissionDenied):
            services.submit_application(session, outsider, w.app)


def test_submit_writes_the_snapshot_history_and_audit(session, admission_world):
    w = admission_world
    services.submit_application(session, w.member, w.app)
    session.commit()
    session.expire_all()
    app = session.get(Application, w.app.id)
    assert app.state == S.SUBMITTED and app.submitted_at is not None
    snap = app.snapshot
    assert snap["company"]["name"] == "东莞水乡申请科技有限公司"
    assert snap["application"]["project_name"] == "工业视觉质检平台"
    assert D(snap["application"]["area_requested"]) == D("200.00")
    assert snap["application"]["track"] == "digital" and snap["policy_version"] == 1
    assert [e.action for e in history(session, "application", app.id)] == ["submit"]
    assert audit(session, "application.submit", app.id)[0].actor_id == w.member.id


def test_resubmission_refreshes_the_snapshot(session, admission_world):
    w = admission_world
    drive(session, w, w.app, S.RETURNED)
    services.update_application(session, w.member, w.app,
                                application_data(w.kc.id, project_summary="补充了三年财务预测。"))
    services.submit_application(session, w.member, w.app)
    assert w.app.state == S.RESUBMITTED and w.app.supplement_due_on is None
    assert w.app.snapshot["application"]["project_summary"] == "补充了三年财务预测。"


def test_one_open_application_per_company(session, admission_world):
    w = admission_world
    with pytest.raises(DomainError):
        services.create_application(session, w.member, w.company, application_data(w.kc.id))
    drive(session, w, w.app, S.WITHDRAWN)
    again = services.create_application(session, w.member, w.company, application_data(w.kc.id))
    assert again.state == S.DRAFT and again.number != w.app.number


def test_the_application_joins_the_open_intake_round(session, admission_world):
    w = admission_world
    services.create_round(session, w.operator, name="2025年第一批", opens_on=dt.date(2025, 1, 1),
                          closes_on=dt.date(2025, 3, 31))
    current = services.create_round(session, w.operator, name="本期批次", opens_on=today() - dt.timedelta(days=5),
                                    closes_on=today() + dt.timedelta(days=25))
    app, _member = new_applicant(session, w, "东莞批次科技有限公司", materials=False)
    assert app.round_id == current.id
    with pytest.raises(DomainError):
        services.create_round(session, w.operator, name="本期批次", opens_on=today(), closes_on=today())
    with pytest.raises(DomainError):
        services.create_round(session, w.operator, name="倒置批次", opens_on=today(),
                              closes_on=today() - dt.timedelta(days=1))
    with pytest.raises(PermissionDenied):
        services.create_round(session, w.lead, name="组长批次", opens_on=today(), closes_on=today())


# --- return for supplement, deadlines and lapse -------------------------------------------------------

@pytest.mark.parametrize(("returned_on", "due"), [
    (dt.date(2026, 9, 29), dt.date(2026, 10, 19)),  # National Day 1–7 Oct off, Saturday 10 Oct worked (调休)
    (dt.date(2026, 2, 12), dt.date(2026, 3, 4)),  # Spring Festival 15–23 Feb off, Saturdays 14 and 28 Feb worked
    (dt.date(2026, 11, 20), dt.date(2026, 12, 4)),  # an ordinary fortnight
])
def test_return_sets_a_deadline_in_chinese_working_days(session, admission_world, monkeypatch, returned_on, due):
    w = admission_world
    services.submit_application(session, w.member, w.app)
    monkeypatch.setattr(services, "today", lambda: returned_on)
    services.return_application(session, w.operator, w.app, "请补充材料",
                                {"business_plan": "缺少财务预测", "team_cvs": "  ", "ip_certificate": ""})
    assert w.app.state == S.RETURNED and w.app.supplement_due_on == due
    assert w.app.supplement_items == {"business_plan": "缺少财务预测"}  # blank reasons are dropped
    event = history(session, "application", w.app.id, company_view=True)[-1]
    assert (event.action, event.comment) == ("return", "请补充材料")
    reasons = {i["key"]: i["reason"] for i in services.materials(session, w.app)}
    assert reasons["business_plan"] == "缺少财务预测" and reasons["team_cvs"] is None


def test_a_return_needs_a_reason(session, admission_world):
    w = admission_world
    services.submit_application(session, w.member, w.app)
    with pytest.raises(DomainError):
        services.return_application(session, w.operator, w.app, "  ")
    assert w.app.state == S.SUBMITTED and w.app.supplement_due_on is None


def test_lapse_overdue_lapses_only_overdue_returns(session, admission_world):
    w = admission_world
    on = dt.date(2026, 12, 10)
    apps = {}
    for label, due in (("overdue", on - dt.timedelta(days=1)), ("due_today", on), ("later", on + dt.timedelta(days=3))):
        app, member = new_applicant(session, w, f"东莞{label}科技有限公司")
        drive(session, w, app, S.RETURNED, member=member)
        session.execute(sa.update(Application).where(Application.id == app.id).values(supplement_due_on=due))
        apps[label] = app
    resubmitted, member = new_applicant(session, w, "东莞已补正科技有限公司")
    drive(session, w, resubmitted, S.RESUBMITTED, member=member)
    session.expire_all()

    lapsed = services.lapse_overdue(session, SYSTEM, on=on)
    assert [a.id for a in lapsed] == [apps["overdue"].id]
    states = {k: session.get(Application, a.id).state for k, a in apps.items()}
    assert states == {"overdue": S.LAPSED, "due_today": S.RETURNED, "later": S.RETURNED}
    assert session.get(Application, resubmitted.id).state == S.RESUBMITTED
    event = history(session, "application", apps["overdue"].id, company_view=True)[-1]
    assert event.action == "lapse" and event.actor_id is None and "2026-12-09" in event.comment
    assert audit(session, "application.lapse", apps["overdue"].id)[0].actor_name == "system"
    assert services.lapse_overdue(session, SYSTEM, on=on) == []  # running twice changes nothing


# --- reviewers -------------------------------------------------------------------------------------------

def test_assign_reviewers_refuses_wrong_people(session, admission_world):
    w = admission_world
    drive(session, w, w.app, S.ACCEPTED)
    inactive = make_user(session, Role.REVIEWER, active=False)
    insider = make_user(session, Role.REVIEWER, Role.COMPANY, company=w.company)
    for wrong in (w.operator.id, w.lead.id, inactive.id, 999_999):
        with pytest.raises(DomainError, match="reviewer|评审"):
            services.assign_reviewers(session, w.operator, w.app, [w.reviewers[0].id, wrong])
    with pytest.raises(DomainError) as exc:
        services.assign_reviewers(session, w.operator, w.app, [insider.id])
    assert "company" in exc.value.message or "企业" in exc.value.message
    with pytest.raises(PermissionDenied):
        services.assign_reviewers(session, w.lead, w.app, [r.id for r in w.reviewers])
    session.expire_all()
    assert session.get(Application, w.app.id).assignments == []


def test_assign_reviewers_only_once_accepted_and_never_twice(session, admission_world):
    w = admission_world
    services.submit_application(session, w.member, w.app)
    with pytest.raises(DomainError):
        services.assign_reviewers(session, w.operator, w.app, [w.reviewers[0].id])
    services.accept_application(session, w.operator, w.app)
    ids = [r.id for r in w.reviewers]
    added = services.assign_reviewers(session, w.operator, w.app, ids + ids[:1])
    assert [a.reviewer_id for a in added] == ids
    assert services.assign_reviewers(session, w.operator, w.app, ids[:2]) == []
    assert [a.reviewer_id for a in w.app.assignments] == ids
    assert audit(session, "application.assign_reviewers", w.app.id)[0].after == {"reviewers": ids}


def test_start_review_needs_three_reviewers_without_conflict(session, admission_world):
    w = admission_world
    drive(session, w, w.app, S.ACCEPTED)
    services.assign_reviewers(session, w.operator, w.app, [r.id for r in w.reviewers[:2]])
    with pytest.raises(DomainError, match="3"):
        services.start_review(session, w.operator, w.app)
    services.assign_reviewers(session, w.operator, w.app, [w.reviewers[2].id])
    services.declare_interest(session, w.reviewers[0], w.app.assignments[0], conflict=True, note="曾任该公司顾问")
    with pytest.raises(DomainError, match="3"):
        services.start_review(session, w.operator, w.app)
    fourth = make_user(session, Role.REVIEWER)
    services.assign_reviewers(session, w.operator, w.app, [fourth.id])
    services.start_review(session, w.operator, w.app)
    assert w.app.state == S.EXPERT_REVIEW


def test_a_declared_conflict_excuses_the_reviewer(session, admission_world):
    w = admission_world
    fourth = make_user(session, Role.REVIEWER)
    w.reviewers.append(fourth)
    drive(session, w, w.app, S.ACCEPTED)
    services.assign_reviewers(session, w.operator, w.app, [r.id for r in w.reviewers])
    services.start_review(session, w.operator, w.app)
    conflicted = w.app.assignments[3]
    with pytest.raises(DomainError):
        services.declare_interest(session, fourth, conflicted, conflict=True, note="  ")
    with pytest.raises(NotFound):  # nobody declares for someone else
        services.declare_interest(session, w.reviewers[0], conflicted, conflict=False)
    services.declare_interest(session, fourth, conflicted, conflict=True, note="其配偶为该公司股东")
    assert conflicted.state == A.CONFLICT and conflicted.conflict_note == "其配偶为该公司股东"
    assert conflicted.declared_at is not None
    assert audit(session, "review.declare")[-1].after == {"conflict": True, "note": "其配偶为该公司股东"}
    with pytest.raises(DomainError):  # a declaration is final
        services.declare_interest(session, fourth, conflicted, conflict=False)
    assert conflicted.state == A.CONFLICT
    with pytest.raises(DomainError):
        services.save_scores(session, fourth, conflicted, GOOD_SCORES, {}, "", submit=True)
    assert not services.may_see_panel(fourth, w.app)
    # the review closes without the excused reviewer
    for reviewer, assignment in zip(w.reviewers[:3], w.app.assignments[:3], strict=True):
        services.declare_interest(session, reviewer, assignment, conflict=False)
        services.save_scores(session, reviewer, assignment, GOOD_SCORES, {}, "", submit=True)
    services.close_review(session, w.operator, w.app)
    assert w.app.state == S.JOINT_REVIEW and services.panel(w.app).totals == [D("80.00")] * 3


@pytest.fixture
def scoring(session, admission_world):
    """The application in expert review; reviewer 1 has declared no conflict."""
    w = admission_world
    drive(session, w, w.app, S.EXPERT_REVIEW)
    w.sheet = w.app.assignments[0]
    services.declare_interest(session, w.reviewers[0], w.sheet, conflict=False)
    return w


def test_scores_cannot_be_saved_before_declaring(session, scoring):
    w = scoring
    with pytest.raises(DomainError):
        services.save_scores(session, w.reviewers[1], w.app.assignments[1], GOOD_SCORES, {}, "")
    with pytest.raises(NotFound):
        services.save_scores(session, w.reviewers[1], w.sheet, GOOD_SCORES, {}, "")


def test_a_draft_sheet_may_be_partial(session, scoring):
    w = scoring
    services.save_scores(session, w.reviewers[0], w.sheet, {"technology": D("21.5"), "team": None},
                         {"technology": " 算法有独创性 "}, "")
    assert w.sheet.state == A.SCORING and w.sheet.total == D("21.50")
    assert [(s.item_key, s.score, s.comment) for s in w.sheet.scores] == [("technology", D("21.5"), "算法有独创性")]
    services.save_scores(session, w.reviewers[0], w.sheet, {"technology": D("22"), "team": D("15")}, {}, "")
    assert sorted((s.item_key, s.score) for s in w.sheet.scores) == [("team", D("15")), ("technology", D("22"))]
    assert w.sheet.total == D("37.00")


@pytest.mark.parametrize(("scores", "label"), [
    ({**GOOD_SCORES, "team": None}, "团队"),
    ({**GOOD_SCORES, "team": D("20.5")}, "团队"),
    ({**GOOD_SCORES, "market": D("-1")}, "市场前景"),
    ({**GOOD_SCORES, "fit": D("12.25")}, "与社区产业契合度"),
])
def test_submitting_checks_every_item(session, scoring, scores, label):
    w = scoring
    with pytest.raises(DomainError) as exc:
        services.save_scores(session, w.reviewers[0], w.sheet, scores, {}, "", submit=True)
    assert label in exc.value.message and "技术与创新" not in exc.value.message
    assert w.sheet.state == A.SCORING


def test_a_draft_still_refuses_out_of_range_scores(session, scoring):
    w = scoring
    with pytest.raises(DomainError):
        services.save_scores(session, w.reviewers[0], w.sheet, {"technology": D("30")}, {}, "")


def test_a_low_total_needs_a_note(session, scoring):
    w = scoring
    low = {k: D("5") for k in GOOD_SCORES}  # 30
    savepoint = session.begin_nested()
    with pytest.raises(DomainError):
        services.save_scores(session, w.reviewers[0], w.sheet, low, {}, "  ", submit=True)
    savepoint.rollback()
    session.refresh(w.sheet)
    assert w.sheet.state == A.SCORING
    services.save_scores(session, w.reviewers[0], w.sheet, low, {}, "技术路线不成熟，团队缺乏产业经验", submit=True)
    assert w.sheet.state == A.SUBMITTED and w.sheet.total == D("30.00") and w.sheet.submitted_at is not None
    entry = audit(session, "review.submit", w.sheet.id)[0]
    assert entry.after["total"] == "30.00" and entry.actor_id == w.reviewers[0].id


def test_submitted_scores_are_final_and_unlock_the_panel(session, scoring):
    w = scoring
    assert not services.may_see_panel(w.reviewers[0], w.app)
    services.save_scores(session, w.reviewers[0], w.sheet, GOOD_SCORES, {"team": "稳定"}, "推荐", submit=True)
    assert services.may_see_panel(w.reviewers[0], w.app)
    assert not services.may_see_panel(w.reviewers[1], w.app)
    assert all(services.may_see_panel(u, w.app) for u in (w.operator, w.lead, w.deputy))
    assert not services.may_see_panel(w.member, w.app)
    with pytest.raises(DomainError):
        services.save_scores(session, w.reviewers[0], w.sheet, {**GOOD_SCORES, "team": D("10")}, {}, "", submit=True)
    assert w.sheet.total == D("80.00")


def test_close_review_waits_for_every_sheet(session, scoring):
    w = scoring
    services.save_scores(session, w.reviewers[0], w.sheet, GOOD_SCORES, {}, "", submit=True)
    second = w.app.assignments[1]
    services.declare_interest(session, w.reviewers[1], second, conflict=False)
    services.save_scores(session, w.reviewers[1], second, GOOD_SCORES, {}, "", submit=True)
    with pytest.raises(DomainError, match="1"):
        services.close_review(session, w.operator, w.app)
    third = w.app.assignments[2]
    services.declare_interest(session, w.reviewers[2], third, conflict=False)
    services.save_scores(session, w.reviewers[2], third, {**GOOD_SCORES, "technology": D("25")}, {}, "", submit=True)
    services.close_review(session, w.operator, w.app)
    assert w.app.state == S.JOINT_REVIEW
    summary = services.panel(w.app)
    assert summary.mean == D("81.67") and summary.spread == D("5.00") and summary.passes
    with pytest.raises(DomainError):  # scores are frozen once the review is closed
        services.save_scores(session, w.reviewers[2], third, GOOD_SCORES, {}, "")


# --- joint review and decision ----------------------------------------------------------------------------

def test_recommend_stores_the_recommendation_and_minutes(session, admission_world):
    w = admission_world
    drive(session, w, w.app, S.JOINT_REVIEW)
    with pytest.raises(DomainError):
        services.recommend(session, w.lead, w.app, recommendation="maybe", minutes=MINUTES)
    with pytest.raises(DomainError):
        services.recommend(session, w.lead, w.app, recommendation="admit", minutes=" ")
    with pytest.raises(PermissionDenied):
        services.recommend(session, w.operator, w.app, recommendation="admit", minutes=MINUTES)
    services.recommend(session, w.lead, w.app, recommendation="admit", minutes=f"  {MINUTES}\n")
    assert w.app.state == S.DECISION
    assert (w.app.joint_recommendation, w.app.joint_minutes) == ("admit", MINUTES)
    # the panel's internal minutes are not shown to the company
    assert "recommend" not in [e.action for e in history(session, "application", w.app.id, company_view=True)]
    assert "recommend" in [e.action for e in history(session, "application", w.app.id)]


def test_admission_stores_the_decision(session, admission_world):
    w = admission_world
    drive(session, w, w.app, S.DECISION)
    services.decide(session, w.deputy, w.app, admit=True, reason=" 同意入驻 ")
    assert w.app.state == S.ADMITTED and w.app.decision_reason == "同意入驻" and w.app.decided_at is not None
    assert audit(session, "application.admit", w.app.id)[0].actor_id == w.deputy.id


def test_rejection_needs_a_reason_the_company_sees(session, admission_world):
    w = admission_world
    drive(session, w, w.app, S.DECISION, admit=False)
    with pytest.raises(DomainError):
        services.decide(session, w.deputy, w.app, admit=False, reason="")
    assert w.app.state == S.DECISION and w.app.decided_at is None
    services.decide(session, w.deputy, w.app, admit=False, reason="与社区产业方向契合度不足")
    assert w.app.state == S.REJECTED and w.app.decision_reason == "与社区产业方向契合度不足"
    seen = history(session, "application", w.app.id, company_view=True)[-1]
    assert (seen.action, seen.comment) == ("reject", "与社区产业方向契合度不足")
    with pytest.raises(DomainError):  # rejected is final: no withdrawal, no second decision
        services.withdraw_application(session, w.member, w.app)


# --- units and lease ----------------------------------------------------------------------------------

TERMS = dict(start_on=dt.date(2027, 1, 1), rent_per_m2=D("45.00"), property_fee_per_m2=D("6.50"),
             deposit=D("20000.00"))


def test_allocate_only_to_an_admitted_application(session, admission_world):
    w = admission_world
    drive(session, w, w.app, S.DECISION)
    with pytest.raises(DomainError):
        services.allocate_units(session, w.operator, w.app, [w.offices[0]], **TERMS)
    assert w.offices[0].status == UnitStatus.VACANT


def test_allocate_refuses_units_of_another_type_or_carrier(session, admission_world):
    w = admission_world
    drive(session, w, w.app, S.ADMITTED)
    zt_office = make_unit(session, w.zt, building=session.scalar(sa.select(Building).where(
        Building.carrier_id == w.zt.id)), number="301")
    assert [u.id for u in services.allocable_units(session, w.app)] == [u.id for u in w.offices]
    for wrong in ([w.lab], [w.factory], [w.offices[0], zt_office]):
        with pytest.raises(DomainError):
            services.allocate_units(session, w.operator, w.app, wrong, **TERMS)
    assert {u.status for u in [w.lab, w.factory, zt_office, *w.offices]} == {UnitStatus.VACANT}
    assert w.app.lease_id is None


def test_allocate_creates_one_lease_and_signing_makes_a_tenant(session, admission_world):
    w = admission_world
    drive(session, w, w.app, S.ADMITTED)
    with pytest.raises(PermissionDenied):
        services.allocate_units(session, w.deputy, w.app, w.offices[:2], **TERMS)
    services.allocate_units(session, w.operator, w.app, w.offices[:2], **TERMS)
    lease = w.app.lease
    assert lease.state == LeaseState.DRAFT and lease.company_id == w.company.id
    assert sorted(lu.unit_id for lu in lease.units) == sorted(u.id for u in w.offices[:2])
    assert lease.area == D("200.00") and lease.deposit == D("20000.00")
    assert {u.status for u in w.offices[:2]} == {UnitStatus.RESERVED}
    assert audit(session, "application.allocate", w.app.id)[0].after["lease"] == lease.number
    assert [u.id for u in services.allocable_units(session, w.app)] == [w.offices[2].id]

    savepoint = session.begin_nested()
    with pytest.raises(ConcurrentChange):  # a second lease for the same application
        services.allocate_units(session, w.operator, w.app, [w.offices[2]], **TERMS)
    savepoint.rollback()
    session.expire_all()
    assert w.offices[2].status == UnitStatus.VACANT and w.app.lease_id == lease.id

    from incubator.leases.services import sign_lease
    assert w.company.status == CompanyStatus.APPLICANT
    sign_lease(session, w.operator, lease, signed_on=dt.date(2026, 12, 20))
    assert lease.state == LeaseState.SIGNED
    assert {u.status for u in w.offices[:2]} == {UnitStatus.LEASED}
    assert w.company.status == CompanyStatus.TENANT and w.company.moved_in_on == dt.date(2026, 12, 20)
    assert audit(session, "company.move_in", w.company.id)


# --- policies -------------------------------------------------------------------------------------------

def _config(**changes):
    config = copy.deepcopy(DEFAULT_CONFIG)
    config.update(changes)
    return config


def test_a_new_policy_version_leaves_earlier_applications_on_theirs(session, admission_world):
    w = admission_world
    first = w.app.policy
    assert (first.version, first.carrier_id, first.track) == (1, None, None)
    v2 = services.save_policy_version(session, w.operator, carrier_id=None, track=None,
                                      config=_config(min_reviewers=4), effective_from=today(), note="专家增至4名")
    assert v2.version == 2 and v2.created_by_id == w.operator.id
    assert audit(session, "admission_policy.version", v2.id)[0].after["version"] == 2
    later, _member = new_applicant(session, w, "东莞新规科技有限公司")
    assert later.policy_id == v2.id
    session.expire_all()
    assert session.get(Application, w.app.id).policy_id == first.id
    drive(session, w, w.app, S.EXPERT_REVIEW)  # three reviewers suffice under version 1
    assert w.app.snapshot["policy_version"] == 1
    assert first.config["min_reviewers"] == 3  # the old version itself is never edited


def test_policy_versions_are_validated_and_staff_only(session, admission_world):
    w = admission_world
    with pytest.raises(DomainError):
        services.save_policy_version(session, w.operator, carrier_id=None, track=None,
                                     config=_config(min_reviewers=0), effective_from=today())
    with pytest.raises(PermissionDenied):
        services.save_policy_version(session, w.lead, carrier_id=None, track=None, config=_config(),
                                     effective_from=today())


def test_current_policy_picks_the_most_specific_version_in_force(session, admission_world):
    w = admission_world
    op, digital, energy = w.operator, IndustryTrack.DIGITAL, IndustryTrack.NEW_ENERGY
    on = today()

    def save(carrier, track, effective=on):
        return services.save_policy_version(session, op, carrier_id=carrier and carrier.id, track=track,
                                            config=_config(), effective_from=effective)

    default = services.current_policy(session, w.kc.id, digital)
    assert default.carrier_id is None and default.track is None
    by_track = save(None, digital)
    by_carrier = save(w.kc, None)
    both = save(w.kc, digital)
    save(w.kc, digital, effective=on + dt.timedelta(days=30))  # not yet in force
    newer_by_track = save(None, digital)
    assert services.current_policy(session, w.kc.id, digital, on) == both
    assert services.current_policy(session, w.kc.id, energy, on) == by_carrier
    assert services.current_policy(session, w.zt.id, digital, on) == newer_by_track != by_track
    assert services.current_policy(session, w.zt.id, energy, on) == default
    assert services.current_policy(session, w.kc.id, digital, on + dt.timedelta(days=30)).version == 2
    assert both.version == 1 and newer_by_track.version == 2


def test_changing_carrier_or_track_of_a_draft_follows_the_policy(session, admission_world):
    w = admission_world
    zt_policy = services.save_policy_version(session, w.operator, carrier_id=w.zt.id, track=None,
                                             config=_config(min_mean=75), effective_from=today())
    services.update_application(session, w.member, w.app, application_data(w.zt.id))
    assert w.app.policy_id == zt_policy.id
    drive(session, w, w.app, S.RETURNED)
    with pytest.raises(DomainError):
        services.update_application(session, w.member, w.app, application_data(w.kc.id))
    with pytest.raises(DomainError):
        services.update_application(session, w.member, w.app, application_data(w.zt.id, area_requested=D("0")))


def test_every_step_lands_in_history_and_the_audit_chain(session, admission_world):
    from incubator.audit.services import verify_chain

    w = admission_world
    drive(session, w, w.app, S.ADMITTED)
    actions = [e.action for e in history(session, "application", w.app.id)]
    assert actions == ["submit", "accept", "start_review", "close_review", "recommend", "admit"]
    for action in actions:
        assert audit(session, f"application.{action}", w.app.id), action
    assert session.scalar(sa.select(sa.func.count()).select_from(WorkflowEvent).where(
        WorkflowEvent.object_type == "application")) == len(actions)
    session.commit()  # entries are sealed into the chain on commit
    assert verify_chain(session)[0]
