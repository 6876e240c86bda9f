"""Auditor's dossier pages: a company's dossier page (what it holds, the build button, its past
jobs), a job's page that refreshes itself while the job runs, its JSON status, the download and
the retry. Staff readers for every company, a company's members for their own (another company's
is a 404), reviewers never."""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..companies.models import Company
from ..core.errors import DomainError
from ..core.formatting import local
from ..core.pagination import paginate, parse_page
from ..core.permissions import get_or_404
from ..core.roles import Role
from ..db import db
from ..documents.storage import file_store
from ..jobs import build_dossier_task
from . import rules, services, tasks
from .models import DossierJob, DossierState

bp = Blueprint("dossier", __name__, url_prefix="/dossiers")

REFRESH_SECONDS = 3


def _authorise(company_id: int) -> None:
    """Another company's members get 404 (no hint the id exists); reviewers and others 403."""
    if not services.can_export(current_user, company_id):
        abort(404 if current_user.has_role(Role.COMPANY) else 403)


def _company(company_id: int) -> Company:
    company = get_or_404(db.session, Company, company_id)
    _authorise(company.id)
    return company


def _job(job_id: int) -> DossierJob:
    job = get_or_404(db.session, DossierJob, job_id)
    _authorise(job.company_id)
    return job


@bp.get("/company/<int:company_id>")
@login_required
def company(company_id: int):
    company = _company(company_id)
    page = paginate(db.session, services.company_jobs(company.id), parse_page(request.args.get("page")))
    counted = services.totals(db.session, company.id)
    return render_template("dossier/company.html", company=company, page=page, totals=counted,
                           inline=rules.fits_in_request(counted.files, counted.bytes),
                           open_job=services.open_job(db.session, company.id), human_size=rules.human_size,
                           staff=current_user.is_staff_reader)


def _run(job: DossierJob, announce: bool = True):
    """After the commit: a small dossier is built now and downloaded at once, a larger one is queued
    and its page shows the progress."""
    if job.inline:
        tasks.run_job(job.id)
        db.session.refresh(job)
        if job.state == DossierState.DONE:
            return redirect(url_for("dossier.download", job_id=job.id), 303)
        return redirect(url_for("dossier.job", job_id=job.id), 303)
    build_dossier_task(job.id)
    if announce:
        flash(_("The dossier is being built in the background. This page shows its progress; you can leave it "
                "and come back later."), "info")
    return redirect(url_for("dossier.job", job_id=job.id), 303)


@bp.post("/company/<int:company_id>/build")
@login_required
def build(company_id: int):
    company = _company(company_id)
    try:
        job, created = services.request_dossier(db.session, current_user, company)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("dossier.company", company_id=company.id), 303)
    db.session.commit()  # the job must be visible to the worker (and its lock released) before it runs
    if not created:
        flash(_("A dossier of this company is already being built; here is its progress."), "info")
        if job.state == DossierState.QUEUED:  # its message may be lost: sent again (a job is claimed once)
            return _run(job, announce=False)
        return redirect(url_for("dossier.job", job_id=job.id), 303)
    return _run(job)


@bp.get("/jobs/<int:job_id>")
@login_required
def job(job_id: int):
    job = _job(job_id)
    return render_template("dossier/job.html", job=job, refresh=REFRESH_SECONDS if job.is_open else None,
                           percent=rules.percent(job.progress_done, job.progress_total), human_size=rules.human_size,
                           reference=services.reference(job.id))


@bp.get("/jobs/<int:job_id>/status.json")
@login_required
def status(job_id: int):
    job = _job(job_id)
    resp = jsonify(state=job.state.value, label=job.state.label, done=job.progress_done, total=job.progress_total,
                   percent=rules.percent(job.progress_done, job.progress_total), error=job.error,
                   download_url=url_for("dossier.download", job_id=job.id) if job.state == DossierState.DONE else None)
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


@bp.get("/jobs/<int:job_id>/download")
@login_required
def download(job_id: int):
    job = _job(job_id)
    if job.state != DossierState.DONE or not job.storage_key:
        flash(_("This dossier is not ready to download."), "warning")
        return redirect(url_for("dossier.job", job_id=job.id), 303)
    services.record_download(db.session, current_user, job)
    db.session.commit()
    day = local(job.finished_at).strftime("%Y%m%d")
    resp = send_file(file_store().path(job.storage_key), mimetype="application/zip", as_attachment=True,
                     download_name=f"{rules.safe_part(job.company.name)}_审计档案_{day}.zip", conditional=True,
                     etag=job.sha256)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


@bp.post("/jobs/<int:job_id>/retry")
@login_required
def retry(job_id: int):
    job = _job(job_id)
    try:
        services.retry(db.session, current_user, job)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("dossier.job", job_id=job_id), 303)
    db.session.commit()
    return _run(job)
