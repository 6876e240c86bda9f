"""Running a dossier job — in the request for a small dossier, in the huey consumer otherwise
(incubator/jobs.py `build_dossier`) — and the requester's inbox: a dossier ready to fetch, or one
that failed.

A job works in its own session with short transactions (claim, plan, progress at most once a
second, finish), so it never holds SQLite's write lock while it copies files or renders the index."""
from __future__ import annotations

import datetime as dt
import time

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ..core.errors import DomainError
from ..core.inbox import Task, task_provider
from ..db import db, utcnow
from . import rules, services
from .models import DossierJob, DossierState

PROGRESS_EVERY = 1.0  # seconds between progress commits
INBOX_DAYS = 7


class _Ticker:
    """progress(done, total) for write_zip: commits the count now and then, and always the last."""

    def __init__(self, session: Session, job_id: int):
        self.session, self.job_id, self.last = session, job_id, time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done >= total or now - self.last >= PROGRESS_EVERY:
            services.set_progress(self.session, self.job_id, done, total)
            self.session.commit()
            self.last = now


def _reason(exc: Exception) -> str:
    if isinstance(exc, DomainError):
        return exc.message
    return _("The dossier could not be built (%(reason)s). Please try again; if it fails again, tell the "
             "administrator.", reason=type(exc).__name__)


def run_job(job_id: int) -> str:
    """Build one queued job; its final state ('skipped' if it was not queued any more)."""
    session = db.Session()
    built = None
    try:
        job = services.claim(session, job_id)
        if job is None:
            session.rollback()
            return "skipped"
        session.commit()
        try:
            plan = services.plan(session, job)
            services.set_progress(session, job.id, 0, len(plan.entries) + 2)
            session.commit()  # nothing below reads the database until the end
            built = services.write_zip(plan, _Ticker(session, job.id))
            services.finish(session, job, built)
            session.commit()
            return rules.DONE
        except Exception as exc:  # noqa: BLE001 - whatever went wrong, the job shows it and can be retried
            session.rollback()
            current_app.logger.exception("dossier job %s failed", job_id)
            services.fail(session, session.get(DossierJob, job_id), _reason(exc))
            session.commit()
            return rules.FAILED
    finally:
        if built is not None:
            built.discard()  # after a successful finish it was moved into the store: nothing left
        session.close()


@task_provider
def dossier_tasks(session: Session, user) -> list[Task]:
    """The user's own recent dossiers: ready and not fetched yet, or failed."""
    if getattr(user, "id", None) is None:
        return []
    since = utcnow() - dt.timedelta(days=INBOX_DAYS)
    jobs = session.scalars(
        sa.select(DossierJob).where(
            DossierJob.requested_by_id == user.id, DossierJob.created_at >= since,
            sa.or_(sa.and_(DossierJob.state == DossierState.DONE, DossierJob.downloaded_at.is_(None)),
                   DossierJob.state == DossierState.FAILED))
        .order_by(DossierJob.id.desc()).limit(10)).all()
    tasks = []
    for job in jobs:
        url = url_for("dossier.job", job_id=job.id)
        if job.state == DossierState.DONE:
            tasks.append(Task(title=_("The auditor's dossier of %(company)s is ready to download",
                                      company=job.company.name), url=url, module="dossier"))
        else:
            tasks.append(Task(title=_("The auditor's dossier of %(company)s failed: see why and retry",
                                      company=job.company.name), url=url, module="dossier", level="danger"))
    return tasks
