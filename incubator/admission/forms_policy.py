"""Forms for a new admission-policy version and for intake rounds. Validation only:
services.save_policy_version checks the whole configuration again (rules.config_problems)."""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from ..companies.models import IndustryTrack
from ..documents.rules import DocumentCategory

WHEN = [("", _l("Always")), ("founded_over_1y", _l("Only if founded more than a year ago")),
        ("factory", _l("Only for factory space"))]
EXTRA_ROWS = 3  # blank rows offered for new checklist and rubric items
MAX_ROWS = 60


def _plausible_date(_form, field):
    if field.data is not None and not 2000 <= field.data.year <= 2100:
        raise ValidationError(_l("Please enter a date between 2000 and 2100."))


class PointsField(StringField):
    """Points (a weight, the passing mean, a threshold): 0 or more, at most one decimal place."""

    def process_formdata(self, valuelist):
        raw = unicodedata.normalize("NFKC", valuelist[0] if valuelist else "").strip()
        self.data = None
        if not raw:
            return
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise ValueError(_l("Please enter a number.")) from None
        if not value.is_finite() or not re.fullmatch(r"\d{1,4}(\.\d)?", raw):
            raise ValueError(_l("Please enter a number of 0 or more with at most one decimal place."))
        self.data = value

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)


def json_number(value: Decimal) -> int | str:
    """Whole points as a JSON integer, otherwise the exact decimal text (never a float)."""
    return int(value) if value == value.to_integral_value() else str(value)


class MaterialRow(Form):
    label = StringField(_l("Label"), validators=[Length(max=60)])  # no Optional(): it would skip validate_label
    key = SelectField(_l("Document category"), choices=lambda: [("", "—"), *DocumentCategory.choices()])
    required = BooleanField(_l("Required"))
    when = SelectField(_l("Applies"), choices=WHEN)

    def validate_label(self, field):
        if bool((field.data or "").strip()) != bool(self.key.data):
            raise ValidationError(_l("Give both a label and a document category, or leave the row empty."))


class RubricRow(Form):
    label = StringField(_l("Label"), validators=[Length(max=60)])  # no Optional(): it would skip validate_label
    key = StringField(_l("Key"), validators=[Optional(), Regexp(r"^[a-z][a-z0-9_]{0,39}$", message=_l(
        "Lower-case letters, digits and _ only, starting with a letter."))])
    weight = PointsField(_l("Weight"))

    def validate_label(self, field):
        filled = [bool((field.data or "").strip()), bool(self.key.data), self.weight.data is not None]
        if any(filled) and not all(filled):
            raise ValidationError(_l("Give a label, a key and a weight, or leave the row empty."))

    def validate_weight(self, field):
        if field.data is not None and field.data <= 0:
            raise ValidationError(_l("A weight must be more than 0."))


class PolicyForm(FlaskForm):
    carrier_id = SelectField(_l("Carrier"), coerce=int)
    track = SelectField(_l("Industry track"), choices=lambda: [("", _l("Any track")), *IndustryTrack.choices()])
    effective_from = DateField(_l("Effective from"), validators=[InputRequired(_l("Please enter the date.")), _plausible_date])
    note = TextAreaField(_l("What changed and why"), validators=[Optional(), Length(max=2000)])
    max_company_age_months = IntegerField(_l("Company founded at most … months before applying"),
                                          validators=[Optional(), NumberRange(1, 600)])
    require_registration_move = BooleanField(_l("Registration, tax and statistics must move into the community"))
    tech_area_share_min = IntegerField(_l("Minimum share of non-commercial area for tech projects (%)"),
                                       validators=[InputRequired(), NumberRange(0, 100)])
    materials = FieldList(FormField(MaterialRow), min_entries=1, max_entries=MAX_ROWS)
    rubric = FieldList(FormField(RubricRow), min_entries=1, max_entries=MAX_ROWS)
    min_reviewers = IntegerField(_l("Minimum number of reviewers"), validators=[InputRequired(), NumberRange(1, 15)])
    min_mean = PointsField(_l("Passing mean (points)"), validators=[InputRequired()])
    low_score = PointsField(_l("Low-score threshold: a total below it needs a written note"),
                            validators=[InputRequired()])
    supplement_working_days = IntegerField(_l("Working days for a supplement"),
                                           validators=[InputRequired(), NumberRange(1, 60)])

    def fill(self, config: dict) -> None:
        """Pre-fill from an existing configuration, with blank rows to add items."""
        cond = config.get("conditions", {})
        self.max_company_age_months.data = cond.get("max_company_age_months")
        self.require_registration_move.data = bool(cond.get("require_registration_move"))
        self.tech_area_share_min.data = cond.get("tech_area_share_min", 0)
        for name in ("min_reviewers", "supplement_working_days"):
            self[name].data = config.get(name)
        self.min_mean.data, self.low_score.data = Decimal(str(config["min_mean"])), Decimal(str(config["low_score"]))
        for target, rows in ((self.materials, config.get("materials", [])), (self.rubric, config.get("rubric", []))):
            while len(target):
                target.pop_entry()
            for row in rows:
                target.append_entry({**row, "weight": Decimal(str(row["weight"])) if "weight" in row else None})
            for _i in range(EXTRA_ROWS):
                target.append_entry()

    def config(self) -> dict:
        materials = [{"key": r.key.data, "label": r.label.data.strip(), "required": bool(r.required.data),
                      **({"when": r.when.data} if r.when.data else {})}
                     for r in (e.form for e in self.materials) if r.key.data]
        rubric = [{"key": r.key.data, "label": r.label.data.strip(), "weight": json_number(r.weight.data)}
                  for r in (e.form for e in self.rubric) if r.key.data]
        return {
            "conditions": {"max_company_age_months": self.max_company_age_months.data,
                           "require_registration_move": bool(self.require_registration_move.data),
                           "tech_area_share_min": self.tech_area_share_min.data},
            "materials": materials, "rubric": rubric, "min_reviewers": self.min_reviewers.data,
            "min_mean": json_number(self.min_mean.data), "low_score": json_number(self.low_score.data),
            "supplement_working_days": self.supplement_working_days.data,
        }


class RoundForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(min=2, max=80)])
    opens_on = DateField(_l("Opens on"), validators=[InputRequired(_l("Please enter the date.")), _plausible_date])
    closes_on = DateField(_l("Closes on"), validators=[InputRequired(_l("Please enter the date.")), _plausible_date])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])
