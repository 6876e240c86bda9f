"""Every endpoint × every role × owner/non-owner: who gets through and who is refused.

The table below must name every endpoint of `app.url_map`; a new endpoint without a row
fails `test_every_endpoint_has_a_row`. "owner" is a member of company A, which owns the
objects in the URLs; "other" is a member of company B.
"""
from __future__ import annotations

import datetime as dt
import io
import secrets
from dataclasses import dataclass
from decimal import Decimal

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from incubator.accounts.services import invite_colleague
from incubator.admission.models import (
    AdmissionPolicy,
    Application,
    ApplicationState,
    AssignmentState,
    ReviewAssignment,
)
from incubator.certificates.models import IssuedDocument
from incubator.companies.models import Agent, IndustryTrack, Qualification, QualificationKind
from incubator.core.roles import Role
from incubator.documents.services import upload_document
from incubator.documents.storage import file_store
from incubator.leases.services import create_lease
from incubator.spaces.models import UnitType

from . import access_assessment, access_exits, access_subsidies
from .access_more import EXTRA
from .factories import make_company, make_unit, make_user

STAFF = ["operator", "reviewer", "lead", "deputy", "commander", "supervisor", "admin"]
PRINCIPALS = ["anonymous", "owner", "other", *STAFF]
LOGGED_IN = set(PRINCIPALS) - {"anonymous"}
READERS = {"operator", "lead", "deputy", "commander", "supervisor", "admin"}
EDITORS = {"operator", "admin"}
EVERYONE = set(PRINCIPALS)
MEMBERS = {"owner", "other"}


@dataclass(frozen=True)
class Row:
    path: str
    allowed: set
    method: str = "GET"


