"""Assessment forms: campaign, the company's filing, evidence, the operator's checks and findings,
reviewers, appeals and consequences. Validation only; the services check again."""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..admission.forms_company import JobsField
from ..spaces.forms import AmountField
from .models import COUNT_FIGURES, FIGURES, MONEY_FIGURES, CampaignKind, CheckOutcome
from .services import EVIDENCE_CATEGORIES, MAX_COUNT

FIGURE_FIELD_LABELS = {
    "revenue": _l("Revenue (yuan)"), "tax_paid": _l("Tax paid (yuan)"), "rd_expense": _l("R&D expense (yuan)"),
    "financing": _l("Financing raised in the year (yuan)"), "headcount": _l("Headcount at year end"),
    "graduates": _l("Staff with a bachelor's degree or higher"), "high_level_talents": _l("High-level talents"),
    "ip_invention": _l("New invention patents"), "ip_utility": _l("New utility-model patents"),
    "ip_software": _l("New software copyrights"), "new_qualifications": _l("New qualifications obtained"),
    "new_products": _l("New products or services launched"),
}


def _plausible_date(_form, field):
    if field.data is not None and not 2000 <= field.data.year <= 2100:
        raise ValidationError(_l("Please enter a date between 2000 and 2100."))


class CampaignForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    kind = SelectField(_l("Kind"), choices=CampaignKind.choices, default=CampaignKind.ANNUAL.value)
    year = IntegerField(_l("Year assessed"), validators=[InputRequired(), NumberRange(2000, 2100)])
    opens_on = DateField(_l("Filing opens on"), validators=[InputRequired(_l("Please enter the date.")),
                                                              _plausible_date])
    closes_on = DateField(_l("Filing deadline"), validators=[InputRequired(_l("Please enter the date.")),
                                                              _plausible_date])
    company_ids = SelectMultipleField(_l("Companies (interim review only)"), coerce=int, validate_choice=False)
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])

    def validate_closes_on(self, field):
        if field.data and self.opens_on.data and field.data < self.opens_on.data:
            raise ValidationError(_l("The filing deadline must be on or after the opening day."))


class CountOrBlankField(JobsField):
    """A whole number 0 or more; blank means not filed (it scores 0 with a note)."""


def _money(label):
    return AmountField(label, validators=[Optional()], digits=14)


def _count(label):
    return CountOrBlankField(label, default=None, validators=[Optional(), NumberRange(
        min=0, max=MAX_COUNT - 1, message=_l("Please enter a whole number (0 or more)."))])


class FilingForm(FlaskForm):
    company_note = TextAreaField(_l("Notes for the reviewers (products, milestones, anything the figures miss)"),
                                 validators=[Optional(), Length(max=5000)])

    def figures(self) -> dict:
        return {key: self[key].data for key in FIGURES}


for _key in MONEY_FIGURES:
    setattr(FilingForm, _key, _money(FIGURE_FIELD_LABELS[_key]))
for _key in COUNT_FIGURES:
    setattr(FilingForm, _key, _count(FIGURE_FIELD_LABELS[_key]))


class EvidenceForm(FlaskForm):
    category = SelectField(_l("Kind of evidence"), choices=lambda: [(c.value, c.label) for c in EVIDENCE_CATEGORIES])
    title = StringField(_l("Title"), validators=[Optional(), Length(max=200)])
    file = FileField(_l("File"), validators=[FileRequired(_l("Please choose a file."))])


class CheckForm(FlaskForm):
    figure = HiddenField(validators=[DataRequired()])
    outcome = RadioField(_l("Verdict"), choices=CheckOutcome.choices,
                         validators=[InputRequired(_l("Choose accept, correct or return."))])
    corrected = AmountField(_l("Corrected value"), validators=[Optional()], digits=14)
    reason = TextAreaField(_l("Reason (shown to the company)"), validators=[Optional(), Length(max=2000)])

    def validate_figure(self, field):
        if field.data not in FIGURES:
            raise ValidationError(_l("Unknown figure."))


class CommentForm(FlaskForm):
    comment = TextAreaField(_l("Reason"), validators=[DataRequired(_l("A reason is required.")),
                                                      Length(max=2000)])


