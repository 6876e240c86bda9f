"""Scheduled work, run by the huey consumer: `huey_consumer incubator.jobs.huey`.

The queue is kept in instance/jobs.db (SQLite) unless REDIS_URL names a Redis server. Tests
run jobs in place (immediate mode). Every job opens its own session, acts as SYSTEM and
commits once."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, current_app, has_app_context
from huey import RedisHuey, SqliteHuey, crontab

from .config import ROOT
from .db import db


def _make_huey():
    if url := os.environ.get("REDIS_URL"):
        return RedisHuey("incubator", url=url)
    instance = Path(os.environ.get("INSTANCE_DIR", ROOT / "instance"))
    instance.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("incubator", filename=str(instance / "jobs.db"))


huey = _make_huey()
_app: Flask | None = None


def init_app(app: Flask) -> None:
    """A TESTING app runs jobs in place (never switched back: tests may build other apps)."""
    global _app
    if app.config["TESTING"]:
        huey.immediate = True
    _app = _app or app


def _flask_app() -> Flask:
    """The consumer is a plain process: it builds the app (config from the environment) once."""
    global _app
    if has_app_context():
        return current_app._get_current_object()
    if _app is None:
        from . import create_app
        _app = create_app()
    return _app


def lapse_applications() -> list[str]:
    """Close every returned application past its supplement deadline; the numbers closed."""
    from .admission.services import lapse_overdue
    from .core.system import SYSTEM

    session = db.Session()
    try:
        lapsed = lapse_overdue(session, SYSTEM)
        session.commit()
        return [app.number for app in lapsed]
    finally:
        session.close()


@huey.periodic_task(crontab(hour="16", minute="5"))  # 00:05 in Beijing (huey schedules in UTC)
def lapse_applications_daily() -> list[str]:
    with _flask_app().app_context():
        return lapse_applications()


def generate_rent_charges(through=None) -> int:
    """Charge every lease in force for the billing periods started by `through` (default today)."""
    from .core.formatting import today
    from .core.system import SYSTEM
    from .leases.ledger import generate_all_charges

    session = db.Session()
    try:
        added = generate_all_charges(session, SYSTEM, through or today())
        session.commit()
        return added
    finally:
        session.close()


@huey.periodic_task(crontab(hour="16", minute="15"))  # 00:15 in Beijing: the new period is charged on its first day
def generate_rent_charges_daily() -> int:
    with _flask_app().app_context():
        return generate_rent_charges()


def lapse_subsidy_claims() -> list[str]:
    """Close every returned subsidy claim past its correction deadline; the numbers closed."""
    from .subsidies.services import lapse_overdue

    session = db.Session()
    try:
        lapsed = lapse_overdue(session)
        session.commit()
        return [claim.number for claim in lapsed]
    finally:
        session.close()


@huey.periodic_task(crontab(hour="16", minute="10"))  # 00:10 in Beijing
def lapse_subsidy_claims_daily() -> list[str]:
    with _flask_app().app_context():
        return lapse_subsidy_claims()


def propose_exits() -> tuple[list[str], list[str]]:
    """Turn assessment exit proposals, graduations and leases ending into exit cases, and withdraw
    the cases whose ground went away; the case numbers (proposed, withdrawn)."""
    from .exits.triggers import propose_exits as run

    session = db.Session()
    try:
        proposed, withdrawn = run(session)
        session.commit()
        return [c.number for c in proposed], [c.number for c in withdrawn]
    finally:
        session.close()


@huey.periodic_task(crontab(hour="16", minute="20"))  # 00:20 in Beijing
def propose_exits_daily() -> tuple[list[str], list[str]]:
    with _flask_app().app_context():
        return propose_exits()


def build_dossier(job_id: int) -> str:
    """Build a queued auditor's dossier ZIP (its own short transactions); the job's final state."""
    from .dossier.tasks import run_job

    return run_job(job_id)


# defined here, not in incubator/dossier, so the consumer knows it before the app is built; retried
# only when the job could not even be claimed (say the database was locked): later failures are on the job
@huey.task(retries=2, retry_delay=30)
def build_dossier_task(job_id: int) -> None:
    with _flask_app().app_context():
        build_dossier(job_id)  # the outcome is on the job's row; nothing kept in the queue's result store
