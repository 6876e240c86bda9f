"""Forms for batches, objections and claims: validation only (the services check again)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from ..spaces.forms import AmountField


def _plausible(form, field):
    if field.data is not None and not 2000 <= field.data.year <= 2100:
        raise ValidationError(_l("Please enter a date between 2000 and 2100."))


def _date(label, required=True):
    first = InputRequired(_l("Please enter a date.")) if required else Optional()
    return DateField(label, validators=[first, _plausible])


def _reason(label, message):
    return TextAreaField(label, validators=[DataRequired(message), Length(max=2000)])


class BatchForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    support_type_id = SelectField(_l("Support type"), coerce=int,
                                  validators=[DataRequired(_l("Please choose an active support type."))])
    fund_pool_id = SelectField(_l("Fund pool"), coerce=int,
                               validators=[DataRequired(_l("Please choose an active fund pool."))])
    intake_opens_on = _date(_l("Intake opens"))
    intake_closes_on = _date(_l("Intake closes"))
    period_start = _date(_l("Covered period from"))
    period_end = _date(_l("Covered period to"))
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class ObjectionForm(FlaskForm):
    claim_id = SelectField(_l("Claim concerned"), coerce=int, validators=[Optional()])
    raised_by = StringField(_l("Raised by"), validators=[DataRequired(), Length(max=120)])
    received_on = _date(_l("Received on"))
    content = _reason(_l("What the objection says"), _l("Please record what the objection says."))


class ResolveForm(FlaskForm):
    outcome = RadioField(_l("Outcome"), choices=[("upheld", _l("Upheld: the claim is rejected")),
                                                ("dismissed", _l("Dismissed"))],
                         validators=[InputRequired(_l("Choose the outcome."))])
    resolution = _reason(_l("How it was settled"), _l("Please record how the objection was settled."))


class ReturnForm(FlaskForm):
    reason = _reason(_l("What the company must correct"), _l("Please give the reason for the return."))


class RejectForm(FlaskForm):
    reason = _reason(_l("Reason for the rejection"), _l("A rejection needs a reason; the company will see it."))


class DisburseForm(FlaskForm):
    reference = StringField(_l("Payment reference"),
                            validators=[DataRequired(_l("Please enter the payment reference (the bank voucher "
                                                        "number).")), Length(max=80)])
    paid_on = _date(_l("Paid on"))


class OriginalsForm(FlaskForm):
    received_on = _date(_l("Originals received on"))


class ClaimForm(FlaskForm):
    declared_amount = AmountField(_l("Amount claimed (yuan)"), validators=[Optional()], positive=True, digits=14)
    remarks = TextAreaField(_l("Remarks to the operator"), validators=[Optional(), Length(max=2000)])


class EvidenceForm(FlaskForm):
    file = FileField(_l("Payment evidence"), validators=[FileRequired(_l("Please choose a file."))])


class WithdrawForm(FlaskForm):
    reason = TextAreaField(_l("Reason (optional)"), validators=[Optional(), Length(max=2000)])
