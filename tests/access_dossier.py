"""Access-matrix rows and world objects for the auditor's dossier (issue #7).

Company A ("owner") has a finished dossier job with its stored ZIP; staff readers and A's members
may build, follow and download it, B's member ("other") gets 404, the reviewer 403."""
from __future__ import annotations

import datetime as dt
import hashlib

from incubator.documents.storage import file_store
from incubator.dossier.models import DossierJob, DossierState

READERS = {"operator", "lead", "deputy", "commander", "supervisor", "admin"}


def rows(row) -> dict:
    company, job = "/dossiers/company/{company}", "/dossiers/jobs/{dossier_job}"
    return {
        "dossier.company": row(company, READERS | {"owner"}),
        "dossier.build": row(company + "/build", READERS | {"owner"}, "POST"),
        "dossier.job": row(job, READERS | {"owner"}),
        "dossier.status": row(job + "/status.json", READERS | {"owner"}),
        "dossier.download": row(job + "/download", READERS | {"owner"}),
        "dossier.retry": row(job + "/retry", READERS | {"owner"}, "POST"),
    }


def build(session, people, company, lease) -> dict:
    data = b"PK\x05\x06" + b"\x00" * 18  # an empty ZIP
    now = dt.datetime.now(dt.UTC)
    job = DossierJob(company_id=company.id, requested_by_id=people["owner"].id, state=DossierState.DONE,
                     progress_done=4, progress_total=4, file_count=4, storage_key=file_store().save(session, data),
                     sha256=hashlib.sha256(data).hexdigest(), size=len(data), attempts=1, started_at=now,
                     finished_at=now)
    session.add(job)
    session.flush()
    return {"dossier_job": job.id}
