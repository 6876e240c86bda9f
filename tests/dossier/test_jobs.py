"""The dossier as a job: a large one is queued and built in the background (immediately under tests)
with its progress; a job that fails shows why and can be retried; one dossier in the making per
company (a second request joins it); a job whose worker vanished does not block the company; the
requester's inbox; the pages and the JSON status."""
from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
import sqlalchemy as sa

from incubator.core.errors import DomainError
from incubator.db import utcnow
from incubator.dossier import rules, services
from incubator.dossier.models import DossierJob, DossierState

from .conftest import EXPECTED_STORED, GENERATED


def jobs(world) -> list[DossierJob]:
    world.session.expire_all()
    return world.session.scalars(sa.select(DossierJob).where(DossierJob.company_id == world.company.id)
                                 .order_by(DossierJob.id)).all()


@pytest.fixture
def large(monkeypatch):
    """Every dossier counts as large: built by the background job."""
    monkeypatch.setattr(rules, "INLINE_MAX_FILES", 0)


def test_a_large_dossier_is_built_by_the_background_job_with_progress(client, login, world, large):
    login(world.supervisor)
    resp = client.post(f"/dossiers/company/{world.company.id}/build")
    assert resp.status_code == 303
    (job,) = jobs(world)
    assert resp.headers["Location"].endswith(f"/dossiers/jobs/{job.id}")
    assert job.inline is False and job.state == DossierState.DONE  # huey runs it in place under tests
    assert job.progress_done == job.progress_total == len(EXPECTED_STORED) + 2 and job.attempts == 1
    page = client.get(resp.headers["Location"])
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "being built in the background" in html and 'http-equiv="refresh"' not in html
    assert f"/dossiers/jobs/{job.id}/download" in html and job.sha256 in html
    status = client.get(f"/dossiers/jobs/{job.id}/status.json").get_json()
    assert status == {"state": "done", "label": "Ready", "done": job.progress_done, "total": job.progress_total,
                      "percent": 100, "error": None, "download_url": f"/dossiers/jobs/{job.id}/download"}
    got = client.get(status["download_url"])
    assert set(zipfile.ZipFile(io.BytesIO(got.data)).namelist()) == EXPECTED_STORED | GENERATED


def test_progress_is_committed_while_the_job_runs(world, monkeypatch, app):
    """Each progress report reaches the database in its own transaction, counting up to the total."""
    from incubator.dossier import tasks
    seen = []
    real = services.set_progress

    def spy(session, job_id, done, total=None):
        real(session, job_id, done, total)
        seen.append((done, total))

    monkeypatch.setattr(services, "set_progress", spy)
    monkeypatch.setattr(tasks, "PROGRESS_EVERY", 0)
    job, created = services.request_dossier(world.session, world.operator, world.company)
    world.session.commit()
    assert created and tasks.run_job(job.id) == "done"
    total = len(EXPECTED_STORED) + 2
    assert seen == [(0, total)] + [(n, total) for n in range(1, total + 1)]


def test_a_running_job_page_refreshes_itself_and_shows_its_progress(client, login, world):
    job = DossierJob(company_id=world.company.id, requested_by_id=world.member.id, state=DossierState.RUNNING,
                     progress_done=3, progress_total=12, attempts=1, started_at=utcnow(), heartbeat_at=utcnow())
    world.session.add(job)
    world.session.flush()
    login(world.member)
    html = client.get(f"/dossiers/jobs/{job.id}").get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="3">' in html
    assert "3 of 12" in html and "25%" in html and "/download" not in html and "send-again" not in html
    assert client.get(f"/dossiers/jobs/{job.id}/status.json").get_json()["download_url"] is None
    # not ready: the download sends back to the page
    resp = client.get(f"/dossiers/jobs/{job.id}/download")
    assert resp.status_code == 303 and resp.headers["Location"].endswith(f"/dossiers/jobs/{job.id}")


