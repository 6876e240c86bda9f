"""The new-version form of a subsidy policy (rates as percentages, money in yuan, areas in m²),
and the calculator's query form. Validation only: policies.new_policy_version checks the whole
configuration again (rules.validate_config)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from ..spaces.forms import AmountField
from ..spaces.models import UnitType
from . import rules

YEAR_ROWS = 6  # tenancy years offered (empty ones at the end are dropped)
BAND_ROWS = 4
HUNDRED = Decimal(100)


def _plausible_date(_form, field):
    if field.data is not None and not 2000 <= field.data.year <= 2100:
        raise ValidationError(_l("Please enter a date between 2000 and 2100."))


def _percent(_form, field):
    if field.data is not None and field.data > HUNDRED:
        raise ValidationError(_l("A percentage cannot be more than 100."))


def percent_of(rate) -> Decimal:
    """"0.50" → 50, "1.00" → 100 (as typed in the form; adding 0 turns 1E+2 back into 100)."""
    return (Decimal(str(rate)) * HUNDRED).normalize() + 0


def rate_of(percent: Decimal) -> str:
    return rules.rate_text(percent / HUNDRED)


def amount_text(value: Decimal) -> str:
    """Whole yuan without decimals ("100000"), otherwise to the fen ("1000.50")."""
    return str(value.to_integral_value()) if value == value.to_integral_value() else str(value)


def _decimal_or_none(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PercentField(AmountField):
    def __init__(self, label=None, validators=None, **kw):
        super().__init__(label, [*(validators or []), _percent], digits=5, **kw)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else f"{self.data.normalize():f}"


class BandRow(Form):
    up_to = AmountField(_l("Up to (m²)"), positive=True)
    rate = PercentField(_l("Rate (%)"))


class CommonPolicyForm(FlaskForm):
    """Settings every support type has: procedure, approval tiers, eligibility blocks."""

    effective_from = DateField(_l("Effective from"), validators=[InputRequired(_l("Please enter the date.")),
                                                                 _plausible_date])
    note = TextAreaField(_l("What changed and why"), validators=[DataRequired(), Length(max=2000)])
    lead_below = AmountField(_l("Work-group lead approves amounts below (yuan)"), validators=[InputRequired()],
                             positive=True, digits=14)
    deputy_below = AmountField(_l("Deputy commander approves amounts below (yuan); above, the commander"),
                               validators=[InputRequired()], positive=True, digits=14)
    return_working_days = IntegerField(_l("Working days to correct a returned application"),
                                       validators=[InputRequired(), NumberRange(1, 60)])
    notice_working_days = IntegerField(_l("Working days of public notice"),
                                       validators=[InputRequired(), NumberRange(1, 60)])
    lock_in_years = IntegerField(_l("Lock-in period after the last subsidy (years)"),
                                 validators=[InputRequired(), NumberRange(0, 10)])
    require_no_arrears = BooleanField(_l("Not while rent is overdue"))
    exclude_failed_assessment = BooleanField(_l("Not after a failed annual assessment"))

    def validate_deputy_below(self, field):
        if field.data is not None and self.lead_below.data is not None and field.data <= self.lead_below.data:
            raise ValidationError(_l("The deputy commander's bound must be above the work-group lead's."))

    def fill(self, config: dict) -> None:
        bounds = {t["role"]: t["below"] for t in config.get("approval_tiers", [])}
        self.lead_below.data = _decimal_or_none(bounds.get("lead"))
        self.deputy_below.data = _decimal_or_none(bounds.get("deputy"))
        for name in ("return_working_days", "notice_working_days", "lock_in_years", "require_no_arrears",
                     "exclude_failed_assessment"):
            self[name].data = config.get(name)

    def config(self) -> dict:
        return {"approval_tiers": [{"below": amount_text(self.lead_below.data), "role": "lead"},
                                   {"below": amount_text(self.deputy_below.data), "role": "deputy"},
                                   {"below": None, "role": "commander"}],
                "return_working_days": self.return_working_days.data,
                "notice_working_days": self.notice_working_days.data, "lock_in_years": self.lock_in_years.data,
                "require_no_arrears": bool(self.require_no_arrears.data),
                "exclude_failed_assessment": bool(self.exclude_failed_assessment.data)}


class DeclaredPolicyForm(CommonPolicyForm):
    max_amount = AmountField(_l("Most a company may receive per claim (yuan)"), validators=[Optional()],
                             positive=True, digits=14)

    def fill(self, config: dict) -> None:
        super().fill(config)
        self.max_amount.data = _decimal_or_none(config.get("max_amount"))

    def config(self) -> dict:
        limit = self.max_amount.data
        return {**super().config(), "max_amount": None if limit is None else amount_text(limit)}


class RentPolicyForm(CommonPolicyForm):
    eligible_categories = MultiCheckboxField(_l("Eligible categories"), choices=[
        (c, rules.CATEGORY_LABELS[c]) for c in rules.CATEGORIES])
    eligible_unit_types = MultiCheckboxField(_l("Eligible unit types"), choices=UnitType.choices)
    year_rates = FieldList(PercentField(_l("Rate (%)")), min_entries=YEAR_ROWS, max_entries=10)
    max_area = AmountField(_l("Area cap (m²)"), validators=[Optional()], positive=True)
    unit_price_cap = AmountField(_l("Unit-price cap (yuan/m²/month)"), validators=[Optional()], positive=True)
    cap_tech_sme = AmountField(rules.CATEGORY_LABELS["tech_sme"], validators=[Optional()], positive=True,
                               digits=14)
    cap_high_tech = AmountField(rules.CATEGORY_LABELS["high_tech"], validators=[Optional()], positive=True,
                                digits=14)
    cap_above_scale_high_tech = AmountField(rules.CATEGORY_LABELS["above_scale_high_tech"],
                                            validators=[Optional()], positive=True, digits=14)
    area_bands = FieldList(FormField(BandRow), min_entries=BAND_ROWS, max_entries=10)

    def validate_eligible_categories(self, field):
        if not field.data:
            raise ValidationError(_l("Choose at least one category."))

    def validate_eligible_unit_types(self, field):
        if not field.data:
            raise ValidationError(_l("Choose at least one unit type."))

    # errors of a whole list are shown apart from its rows' own, so they are plain strings
    def validate_year_rates(self, field):
        typed = [e.data is not None for e in field.entries]
        if not typed or not typed[0]:
            raise ValidationError(_("Give the rate of the first tenancy year at least."))
        if False in typed and any(typed[typed.index(False):]):
            raise ValidationError(_("Leave no tenancy year empty between two rates."))

    def validate_area_bands(self, field):
        rows = [e.form for e in field.entries]
        if any((r.up_to.data is not None) and r.rate.data is None for r in rows):
            raise ValidationError(_("Give the rate of each area band."))
        used = [r for r in rows if r.rate.data is not None]
        if any(r.up_to.data is None for r in used[:-1]):
            raise ValidationError(_("Only the last band may be open-ended."))
        bounds = [r.up_to.data for r in used if r.up_to.data is not None]
        if any(a >= b for a, b in zip(bounds, bounds[1:], strict=False)):
            raise ValidationError(_("Band bounds must go up from one band to the next."))

    def fill(self, config: dict) -> None:
        super().fill(config)
        self.eligible_categories.data = list(config.get("eligible_categories", []))
        self.eligible_unit_types.data = list(config.get("eligible_unit_types", []))
        rates = config.get("year_rates", [])
        _refill(self.year_rates, [percent_of(r) for r in rates], max(YEAR_ROWS, len(rates)))
        self.max_area.data = _decimal_or_none(config.get("max_area"))
        self.unit_price_cap.data = _decimal_or_none(config.get("unit_price_cap"))
        caps = config.get("yearly_caps") or {}
        for c in rules.CATEGORIES:
            self[f"cap_{c}"].data = _decimal_or_none(caps.get(c))
        bands = config.get("area_bands") or []
        _refill(self.area_bands, [{"up_to": _decimal_or_none(b["up_to"]), "rate": percent_of(b["rate"])}
                                  for b in bands], len(bands) + BAND_ROWS)

    def config(self) -> dict:
        caps = {c: amount_text(self[f"cap_{c}"].data) for c in rules.CATEGORIES if self[f"cap_{c}"].data is not None}
        return {**super().config(),
                "eligible_categories": [c for c in rules.CATEGORIES if c in self.eligible_categories.data],
                "eligible_unit_types": [t.value for t in UnitType if t.value in self.eligible_unit_types.data],
                "max_area": None if self.max_area.data is None else amount_text(self.max_area.data),
                "year_rates": [rate_of(e.data) for e in self.year_rates.entries if e.data is not None],
                "unit_price_cap": None if self.unit_price_cap.data is None else amount_text(self.unit_price_cap.data),
                "yearly_caps": caps,
                "area_bands": [{"up_to": None if r.up_to.data is None else amount_text(r.up_to.data),
                                "rate": rate_of(r.rate.data)}
                               for r in (e.form for e in self.area_bands.entries) if r.rate.data is not None]}


def _refill(field_list: FieldList, values: list, rows: int) -> None:
    while len(field_list):
        field_list.pop_entry()
    for value in values:
        field_list.append_entry(value)
    while len(field_list) < min(rows, field_list.max_entries):
        field_list.append_entry()


def policy_form(calculator: str, **kw) -> CommonPolicyForm:
    return (RentPolicyForm if calculator == "rent" else DeclaredPolicyForm)(**kw)


# --- the calculator (GET: the page is bookmarkable, nothing is changed) -------------------------

CATEGORY_CHOICES = [("", _l("None of them")), *((c, rules.CATEGORY_LABELS[c]) for c in rules.CATEGORIES)]
MAX_PERIOD_DAYS = 10 * 366


def _date_needed(_form, field):
    if field.data is None and not field.errors:  # a date that does not exist keeps its own message
        raise StopValidation(_("Please enter the date."))


def _for_figures(message):
    """The hypothetical figures are needed only when calculating with them; otherwise an empty box
    is fine. What was typed is always checked."""
    def check(form, field):
        if field.raw_data and str(field.raw_data[0]).strip():
            return
        field.errors[:] = []
        raise StopValidation(message if form.mode.data == "figures" else None)
    return check


class CalculatorForm(Form):
    """Who (a company, or figures) and which period; the figures only for a hypothetical tenant."""

    mode = RadioField(_l("Calculate for"), choices=[("company", _l("A company (from its rent ledger)")),
                                                    ("figures", _l("Hypothetical figures"))], default="company")
    start = DateField(_l("Period from"), validators=[_date_needed, _plausible_date])
    end = DateField(_l("Period to"), validators=[_date_needed, _plausible_date])
    tenancy_start = DateField(_l("Tenancy started on"), validators=[_for_figures(_l("Please enter the date.")),
                                                                    _plausible_date])
    area = AmountField(_l("Area (m²)"), validators=[_for_figures(_l("Please enter a number."))], positive=True)
    unit_price = AmountField(_l("Rent (yuan/m²/month)"), validators=[_for_figures(_l("Please enter a number."))],
                             positive=True)
    unit_type = SelectField(_l("Unit type"), choices=UnitType.choices, default="office")
    category = SelectField(_l("Qualification"), choices=CATEGORY_CHOICES, default="high_tech")
    paid = SelectField(_l("Rent paid in full"), choices=[("1", _l("Yes")), ("0", _l("No"))], default="1")

    def validate_end(self, field):
        if self.start.data and field.data:
            if field.data < self.start.data:
                raise ValidationError(_l("The period must end on or after its first day."))
            if (field.data - self.start.data).days > MAX_PERIOD_DAYS:
                raise ValidationError(_l("Please choose a period of at most ten years."))

    @staticmethod
    def default_period(day: dt.date) -> tuple[dt.date, dt.date]:
        return dt.date(day.year, 1, 1), dt.date(day.year, 12, 31)
