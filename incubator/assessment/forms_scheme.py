"""The form for a new scheme version, prefilled from the latest one. Validation of each cell only;
services.save_scheme_version checks the whole scheme (rules.config_problems)."""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from ..admission.forms_policy import PointsField, json_number
from . import rules

EXTRA_ROWS = 2
MAX_ROWS = 60
KEY = Regexp(r"^[a-z][a-z0-9_]{0,39}$", message=_l("Lower-case letters, digits and _ only, starting with a letter."))
KINDS = [("rule", _l("Point rule from the filed figures")), ("reviewer", _l("Scored by reviewers"))]
RULE_CHOICES = [("", "—"), ("growth", _l("Growth on last year (points per %)")),
                ("per_amount", _l("Per full amount (points per unit)")),
                ("per_area", _l("Per full amount per m² leased")), ("ratio", _l("Ratio of two figures (points per %)")),
                ("weighted_count", _l("Weighted count")), ("count", _l("Count (points each)")),
                ("on_time_filing", _l("Filed on time")), ("no_arrears", _l("No rent arrears")),
                ("no_breach", _l("No breach"))]
FIGURE_CHOICES = [("", "—"), *rules.FIGURE_LABELS.items()]
_WEIGHT = re.compile(r"^\s*([a-z_]+)\s*[=:]\s*(\d{1,4}(\.\d{1,2})?)\s*$")


class DecimalText(StringField):
    """A positive decimal kept exact (stored in the scheme as text); blank means not used."""

    def process_formdata(self, valuelist):
        raw = unicodedata.normalize("NFKC", valuelist[0] if valuelist else "").strip().replace(",", "")
        self.data = None
        if not raw:
            return
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise ValueError(_l("Please enter a number.")) from None
        if not value.is_finite() or value <= 0 or value >= 10**12 or value != value.quantize(Decimal("0.01")):
            raise ValueError(_l("Please enter a number above 0 with at most two decimal places."))
        self.data = value

    def _value(self):
        return self.raw_data[0] if self.raw_data else ("" if self.data is None else str(self.data))


class DimensionRow(Form):
    key = StringField(_l("Key"), validators=[Optional(), KEY])
    label = StringField(_l("Label"), validators=[Length(max=60)])
    weight = PointsField(_l("Weight"))


class IndicatorRow(Form):
    key = StringField(_l("Key"), validators=[Optional(), KEY])
    label = StringField(_l("Label"), validators=[Length(max=60)])
    dimension = StringField(_l("Dimension key"), validators=[Optional(), KEY])
    kind = SelectField(_l("Kind"), choices=KINDS, default="rule")
    cap = PointsField(_l("Cap"))
    type = SelectField(_l("Rule"), choices=RULE_CHOICES)
    figure = SelectField(_l("Figure"), choices=FIGURE_CHOICES)
    base = SelectField(_l("Divided by"), choices=FIGURE_CHOICES)
    unit = DecimalText(_l("Unit"))
    points = DecimalText(_l("Points"))
    per_percent = DecimalText(_l("Points per %"))
    weights = StringField(_l("Weights (figure=weight, …)"), validators=[Length(max=200)])

    def validate_weights(self, field):
        if (field.data or "").strip() and self.parsed_weights() is None:
            raise ValidationError(_l("Write the weights as figure=weight, separated by commas."))

    def parsed_weights(self) -> dict | None:
        weights = {}
        for part in (self.weights.data or "").split(","):
            if not part.strip():
                continue
            match = _WEIGHT.match(part)
            if not match or match.group(1) not in rules.FIGURE_LABELS:
                return None
            weights[match.group(1)] = json_number(Decimal(match.group(2)))
        return weights

    def config(self) -> dict:
        row = {"key": self.key.data, "label": self.label.data.strip(), "dimension": self.dimension.data,
               "kind": self.kind.data, "cap": json_number(self.cap.data)}
        if self.kind.data == "rule":
            rule = {"type": self.type.data}
            for name in ("figure", "base"):
                if self[name].data:
                    rule[name] = self[name].data
            for name, target in (("unit", "unit"), ("points", "points"), ("per_percent", "points_per_percent")):
                if self[name].data is not None:
                    rule[target] = str(json_number(self[name].data))
            if self.parsed_weights():
                rule["weights"] = self.parsed_weights()
            row["rule"] = rule
        return row


class VetoRow(Form):
    key = StringField(_l("Key"), validators=[Optional(), KEY])
    label = StringField(_l("Label"), validators=[Length(max=60)])


