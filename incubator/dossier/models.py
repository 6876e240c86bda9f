"""Auditor's dossier jobs: one ZIP of a company's issued PDFs, uploads, audit trail and index."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.enums import LabeledEnum, enum_column
from ..db import Base, utcnow


class DossierState(LabeledEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


DossierState.__labels__ = {
    DossierState.QUEUED: _l("Waiting to start"),
    DossierState.RUNNING: _l("Being built"),
    DossierState.DONE: _l("Ready"),
    DossierState.FAILED: _l("Failed"),
}
DossierState.__badges__ = {DossierState.QUEUED: "secondary", DossierState.RUNNING: "blue",
                           DossierState.DONE: "green", DossierState.FAILED: "red"}

OPEN_STATES = (DossierState.QUEUED, DossierState.RUNNING)
_OPEN_SQL = "state IN ('queued', 'running')"


class DossierJob(Base):
    """One request for a company's dossier, from queued to the stored ZIP (or the error)."""

    __tablename__ = "dossier_jobs"
    __table_args__ = (
        # one dossier in the making per company, also when several people ask at the same moment
        Index("uq_dossier_jobs_open_company", "company_id", unique=True, sqlite_where=sa.text(_OPEN_SQL),
              postgresql_where=sa.text(_OPEN_SQL)),
        CheckConstraint("progress_done >= 0 AND progress_done <= progress_total", name="progress"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    state: Mapped[DossierState] = mapped_column(enum_column(DossierState), default=DossierState.QUEUED, index=True)
    inline: Mapped[bool] = mapped_column(default=False)  # small enough to build in the request
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int] = mapped_column(default=0)
    file_count: Mapped[int | None]  # entries in the ZIP
    mismatches: Mapped[int] = mapped_column(default=0)  # stored files that failed their hash check or were missing
    storage_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    sha256: Mapped[str | None] = mapped_column(String(64))  # of the ZIP
    size: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    started_at: Mapped[dt.datetime | None]
    heartbeat_at: Mapped[dt.datetime | None]  # the last sign of life of the worker building it
    finished_at: Mapped[dt.datetime | None]
    downloaded_at: Mapped[dt.datetime | None]  # first download

    company = relationship("Company", lazy="joined")
    requested_by = relationship("User", lazy="joined")

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES
