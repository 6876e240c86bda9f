"""The auditor's dossier: who may export it, the job's state changes (each one guarded UPDATE) and
building the ZIP — every issued PDF, every version of every upload, the audit trail as a
spreadsheet, an index PDF and checksum lists.

Building streams: each stored file is read in chunks, hashed as it is copied into a ZIP written
to a temporary file beside the file store, and compared with the hash recorded when it was stored;
a file that differs (or is gone) is listed as 校验失败 (文件缺失) and the dossier still completes.
`plan` reads the database, `write_zip` does not touch it (so the job holds no lock while copying),
`finish` stores the ZIP and marks the job done. Services flush; the caller commits."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, lazyload

from ..accounts.models import User
from ..audit.models import AuditEntry
from ..audit.services import record
from ..certificates.models import IssuedDocument
from ..certificates.pdf import render_pdf
from ..certificates.qr import qr_data_uri
from ..certificates.rules import DocumentKind
from ..certificates.services import status as issued_status
from ..companies.models import Company
from ..core.errors import ConcurrentChange, PermissionDenied
from ..core.excel import safe_cell
from ..core.formatting import format_date, local
from ..core.roles import Role
from ..db import utcnow
from ..documents.models import Document, DocumentVersion
from ..documents.rules import category_label
from ..documents.storage import file_store
from . import rules
from .models import OPEN_STATES, DossierJob, DossierState

CHUNK = 1024 * 1024
LOCALE = "zh_CN"  # the dossier is an official record: Chinese whatever the requester's language


# --- who -------------------------------------------------------------------------------------------

def can_export(user, company_id: int) -> bool:
    """Staff readers for any company, a company's own members for theirs; reviewers never."""
    return bool(getattr(user, "is_authenticated", False)) and (
        user.is_staff_reader or (user.has_role(Role.COMPANY) and user.company_id == company_id))


# --- reading -----------------------------------------------------------------------------------------

def open_job(session: Session, company_id: int) -> DossierJob | None:
    return session.scalar(sa.select(DossierJob).where(DossierJob.company_id == company_id,
                                                      DossierJob.state.in_(OPEN_STATES)))


def company_jobs(company_id: int) -> sa.Select:
    """The company's jobs, newest first (for paging)."""
    return (sa.select(DossierJob).where(DossierJob.company_id == company_id)
            .order_by(DossierJob.created_at.desc(), DossierJob.id.desc()))


@dataclass(frozen=True)
class Totals:
    issued: int
    documents: int
    versions: int
    audit_entries: int
    bytes: int

    @property
    def files(self) -> int:
        return self.issued + self.versions


def totals(session: Session, company_id: int) -> Totals:
    """What a dossier of the company would hold, counted in one statement."""
    def scalar(*columns, where, join=None):
        stmt = sa.select(*columns)
        if join is not None:
            stmt = stmt.select_from(join)
        return stmt.where(where).scalar_subquery()

    versions = sa.join(DocumentVersion, Document, Document.id == DocumentVersion.document_id)
    row = session.execute(sa.select(
        scalar(sa.func.count(IssuedDocument.id), where=IssuedDocument.company_id == company_id),
        scalar(sa.func.coalesce(sa.func.sum(IssuedDocument.size), 0), where=IssuedDocument.company_id == company_id),
        scalar(sa.func.count(Document.id), where=Document.company_id == company_id),
        scalar(sa.func.count(DocumentVersion.id), where=Document.company_id == company_id, join=versions),
        scalar(sa.func.coalesce(sa.func.sum(DocumentVersion.size), 0), where=Document.company_id == company_id,
               join=versions),
        scalar(sa.func.count(AuditEntry.id), where=AuditEntry.company_id == company_id))).one()
    issued, issued_bytes, documents, version_count, version_bytes, audit = row
    return Totals(issued=issued, documents=documents, versions=version_count, audit_entries=audit,
                  bytes=int(issued_bytes) + int(version_bytes))


# --- the job's state changes ----------------------------------------------------------------------------

def _move(session: Session, job_id: int, action: str, **values) -> bool:
    """One guarded UPDATE along rules.TRANSITIONS; False when the job was not in a source state."""
    done = session.execute(
        sa.update(DossierJob).where(DossierJob.id == job_id, DossierJob.state.in_(rules.sources(action)))
        .values(state=DossierState(rules.target(action)), **values)
        .execution_options(synchronize_session=False))
    return done.rowcount == 1