class SchemeForm(FlaskForm):
    effective_from = DateField(_l("Effective from"), validators=[InputRequired(_l("Please enter the date."))])
    note = TextAreaField(_l("What changed and why"), validators=[Optional(), Length(max=2000)])
    dimensions = FieldList(FormField(DimensionRow), min_entries=1, max_entries=MAX_ROWS)
    indicators = FieldList(FormField(IndicatorRow), min_entries=1, max_entries=MAX_ROWS)
    vetoes = FieldList(FormField(VetoRow), min_entries=1, max_entries=MAX_ROWS)
    excellent_min = PointsField(_l("Excellent: at least (points)"), validators=[InputRequired()])
    top_share = IntegerField(_l("…and within the top (%)"), validators=[InputRequired(), NumberRange(1, 100)])
    good_min = PointsField(_l("Good: at least (points)"), validators=[InputRequired()])
    pass_min = PointsField(_l("Pass: at least (points)"), validators=[InputRequired()])
    min_reviewers = IntegerField(_l("Reviewer sheets needed per company"), validators=[InputRequired(),
                                                                                        NumberRange(0, 15)])
    appeal_working_days = IntegerField(_l("Appeal period (working days)"), validators=[InputRequired(),
                                                                                       NumberRange(1, 60)])
    rectification_working_days = IntegerField(_l("Rectification period (working days)"),
                                              validators=[InputRequired(), NumberRange(1, 250)])
    reminder_days = IntegerField(_l("Remind companies this many days before the deadline"),
                                 validators=[InputRequired(), NumberRange(1, 60)])
    first_review_months = IntegerField(_l("First review (months after move-in)"),
                                       validators=[InputRequired(), NumberRange(1, 60)])
    cycle_months = IntegerField(_l("Then every (months)"), validators=[InputRequired(), NumberRange(1, 60)])
    after_fail_months = IntegerField(_l("After a failure, again after (months)"),
                                     validators=[InputRequired(), NumberRange(1, 60)])

    def fill(self, config: dict) -> None:
        for target in (self.dimensions, self.indicators, self.vetoes):
            while len(target):
                target.pop_entry()
        for d in config["dimensions"]:
            self.dimensions.append_entry({**d, "weight": rules.D(d["weight"])})
        for i in config["indicators"]:
            rule = i.get("rule", {})
            self.indicators.append_entry({
                "key": i["key"], "label": i["label"], "dimension": i["dimension"], "kind": i["kind"],
                "cap": rules.D(i["cap"]), "type": rule.get("type", ""), "figure": rule.get("figure", ""),
                "base": rule.get("base", ""),
                **{target: rules.D(rule[name]) for name, target in (
                    ("unit", "unit"), ("points", "points"), ("points_per_percent", "per_percent")) if name in rule},
                "weights": ", ".join(f"{k}={v}" for k, v in rule.get("weights", {}).items())})
        for v in config["vetoes"]:
            self.vetoes.append_entry(v)
        for target in (self.dimensions, self.indicators, self.vetoes):
            for _i in range(EXTRA_ROWS):
                target.append_entry()
        grades = config["grades"]
        self.excellent_min.data = rules.D(grades["excellent"]["min_score"])
        self.top_share.data = int(rules.D(grades["excellent"]["top_share"]) * 100)
        self.good_min.data, self.pass_min.data = rules.D(grades["good"]["min_score"]), rules.D(grades["pass"]["min_score"])
        for name in ("min_reviewers", "appeal_working_days", "rectification_working_days", "reminder_days"):
            self[name].data = config[name]
        for name in ("first_review_months", "cycle_months", "after_fail_months"):
            self[name].data = config["timing"][name]

    def config(self) -> dict:
        dims = [{"key": r.key.data, "label": r.label.data.strip(), "weight": json_number(r.weight.data or 0)}
                for r in (e.form for e in self.dimensions) if r.key.data]
        inds = [r.config() for r in (e.form for e in self.indicators) if r.key.data and r.cap.data is not None]
        vetoes = [{"key": r.key.data, "label": r.label.data.strip()} for r in (e.form for e in self.vetoes)
                  if r.key.data]
        return {
            "dimensions": dims, "indicators": inds, "vetoes": vetoes,
            "grades": {"excellent": {"min_score": json_number(self.excellent_min.data),
                                     "top_share": str(Decimal(self.top_share.data) / 100)},
                       "good": {"min_score": json_number(self.good_min.data)},
                       "pass": {"min_score": json_number(self.pass_min.data)}},
            "min_reviewers": self.min_reviewers.data, "appeal_working_days": self.appeal_working_days.data,
            "rectification_working_days": self.rectification_working_days.data,
            "reminder_days": self.reminder_days.data,
            "timing": {name: self[name].data for name in ("first_review_months", "cycle_months", "after_fail_months")},
        }