def test_a_second_request_joins_the_dossier_being_built(client, login, world):
    job = DossierJob(company_id=world.company.id, requested_by_id=world.member.id, state=DossierState.RUNNING,
                     progress_total=12, attempts=1, heartbeat_at=utcnow())
    world.session.add(job)
    world.session.flush()
    login(world.operator)
    resp = client.post(f"/dossiers/company/{world.company.id}/build")
    assert resp.status_code == 303 and resp.headers["Location"].endswith(f"/dossiers/jobs/{job.id}")
    assert [j.id for j in jobs(world)] == [job.id]
    assert "already being built" in client.get(resp.headers["Location"]).get_data(as_text=True)
    # the company's page links to it instead of offering a build
    html = client.get(f"/dossiers/company/{world.company.id}").get_data(as_text=True)
    assert f"/dossiers/jobs/{job.id}" in html and "/build" not in html


def test_a_request_sends_a_waiting_job_again(client, login, world, large):
    """A queued job whose message was lost (a queue restarted) is not left waiting: asking again sends
    it again, and claiming it is guarded, so it is built once."""
    job = DossierJob(company_id=world.company.id, requested_by_id=world.member.id, state=DossierState.QUEUED,
                     progress_total=12, heartbeat_at=utcnow())
    world.session.add(job)
    world.session.flush()
    login(world.operator)
    html = client.get(f"/dossiers/jobs/{job.id}").get_data(as_text=True)
    assert "Waiting for the background worker" in html and 'id="send-again"' in html
    assert f'action="/dossiers/company/{world.company.id}/build"' in html
    resp = client.post(f"/dossiers/company/{world.company.id}/build")
    assert resp.headers["Location"].endswith(f"/dossiers/jobs/{job.id}")
    (built,) = jobs(world)
    assert built.id == job.id and built.state == DossierState.DONE and built.attempts == 1


def test_the_database_refuses_a_second_open_job_for_a_company(world):
    s = world.session
    s.add(DossierJob(company_id=world.company.id, state=DossierState.RUNNING, progress_total=1))
    s.flush()
    with pytest.raises(sa.exc.IntegrityError), s.begin_nested():
        s.add(DossierJob(company_id=world.company.id, state=DossierState.QUEUED, progress_total=1))
        s.flush()
    # finished ones do not count
    s.add(DossierJob(company_id=world.company.id, state=DossierState.DONE, progress_total=1))
    s.flush()


def test_a_job_whose_worker_vanished_is_failed_and_a_new_one_built(client, login, world):
    stale = utcnow() - rules.STALE_AFTER - dt.timedelta(minutes=1)
    job = DossierJob(company_id=world.company.id, requested_by_id=world.member.id, state=DossierState.RUNNING,
                     progress_done=2, progress_total=12, attempts=1, created_at=stale, heartbeat_at=stale)
    world.session.add(job)
    world.session.flush()
    login(world.member)
    resp = client.post(f"/dossiers/company/{world.company.id}/build")
    assert "/download" in resp.headers["Location"]
    old, new = jobs(world)
    assert old.id == job.id and old.state == DossierState.FAILED and "interrupted" in old.error
    assert new.state == DossierState.DONE


def test_a_failed_job_shows_the_error_and_can_be_retried(client, login, world, monkeypatch):
    def broken(template, context):
        raise OSError("disk on fire")

    real = services.render_pdf
    monkeypatch.setattr(services, "render_pdf", broken)
    login(world.member)
    resp = client.post(f"/dossiers/company/{world.company.id}/build")
    (job,) = jobs(world)
    assert resp.headers["Location"].endswith(f"/dossiers/jobs/{job.id}")
    assert job.state == DossierState.FAILED and job.storage_key is None
    assert "could not be built (OSError)" in job.error and "disk on fire" not in job.error  # no internals shown
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "could not be built (OSError)" in html and f"/dossiers/jobs/{job.id}/retry" in html
    # no half-written ZIP is left beside the store
    from incubator.documents.storage import file_store
    assert not list(file_store().root.glob(".dossier-*"))
    monkeypatch.setattr(services, "render_pdf", real)
    resp = client.post(f"/dossiers/jobs/{job.id}/retry")
    assert "/download" in resp.headers["Location"]
    (job,) = jobs(world)
    assert job.state == DossierState.DONE and job.error is None and job.attempts == 2
    # retrying a finished job is refused with a message
    resp = client.post(f"/dossiers/jobs/{job.id}/retry", follow_redirects=True)
    assert "is not failed" in resp.get_data(as_text=True)


