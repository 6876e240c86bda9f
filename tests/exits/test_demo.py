"""The demo's exits (incubator/demo_exits.py): a case in every state, the eviction after two
failing assessments, a graduation with its certificate, the commander approving the case left
at their step, and the unit the eviction freed let to a new company."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from incubator.accounts.models import User
from incubator.assessment.models import ExitProposal, ExitProposalState, Result
from incubator.audit.services import verify_chain
from incubator.certificates.models import IssuedDocument
from incubator.companies.models import CompanyStatus
from incubator.core.formatting import today
from incubator.demo import seed_demo
from incubator.exits.models import ExitCase, ExitKind, ExitState
from incubator.leases.models import Lease, LeaseState
from incubator.subsidies.models import SubsidyClaim

S = ExitState


@pytest.fixture
def demo(session):
    seed_demo(session, today=today())
    session.commit()
    return session


def _users(session) -> dict[str, User]:
    return {u.username: u for u in session.scalars(sa.select(User))}


def _cases(session) -> dict[ExitState, list[ExitCase]]:
    found: dict[ExitState, list[ExitCase]] = {}
    for case in session.scalars(sa.select(ExitCase).order_by(ExitCase.id)):
        found.setdefault(case.state, []).append(case)
    return found


def test_the_demo_holds_exits_in_every_state(demo):
    session, day = demo, today()
    found = _cases(session)
    assert set(found) == set(S)

    # the eviction: the assessment's proposal after two failing grades, taken, executed, archived
    eviction = next(c for c in found[S.ARCHIVED] if c.kind == ExitKind.CONSECUTIVE_FAILURES)
    proposal = session.get(ExitProposal, eviction.assessment_proposal_id)
    assert proposal.state == ExitProposalState.TAKEN
    fails = session.scalars(sa.select(Result).where(Result.company_id == eviction.company_id, Result.current)).all()
    assert [r.grade.value for r in fails] == ["fail", "fail"]
    assert eviction.company.status == CompanyStatus.EXITED and eviction.executed_on < day
    assert eviction.company.left_on == eviction.executed_on

    # the graduation: executed, the company graduated, its certificate issued
    graduation = next(c for c in found[S.EXECUTED] if c.kind == ExitKind.GRADUATION)
    assert graduation.company.status == CompanyStatus.GRADUATED and graduation.settlement
    assert session.scalar(sa.select(IssuedDocument).where(IssuedDocument.subject_type == "exit_case",
                                                          IssuedDocument.subject_id == graduation.id))
    leases = session.scalars(sa.select(Lease).where(Lease.company_id == graduation.company_id)).all()
    assert all(lease.state != LeaseState.SIGNED for lease in leases)

    # nobody who left had a subsidy claim: the subsidy demo's story is untouched
    left = {c.company_id for state in (S.EXECUTED, S.ARCHIVED) for c in found[state]}
    assert not left & set(session.scalars(sa.select(SubsidyClaim.company_id)))

    # a unit the eviction freed is let to a newly registered company
    freed = {lu.unit_id for lease in session.scalars(sa.select(Lease).where(Lease.company_id == eviction.company_id))
             for lu in lease.units}
    new = session.scalars(sa.select(Lease).where(Lease.state == LeaseState.DRAFT,
                                                 Lease.company_id != eviction.company_id)).all()
    taken = [lease for lease in new if {lu.unit_id for lu in lease.units} & freed]
    assert taken and taken[0].company.status == CompanyStatus.APPLICANT and taken[0].start_on > day
    assert verify_chain(session)[0]


def test_the_commander_approves_the_case_at_their_step(demo, client, login):
    session = demo
    users = _users(session)
    case = _cases(session)[S.REVIEWED][0]
    login(users["commander"])
    page = client.get(f"/exits/{case.id}")
    assert page.status_code == 200 and case.number in page.text
    answer = client.post(f"/exits/{case.id}/decide", data={"decision": "approve", "comment": "同意企业退出申请。"})
    assert answer.status_code in (302, 303)
    session.refresh(case)
    assert case.state == S.APPROVED
    login(users["operator"])
    assert client.get("/exits/").status_code == 200
