"""Lease forms (new lease, renewal, a payment): validation only; the services check again."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, SelectMultipleField, StringField, TextAreaField
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


class PaymentForm(FlaskForm):
    """Money received against one charge (the amount is offered as what it still owes)."""
    amount = AmountField(_l("Amount (yuan)"), validators=[InputRequired(_l("Please enter the amount received."))],
                         positive=True, digits=14)
    paid_on = DateField(_l("Received on"), validators=[InputRequired(_l("Please enter the day the money was received."))])
    reference = StringField(_l("Bank reference"), validators=[Optional(), Length(max=80)])


class RenewForm(FlaskForm):
    new_end_on = DateField(_l("New end date"), validators=[InputRequired(_l("Please enter the new end date."))])
    rent_per_m2 = AmountField(_l("New rent (yuan/m²/month)"), validators=[Optional()])
    reason = StringField(_l("Note"), validators=[Optional(), Length(max=500)])
