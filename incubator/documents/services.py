"""Every change to uploaded documents (and the read helpers other modules use)."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .models import Document


def company_documents(session: Session, company_id: int, subject_type: str | None = None,
                      subject_id: int | None = None) -> list[Document]:
    stmt = sa.select(Document).where(Document.company_id == company_id)
    if subject_type is not None:
        stmt = stmt.where(Document.subject_type == subject_type, Document.subject_id == subject_id)
    return list(session.scalars(stmt.order_by(Document.created_at.desc())))
