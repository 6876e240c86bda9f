"""Clawback forms: a new clawback, a repayment, a waiver. Validation only; clawbacks.py checks again."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..funds.forms import plausible_date
from ..spaces.forms import AmountField
from .models import ClawbackReason


class ClawbackForm(FlaskForm):
    company_id = SelectField(_l("Company"), coerce=int,
                             validators=[DataRequired(_l("Please choose the company."))])
    reason = SelectField(_l("Reason"), choices=ClawbackReason.choices, default=ClawbackReason.EXIT.value)
    trigger_on = DateField(_l("Date of the exit, clearance or breach"),
                           validators=[InputRequired(_l("Please enter the date.")), plausible_date])
    due_on = DateField(_l("Repay by"), validators=[Optional(), plausible_date])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class RepaymentForm(FlaskForm):
    amount = AmountField(_l("Amount repaid (yuan)"), validators=[InputRequired()], positive=True, digits=14)
    paid_on = DateField(_l("Received on"),
                        validators=[InputRequired(_l("Please enter the day the money was received.")), plausible_date])
    reference = StringField(_l("Payment reference"), validators=[Optional(), Length(max=80)])


class WaiveForm(FlaskForm):
    reason = TextAreaField(_l("Why the clawback is waived"),
                           validators=[DataRequired(_l("A reason is required.")), Length(max=2000)])
