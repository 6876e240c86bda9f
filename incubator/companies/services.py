"""Every change to companies: registration, profile, qualifications, agents."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ..audit.services import record
from ..core.errors import DomainError
from ..core.roles import Role
from .models import Company, CompanyStatus
from .rules import normalize_credit_code


def ensure_code_free(session: Session, code: str, exclude_id: int | None = None) -> None:
    stmt = sa.select(Company.id, Company.name).where(Company.credit_code == code)
    if exclude_id:
        stmt = stmt.where(Company.id != exclude_id)
    if session.execute(stmt).first():
        raise DomainError(_("A company with this unified social credit code is already registered. "
                            "Ask a colleague who is a member to invite you."), field="credit_code")


def register_company(session: Session, *, name: str, credit_code: str, contact_name: str,
                     contact_phone: str | None, contact_email: str | None, username: str, password: str):
    """Self-registration: the company (as applicant) and its first member, together."""
    from ..accounts.services import create_user

    code = normalize_credit_code(credit_code)
    ensure_code_free(session, code)
    name = name.strip()
    if len(name) < 2:
        raise DomainError(_("Please enter the company's full registered name."), field="name")
    company = Company(name=name, credit_code=code, contact_name=contact_name.strip(),
                      contact_phone=contact_phone or None, contact_email=contact_email or None,
                      status=CompanyStatus.APPLICANT)
    session.add(company)
    try:
        session.flush()
    except sa.exc.IntegrityError:  # two registrations of one code at the same moment
        session.rollback()
        raise DomainError(_("A company with this unified social credit code is already registered. "
                            "Ask a colleague who is a member to invite you."), field="credit_code") from None
    user = create_user(session, None, username=username, display_name=contact_name, password=password,
                       roles=[Role.COMPANY], email=contact_email, phone=contact_phone, company_id=company.id)
    record(session, user, "company.register", company, after={"name": company.name, "credit_code": code},
           summary=company.name)
    return company, user
