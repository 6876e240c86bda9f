"""Every change to accounts: login bookkeeping, users, roles, passwords, invitations."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ..audit.services import record
from ..core.errors import DomainError, PermissionDenied
from ..core.roles import Role
from ..db import utcnow
from .models import Invitation, User, UserRole

_hasher = PasswordHasher()
# A real hash to verify against when the username is unknown, so timing does not reveal it.
_DUMMY_HASH = _hasher.hash("not-a-real-password")
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{3,40}$")
INVITATION_DAYS = 7


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password_strength(password: str) -> None:
    if len(password) < 8 or not re.search(r"[A-Za-z]", password) or not re.search(r"\d", password):
        raise DomainError(_("The password needs at least 8 characters with letters and digits."), field="password")


def authenticate(session: Session, username: str, password: str, *, max_failures: int = 5,
                 lock_minutes: int = 15) -> User:
    """Return the user or raise; repeated failures lock the account for a while."""
    user = session.scalar(sa.select(User).where(User.username == username.strip()))
    generic = DomainError(_("Wrong username or password."))
    if user is None:
        try:
            _hasher.verify(_DUMMY_HASH, password)
        except VerificationError:
            pass
        raise generic
    now = utcnow()
    if user.is_locked(now):
        raise DomainError(_("Too many failed attempts. The account is locked until %(time)s.",
                            time=user.locked_until.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%H:%M")))
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        user.failed_logins += 1
        if user.failed_logins >= max_failures:
            # back off: each further failure doubles the lock, up to a day
            factor = 2 ** min(user.failed_logins - max_failures, 6)
            user.locked_until = now + dt.timedelta(minutes=min(lock_minutes * factor, 24 * 60))
            record(session, None, "user.locked", user, after={"failed_logins": user.failed_logins},
                   summary=user.username)
        session.flush()
        raise generic from None
    if not user.active:
        raise DomainError(_("This account is disabled."))
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    record(session, user, "user.login", user, summary=user.username)
    session.flush()
    return user


def logout(session: Session, user: User) -> None:
    """Invalidate every copy of the user's cookies."""
    session.execute(sa.update(User).where(User.id == user.id).values(session_version=User.session_version + 1))
    record(session, user, "user.logout", user, summary=user.username)
    session.flush()


def _require_admin(actor) -> None:
    if not actor.has_role(Role.ADMIN):
        raise PermissionDenied(_("You are not allowed to do this."))


def _set_roles(user: User, roles) -> None:
    wanted = {Role(r) for r in roles}
    user.roles[:] = [r for r in user.roles if r.role in wanted]
    for role in wanted - user.role_set:
        user.roles.append(UserRole(role=role))


def create_user(session: Session, actor, *, username: str, display_name: str, password: str,
                roles=(), email: str | None = None, phone: str | None = None,
                company_id: int | None = None) -> User:
    """Admin creates an account (actor None: set-up and registration paths)."""
    if actor is not None:
        _require_admin(actor)
    username = username.strip()
    if not USERNAME_RE.match(username):
        raise DomainError(_("A username has 3–40 letters, digits, dots, dashes or underscores."), field="username")
    if session.scalar(sa.select(User.id).where(sa.func.lower(User.username) == username.lower())):
        raise DomainError(_("This username is already taken."), field="username")
    check_password_strength(password)
    if Role.COMPANY in {Role(r) for r in roles} and company_id is None:
        raise DomainError(_("A company member must belong to a company."), field="company_id")
    user = User(username=username, display_name=display_name.strip(), email=(email or None), phone=(phone or None),
                password_hash=hash_password(password), company_id=company_id)
    _set_roles(user, roles)
    session.add(user)
    session.flush()
    record(session, actor, "user.create", user,
           after={"username": username, "roles": sorted(r.value for r in user.role_set), "company_id": company_id},
           summary=username)
    return user


def update_user(session: Session, actor, user: User, *, display_name: str, email: str | None,
                phone: str | None, roles, company_id: int | None) -> User:
    _require_admin(actor)
    before = {"display_name": user.display_name, "email": user.email, "phone": user.phone,
              "roles": sorted(r.value for r in user.role_set), "company_id": user.company_id}
    new_roles = {Role(r) for r in roles}
    if Role.COMPANY in new_roles and company_id is None:
        raise DomainError(_("A company member must belong to a company."), field="company_id")
    if user.id == actor.id and Role.ADMIN not in new_roles:
        raise DomainError(_("You cannot remove your own administrator role."), field="roles")
    user.display_name, user.email, user.phone, user.company_id = display_name.strip(), email or None, phone or None, company_id
    _set_roles(user, new_roles)
    if before["roles"] != sorted(r.value for r in new_roles):
        user.session_version += 1  # new rights take effect at the next login
    session.flush()
    record(session, actor, "user.update", user, before=before,
           after={"display_name": user.display_name, "email": user.email, "phone": user.phone,
                  "roles": sorted(r.value for r in user.role_set), "company_id": user.company_id},
           summary=user.username)
    return user


