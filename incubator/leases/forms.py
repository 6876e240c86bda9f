"""The new-lease form: validation only (the service checks the units and the term again)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..spaces.forms import AmountField
from .models import BillingCycle


class LeaseForm(FlaskForm):
    company_id = SelectField(_l("Company"), coerce=int, validators=[DataRequired(_l("Please choose the company."))])
    # the units offered change as others lease them: the service says clearly which one was taken
    unit_ids = SelectMultipleField(_l("Units"), coerce=int, validate_choice=False,
                                   validators=[DataRequired(_l("Please choose at least one vacant unit."))])
    start_on = DateField(_l("Start date"), validators=[InputRequired()])
    end_on = DateField(_l("End date"), validators=[Optional()])
    rent_per_m2 = AmountField(_l("Rent (yuan/m²/month)"), validators=[Optional()])
    property_fee_per_m2 = AmountField(_l("Property fee (yuan/m²/month)"), validators=[Optional()])
    deposit = AmountField(_l("Deposit (yuan)"), validators=[Optional()], digits=14)
    billing_cycle = SelectField(_l("Billing cycle"), choices=BillingCycle.choices, default=BillingCycle.MONTHLY.value)
    lease_then_transfer = BooleanField(_l("Lease-then-transfer"))
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])
