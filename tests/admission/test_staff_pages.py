"""The staff side of admission through HTTP: the list, the application page and who may read it,
every staff step with its effect and message, bad input, the lapse command and job, the inbox."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from incubator import jobs
from incubator.accounts.models import User
from incubator.admission import services
from incubator.admission.models import Application, IntakeRound
from incubator.admission.models import ApplicationState as S
from incubator.admission.models import AssignmentState as A
from incubator.audit.models import AuditEntry
from incubator.companies.models import CompanyStatus, IndustryTrack
from incubator.core.calendar import add_working_days
from incubator.core.formatting import today
from incubator.core.inbox import tasks_for
from incubator.core.roles import Role
from incubator.leases.models import Lease, LeaseState
from incubator.spaces.models import UnitStatus

from ..factories import make_unit, make_user
from .flow import GOOD_SCORES as SCORES
from .flow import drive, new_applicant, upload_materials


def url(app, step=""):
    return f"/admission/{app.id}" + (f"/{step}" if step else "")


def flashes(client) -> list[str]:
    with client.session_transaction() as s:
        return [message for _category, message in s.get("_flashes", [])]


def audit_entries(session, action, object_id):
    return list(session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action,
                                                            AuditEntry.object_id == object_id)))


@pytest.fixture
def world(admission_world, session):
    w = admission_world
    w.session, w.carrier, w.units = session, w.kc, w.offices
    return w


def applicant(w, name, **data):
    """Another company with a member and a draft application (its materials uploaded)."""
    return new_applicant(w.session, w, name, **data)


def to(w, app, target):
    """Take another company's application to `target`, as its own member and the world's staff."""
    member = w.session.scalar(sa.select(User).where(User.company_id == app.company_id))
    return drive(w.session, w, app, target, member=member)



def post(client, path, data=None, referrer=None):
    return client.post(path, data=data or {}, headers={"Referer": referrer} if referrer else {})


# --- the list ----------------------------------------------------------------------------------------

def test_list_counts_filters_and_search(world, client, login):
    w = world
    w.advance(S.SUBMITTED)
    second, _ = applicant(w, "东莞新能储科技有限公司", track=IndustryTrack.NEW_ENERGY, project_name="固态电池")
    to(w, second, S.EXPERT_REVIEW)
    third, _ = applicant(w, "水乡数据服务有限公司")
    intake = IntakeRound(name="2026年第四批", opens_on=today(), closes_on=today())
    w.session.add(intake)
    w.session.flush()
    third.round_id = intake.id
    w.session.flush()
    login(w.operator)

    page = client.get("/admission/").text
    assert all(a.number in page for a in (w.app, second, third))
    assert 'data-state="submitted">Submitted <span class="badge bg-blue-lt ms-1">1</span>' in page
    assert 'data-state="draft">Draft <span class="badge bg-secondary-lt ms-1">1</span>' in page

    def listed(**args):
        text = client.get("/admission/", query_string=args).text
        return {a.number for a in (w.app, second, third) if a.number in text}

    assert listed(state="submitted") == {w.app.number}
    assert listed(q="新能储") == {second.number}
    assert listed(q=third.number) == {third.number}
    assert listed(q="固态") == {second.number}
    assert listed(track="new_energy") == {second.number}
    assert listed(round=intake.id) == {third.number}
    assert listed(reviewer=w.reviewers[0].id) == {second.number}
    assert listed(carrier=w.carrier.id) == {w.app.number, second.number, third.number}
    assert listed(queue="check") == {w.app.number}
    assert listed(state="bogus", carrier="x", page="-3") == {w.app.number, second.number, third.number}
    assert "No applications match." in client.get("/admission/", query_string={"q": "不存在的公司"}).text
    # the reviews column: 0 of 3 submitted for the one under review
    assert "0/3" in client.get("/admission/", query_string={"state": "expert_review"}).text


def test_list_query_count_does_not_grow_with_rows(world, client, login, count_queries):
    w = world
    login(w.operator)

    def queries():
        w.session.commit()  # the test client would commit the fixtures inside the count
        w.session.expire_all()  # as in a fresh request: nothing cached from the last one
        with count_queries() as n:
            assert client.get("/admission/").status_code == 200
        return n()

    w.advance(S.SUBMITTED)
    few = queries()
    for i in range(6):
        app, _ = applicant(w, f"批量测试公司{i}")
        to(w, app, S.EXPERT_REVIEW if i % 2 else S.SUBMITTED)
    assert queries() == few
    assert few <= 10


@pytest.mark.parametrize("role", [Role.COMPANY, Role.REVIEWER])
def test_list_is_for_staff_readers(role, world, client, login):
    login(role)
    assert client.get("/admission/").status_code == 403


# --- who may read an application ----------------------------------------------------------------------

def test_owner_reads_own_application_other_company_gets_404(world, client, login):
    w = world
    login(w.member)
    page = client.get(url(w.app))
    assert page.status_code == 200 and w.app.project_name in page.text
    assert 'id="owner-panel"' in page.text
    assert 'id="history"' not in page.text  # staff history (with internal steps) is not shown
    login(Role.COMPANY)
    assert client.get(url(w.app)).status_code == 404
    assert client.get("/admission/2147483648").status_code == 404


def test_reviewer_reads_only_while_assigned_and_declared(world, client, login):
    w = world
    w.advance(S.ACCEPTED)
    stranger = make_user(w.session, Role.REVIEWER)
    login(stranger)
    assert client.get(url(w.app)).status_code == 404

    services.assign_reviewers(w.session, w.operator, w.app, [r.id for r in w.reviewers])
    services.start_review(w.session, w.operator, w.app)
    first, second = w.app.assignments[:2]
    login(first.reviewer)
    resp = client.get(url(w.app))
    assert resp.status_code in (302, 403)
    if resp.status_code == 302:
        assert resp.headers["Location"].endswith(f"/admission/reviews/{first.id}")
    version = services.materials(w.session, w.app)[0]["documents"][0].current
    assert client.get(url(w.app, f"files/{version.id}")).status_code == 403

    services.declare_interest(w.session, first.reviewer, first, conflict=False)
    page = client.get(url(w.app))
    assert page.status_code == 200 and "专家2" in page.text
    assert "shown once you have submitted your own" in page.text
    download = client.get(url(w.app, f"files/{version.id}"))
    assert download.status_code == 200 and download.data.startswith(b"%PDF")

    services.declare_interest(w.session, second.reviewer, second, conflict=True, note="曾任该公司顾问")
    login(second.reviewer)
    assert client.get(url(w.app)).status_code == 404


def test_material_download_belongs_to_the_application(world, client, login):
    w = world
    other, _ = applicant(w, "别家公司")
    foreign = services.materials(w.session, other)[0]["documents"][0].current
    login(w.member)
    assert client.get(url(w.app, f"files/{foreign.id}")).status_code == 404
    own = services.materials(w.session, w.app)[0]["documents"][0].current
    assert client.get(url(w.app, f"files/{own.id}")).status_code == 200


def test_supervisor_reads_everything_and_changes_nothing(world, client, login):
    w = world
    w.advance(S.JOINT_REVIEW)
    login(Role.SUPERVISOR)
    page = client.get(url(w.app)).text
    assert "Panel summary" in page and 'id="steps"' not in page
    for step in ("accept", "return", "reviewers", "start-review", "close-review", "recommend", "decide",
                 "allocate", "sign-lease"):
        assert post(client, url(w.app, step), {"decision": "admit", "minutes": "x"}).status_code == 403, step
    assert client.get(url(w.app, "allocate")).status_code == 403
    w.session.refresh(w.app)
    assert w.app.state == S.JOINT_REVIEW


# --- the steps -----------------------------------------------------------------------------------------

def test_accept(world, client, login):
    w = world
    w.advance(S.SUBMITTED)
    login(w.operator)
    page = client.get(url(w.app)).text
    assert "Accept as complete" in page and "data-confirm" in page
    resp = post(client, url(w.app, "accept"))
    assert resp.status_code == 303 and resp.headers["Location"].endswith(url(w.app))
    w.session.refresh(w.app)
    assert w.app.state == S.ACCEPTED
    assert any("accepted" in m for m in flashes(client))
    assert audit_entries(w.session, "application.accept", w.app.id)


def test_a_refused_step_is_flashed_and_changes_nothing(world, client, login):
    w = world
    login(w.operator)
    resp = post(client, url(w.app, "accept"), referrer="http://localhost" + url(w.app))
    assert resp.status_code == 303 and resp.headers["Location"].endswith(url(w.app))
    assert any("not possible in the current state" in m for m in flashes(client))
    w.session.refresh(w.app)
    assert w.app.state == S.DRAFT


def test_return_with_reasons_per_item(world, client, login):
    w = world
    w.advance(S.SUBMITTED)
    login(w.operator)
    due = add_working_days(today(), 10)
    page = client.get(url(w.app)).text
    assert "Return for supplement" in page and f"resubmit by {due.isoformat()}" in page
    assert 'name="reason_business_plan"' in page
    resp = post(client, url(w.app, "return"), {"comment": "材料不全", "reason_business_plan": "缺少财务预测",
                                               "reason_team_cvs": "  "})
    assert resp.status_code == 303
    w.session.refresh(w.app)
    assert w.app.state == S.RETURNED
    assert w.app.supplement_items == {"business_plan": "缺少财务预测"}
    assert w.app.supplement_due_on == due
    assert any(due.isoformat() in m for m in flashes(client))


def test_return_needs_a_reason(world, client, login):
    w = world
    w.advance(S.SUBMITTED)
    login(w.operator)
    resp = post(client, url(w.app, "return"), {"comment": "  ", "reason_business_plan": "缺少财务预测"})
    assert resp.status_code == 400
    assert "Please give the reason for the return." in resp.text
    w.session.refresh(w.app)
    assert w.app.state == S.SUBMITTED


def test_assign_reviewers_and_start_the_review(world, client, login):
    w = world
    w.advance(S.ACCEPTED)
    # a reviewer who once declared a conflict with this company is marked in the choices
    earlier = Application(number="SQ-2025-9999", company_id=w.company.id, policy_id=w.app.policy_id,
                          state=S.WITHDRAWN, carrier_id=w.carrier.id, track=w.app.track, unit_type=w.app.unit_type,
                          area_requested=Decimal("50"), project_name="旧申请")
    w.session.add(earlier)
    w.session.flush()
    from incubator.admission.models import ReviewAssignment
    w.session.add(ReviewAssignment(application_id=earlier.id, reviewer_id=w.reviewers[2].id, state=A.CONFLICT))
    login(w.operator)
    page = client.get(url(w.app)).text
    assert "专家3 — declared a conflict with this company" in page

    resp = post(client, url(w.app, "reviewers"), {"reviewer_ids": [w.reviewers[0].id, w.reviewers[1].id]})
    assert resp.status_code == 303
    assert any("2 reviewer(s) assigned" in m for m in flashes(client))
    w.session.refresh(w.app)
    assert {a.reviewer_id for a in w.app.assignments} == {w.reviewers[0].id, w.reviewers[1].id}

    resp = post(client, url(w.app, "start-review"), referrer="http://localhost" + url(w.app))
    assert resp.status_code == 303
    assert any("Assign at least 3 reviewers first." in m for m in flashes(client))
    w.session.refresh(w.app)
    assert w.app.state == S.ACCEPTED

    assert post(client, url(w.app, "reviewers"), {"reviewer_ids": [w.reviewers[2].id]}).status_code == 303
    assert post(client, url(w.app, "start-review")).status_code == 303
    w.session.refresh(w.app)
    assert w.app.state == S.EXPERT_REVIEW
    assert audit_entries(w.session, "application.assign_reviewers", w.app.id)


@pytest.mark.parametrize("data", [{}, {"reviewer_ids": "abc"}, {"reviewer_ids": "2147483647"}])
def test_assign_refuses_bad_reviewers(data, world, client, login):
    w = world
    w.advance(S.ACCEPTED)
    login(w.operator)
    assert post(client, url(w.app, "reviewers"), data).status_code == 400
    w.session.refresh(w.app)
    assert w.app.assignments == []


def test_close_review_waits_for_every_sheet(world, client, login):
    w = world
    w.advance(S.EXPERT_REVIEW)
    first = w.app.assignments[0]
    services.declare_interest(w.session, first.reviewer, first, conflict=False)
    services.save_scores(w.session, first.reviewer, first, SCORES, {"team": "团队完整"}, "好", submit=True)
    login(w.operator)
    post(client, url(w.app, "close-review"), referrer="http://localhost" + url(w.app))
    assert any("2 reviewers have not submitted their scores yet." in m for m in flashes(client))
    w.session.refresh(w.app)
    assert w.app.state == S.EXPERT_REVIEW
    page = client.get(url(w.app)).text
    assert "团队完整" in page and "80.00" in page  # staff see the submitted sheet

    for a in w.app.assignments[1:]:
        services.declare_interest(w.session, a.reviewer, a, conflict=False)
        services.save_scores(w.session, a.reviewer, a, SCORES, {}, None, submit=True)
    assert post(client, url(w.app, "close-review")).status_code == 303
    w.session.refresh(w.app)
    assert w.app.state == S.JOINT_REVIEW
    page = client.get(url(w.app)).text
    assert "Panel summary" in page and "80.00" in page and "Pass" in page


def test_recommend_by_the_lead(world, client, login):
    w = world
    w.advance(S.JOINT_REVIEW)
    login(w.lead)
    assert "Record the recommendation" in client.get(url(w.app)).text
    resp = post(client, url(w.app, "recommend"), {"recommendation": "admit", "minutes": ""})
    assert resp.status_code == 400 and "Please record the minutes." in resp.text
    resp = post(client, url(w.app, "recommend"), {"recommendation": "maybe", "minutes": "会议纪要"})
    assert resp.status_code == 400
    resp = post(client, url(w.app, "recommend"), {"recommendation": "admit", "minutes": "综合统筹组同意"})
    assert resp.status_code == 303
    w.session.refresh(w.app)
    assert (w.app.state, w.app.joint_recommendation, w.app.joint_minutes) == (S.DECISION, "admit", "综合统筹组同意")
    assert any("recommendation is recorded" in m for m in flashes(client))
    login(w.operator)
    assert post(client, url(w.app, "recommend"), {"recommendation": "admit", "minutes": "x"}).status_code == 403
    # the minutes are internal: the company does not see them
    login(w.member)
    assert "综合统筹组同意" not in client.get(url(w.app)).text


def test_decide_reject_needs_a_reason(world, client, login):
    w = world
    w.advance(S.DECISION)
    login(w.deputy)
    page = client.get(url(w.app)).text
    assert "Record this decision? It is final" in page
    resp = post(client, url(w.app, "decide"), {"decision": "reject", "reason": " "})
    assert resp.status_code == 400 and "A rejection needs a reason" in resp.text
    assert post(client, url(w.app, "decide"), {"reason": "x"}).status_code == 400
    resp = post(client, url(w.app, "decide"), {"decision": "reject", "reason": "不符合产业方向"})
    assert resp.status_code == 303
    w.session.refresh(w.app)
    assert (w.app.state, w.app.decision_reason) == (S.REJECTED, "不符合产业方向")
    assert any("rejected" in m for m in flashes(client))
    login(w.member)
    assert "不符合产业方向" in client.get(url(w.app)).text


def test_decide_admit_and_four_eyes(world, client, login):
    w = world
    w.advance(S.JOINT_REVIEW)
    both = make_user(w.session, Role.LEAD, Role.DEPUTY)
    services.recommend(w.session, both, w.app, recommendation="admit", minutes="同意")
    login(both)
    assert post(client, url(w.app, "decide"), {"decision": "admit"}).status_code == 403
    login(w.deputy)
    assert post(client, url(w.app, "decide"), {"decision": "admit"}).status_code == 303
    w.session.refresh(w.app)
    assert w.app.state == S.ADMITTED and w.app.decided_at is not None
    assert audit_entries(w.session, "application.admit", w.app.id)


# --- units and lease ----------------------------------------------------------------------------------

@pytest.fixture
def admitted(world):
    w = world
    w.advance(S.ADMITTED)
    w.reserved = make_unit(w.session, w.kc, building=w.offices[0].building, number="109",
                           status=UnitStatus.RESERVED)
    w.foreign = make_unit(w.session, w.zt, number="B201")  # an office, but in another carrier
    return w


def terms(**kw):
    data = {"start_on": "2027-01-01", "term_years": "3", "rent_per_m2": "", "property_fee_per_m2": "5.50",
            "deposit": "20000", "billing_cycle": "quarterly"}
    data.update(kw)
    return data


def test_allocation_offers_only_vacant_units_of_the_requested_type_and_carrier(admitted, client, login):
    w = admitted
    login(w.operator)
    page = client.get(url(w.app, "allocate")).text
    for unit in w.units:
        assert f'value="{unit.id}"' in page
    for unit in (w.lab, w.reserved, w.foreign):
        assert f'value="{unit.id}"' not in page


def test_allocate_and_sign(admitted, client, login):
    w = admitted
    login(w.operator)
    resp = post(client, url(w.app, "allocate"), terms(unit_ids=[w.units[0].id, w.units[1].id]))
    assert resp.status_code == 303, resp.text
    w.session.refresh(w.app)
    lease = w.app.lease
    assert lease.state == LeaseState.DRAFT and lease.company_id == w.company.id
    assert (lease.start_on, lease.end_on) == (dt.date(2027, 1, 1), dt.date(2029, 12, 31))
    assert lease.rent_per_m2 == Decimal("45.00")  # the list rent
    assert (lease.property_fee_per_m2, lease.deposit) == (Decimal("5.50"), Decimal("20000.00"))
    assert lease.billing_cycle.value == "quarterly"
    assert {lu.unit.status for lu in lease.units} == {UnitStatus.RESERVED}
    assert any(lease.number in m for m in flashes(client))
    assert audit_entries(w.session, "application.allocate", w.app.id)
    # exactly once
    assert client.get(url(w.app, "allocate")).status_code == 302
    post(client, url(w.app, "allocate"), terms(unit_ids=[w.units[2].id]))
    assert w.session.scalar(sa.select(sa.func.count()).select_from(Lease).where(Lease.company_id == w.company.id)) == 1

    page = client.get(url(w.app)).text
    assert "Mark the lease signed" in page and lease.number in page
    assert post(client, url(w.app, "sign-lease")).status_code == 303
    w.session.refresh(lease)
    w.session.refresh(w.company)
    assert lease.state == LeaseState.SIGNED
    assert {lu.unit.status for lu in lease.units} == {UnitStatus.LEASED}
    assert w.company.status == CompanyStatus.TENANT
    assert any("is a tenant" in m for m in flashes(client))
    resp = post(client, url(w.app, "sign-lease"), referrer="http://localhost" + url(w.app))
    assert resp.status_code == 303 and any("no drafted lease" in m for m in flashes(client))


@pytest.mark.parametrize("unit_attr, status, message", [
    ("lab", 400, "Choose vacant units of the requested type in the requested carrier."),
    ("foreign", 400, "Choose vacant units of the requested type in the requested carrier."),
    ("reserved", 409, "is no longer vacant"),
])
def test_allocate_refuses_the_wrong_unit(unit_attr, status, message, admitted, client, login):
    w = admitted
    login(w.operator)
    resp = post(client, url(w.app, "allocate"), terms(unit_ids=[w.units[0].id, getattr(w, unit_attr).id]))
    assert resp.status_code == status and message in resp.text
    w.session.refresh(w.app)
    w.session.refresh(w.units[0])
    assert w.app.lease_id is None and w.units[0].status == UnitStatus.VACANT


@pytest.mark.parametrize("bad, message", [
    ({"unit_ids": []}, "Please choose at least one vacant unit."),
    ({"unit_ids": ["2147483000"]}, "A chosen unit does not exist."),
    ({"rent_per_m2": "-5"}, "must not be negative"),
    ({"rent_per_m2": "abc"}, "Please enter a number"),
    ({"deposit": "1.234"}, "At most 2 decimal places"),
    ({"property_fee_per_m2": "99999999999"}, "too large"),
    ({"start_on": "2027-02-30"}, "Not a valid date value."),
    ({"start_on": "1999-12-31"}, "between 2000 and 2100"),
    ({"start_on": "9999-12-31"}, "between 2000 and 2100"),
    ({"term_years": "0"}, "Number must be between 1 and 20."),
    ({"term_years": "3.5"}, "Not a valid integer value."),
    ({"billing_cycle": "weekly"}, "Not a valid choice."),
])
def test_allocate_bad_input(bad, message, admitted, client, login):
    w = admitted
    login(w.operator)
    resp = post(client, url(w.app, "allocate"), terms(**{"unit_ids": [w.units[0].id], **bad}))
    assert resp.status_code == 400 and message in resp.text, resp.text
    w.session.refresh(w.app)
    assert w.app.lease_id is None


def test_allocate_before_admission_is_refused(world, client, login):
    w = world
    w.advance(S.DECISION)
    login(w.operator)
    assert client.get(url(w.app, "allocate")).status_code == 302
    resp = post(client, url(w.app, "allocate"), terms(unit_ids=[w.units[0].id]))
    assert resp.status_code == 400 and "only to an admitted application" in resp.text


# --- lapse: command and job ---------------------------------------------------------------------------

def _returned_pair(w):
    late = w.advance(S.RETURNED)
    fresh, _ = applicant(w, "按时补正公司")
    to(w, fresh, S.RETURNED)
    late.supplement_due_on = today() - dt.timedelta(days=1)
    fresh.supplement_due_on = today()
    w.session.commit()
    return late, fresh


def test_lapse_command(world, app):
    w = world
    late, fresh = _returned_pair(w)
    result = app.test_cli_runner().invoke(args=["lapse-applications"])
    assert result.exit_code == 0, result.output
    assert f"1 application(s) lapsed: {late.number}" in result.output
    w.session.expire_all()
    assert (late.state, fresh.state) == (S.LAPSED, S.RETURNED)
    entry = audit_entries(w.session, "application.lapse", late.id)[0]
    assert entry.actor_id is None  # the system, not a person


def test_lapse_job_runs_in_place_under_tests(world):
    w = world
    late, fresh = _returned_pair(w)
    assert jobs.huey.immediate
    jobs.lapse_applications_daily()  # a periodic task keeps no result
    w.session.expire_all()
    assert (late.state, fresh.state) == (S.LAPSED, S.RETURNED)


# --- the inbox ----------------------------------------------------------------------------------------

def titles(session, user) -> dict[str, object]:
    """The user's admission tasks by title, in English."""
    with force_locale("en"):
        return {t.title: t for t in tasks_for(session, user) if t.module == "admission"}


