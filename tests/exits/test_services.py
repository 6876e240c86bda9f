"""Raising a case, the company's request and response, withdrawal, the settlement and the decision,
with what people may type wrong."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from werkzeug.datastructures import FileStorage

from incubator.companies.models import CompanyStatus
from incubator.core.errors import DomainError, PermissionDenied, TransitionNotAllowed
from incubator.core.formatting import today
from incubator.core.workflow import history
from incubator.demo import tiny_pdf
from incubator.exits import services
from incubator.exits.models import ExitKind, ExitOrigin
from incubator.exits.models import ExitState as S

from ..factories import make_company
from .flow import ALL_DONE, breach, drive, prepare


def pdf(name="inspection") -> FileStorage:
    return FileStorage(io.BytesIO(tiny_pdf(name)), f"{name}.pdf")


def test_the_operator_raises_a_breach_with_evidence(world, session):
    w = world
    case = breach(session, w)
    assert (case.kind, case.breach_type.value, case.origin, case.state) == (ExitKind.BREACH, "sublet",
                                                                           ExitOrigin.OPERATOR, S.PROPOSED)
    assert case.number.startswith(f"TC-{today().year}-") and case.policy.version == 1
    assert case.response_due_on > today() and not case.departure_approved  # a breach forfeits by default
    doc = services.upload_evidence(session, w.operator, case, pdf(), "现场检查记录")
    assert services.evidence(session, case) == [doc] and doc.company_id == w.company.id
    [event] = history(session, "exit_case", case.id, company_view=True)
    assert (event.action, event.actor_id, event.comment) == ("propose", w.operator.id, case.reason)


@pytest.mark.parametrize("kw, field", [
    (dict(kind="breach", breach_type=""), "breach_type"),
    (dict(kind="consecutive_failures"), "kind"),  # only from the assessment
    (dict(kind="nonsense"), "kind"),
    (dict(reason="   "), "reason"),
    (dict(reason="长" * 5001), "reason"),
    (dict(planned_exit_on=dt.date(1999, 12, 31)), "planned_exit_on"),
    (dict(planned_exit_on=dt.date(2101, 1, 1)), "planned_exit_on"),
    (dict(planned_exit_on=today() + dt.timedelta(days=731)), "planned_exit_on"),
    (dict(planned_exit_on=dt.date(2020, 1, 1)), "planned_exit_on"),  # before it moved in
    (dict(planned_exit_on="2026-12-31"), "planned_exit_on"),
    (dict(kind="graduation"), "kind"),  # no condition met
    (dict(kind="graduation", events=["ipo"]), "events"),
])
def test_raising_refuses_bad_input(world, session, kw, field):
    w = world
    data = dict(kind="breach", breach_type="sublet", reason="转租", planned_exit_on=today())
    data.update(kw)
    with pytest.raises(DomainError) as exc:
        services.raise_case(session, w.operator, w.company, **data)
    assert exc.value.field == field


def test_one_open_case_per_company_and_tenants_only(world, session):
    w = world
    first = breach(session, w)
    with pytest.raises(DomainError, match=first.number):
        breach(session, w)
    with pytest.raises(DomainError, match="not in residence"):
        breach(session, w, company=make_company(session, status=CompanyStatus.APPLICANT))
    with pytest.raises(PermissionDenied):
        services.raise_case(session, w.lead, w.other, kind="breach", breach_type="sublet", reason="x",
                            planned_exit_on=today())
    services.withdraw(session, w.operator, first, "误报")
    assert breach(session, w).state == S.PROPOSED  # a closed case does not block a new one


def test_a_graduation_on_a_declared_event(world, session):
    w = world
    case = services.raise_case(session, w.operator, w.company, kind="graduation", reason="已被上市公司收购",
                               planned_exit_on=today(), events=["acquired"])
    met = {c["key"]: c["met"] for c in case.basis["conditions"]}
    assert met["acquired"] and not met["listed"] and not met["incubation_over"]
    assert case.departure_approved


def test_the_company_requests_its_exit(world, session):
    w = world
    case = services.request_exit(session, w.member, reason="业务迁往总部", planned_exit_on=today() + dt.timedelta(days=20))
    assert (case.kind, case.origin, case.response_due_on, case.proposed_by_id) == (
        ExitKind.VOLUNTARY, ExitOrigin.COMPANY, None, w.member.id)
    assert not services.response_pending(case)
    with pytest.raises(PermissionDenied):
        services.request_exit(session, w.operator, reason="x", planned_exit_on=today())
    services.withdraw(session, w.member, case, "改变主意")
    assert case.state == S.WITHDRAWN


def test_a_company_may_withdraw_only_its_own_request(world, session):
    w = world
    case = breach(session, w)
    with pytest.raises(PermissionDenied):
        services.withdraw(session, w.member, case, "我们不同意")
    with pytest.raises(PermissionDenied):
        services.withdraw(session, w.other_member, case, "x")
    with pytest.raises(DomainError, match="reason"):
        services.withdraw(session, w.operator, case, " ")


def test_the_company_responds_and_may_respond_again(world, session):
    w = world
    case = breach(session, w)
    assert services.response_pending(case)
    with pytest.raises(DomainError):
        services.respond(session, w.member, case, response="  ", agrees=False)
    services.respond(session, w.member, case, response="该房间为合作方联合办公，并非转租。", agrees=False)
    assert (case.company_agrees, case.state) == (False, S.PROPOSED) and not services.response_pending(case)
    prepare(session, w, case)
    services.respond(session, w.member, case, response="结算金额无异议。", agrees=True)
    assert (case.company_response, case.company_agrees, case.state) == ("结算金额无异议。", True, S.PREPARED)
    responses = [e.comment for e in history(session, "exit_case", case.id, company_view=True) if e.action == "respond"]
    assert len(responses) == 2


def test_the_company_adds_evidence_until_the_decision(world, session):
    w = world
    case = breach(session, w)
    services.upload_evidence(session, w.member, case, pdf("agreement"), "合作协议")
    with pytest.raises(DomainError):
        services.upload_evidence(session, w.other_member, case, pdf())
    drive(session, w, case, S.APPROVED)
    with pytest.raises(DomainError, match="no longer"):
        services.upload_evidence(session, w.member, case, pdf())
    services.upload_evidence(session, w.operator, case, pdf("handover"), "交接单")


def test_the_commander_waits_for_the_companys_response(world, session):
    w = world
    case = breach(session, w)
    prepare(session, w, case)
    services.review(session, w.lead, case)
    with pytest.raises(DomainError, match="may respond until"):
        services.decide(session, w.commander, case, approve=True, reason="同意")
    with pytest.raises(DomainError, match="reason"):
        services.decide(session, w.commander, case, approve=False, reason="")
    case.response_due_on = today() - dt.timedelta(days=1)  # the time is up, no response came
    session.flush()
    services.decide(session, w.commander, case, approve=True, reason="企业未在期限内回应")
    assert (case.state, case.decision_reason) == (S.APPROVED, "企业未在期限内回应")


def test_rejection_keeps_the_company(world, session):
    w = world
    case = breach(session, w)
    drive(session, w, case, S.REJECTED)
    assert case.state == S.REJECTED and case.decision_reason == "暂缓清退"
    assert w.company.status == CompanyStatus.TENANT and w.certificate.revoked_at is None


def test_sent_back_settlements_are_prepared_again(world, session):
    w = world
    case = breach(session, w)
    drive(session, w, case, S.PREPARED)
    services.send_back(session, w.lead, case, "押金金额有误")
    assert case.state == S.PROPOSED
    prepare(session, w, case, approved=True)
    services.review(session, w.lead2, case)
    services.send_back(session, w.commander, case, "请复核损坏赔偿")
    assert case.state == S.PROPOSED
    with pytest.raises(DomainError):
        services.send_back(session, w.commander, case, "")


def test_the_settlement_needs_the_hand_over_done(world, session):
    w = world
    case = breach(session, w)
    undone = {**ALL_DONE, "keys": {"done": False, "note": "钥匙未交"}}
    with pytest.raises(DomainError, match="hand-over"):
        prepare(session, w, case, checklist=undone)
    with pytest.raises(DomainError, match="damage"):
        prepare(session, w, case, damage="100")
    with pytest.raises(DomainError):
        prepare(session, w, case, checklist={**ALL_DONE, "keys": {"done": True, "note": "x" * 501}})
    prepare(session, w, case, damage="100", damage_note="门锁更换")
    assert case.checklist["keys"] == {"done": True, "note": None} and case.damage == Decimal("100.00")


@pytest.mark.parametrize("damage, expected", [
    ("-1", None), ("0.001", None), ("NaN", None), ("1e3", None), ("100000000000000", None), ("abc", None),
    ("１５００．５０", "1500.50"), ("1,500.50", "1500.50"), ("0", "0.00"), ("", "0.00"),
])
def test_damage_amounts(world, session, damage, expected):
    w = world
    case = breach(session, w)
    if expected is None:
        with pytest.raises(DomainError) as exc:
            prepare(session, w, case, damage=damage, damage_note="损坏")
        assert exc.value.field == "damage"
        return
    prepare(session, w, case, damage=damage, damage_note="损坏")
    assert case.damage == Decimal(expected)


@pytest.mark.parametrize("exit_on", [dt.date(1999, 1, 1), dt.date(2020, 1, 1), today() + dt.timedelta(days=800)])
def test_settlement_dates_out_of_range(world, session, exit_on):
    w = world
    case = breach(session, w)
    with pytest.raises(DomainError) as exc:
        prepare(session, w, case, exit_on=exit_on)
    assert exc.value.field == "planned_exit_on" and case.state == S.PROPOSED


def test_steps_out_of_turn(world, session):
    w = world
    case = breach(session, w)
    with pytest.raises(TransitionNotAllowed):
        services.archive(session, w.operator, case)
    drive(session, w, case, S.WITHDRAWN)
    with pytest.raises(TransitionNotAllowed):
        services.respond(session, w.member, case, response="太迟了", agrees=False)
