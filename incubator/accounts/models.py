"""Users and their roles. `session_version` is part of the login cookie, so bumping it
(logout, password change, disable) invalidates every copy of an old cookie."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.enums import enum_column
from ..core.roles import STAFF_READERS, Role
from ..db import Base, TimestampMixin, utcnow


class User(TimestampMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    email: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(30))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    session_version: Mapped[int] = mapped_column(default=1)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None]
    last_login_at: Mapped[dt.datetime | None]
    locale: Mapped[str | None] = mapped_column(String(10))

    # loaded when asked: most pages show other users (uploaders, reviewers) without their roles
    roles: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan")
    company = relationship("Company", lazy="joined", foreign_keys=[company_id])

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def role_set(self) -> set[Role]:
        return {r.role for r in self.roles}

    def has_role(self, *roles: Role) -> bool:
        return bool(self.role_set & set(roles))

    @property
    def is_staff_reader(self) -> bool:
        return bool(self.role_set & STAFF_READERS)

    def can_see_company(self, company_id: int | None) -> bool:
        return self.is_staff_reader or (company_id is not None and self.company_id == company_id)

    def is_locked(self, now: dt.datetime | None = None) -> bool:
        return bool(self.locked_until and self.locked_until > (now or utcnow()))


class AnonymousUser:
    is_authenticated = False
    is_active = False
    is_anonymous = True
    id = None
    company_id = None
    role_set: set = set()
    username = "anonymous"
    display_name = ""

    def get_id(self):
        return None

    def has_role(self, *roles):
        return False

    is_staff_reader = False

    def can_see_company(self, company_id):
        return False


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[Role] = mapped_column(enum_column(Role), primary_key=True)


class Invitation(Base):
    """A member invites a colleague; the link carries a token whose hash is stored."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    email: Mapped[str | None] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    accepted_at: Mapped[dt.datetime | None]
    accepted_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[dt.datetime | None]

    company = relationship("Company", lazy="joined")

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > utcnow()
