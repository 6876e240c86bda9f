"""Login, logout, password, registration, invitations and the admin's user pages."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.orm import selectinload

from ..companies.models import Company
from ..companies.services import register_company
from ..core.errors import DomainError
from ..core.forms import form_error
from ..core.pagination import paginate, parse_page
from ..core.permissions import get_or_404, roles_required
from ..core.roles import Role
from ..core.urls import safe_next
from ..db import db
from . import services, tasks  # noqa: F401 - registers inbox items
from .forms import AcceptInvitationForm, ChangePasswordForm, InviteForm, LoginForm, RegisterForm, UserForm
from .models import Invitation, User, UserRole

bp = Blueprint("accounts", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        cfg = current_app.config
        try:
            user = services.authenticate(db.session, form.username.data, form.password.data,
                                         max_failures=cfg["LOGIN_MAX_FAILURES"], lock_minutes=cfg["LOGIN_LOCK_MINUTES"])
        except DomainError as exc:
            db.session.commit()  # keep the failure count
            flash(exc.message, "danger")
            return render_template("accounts/login.html", form=form), 401
        db.session.commit()
        login_user(user, remember=form.remember.data)
        return redirect(safe_next(request.args.get("next")) or url_for("main.home"))
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    services.logout(db.session, current_user)
    db.session.commit()
    logout_user()
    flash(_("You have signed out."), "success")
    return redirect(url_for("accounts.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(db.session, current_user, form.current.data, form.password.data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            login_user(current_user._get_current_object())  # new cookie with the new session version
            flash(_("Your password was changed. Other sessions were signed out."), "success")
            return redirect(url_for("main.home"))
    return render_template("accounts/password.html", form=form)


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            _company, user = register_company(
                db.session, name=form.company_name.data, credit_code=form.credit_code.data,
                contact_name=form.contact_name.data, contact_phone=form.contact_phone.data,
                contact_email=form.contact_email.data, username=form.username.data, password=form.password.data)
        except DomainError as exc:
            db.session.rollback()
            form_error(form, exc)
        else:
            db.session.commit()
            login_user(user)
            flash(_("Your company is registered. Complete its profile, then apply to move in."), "success")
            return redirect(url_for("main.home"))
    return render_template("accounts/register.html", form=form)


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    inv = services.find_invitation(db.session, token)
    if inv is None:
        return render_template("error.html", code=404,
                               message=_("This invitation link is invalid or has expired.")), 404
    form = AcceptInvitationForm(display_name=inv.name)
    if form.validate_on_submit():
        try:
            user = services.accept_invitation(db.session, token, username=form.username.data,
                                              display_name=form.display_name.data, password=form.password.data,
                                              phone=form.phone.data)
        except DomainError as exc:
            db.session.rollback()
            form_error(form, exc)
        else:
            db.session.commit()
            login_user(user)
            flash(_("Welcome! You are now a member of %(company)s.", company=inv.company.name), "success")
            return redirect(url_for("main.home"))
    return render_template("accounts/accept_invitation.html", form=form, invitation=inv)


@bp.route("/colleagues", methods=["GET", "POST"])
@roles_required(Role.COMPANY)
def colleagues():
    if not current_user.company_id:
        abort(403)
    form = InviteForm()
    link = None
    if form.validate_on_submit():
        try:
            _inv, token = services.invite_colleague(db.session, current_user, name=form.name.data,
                                                    email=form.email.data)
        except DomainError as exc:
            db.session.rollback()
            form_error(form, exc)
        else:
            db.session.commit()
            link = url_for("accounts.accept_invitation", token=token, _external=True)
            flash(_("Invitation created. Send the link below to your colleague; it is valid for 7 days."), "success")
            form = InviteForm(formdata=None)
    company = db.session.get(Company, current_user.company_id)
    members = db.session.scalars(sa.select(User).where(User.company_id == company.id).order_by(User.id)).all()
    invitations = db.session.scalars(sa.select(Invitation).where(Invitation.company_id == company.id)
                                     .order_by(Invitation.created_at.desc()).limit(50)).all()
    return render_template("accounts/colleagues.html", form=form, company=company, members=members,
                           invitations=invitations, link=link)


@bp.post("/invitations/<int:inv_id>/revoke")
@roles_required(Role.COMPANY, Role.ADMIN)
def revoke_invitation(inv_id: int):
    inv = get_or_404(db.session, Invitation, inv_id)
    if inv.company_id != current_user.company_id and not current_user.has_role(Role.ADMIN):
        abort(404)
    services.revoke_invitation(db.session, current_user, inv)
    db.session.commit()
    flash(_("The invitation was revoked."), "success")
    return redirect(url_for("accounts.colleagues"))


# --- administration ------------------------------------------------------------------------

def _company_choices():
    rows = db.session.execute(sa.select(Company.id, Company.name).order_by(Company.name)).all()
    return [(0, "—")] + [(r.id, r.name) for r in rows]


@bp.get("/admin/users")
@roles_required(Role.ADMIN)
def users():
    q = (request.args.get("q") or "").strip()
    role = request.args.get("role") or ""
    stmt = sa.select(User).options(selectinload(User.roles)).order_by(User.username)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(sa.or_(User.username.ilike(like), User.display_name.ilike(like)))
    if role in {r.value for r in Role}:
        stmt = stmt.where(User.id.in_(sa.select(UserRole.user_id).where(UserRole.role == Role(role))))
    status = request.args.get("status") or ""
    if status == "disabled":
        stmt = stmt.where(User.active.is_(False))
    elif status == "locked":
        stmt = stmt.where(User.locked_until.is_not(None))
    page = paginate(db.session, stmt, parse_page(request.args.get("page")))
    return render_template("accounts/users.html", page=page, q=q, role=role, status=status)


@bp.route("/admin/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_user():
    form = UserForm()
    form.company_id.choices = _company_choices()
    if form.validate_on_submit():
        if not form.password.data:
            form.password.errors = [_("An initial password is required.")]
        else:
            try:
                user = services.create_user(db.session, current_user, username=form.username.data,
                                            display_name=form.display_name.data, password=form.password.data,
                                            roles=form.roles.data, email=form.email.data, phone=form.phone.data,
                                            company_id=form.company_id.data or None)
            except DomainError as exc:
                db.session.rollback()
                form_error(form, exc)
            else:
                db.session.commit()
                flash(_("User %(name)s was created.", name=user.username), "success")
                return redirect(url_for("accounts.edit_user", user_id=user.id))
    return render_template("accounts/user_form.html", form=form, user=None)


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_user(user_id: int):
    user = get_or_404(db.session, User, user_id)
    form = UserForm(obj=user) if request.method == "GET" else UserForm()
    if request.method == "GET":
        form.roles.data = [r.value for r in user.role_set]
        form.company_id.data = user.company_id or 0
    form.company_id.choices = _company_choices()
    del form.username
    if form.validate_on_submit():
        try:
            services.update_user(db.session, current_user, user, display_name=form.display_name.data,
                                 email=form.email.data, phone=form.phone.data, roles=form.roles.data,
                                 company_id=form.company_id.data or None)
        except DomainError as exc:
            db.session.rollback()
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("accounts.edit_user", user_id=user.id))
    return render_template("accounts/user_form.html", form=form, user=user)


@bp.post("/admin/users/<int:user_id>/active")
@roles_required(Role.ADMIN)
def set_user_active(user_id: int):
    user = get_or_404(db.session, User, user_id)
    active = request.form.get("active") == "1"
    services.set_active(db.session, current_user, user, active)
    db.session.commit()
    flash(_("The account was enabled.") if active else _("The account was disabled and signed out."), "success")
    return redirect(url_for("accounts.edit_user", user_id=user.id))


@bp.post("/admin/users/<int:user_id>/reset-password")
@roles_required(Role.ADMIN)
def reset_user_password(user_id: int):
    user = get_or_404(db.session, User, user_id)
    temporary = services.reset_password(db.session, current_user, user)
    db.session.commit()
    flash(_("Temporary password for %(name)s: %(pw)s — hand it over and ask them to change it.",
            name=user.username, pw=temporary), "warning")
    return redirect(url_for("accounts.edit_user", user_id=user.id))