def test_inbox_for_the_operator(world, client, login):
    w = world
    w.advance(S.SUBMITTED)
    accepted, _ = applicant(w, "待分配专家公司")
    to(w, accepted, S.ACCEPTED)
    tasks = titles(w.session, w.operator)
    assert tasks["Applications: To check for completeness"].count == 1
    assert tasks["Applications: Accepted: assign reviewers and start the review"].count == 1
    login(w.operator)
    home = client.get("/").text
    assert "To check for completeness" in home and "/admission/?queue=check" in home
    listed = client.get("/admission/", query_string={"queue": "check"}).text
    assert w.app.number in listed and accepted.number not in listed

    to(w, applicant(w, "联合评审中公司")[0], S.JOINT_REVIEW)
    assert "Applications: Expert review complete: close it" not in titles(w.session, w.operator)
    admitted = to(w, applicant(w, "已入驻公司")[0], S.ADMITTED)
    assert titles(w.session, w.operator)["Applications: Admitted: allocate units"].count == 1
    services.allocate_units(w.session, w.operator, admitted, [w.units[0]], start_on=today())
    tasks = titles(w.session, w.operator)
    assert "Applications: Admitted: allocate units" not in tasks
    assert tasks["Applications: Lease drafted: mark it signed"].count == 1


def test_inbox_close_review_once_every_sheet_is_in(world):
    w = world
    w.advance(S.EXPERT_REVIEW)
    assert "Applications: Expert review complete: close it" not in titles(w.session, w.operator)
    for a in w.app.assignments:
        services.declare_interest(w.session, a.reviewer, a, conflict=False)
        services.save_scores(w.session, a.reviewer, a, SCORES, {}, None, submit=True)
    assert titles(w.session, w.operator)["Applications: Expert review complete: close it"].count == 1


