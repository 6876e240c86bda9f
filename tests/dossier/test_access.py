"""Who may export a dossier: every staff reader for any company (the supervisor included: reading is
all an export does), a company's members for their own company only — another company's dossier
and jobs are a 404, as if they did not exist — reviewers never; bad ids are 404s."""
from __future__ import annotations

import io
import zipfile

import pytest
import sqlalchemy as sa

from incubator.audit.models import AuditEntry
from incubator.dossier.models import DossierJob

from .conftest import EXPECTED_STORED, GENERATED, STAFF


@pytest.mark.parametrize("role", STAFF)
def test_every_staff_reader_builds_and_downloads_any_companys_dossier(client, login, world, role):
    user = getattr(world, role)
    login(user)
    resp = client.post(f"/dossiers/company/{world.company.id}/build", follow_redirects=True)
    assert resp.status_code == 200 and resp.mimetype == "application/zip"
    assert set(zipfile.ZipFile(io.BytesIO(resp.data)).namelist()) == EXPECTED_STORED | GENERATED
    assert "attachment" in resp.headers["Content-Disposition"] and ".zip" in resp.headers["Content-Disposition"]
    assert world.session.scalar(sa.select(AuditEntry.actor_id).where(AuditEntry.action == "dossier.download")) == user.id


def test_a_member_exports_only_their_own_company(client, login, world):
    login(world.other_member)
    assert client.post(f"/dossiers/company/{world.other.id}/build").status_code == 303  # their own: fine
    for method, path in [("get", f"/dossiers/company/{world.company.id}"),
                         ("post", f"/dossiers/company/{world.company.id}/build")]:
        assert getattr(client, method)(path).status_code == 404
    assert not world.session.scalar(sa.select(DossierJob.id).where(DossierJob.company_id == world.company.id))


def test_someone_elses_job_is_a_404(client, login, world):
    login(world.member)
    client.post(f"/dossiers/company/{world.company.id}/build")
    job = world.session.scalar(sa.select(DossierJob).where(DossierJob.company_id == world.company.id))
    login(world.other_member)
    for method, suffix in [("get", ""), ("get", "/status.json"), ("get", "/download"), ("post", "/retry")]:
        assert getattr(client, method)(f"/dossiers/jobs/{job.id}{suffix}").status_code == 404, suffix
    assert world.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "dossier.download", AuditEntry.actor_id == world.other_member.id)) == 0


def test_reviewers_never(client, login, world):
    login(world.reviewer)
    assert client.get(f"/dossiers/company/{world.company.id}").status_code == 403
    assert client.post(f"/dossiers/company/{world.company.id}/build").status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client, world):
    resp = client.get(f"/dossiers/company/{world.company.id}")
    assert resp.status_code == 302 and "/login?next=" in resp.headers["Location"]


@pytest.mark.parametrize("path", ["/dossiers/company/999999", "/dossiers/company/99999999999",
                                  "/dossiers/jobs/999999", "/dossiers/jobs/99999999999/download",
                                  "/dossiers/jobs/0/status.json", "/dossiers/company/abc", "/dossiers/jobs/-1"])
def test_unknown_ids(client, login, world, path):
    login(world.supervisor)
    assert client.get(path).status_code == 404


def test_building_for_an_unknown_company(client, login, world):
    login(world.operator)
    assert client.post("/dossiers/company/999999/build").status_code == 404


def test_the_services_refuse_too(world):
    from incubator.core.errors import PermissionDenied
    from incubator.dossier import services
    with pytest.raises(PermissionDenied):
        services.request_dossier(world.session, world.other_member, world.company)
    with pytest.raises(PermissionDenied):
        services.request_dossier(world.session, world.reviewer, world.company)