def set_active(session: Session, actor, user: User, active: bool) -> None:
    _require_admin(actor)
    if user.id == actor.id:
        raise DomainError(_("You cannot disable your own account."))
    if user.active == active:
        return
    user.active = active
    user.session_version += 1
    user.failed_logins, user.locked_until = 0, None
    session.flush()
    record(session, actor, "user.enable" if active else "user.disable", user, summary=user.username)


def reset_password(session: Session, actor, user: User) -> str:
    """Admin sets a temporary password and returns it once, to hand over."""
    _require_admin(actor)
    temporary = "Tmp" + secrets.token_urlsafe(6) + "9"
    user.password_hash = hash_password(temporary)
    user.session_version += 1
    user.failed_logins, user.locked_until = 0, None
    session.flush()
    record(session, actor, "user.reset_password", user, summary=user.username)
    return temporary


def change_password(session: Session, user: User, current: str, new: str) -> None:
    try:
        _hasher.verify(user.password_hash, current)
    except (VerificationError, InvalidHashError):
        raise DomainError(_("The current password is wrong."), field="current") from None
    check_password_strength(new)
    user.password_hash = hash_password(new)
    user.session_version += 1
    session.flush()
    record(session, user, "user.change_password", user, summary=user.username)


# --- invitations -------------------------------------------------------------------------

def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite_colleague(session: Session, actor: User, *, name: str, email: str | None) -> tuple[Invitation, str]:
    """A company member invites a colleague; returns the invitation and the one-time token."""
    if not (actor.has_role(Role.COMPANY) and actor.company_id):
        raise PermissionDenied(_("Only company members can invite colleagues."))
    if actor.company is not None and not actor.company.is_active_member_company:
        raise DomainError(_("Your company's records are read-only."))
    token = secrets.token_urlsafe(24)
    inv = Invitation(company_id=actor.company_id, name=name.strip(), email=email or None,
                     token_hash=_token_hash(token), created_by_id=actor.id,
                     expires_at=utcnow() + dt.timedelta(days=INVITATION_DAYS))
    session.add(inv)
    session.flush()
    record(session, actor, "invitation.create", inv, company_id=actor.company_id,
           after={"name": inv.name, "email": inv.email}, summary=inv.name)
    return inv, token


def find_invitation(session: Session, token: str) -> Invitation | None:
    inv = session.scalar(sa.select(Invitation).where(Invitation.token_hash == _token_hash(token)))
    return inv if inv is not None and inv.is_open else None


def revoke_invitation(session: Session, actor: User, inv: Invitation) -> None:
    if actor.company_id != inv.company_id and not actor.has_role(Role.ADMIN):
        raise PermissionDenied(_("You are not allowed to do this."))
    if inv.accepted_at or inv.revoked_at:
        raise DomainError(_("This invitation is no longer open."))
    inv.revoked_at = utcnow()
    session.flush()
    record(session, actor, "invitation.revoke", inv, company_id=inv.company_id, summary=inv.name)


def accept_invitation(session: Session, token: str, *, username: str, display_name: str, password: str,
                      phone: str | None) -> User:
    inv = find_invitation(session, token)
    if inv is None:
        raise DomainError(_("This invitation link is invalid or has expired."))
    # conditional update: the same link cannot create two accounts, even when clicked twice at once
    done = session.execute(sa.update(Invitation).where(Invitation.id == inv.id, Invitation.accepted_at.is_(None))
                           .values(accepted_at=utcnow()))
    if done.rowcount != 1:
        raise DomainError(_("This invitation link is invalid or has expired."))
    user = create_user(session, None, username=username, display_name=display_name, password=password,
                       roles=[Role.COMPANY], email=inv.email, phone=phone, company_id=inv.company_id)
    inv.accepted_user_id = user.id
    session.flush()
    record(session, user, "invitation.accept", inv, company_id=inv.company_id, summary=user.username)
    return user