def request_dossier(session: Session, actor, company: Company) -> tuple[DossierJob, bool]:
    """The company's dossier job: the one already queued or running (False), or a new queued one
    (True) that the caller runs after committing — in the request when `job.inline`, else as a
    background job. A job that stopped showing progress long ago is failed first."""
    if not can_export(actor, company.id):
        raise PermissionDenied(_("You may not export this company's dossier."))
    existing = open_job(session, company.id)
    if existing is not None and rules.is_stale(existing.heartbeat_at or existing.created_at, utcnow()):
        fail(session, existing, _("The build stopped without finishing (the background worker was interrupted). "
                                  "Please build the dossier again."))
        existing = None
    if existing is not None:
        return existing, False
    counted = totals(session, company.id)
    job = DossierJob(company_id=company.id, requested_by_id=getattr(actor, "id", None), state=DossierState.QUEUED,
                     inline=rules.fits_in_request(counted.files, counted.bytes), progress_total=counted.files + 2)
    try:
        with session.begin_nested():
            session.add(job)
            session.flush()
    except IntegrityError:  # someone asked for the same company at this very moment: share theirs
        existing = open_job(session, company.id)
        if existing is None:
            raise ConcurrentChange(_("A dossier of this company was just requested. Please reload the page.")) from None
        return existing, False
    return job, True


def claim(session: Session, job_id: int) -> DossierJob | None:
    """queued → running for the worker that builds it; None if it is not (any longer) queued."""
    now = utcnow()
    if not _move(session, job_id, "start", started_at=now, heartbeat_at=now, progress_done=0,
                 attempts=DossierJob.attempts + 1):
        return None
    job = session.get(DossierJob, job_id)
    session.refresh(job)
    return job


def set_progress(session: Session, job_id: int, done: int, total: int | None = None) -> None:
    values = {"progress_done": done, "heartbeat_at": utcnow()}
    if total is not None:
        values["progress_total"] = total
    session.execute(sa.update(DossierJob).where(DossierJob.id == job_id, DossierJob.state == DossierState.RUNNING)
                    .values(**values).execution_options(synchronize_session=False))


def fail(session: Session, job: DossierJob, error: str) -> bool:
    """queued/running → failed with the reason shown to the requester."""
    if not _move(session, job.id, "fail", error=error[:2000], finished_at=utcnow()):
        return False
    session.refresh(job)
    requester = session.get(User, job.requested_by_id) if job.requested_by_id else None
    record(session, requester, "dossier.fail", job, after={"error": job.error}, summary=f"{job.company.name}: {error}",
           company_id=job.company_id)
    return True


def retry(session: Session, actor, job: DossierJob) -> DossierJob:
    """failed → queued again (the caller runs it after committing, as for a new request)."""
    if not can_export(actor, job.company_id):
        raise PermissionDenied(_("You may not export this company's dossier."))
    try:
        with session.begin_nested():
            moved = _move(session, job.id, "retry", error=None, finished_at=None, progress_done=0,
                          heartbeat_at=utcnow(), requested_by_id=getattr(actor, "id", None))
    except IntegrityError:
        raise ConcurrentChange(_("Another dossier of this company is being built. Please wait for it.")) from None
    if not moved:
        raise ConcurrentChange(_("This dossier is not failed (any more). Please reload the page."))
    session.refresh(job)
    record(session, actor, "dossier.retry", job, summary=job.company.name, company_id=job.company_id)
    return job


def record_download(session: Session, actor, job: DossierJob) -> None:
    """Each download is audited; the first also marks the job as fetched (for the inbox)."""
    session.execute(sa.update(DossierJob).where(DossierJob.id == job.id, DossierJob.downloaded_at.is_(None))
                    .values(downloaded_at=utcnow()).execution_options(synchronize_session=False))
    record(session, actor, "dossier.download", job, after={"sha256": job.sha256, "size": job.size},
           summary=f"{job.company.name}: {rules.human_size(job.size)}", company_id=job.company_id)


# --- what goes in ------------------------------------------------------------------------------------

