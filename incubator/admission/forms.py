"""Staff forms on an application: return for supplement, reviewers, joint review, decision and
the lease on admission. Validation only; the services check again."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, RadioField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ..leases.models import BillingCycle
from ..leases.services import DEFAULT_TERM_YEARS, MAX_TERM_YEARS
from ..spaces.forms import AmountField

VERDICTS = [("admit", _l("Admit")), ("reject", _l("Reject"))]


class ReturnForm(FlaskForm):
    comment = TextAreaField(_l("Overall comment to the company"),
                            validators=[DataRequired(_l("Please give the reason for the return.")),
                                        Length(max=2000)])

    def item_reasons(self) -> dict[str, str]:
        return {name.removeprefix(REASON): f.data for name, f in self._fields.items()
                if name.startswith(REASON) and (f.data or "").strip()}


REASON = "reason_"


def return_form(items: list[dict], **kw) -> ReturnForm:
    """The return form with one optional reason per checklist item (field `reason_<key>`)."""

    class Form(ReturnForm):
        pass

    for item in items:
        setattr(Form, REASON + item["key"], TextAreaField(item["label"], validators=[Optional(), Length(max=1000)]))
    return Form(**kw)


class AssignForm(FlaskForm):
    reviewer_ids = SelectMultipleField(_l("Reviewers"), coerce=int,
                                       validators=[DataRequired(_l("Please choose at least one reviewer."))])


class RecommendForm(FlaskForm):
    recommendation = RadioField(_l("Recommendation"), choices=VERDICTS,
                                validators=[InputRequired(_l("Choose a recommendation."))])
    minutes = TextAreaField(_l("Minutes of the joint review"),
                            validators=[DataRequired(_l("Please record the minutes.")), Length(max=5000)])


class DecideForm(FlaskForm):
    decision = RadioField(_l("Decision"), choices=VERDICTS, validators=[InputRequired(_l("Choose a decision."))])
    reason = TextAreaField(_l("Reason"), validators=[Length(max=2000)])

    def validate_reason(self, field):
        if self.decision.data == "reject" and not (field.data or "").strip():
            raise ValidationError(_l("A rejection needs a reason; the company will see it."))


class AllocateForm(FlaskForm):
    # the units offered change as others lease them: the service says clearly which one was taken
    unit_ids = SelectMultipleField(_l("Units"), coerce=int, validate_choice=False,
                                   validators=[DataRequired(_l("Please choose at least one vacant unit."))])
    start_on = DateField(_l("Start date"), validators=[InputRequired(_l("Please enter the start date."))])
    term_years = IntegerField(_l("Term (years)"), default=DEFAULT_TERM_YEARS,
                              validators=[InputRequired(), NumberRange(1, MAX_TERM_YEARS)])
    rent_per_m2 = AmountField(_l("Rent (yuan/m²/month)"), validators=[Optional()])
    property_fee_per_m2 = AmountField(_l("Property fee (yuan/m²/month)"), validators=[Optional()])
    deposit = AmountField(_l("Deposit (yuan)"), validators=[Optional()], digits=14)
    billing_cycle = SelectField(_l("Billing cycle"), choices=BillingCycle.choices, default=BillingCycle.MONTHLY.value)

    def validate_start_on(self, field):
        if field.data is not None and not 2000 <= field.data.year <= 2100:
            raise ValidationError(_l("Please enter a start date between 2000 and 2100."))