# endpoint (or endpoint:METHOD when GET and POST differ) → row
MATRIX: dict[str, Row] = {
    "main.home": Row("/", LOGGED_IN),
    "main.healthz": Row("/healthz", EVERYONE),
    "main.set_language": Row("/lang/en", EVERYONE, "POST"),
    "accounts.login": Row("/login", EVERYONE),
    "accounts.login:POST": Row("/login", EVERYONE, "POST"),
    "accounts.logout": Row("/logout", LOGGED_IN, "POST"),
    "accounts.register": Row("/register", EVERYONE),
    "accounts.register:POST": Row("/register", EVERYONE, "POST"),
    "accounts.change_password": Row("/account/password", LOGGED_IN),
    "accounts.change_password:POST": Row("/account/password", LOGGED_IN, "POST"),
    "accounts.accept_invitation": Row("/invitations/{token}", EVERYONE),
    "accounts.accept_invitation:POST": Row("/invitations/{token}", EVERYONE, "POST"),
    "accounts.colleagues": Row("/colleagues", MEMBERS),
    "accounts.colleagues:POST": Row("/colleagues", MEMBERS, "POST"),
    "accounts.revoke_invitation": Row("/invitations/{invitation}/revoke", {"owner", "admin"}, "POST"),
    "accounts.users": Row("/admin/users", {"admin"}),
    "accounts.new_user": Row("/admin/users/new", {"admin"}),
    "accounts.new_user:POST": Row("/admin/users/new", {"admin"}, "POST"),
    "accounts.edit_user": Row("/admin/users/{target}", {"admin"}),
    "accounts.edit_user:POST": Row("/admin/users/{target}", {"admin"}, "POST"),
    "accounts.set_user_active": Row("/admin/users/{target}/active", {"admin"}, "POST"),
    "accounts.reset_user_password": Row("/admin/users/{target}/reset-password", {"admin"}, "POST"),
    "audit.index": Row("/audit/", READERS),
    "audit.export": Row("/audit/export.xlsx", READERS),
    "companies.index": Row("/companies/", READERS),
    "companies.export": Row("/companies/export.xlsx", READERS),
    "companies.mine": Row("/companies/mine", MEMBERS),
    "companies.detail": Row("/companies/{company}", READERS | {"owner"}),
    "companies.edit": Row("/companies/{company}/edit", EDITORS | {"owner"}),
    "companies.edit:POST": Row("/companies/{company}/edit", EDITORS | {"owner"}, "POST"),
    "companies.new": Row("/companies/new", EDITORS),
    "companies.new:POST": Row("/companies/new", EDITORS, "POST"),
    "companies.add_qualification": Row("/companies/{company}/qualifications", EDITORS | {"owner"}, "POST"),
    "companies.remove_qualification": Row("/companies/{company}/qualifications/{qualification}/remove",
                                          EDITORS | {"owner"}, "POST"),
    "companies.agents": Row("/companies/agents", READERS),
    "companies.new_agent": Row("/companies/agents/new", EDITORS, "POST"),
    "companies.edit_agent": Row("/companies/agents/{agent}/edit", EDITORS),
    "companies.edit_agent:POST": Row("/companies/agents/{agent}/edit", EDITORS, "POST"),
    "spaces.index": Row("/spaces/", READERS),
    "spaces.units": Row("/spaces/units", READERS),
    "spaces.units_export": Row("/spaces/units/export.xlsx", READERS),
    "spaces.unit_detail": Row("/spaces/units/{unit}", READERS),
    "spaces.new_unit": Row("/spaces/units/new", EDITORS),
    "spaces.new_unit:POST": Row("/spaces/units/new", EDITORS, "POST"),
    "spaces.edit_unit": Row("/spaces/units/{unit}/edit", EDITORS),
    "spaces.edit_unit:POST": Row("/spaces/units/{unit}/edit", EDITORS, "POST"),
    "spaces.retire_unit": Row("/spaces/units/{unit}/retire", EDITORS, "POST"),
    "spaces.restore_unit": Row("/spaces/units/{unit}/restore", EDITORS, "POST"),
    "spaces.new_building": Row("/spaces/buildings/new", EDITORS),
    "spaces.new_building:POST": Row("/spaces/buildings/new", EDITORS, "POST"),
    "spaces.edit_carrier": Row("/spaces/carriers/{carrier}/edit", EDITORS),
    "spaces.edit_carrier:POST": Row("/spaces/carriers/{carrier}/edit", EDITORS, "POST"),
    "leases.index": Row("/leases/", READERS),
    "leases.export": Row("/leases/export.xlsx", READERS),
    "leases.detail": Row("/leases/{lease}", READERS | {"owner"}),
    "leases.new": Row("/leases/new", EDITORS),
    "leases.new:POST": Row("/leases/new", EDITORS, "POST"),
    "leases.sign": Row("/leases/{lease}/sign", EDITORS, "POST"),
    "leases.end": Row("/leases/{lease}/end", EDITORS, "POST"),
    "leases.terminate": Row("/leases/{lease}/terminate", EDITORS, "POST"),
    "leases.cancel": Row("/leases/{lease}/cancel", EDITORS, "POST"),
    "documents.company_documents": Row("/documents/company/{company}", READERS | {"owner"}),
    "documents.upload": Row("/documents/company/{company}/upload", EDITORS | {"owner"}, "POST"),
    "documents.detail": Row("/documents/{document}", READERS | {"owner"}),
    "documents.add_version": Row("/documents/{document}/versions", EDITORS | {"owner"}, "POST"),
    "documents.download": Row("/documents/versions/{version}", READERS | {"owner"}),
    "certificates.index": Row("/certificates/", READERS),
    "certificates.detail": Row("/certificates/{issued}", READERS),
    "certificates.download": Row("/certificates/{issued}/pdf", READERS | {"owner"}),
    "certificates.revoke": Row("/certificates/{issued}/revoke", {"admin"}, "POST"),
    "certificates.company_dossier": Row("/certificates/dossier/{company}", READERS | {"owner"}),
    "certificates.verify": Row("/verify/{code}", EVERYONE),
    "static": Row("/static/css/app.css", EVERYONE),
    # admission: company A's application is in expert review; "reviewer" is assigned and scoring
    "admission.index": Row("/admission/", READERS),
    "admission.application": Row("/admission/{application}", READERS | {"owner", "reviewer"}),
    "admission.material": Row("/admission/{application}/files/{material}", READERS | {"owner", "reviewer"}),
    "admission.my_applications": Row("/admission/mine", MEMBERS),
    "admission.new_application": Row("/admission/new", MEMBERS),
    "admission.new_application:POST": Row("/admission/new", MEMBERS, "POST"),
    "admission.edit_application": Row("/admission/{application}/edit", {"owner"}),
    "admission.edit_application:POST": Row("/admission/{application}/edit", {"owner"}, "POST"),
    "admission.upload_material": Row("/admission/{application}/materials", {"owner"}, "POST"),
    "admission.submit_application": Row("/admission/{application}/submit", {"owner"}, "POST"),
    "admission.withdraw_application": Row("/admission/{application}/withdraw", {"owner"}, "POST"),
    "admission.accept": Row("/admission/{application}/accept", EDITORS, "POST"),
    "admission.return_application": Row("/admission/{application}/return", EDITORS, "POST"),
    "admission.assign_reviewers": Row("/admission/{application}/reviewers", EDITORS, "POST"),
    "admission.start_review": Row("/admission/{application}/start-review", EDITORS, "POST"),
    "admission.close_review": Row("/admission/{application}/close-review", EDITORS, "POST"),
    "admission.recommend": Row("/admission/{application}/recommend", {"lead"}, "POST"),
    "admission.decide": Row("/admission/{application}/decide", {"deputy"}, "POST"),
    "admission.allocate": Row("/admission/{application}/allocate", EDITORS),
    "admission.allocate:POST": Row("/admission/{application}/allocate", EDITORS, "POST"),
    "admission.sign_lease": Row("/admission/{application}/sign-lease", EDITORS, "POST"),
    "admission.my_reviews": Row("/admission/reviews", {"reviewer"}),
    "admission.review": Row("/admission/reviews/{assignment}", {"reviewer"}),
    "admission.review:POST": Row("/admission/reviews/{assignment}", {"reviewer"}, "POST"),
    "admission.notice_pdf": Row("/admission/{application}/notice.pdf", READERS | {"owner"}),
    "admission.certificate_pdf": Row("/admission/{application}/certificate.pdf", READERS | {"owner"}),
    "admission.form_pdf": Row("/admission/{application}/form.pdf", READERS | {"owner"}),
    "admission.review_summary_pdf": Row("/admission/{application}/review-summary.pdf", READERS),
    "admission.export_xlsx": Row("/admission/export.xlsx", READERS),
    "admission.policies": Row("/admission/policies", READERS),
    "admission.policy": Row("/admission/policies/{policy}", READERS),
    "admission.new_policy": Row("/admission/policies/new", EDITORS),
    "admission.new_policy:POST": Row("/admission/policies/new", EDITORS, "POST"),
    "admission.rounds": Row("/admission/rounds", READERS),
    "admission.create_round": Row("/admission/rounds", EDITORS, "POST"),
    **access_subsidies.rows(Row),
    **access_assessment.rows(Row),
    **access_exits.rows(Row),
    **{key: row for module in EXTRA for key, row in module.rows(Row).items()},
}

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def world(session):
    """Company A (owner's) with a lease, a document, an issued PDF, a qualification, an invitation."""
    company = make_company(session, name="甲公司")
    other_company = make_company(session, name="乙公司")
    people = {"owner": make_user(session, Role.COMPANY, company=company),
              "other": make_user(session, Role.COMPANY, company=other_company)}
    for name in STAFF:
        people[name] = make_user(session, Role(name))
    unit = make_unit(session)
    spare = make_unit(session, unit.building.carrier, building=unit.building)
    lease = create_lease(session, people["operator"], company, [spare], start_on=dt.date(2026, 1, 1))
    doc = upload_document(session, people["operator"], company, category="business_plan", title="计划书",
                          file_storage=FileStorage(io.BytesIO(PDF), filename="计划书.pdf",
                                                   content_type="application/pdf"))
    issued = IssuedDocument(number=f"T-{secrets.token_hex(4)}", kind="dossier", title="企业档案",
                            company_id=company.id, subject_type="company", subject_id=company.id,
                            verify_code=secrets.token_urlsafe(12), data_fingerprint="0" * 64, sha256="0" * 64,
                            storage_key=file_store().save(session, PDF), size=len(PDF))
    qualification = Qualification(company_id=company.id, kind=QualificationKind.TECH_SME,
                                  obtained_on=dt.date(2025, 1, 1))
    agent = Agent(name="招商中介甲")
    session.add_all([issued, qualification, agent])
    session.flush()
    invitation, token = invite_colleague(session, people["owner"], name="同事", email=None)
    policy = session.scalar(sa.select(AdmissionPolicy).order_by(AdmissionPolicy.id).limit(1))
    application = Application(number="SQ-T-0001", company_id=company.id, policy_id=policy.id,
                              carrier_id=unit.building.carrier_id, track=IndustryTrack.DIGITAL,
                              unit_type=UnitType.OFFICE, area_requested=Decimal("120.00"), project_name="智算平台",
                              state=ApplicationState.EXPERT_REVIEW)
    session.add(application)
    session.flush()
    assignment = ReviewAssignment(application_id=application.id, reviewer_id=people["reviewer"].id,
                                  state=AssignmentState.SCORING)
    session.add(assignment)
    material = upload_document(session, people["operator"], company, category="business_plan", title="计划书",
                               subject_type="application", subject_id=application.id,
                               file_storage=FileStorage(io.BytesIO(PDF), filename="计划书.pdf",
                                                        content_type="application/pdf"))
    ids = {"company": company.id, "lease": lease.id, "unit": unit.id, "carrier": unit.building.carrier_id,
           "document": doc.id, "version": doc.versions[0].id, "issued": issued.id, "code": issued.verify_code,
           "qualification": qualification.id, "agent": agent.id, "invitation": invitation.id, "token": token,
           "target": make_user(session, Role.REVIEWER).id, "application": application.id,
           "assignment": assignment.id, "material": material.versions[0].id, "policy": policy.id,
           **access_subsidies.build(session, company, lease), **access_assessment.build(session, people, company),
           **access_exits.build(session, company)}
    for module in EXTRA:  # build(session, people, company, lease) -> {name: id} for the URL templates
        ids.update(module.build(session, people, company, lease))
    session.commit()
    return people, ids