@dataclass
class Entry:
    """One stored file in the ZIP, with what the index says about it."""
    path: str
    source: str  # issued | upload
    storage_key: str
    recorded_sha256: str
    recorded_size: int
    group: str  # the category (uploads) or kind (issued) in Chinese
    title: str
    original_name: str
    version: str
    status: str
    dated: dt.datetime
    by: str
    sha256: str | None = None  # of the bytes copied
    size: int | None = None
    check: str = ""
    document_id: int | None = None  # uploads: counts documents, not versions


@dataclass
class Plan:
    job_id: int
    company: dict
    entries: list[Entry]
    audit_rows: list[tuple]
    counts: dict = field(default_factory=dict)


def _who(user) -> str:
    return user.display_name if user is not None else "系统"


def plan(session: Session, job: DossierJob) -> Plan:
    """Everything the dossier holds, read from the database now (the files come later)."""
    company = job.company
    with force_locale(LOCALE):
        entries = _issued_entries(session, company.id) + _upload_entries(session, company.id)
        facts = {"name": company.name, "credit_code": company.credit_code, "legal_rep": company.legal_rep or "—",
                 "status": company.status.label, "address": company.address or "—",
                 "moved_in_on": format_date(company.moved_in_on) if company.moved_in_on else "—",
                 "left_on": format_date(company.left_on) if company.left_on else "—"}
    paths = rules.unique_paths(e.path for e in entries)
    for entry, path in zip(entries, paths, strict=True):
        entry.path = path
    audit_rows = _audit_rows(session, company.id)
    issued = [e for e in entries if e.source == "issued"]
    uploads = [e for e in entries if e.source == "upload"]
    counts = {"issued": len(issued), "issued_by_status": sorted(Counter(e.status for e in issued).items()),
              "documents": len({e.document_id for e in uploads}),
              "versions": len(uploads), "audit_entries": len(audit_rows)}
    return Plan(job_id=job.id, company=facts, entries=entries, audit_rows=audit_rows, counts=counts)


def _issued_entries(session: Session, company_id: int) -> list[Entry]:
    docs = session.scalars(sa.select(IssuedDocument).where(IssuedDocument.company_id == company_id)
                           .order_by(IssuedDocument.issued_at, IssuedDocument.id))
    entries = []
    for doc in docs:
        try:
            kind = DocumentKind(doc.kind).label
        except ValueError:
            kind = doc.kind
        entries.append(Entry(
            path=rules.issued_path(doc.number, doc.title), source="issued", storage_key=doc.storage_key,
            recorded_sha256=doc.sha256, recorded_size=doc.size, group=kind, title=doc.title,
            original_name=f"{doc.number} {doc.title}", version="—", status=issued_status(doc).label,
            dated=doc.issued_at, by=_who(doc.issued_by)))
    return entries


def _upload_entries(session: Session, company_id: int) -> list[Entry]:
    rows = session.execute(
        sa.select(Document, DocumentVersion).join(DocumentVersion, DocumentVersion.document_id == Document.id)
        .where(Document.company_id == company_id).options(lazyload(Document.versions))
        .order_by(Document.category, Document.title, Document.id, DocumentVersion.version_no)).all()
    by_document: dict[int, list[tuple[Document, DocumentVersion]]] = {}
    for document, version in rows:
        by_document.setdefault(document.id, []).append((document, version))
    named = [rules.UploadedDoc(key=doc_id, folder=category_label(pairs[0][0].category), title=pairs[0][0].title,
                               versions=tuple((v.version_no, rules.extension(v.display_name, v.mime)) for _d, v in pairs))
             for doc_id, pairs in by_document.items()]
    paths = rules.upload_paths(named)
    entries = []
    for doc_id, pairs in by_document.items():
        latest = max(v.version_no for _d, v in pairs)
        for document, version in pairs:
            entries.append(Entry(
                path=paths[(doc_id, version.version_no)], source="upload", storage_key=version.storage_key,
                recorded_sha256=version.sha256, recorded_size=version.size, group=category_label(document.category),
                title=document.title, original_name=version.display_name, version=f"第{version.version_no}版",
                status="当前版本" if version.version_no == latest else "历史版本", dated=version.uploaded_at,
                by=_who(version.uploaded_by), document_id=doc_id))
    return entries