def test_inbox_for_lead_and_deputy(world):
    w = world
    w.advance(S.JOINT_REVIEW)
    assert titles(w.session, w.lead)["Applications: Waiting for the joint review"].count == 1
    assert not titles(w.session, w.deputy)
    both = make_user(w.session, Role.LEAD, Role.DEPUTY)
    services.recommend(w.session, both, w.app, recommendation="admit", minutes="同意")
    assert titles(w.session, w.deputy)["Applications: Waiting for the decision"].count == 1
    assert "Applications: Waiting for the decision" not in titles(w.session, both)  # four eyes
    assert not titles(w.session, w.operator)


def test_inbox_for_reviewers(world):
    w = world
    w.advance(S.EXPERT_REVIEW)
    reviewer = w.reviewers[0]
    tasks = titles(w.session, reviewer)
    assert tasks["Declare any conflict of interest on assigned applications"].count == 1
    assert tasks["Declare any conflict of interest on assigned applications"].url.endswith("/admission/reviews")
    services.declare_interest(w.session, reviewer, w.app.assignments[0], conflict=False)
    assert titles(w.session, reviewer)["Applications to score"].count == 1
    services.save_scores(w.session, reviewer, w.app.assignments[0], SCORES, {}, None, submit=True)
    assert not titles(w.session, reviewer)