def test_every_endpoint_has_a_row(app):
    endpoints = set()
    for rule in app.url_map.iter_rules():
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            endpoints.add(rule.endpoint if method == "GET" or (rule.methods & {"GET"}) == set()
                          else f"{rule.endpoint}:{method}")
    assert endpoints == set(MATRIX), {"missing rows": sorted(endpoints - set(MATRIX)),
                                      "rows without endpoint": sorted(set(MATRIX) - endpoints)}


def _refused(resp) -> bool:
    if resp.status_code in (401, 403, 404):
        return True
    # login_required sends the visitor to /login?next=…; a plain /login redirect is a signed-out user
    return resp.status_code in (301, 302, 303) and "/login?next=" in resp.headers.get("Location", "")


@pytest.mark.parametrize("key", sorted(MATRIX))
def test_access(key, client, world, session):
    people, ids = world
    row = MATRIX[key]
    path = row.path.format(**ids)
    connection = session.get_bind()
    for who in PRINCIPALS:
        # each principal starts from the same data: a savepoint around its request, rolled back after
        session.rollback()
        savepoint = connection.begin_nested()
        with client.session_transaction() as s:
            s.clear()
            if who != "anonymous":
                s["_user_id"] = people[who].get_id()
        resp = client.open(path, method=row.method, data={} if row.method == "POST" else None)
        assert resp.status_code < 500, (who, resp.status_code)
        if who in row.allowed:
            assert not _refused(resp), f"{who} was refused {row.method} {path}: {resp.status_code}"
        else:
            assert _refused(resp), f"{who} got through {row.method} {path}: {resp.status_code}"
        session.rollback()
        savepoint.rollback()
        session.expire_all()
