"""Account forms: validation only."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, Regexp

from ..core.roles import Role

PHONE = Regexp(r"^[0-9+\-() ]{5,30}$", message=_l("Please enter a valid phone number."))
USERNAME = Regexp(r"^[A-Za-z0-9_.\-]{3,40}$",
                  message=_l("A username has 3–40 letters, digits, dots, dashes or underscores."))


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=40)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me signed in on this computer"))


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=8, max=200)])
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))])


class RegisterForm(FlaskForm):
    company_name = StringField(_l("Company name"), validators=[DataRequired(), Length(min=2, max=120)])
    credit_code = StringField(_l("Unified social credit code"), validators=[DataRequired(), Length(max=30)])
    contact_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=60)])
    contact_phone = StringField(_l("Mobile phone"), validators=[DataRequired(), PHONE])
    contact_email = EmailField(_l("Email"), validators=[Optional(), Email(), Length(max=120)])
    username = StringField(_l("Username"), validators=[DataRequired(), USERNAME])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=8, max=200)])
    confirm = PasswordField(_l("Repeat the password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))])


class AcceptInvitationForm(FlaskForm):
    display_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=80)])
    phone = StringField(_l("Mobile phone"), validators=[Optional(), PHONE])
    username = StringField(_l("Username"), validators=[DataRequired(), USERNAME])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=8, max=200)])
    confirm = PasswordField(_l("Repeat the password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))])


class InviteForm(FlaskForm):
    name = StringField(_l("Colleague's name"), validators=[DataRequired(), Length(max=80)])
    email = EmailField(_l("Email"), validators=[Optional(), Email(), Length(max=120)])


def role_choices():
    return Role.choices()


class UserForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), USERNAME])
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    email = EmailField(_l("Email"), validators=[Optional(), Email(), Length(max=120)])
    phone = StringField(_l("Phone"), validators=[Optional(), PHONE])
    roles = SelectMultipleField(_l("Roles"), choices=role_choices, validators=[DataRequired()])
    company_id = SelectField(_l("Company (for company members)"), coerce=int, validate_choice=True)
    password = PasswordField(_l("Initial password"), validators=[Optional(), Length(min=8, max=200)])
