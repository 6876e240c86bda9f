"""Issued documents (certificates, notices, dossiers): numbered, hashed, verifiable."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, utcnow


class IssuedDocument(Base):
    __tablename__ = "issued_documents"
    __table_args__ = (Index("ix_issued_documents_subject", "kind", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int]
    verify_code: Mapped[str] = mapped_column(String(40), unique=True)
    data_fingerprint: Mapped[str] = mapped_column(String(64))  # hash of the data rendered
    sha256: Mapped[str] = mapped_column(String(64))  # hash of the PDF bytes
    storage_key: Mapped[str] = mapped_column(String(80), unique=True)
    size: Mapped[int]
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    valid_until: Mapped[dt.date | None]
    revoked_at: Mapped[dt.datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("issued_documents.id"))

    company = relationship("Company", lazy="joined")
    issued_by = relationship("User", lazy="joined")


class DocumentCounter(Base):
    """Running number per document kind and year, for numbers like SX-DA-2026-00012."""

    __tablename__ = "document_counters"
    __table_args__ = (UniqueConstraint("kind", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    year: Mapped[int]
    last: Mapped[int] = mapped_column(default=0)
