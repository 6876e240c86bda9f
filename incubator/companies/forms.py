"""Company, qualification and agent forms: validation only (the services re-check every rule)."""
from __future__ import annotations

import re
import unicodedata

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, Regexp

from ..accounts.forms import PHONE
from ..core.errors import DomainError
from .models import CompanyStatus, IndustryTrack, QualificationKind
from .rules import parse_capital

MAX_COUNT = 1_000_000


class CountField(IntegerField):
    """A whole number; blank means 0; full-width digits are accepted."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = unicodedata.normalize("NFKC", valuelist[0] or "").strip().replace(",", "")
        if not text:
            self.data = 0
        elif re.fullmatch(r"[0-9]{1,9}", text):
            self.data = int(text)
        else:
            self.data = None
            raise ValueError(_l("Please enter a whole number (0 or more)."))


class CapitalField(StringField):
    """Yuan as an exact Decimal (see rules.parse_capital); blank means unknown."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            self.data = parse_capital(valuelist[0])
        except DomainError as exc:
            self.data = None
            raise ValueError(exc.message) from None

    def _value(self):
        return self.raw_data[0] if self.raw_data else super()._value()


def _count(label):
    return CountField(label, default=0, validators=[NumberRange(min=0, max=MAX_COUNT,
                                                                message=_l("Please enter a whole number (0 or more)."))])


def _blank_first(choices):
    return [("", "—"), *choices]


class CompanyForm(FlaskForm):
    name = StringField(_l("Company name"), validators=[DataRequired(), Length(min=2, max=120)])
    credit_code = StringField(_l("Unified social credit code"), validators=[DataRequired(), Length(max=30)])
    legal_rep = StringField(_l("Legal representative"), validators=[Optional(), Length(max=60)])
    registered_capital = CapitalField(_l("Registered capital (yuan)"))
    founded_on = DateField(_l("Founding date"), validators=[Optional()])
    track = SelectField(_l("Industry track"), choices=lambda: _blank_first(IndustryTrack.choices()))
    sub_field = StringField(_l("Sub-field"), validators=[Optional(), Length(max=60)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    contact_name = StringField(_l("Contact person"), validators=[Optional(), Length(max=60)])
    contact_phone = StringField(_l("Contact phone"), validators=[Optional(), PHONE])
    contact_email = StringField(_l("Contact email"), validators=[Optional(), Length(max=120), Email()])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=200)])
    headcount = _count(_l("Headcount"))
    talents_bachelor = _count(_l("Staff with a bachelor's degree or above"))
    talents_high_level = _count(_l("High-level talents"))
    ip_invention = _count(_l("Invention patents"))
    ip_utility = _count(_l("Utility model patents"))
    ip_software = _count(_l("Software copyrights"))
    ip_other = _count(_l("Other IP"))
    # the operator's side: removed from the form for company members
    is_platform = BooleanField(_l("Technology innovation platform"))
    status = SelectField(_l("Status"), choices=CompanyStatus.choices, default=CompanyStatus.APPLICANT.value)
    agent_id = SelectField(_l("Referring agent"), coerce=int, default=0)
    version = HiddenField(validators=[Optional(), Regexp(r"^\d{1,9}$")])


class QualificationForm(FlaskForm):
    kind = SelectField(_l("Qualification"), choices=QualificationKind.choices)
    certificate_no = StringField(_l("Certificate no."), validators=[Optional(), Length(max=60)])
    obtained_on = DateField(_l("Obtained on"), validators=[InputRequired(message=_l("Please enter the date it was obtained."))])
    expires_on = DateField(_l("Expires on"), validators=[Optional()])


class AgentForm(FlaskForm):
    name = StringField(_l("Agent name"), validators=[DataRequired(), Length(min=2, max=120)])
    contact_name = StringField(_l("Contact person"), validators=[Optional(), Length(max=60)])
    contact_phone = StringField(_l("Contact phone"), validators=[Optional(), PHONE])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])
    active = BooleanField(_l("Active"), default=True)
