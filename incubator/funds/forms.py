"""Fund forms: a programme and its rules, a new pool, a top-up. Validation only; the services
check again (they are what keeps the books within the rules)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ..spaces.forms import AmountField
from . import rules
from .models import FundSource


def plausible_date(_form, field):
    if field.data is not None and not 2000 <= field.data.year <= 2100:
        raise ValidationError(_l("Please enter a date between 2000 and 2100."))


class ConfigForm(FlaskForm):
    phase_cap = AmountField(_l("Cap per city phase (yuan)"), validators=[InputRequired()], positive=True, digits=14)
    max_city_phases = IntegerField(_l("Number of city phases at most"),
                                   validators=[InputRequired(), NumberRange(1, rules.MAX_PHASES)])
    matching_ratio = AmountField(_l("Committee matching ratio (committee : city)"), validators=[InputRequired()],
                                 digits=5)
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])

    def config(self) -> dict:
        return {"phase_cap": str(self.phase_cap.data), "max_city_phases": self.max_city_phases.data,
                "matching_ratio": str(self.matching_ratio.data)}


class ProgramForm(ConfigForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(min=2, max=120)])


class PoolForm(FlaskForm):
    program_id = SelectField(_l("Fund programme"), coerce=int, validators=[DataRequired()])
    source = SelectField(_l("Source"), choices=FundSource.choices, default=FundSource.CITY.value)
    phase = IntegerField(_l("Phase"), validators=[InputRequired(), NumberRange(1, 99)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(min=2, max=120)])
    allocated = AmountField(_l("Amount allocated (yuan)"), validators=[InputRequired()], positive=True, digits=14)
    opened_on = DateField(_l("Opened on"), validators=[InputRequired(_l("Please enter the date.")), plausible_date])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class AllocateForm(FlaskForm):
    amount = AmountField(_l("Amount to add (yuan)"), validators=[InputRequired()], positive=True, digits=14)
    note = StringField(_l("Note (document number of the allocation)"), validators=[Optional(), Length(max=500)])