class ComplianceForm(FlaskForm):
    breach_note = TextAreaField(_l("Breach of the lease or community rules in the year (leave empty if none)"),
                                validators=[Optional(), Length(max=2000)])

    def vetoes(self) -> dict[str, str]:
        return {item["key"]: (self[VETO + item["key"]].data or "").strip() for item in self.items
                if self[TICK + item["key"]].data}

    def rows(self):
        return [(item, self[TICK + item["key"]], self[VETO + item["key"]]) for item in self.items]


VETO, TICK = "veto_", "tick_"


def compliance_form(veto_items: list[dict], **kw) -> ComplianceForm:
    """The findings form with a tick and a facts field per veto item of the scheme."""

    class Form(ComplianceForm):
        pass

    for item in veto_items:
        setattr(Form, TICK + item["key"], BooleanField(item["label"]))
        setattr(Form, VETO + item["key"], TextAreaField(_l("Facts found"), validators=[Optional(), Length(max=2000)]))
    form = Form(**kw)
    form.items = veto_items
    return form


class AssignForm(FlaskForm):
    reviewer_ids = SelectMultipleField(_l("Reviewers"), coerce=int,
                                       validators=[DataRequired(_l("Please choose at least one reviewer."))])
    filing_ids = SelectMultipleField(_l("Companies"), coerce=int, validate_choice=False,
                                     validators=[DataRequired(_l("Choose at least one company."))])


class AppealForm(FlaskForm):
    grounds = TextAreaField(_l("Grounds of the appeal (which scores and why, with evidence)"),
                            validators=[DataRequired(_l("Please state the grounds of the appeal.")),
                                        Length(max=5000)])


_POINTS = re.compile(r"\d{1,3}(\.\d{1,2})?")


class PointsField(StringField):
    """Points 0 or more with at most two decimals; blank means unchanged."""

    def process_formdata(self, valuelist):
        raw = unicodedata.normalize("NFKC", valuelist[0] if valuelist else "").strip()
        self.data = None
        if raw:
            if not _POINTS.fullmatch(raw):
                raise ValueError(_l("Please enter points such as 4 or 4.5 (at most two decimals)."))
            self.data = Decimal(raw)

    def _value(self):
        return self.raw_data[0] if self.raw_data else ("" if self.data is None else str(self.data))


class DecideAppealForm(FlaskForm):
    decision = RadioField(_l("Decision"), choices=[("uphold", _l("Uphold (change the score)")),
                                                   ("dismiss", _l("Dismiss"))],
                          validators=[InputRequired(_l("Choose a decision."))])
    reason = TextAreaField(_l("Reason (the company sees it)"),
                           validators=[DataRequired(_l("A reason is required.")), Length(max=2000)])
    lift_vetoes = BooleanField(_l("Lift the veto items"))

    def adjustments(self) -> dict[str, Decimal]:
        return {ind["key"]: self[ADJUST + ind["key"]].data for ind in self.indicators
                if self[ADJUST + ind["key"]].data is not None}


ADJUST = "adjust_"


def decide_appeal_form(indicators: list[dict], **kw) -> DecideAppealForm:
    """The decision with an optional new-points field per indicator (`adjust_<key>`)."""

    class Form(DecideAppealForm):
        pass

    for ind in indicators:
        setattr(Form, ADJUST + ind["key"], PointsField(ind["label"]))
    form = Form(**kw)
    form.indicators = indicators
    return form


class NoteForm(FlaskForm):
    note = TextAreaField(_l("Note"), validators=[DataRequired(_l("A reason is required.")), Length(max=2000)])


class DeclarationForm(FlaskForm):
    conflict = RadioField(_l("Conflict of interest"), choices=[
        ("none", _l("I have no conflict of interest with this company")),
        ("conflict", _l("I have a conflict of interest and ask to be excused"))],
        validators=[InputRequired(_l("Please choose one of the two declarations."))])
    note = TextAreaField(_l("The conflict (relationship, shareholding, employment, competing interest…)"),
                         validators=[Length(max=2000)])

    def validate_note(self, field):
        if self.conflict.data == "conflict" and not (field.data or "").strip():
            raise ValidationError(_l("Please describe the conflict of interest."))