def _audit_rows(session: Session, company_id: int) -> list[tuple]:
    stmt = (sa.select(AuditEntry, User.display_name).outerjoin(User, User.id == AuditEntry.actor_id)
            .where(AuditEntry.company_id == company_id)
            .order_by(AuditEntry.seq.is_(None), AuditEntry.seq, AuditEntry.id))
    rows = []
    for entry, display_name in session.execute(stmt):
        rows.append((
            entry.seq, local(entry.at).replace(tzinfo=None), display_name or ("系统" if entry.actor_id is None else "—"),
            entry.actor_name, entry.action,
            f"{entry.object_type} #{entry.object_id}" if entry.object_id is not None else entry.object_type,
            entry.summary, _json(entry.before), _json(entry.after), entry.hash or "（未封存）", entry.prev_hash or ""))
    return rows


def _json(value) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


# --- building ---------------------------------------------------------------------------------------

@dataclass
class Built:
    path: Path  # the ZIP, a temporary file beside the file store until `finish` stores it
    sha256: str
    size: int
    file_count: int
    mismatches: int

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


def write_zip(plan: Plan, progress: Callable[[int, int], None] = lambda done, total: None) -> Built:
    """Stream every file of `plan` into a new ZIP; progress(done, total) after each entry."""
    store = file_store()
    store.root.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=store.root, prefix=".dossier-", suffix=".zip")
    os.close(fd)
    path = Path(name)
    generated_at = utcnow()
    stamp = rules.zip_date_time(local(generated_at))
    total = len(plan.entries) + 2
    try:
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
            for done, entry in enumerate(plan.entries, start=1):
                _copy_checked(zf, store, entry)
                progress(done, total)
            sheet = _add_generated(zf, rules.AUDIT_SHEET, _audit_sheet(plan.audit_rows), stamp)
            progress(total - 1, total)
            index = _add_generated(zf, rules.INDEX, _index_pdf(plan, sheet, generated_at), stamp)
            progress(total, total)
            generated = [index, sheet]
            manifest = _add_generated(zf, rules.MANIFEST, _manifest(plan, generated, generated_at), stamp)
            sums = [(e.path, e.recorded_sha256) for e in plan.entries] + \
                [(g["path"], g["sha256"]) for g in (*generated, manifest)]
            _add_generated(zf, rules.CHECKSUMS, rules.checksums_text(sorted(sums)).encode(), stamp)
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            while chunk := fh.read(CHUNK):
                digest.update(chunk)
            os.fsync(fh.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    present = [e for e in plan.entries if e.check != rules.CHECK_MISSING]
    return Built(path=path, sha256=digest.hexdigest(), size=path.stat().st_size, file_count=len(present) + 4,
                 mismatches=sum(e.check != rules.CHECK_OK for e in plan.entries))


def _info(path: str, moment: tuple) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(path, date_time=moment)
    info.compress_type = zipfile.ZIP_STORED if rules.is_stored(path) else zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def _copy_checked(zf: zipfile.ZipFile, store, entry: Entry) -> None:
    """Copy one stored file in chunks, hashing what is copied; a file that is gone is left out."""
    try:
        source = store.open(entry.storage_key)
    except (OSError, ValueError):  # removed from the store, or a key the store does not recognise
        entry.check = rules.CHECK_MISSING
        return
    digest, size = hashlib.sha256(), 0
    with source, zf.open(_info(entry.path, rules.zip_date_time(local(entry.dated))), "w",
                         force_zip64=entry.recorded_size > 1 << 30) as target:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            target.write(chunk)
            size += len(chunk)
    entry.sha256, entry.size = digest.hexdigest(), size
    entry.check = rules.CHECK_OK if entry.sha256 == entry.recorded_sha256 else rules.CHECK_MISMATCH


def _add_generated(zf: zipfile.ZipFile, path: str, data: bytes, moment: tuple) -> dict:
    zf.writestr(_info(path, moment), data)
    return {"path": path, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def _audit_sheet(rows: list[tuple]) -> bytes:
    """The audit trail, one row per entry; every text cell neutralised (no formulas run)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("审计记录")
    for i, width in enumerate(rules.AUDIT_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for title in rules.AUDIT_HEADERS:
        cell = WriteOnlyCell(ws, value=title)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    for row in rows:
        ws.append([safe_cell(rules.cell_text(v)) if isinstance(v, str) else v for v in row])
    with tempfile.TemporaryFile() as fh:  # write-only workbooks stream to a file
        wb.save(fh)
        fh.seek(0)
        return fh.read()


def _job_url(job_id: int) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/dossiers/jobs/{job_id}"


def reference(job_id: int) -> str:
    return f"{current_app.config['COMMUNITY_SHORT']}-DOSSIER-{job_id:06d}"


def _index_pdf(plan: Plan, sheet: dict, generated_at: dt.datetime) -> bytes:
    def row(e: Entry) -> dict:
        return {"path": e.path, "group": e.group, "title": e.title, "name": e.original_name, "version": e.version,
                "status": e.status, "date": format_date(e.dated), "by": e.by,
                "size": rules.human_size(e.size if e.size is not None else e.recorded_size),
                "sha256": rules.grouped(e.sha256), "recorded": rules.grouped(e.recorded_sha256), "check": e.check,
                "check_label": rules.CHECK_LABELS[e.check]}

    rows = [row(e) for e in plan.entries]
    url = _job_url(plan.job_id)
    context = {
        "company": plan.company, "counts": plan.counts, "sheet": {**sheet, "size": rules.human_size(sheet["size"]), "sha256": rules.grouped(sheet["sha256"])},
        "issued": [r for r in rows if r["path"].startswith(rules.ISSUED_DIR)],
        "uploads": [r for r in rows if r["path"].startswith(rules.UPLOADS_DIR)],
        "failures": [r for r in rows if r["check"] != rules.CHECK_OK],
        "total_size": rules.human_size(sum(e.size or 0 for e in plan.entries) + sheet["size"]),
        "layout": {"index": rules.INDEX, "issued": rules.ISSUED_DIR, "uploads": rules.UPLOADS_DIR,
                   "sheet": rules.AUDIT_SHEET, "manifest": rules.MANIFEST, "sums": rules.CHECKSUMS},
        "generated": local(generated_at).strftime("%Y-%m-%d %H:%M"),
        "doc": {"number": reference(plan.job_id), "title": "审计档案索引", "issued_on": format_date(generated_at),
                "verify_url": url, "qr": qr_data_uri(url), "valid_until": None},
    }
    return render_pdf("dossier_index.html", context)


def _manifest(plan: Plan, generated: list[dict], generated_at: dt.datetime) -> bytes:
    data = {
        "reference": reference(plan.job_id), "generated_at": local(generated_at).isoformat(timespec="seconds"),
        "company": {"name": plan.company["name"], "credit_code": plan.company["credit_code"]},
        "files": [{"path": e.path, "source": e.source, "title": e.title, "original_name": e.original_name,
                   "version": e.version, "status": e.status, "date": local(e.dated).isoformat(timespec="seconds"),
                   "by": e.by, "size": e.size, "sha256": e.sha256, "recorded_sha256": e.recorded_sha256,
                   "check": e.check} for e in plan.entries],
        "generated": generated,
        "counts": {**{k: v for k, v in plan.counts.items() if k != "issued_by_status"},
                   "failed_checks": sum(e.check != rules.CHECK_OK for e in plan.entries)},
    }
    return json.dumps(data, ensure_ascii=False, indent=1).encode()


def finish(session: Session, job: DossierJob, built: Built) -> DossierJob:
    """Store the ZIP (kept only if the session commits) and mark the job done."""
    key = file_store().save_file(session, built.path)
    if not _move(session, job.id, "finish", storage_key=key, sha256=built.sha256, size=built.size,
                 file_count=built.file_count, mismatches=built.mismatches, finished_at=utcnow(),
                 progress_done=DossierJob.progress_total, heartbeat_at=utcnow()):
        raise ConcurrentChange(_("This dossier job was stopped while it was being built."))
    session.refresh(job)
    requester = session.get(User, job.requested_by_id) if job.requested_by_id else None
    record(session, requester, "dossier.build", job,
           after={"sha256": built.sha256, "size": built.size, "files": built.file_count,
                  "failed_checks": built.mismatches},
           summary=f"{job.company.name}: {built.file_count} 个文件，{rules.human_size(built.size)}"
                   + (f"，{built.mismatches} 个校验失败" if built.mismatches else ""),
           company_id=job.company_id)
    return job