def test_inbox_for_the_company(world):
    w = world
    title = f"Finish and submit application {w.app.number}"
    assert titles(w.session, w.member)[title].url.endswith(url(w.app))
    w.advance(S.RETURNED)
    task = titles(w.session, w.member)[f"Supplement application {w.app.number} and resubmit it"]
    assert task.level == "warning" and task.due == w.app.supplement_due_on
    w.app.supplement_due_on = add_working_days(today(), 2)
    w.session.flush()
    assert titles(w.session, w.member)[f"Supplement application {w.app.number} and resubmit it"].level == "danger"
    assert not titles(w.session, make_user(w.session, Role.COMPANY))


# --- what each reader sees ------------------------------------------------------------------------------

def test_documents_offered_by_stage_and_reader(world, client, login):
    w = world
    w.advance(S.ADMITTED)
    login(w.operator)
    page = client.get(url(w.app)).text
    for label in ("Application form (PDF)", "Review summary (PDF)", "Admission notice (PDF)",
                  "Admission certificate (PDF)"):
        assert label in page
    login(w.member)
    page = client.get(url(w.app)).text
    assert "Admission notice (PDF)" in page and "Review summary (PDF)" not in page
    # the panel, the reviewers and the internal history stay with the staff
    assert "Panel summary" not in page and "专家1" not in page and w.lead.display_name not in page


def test_user_text_is_shown_as_text(world, client, login):
    w = world
    w.advance(S.JOINT_REVIEW)
    services.recommend(w.session, w.lead, w.app, recommendation="reject", minutes="<script>alert(1)</script>{{ 7*7 }}")
    login(w.operator)
    page = client.get(url(w.app)).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;{{ 7*7 }}" in page and "<script>alert" not in page


def test_detail_query_count_does_not_grow_with_documents(world, client, login, count_queries):
    w = world
    w.advance(S.JOINT_REVIEW)
    login(w.operator)

    def queries():
        w.session.commit()
        w.session.expire_all()
        with count_queries() as n:
            assert client.get(url(w.app)).status_code == 200
        return n()

    few = queries()
    upload_materials(w.session, w.member, w.app)  # a second document for every item
    upload_materials(w.session, w.operator, w.app, keys=["qualification_certificate", "business_plan"])
    assert queries() == few
    assert few <= 20