def test_retry_while_another_dossier_is_being_built_is_refused(world):
    s = world.session
    failed = DossierJob(company_id=world.company.id, state=DossierState.FAILED, progress_total=1, error="x")
    running = DossierJob(company_id=world.company.id, state=DossierState.RUNNING, progress_total=1,
                         heartbeat_at=utcnow())
    s.add_all([failed, running])
    s.flush()
    with pytest.raises(DomainError, match="being built"):
        services.retry(s, world.member, failed)
    assert s.get(DossierJob, failed.id).state == DossierState.FAILED


def test_a_job_is_claimed_once(world):
    s = world.session
    job, _created = services.request_dossier(s, world.operator, world.company)
    assert services.claim(s, job.id) is not None
    assert services.claim(s, job.id) is None  # a second worker (or a repeated message) does nothing
    from incubator.dossier import tasks
    s.commit()
    assert tasks.run_job(job.id) == "skipped"


def test_the_company_page_lists_past_dossiers(client, login, world):
    login(world.member)
    client.post(f"/dossiers/company/{world.company.id}/build")
    html = client.get(f"/dossiers/company/{world.company.id}").get_data(as_text=True)
    (job,) = jobs(world)
    assert "3 issued documents" in html and "5 uploaded documents in 7 versions" in html
    assert f"/dossiers/jobs/{job.id}/download" in html and "Ready" in html and "企业 王芳" in html
    assert f"/dossiers/company/{world.company.id}/build" in html
    # and the company's own page and the staff company page link to it
    assert f"/dossiers/company/{world.company.id}" in client.get("/companies/mine", follow_redirects=True).get_data(
        as_text=True)
    login(world.supervisor)
    assert f"/dossiers/company/{world.company.id}" in client.get(f"/companies/{world.company.id}").get_data(
        as_text=True)


def test_an_empty_company_page_says_so(client, login, world):
    login(world.other_member)
    html = client.get(f"/dossiers/company/{world.other.id}").get_data(as_text=True)
    assert "No dossier has been built for this company yet." in html and "built at once" in html


def test_the_requesters_inbox(client, login, world, large, monkeypatch):
    login(world.member)
    client.post(f"/dossiers/company/{world.company.id}/build")
    (job,) = jobs(world)
    home = client.get("/").get_data(as_text=True)
    assert "is ready to download" in home and f"/dossiers/jobs/{job.id}" in home
    client.get(f"/dossiers/jobs/{job.id}/download")
    assert "is ready to download" not in client.get("/").get_data(as_text=True)
    login(world.operator)  # someone else's dossier is not in the operator's inbox
    assert f"/dossiers/jobs/{job.id}" not in client.get("/").get_data(as_text=True)


def test_the_company_page_costs_the_same_queries_with_many_jobs(client, login, world, count_queries):
    login(world.operator)
    url = f"/dossiers/company/{world.company.id}"
    client.get(url)
    with count_queries() as one:
        assert client.get(url).status_code == 200
    s = world.session
    for n in range(15):
        s.add(DossierJob(company_id=world.company.id, requested_by_id=world.member.id if n % 2 else world.operator.id,
                         state=DossierState.FAILED, progress_total=1, error="x"))
    s.flush()
    with count_queries() as many:
        html = client.get(url).get_data(as_text=True)
    assert html.count("Failed") >= 15 and many() == one()
