"""HQ budget forms: a year's budget per category, an expense request, the decision, the payment.
Validation only; the services check again."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..core.formatting import today
from ..spaces.forms import AmountField
from . import rules
from .services import AMOUNT_DIGITS, MAX_TEXT

_DATE = _l("Please enter the date (YYYY-MM-DD).")


def request_years() -> list[int]:
    """Last year (late invoices), this year and next year's budget."""
    this = today().year
    return list(range(this - 1, this + rules.YEARS_AHEAD + 1))


def budget_years() -> list[int]:
    this = today().year
    return list(range(this - 3, this + rules.YEARS_AHEAD + 1))


class RequestForm(FlaskForm):
    year = SelectField(_l("Budget year"), coerce=int, validators=[InputRequired(_l("Please choose the year."))])
    category_id = SelectField(_l("Fund and category"), coerce=int,
                              validators=[DataRequired(_l("Please choose a category from the list."))])
    title = StringField(_l("Title"), validators=[DataRequired(_l("Please enter a title.")), Length(max=200)])
    purpose = TextAreaField(_l("Purpose and basis"), validators=[DataRequired(_l("Please say what the money is for.")),
                                                                 Length(max=MAX_TEXT)])
    payee = StringField(_l("Payee"), validators=[DataRequired(_l("Please enter who is paid.")), Length(max=200)])
    amount = AmountField(_l("Amount (yuan)"), validators=[InputRequired(_l("Please enter a number."))], positive=True,
                         digits=AMOUNT_DIGITS)

    def values(self) -> dict:
        return {"year": self.year.data, "category_id": self.category_id.data, "title": self.title.data,
                "purpose": self.purpose.data, "payee": self.payee.data, "amount": self.amount.data}


class DecideForm(FlaskForm):
    decision = RadioField(_l("Decision"), choices=[("approve", _l("Approve")), ("return", _l("Return for correction")),
                                                   ("reject", _l("Reject"))],
                          validators=[InputRequired(_l("Choose a decision."))])
    comment = TextAreaField(_l("Comment (required to return or reject; the requester sees it)"),
                            validators=[Optional(), Length(max=MAX_TEXT)])


class PayForm(FlaskForm):
    reference = StringField(_l("Payment reference (bank voucher number)"),
                            validators=[DataRequired(_l("Please enter the payment reference.")), Length(max=100)])
    paid_on = DateField(_l("Paid on"), validators=[InputRequired(_DATE)])


class CommentForm(FlaskForm):
    comment = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=MAX_TEXT)])


class SubmitForm(FlaskForm):
    comment = TextAreaField(_l("Note for the approver (optional)"), validators=[Optional(), Length(max=MAX_TEXT)])


def budget_form(categories, data: dict | None = None) -> FlaskForm:
    """One amount per category (`cat_<id>`), built for the categories in use; with `data` (GET)
    the form shows it, without (POST) it reads the request."""

    class BudgetForm(FlaskForm):
        note = StringField(_l("Note (budget document number)"), validators=[Optional(), Length(max=500)])

    for category in categories:
        setattr(BudgetForm, f"cat_{category.id}",
                AmountField(category.name, validators=[InputRequired(_l("Please enter a number."))],
                            digits=AMOUNT_DIGITS))
    return BudgetForm(formdata=None, data=data) if data is not None else BudgetForm()
