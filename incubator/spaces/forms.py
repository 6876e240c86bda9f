"""Forms for carriers, buildings and units: validation only (the services check again)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..core.errors import DomainError
from .models import UnitType
from .rules import parse_amount


class AmountField(StringField):
    """A number typed by a person: full-width digits are accepted, more than two decimals,
    negatives (and zero, with positive=True) are refused with a clear message."""

    def __init__(self, label=None, validators=None, positive: bool = False, digits: int = 10, **kw):
        super().__init__(label, validators, **kw)
        self.positive, self.digits = positive, digits

    def process_formdata(self, valuelist):
        raw = valuelist[0] if valuelist else ""
        self.data = None
        if raw.strip():
            try:
                self.data = parse_amount(raw, positive=self.positive, digits=self.digits)
            except DomainError as exc:
                raise ValueError(exc.message) from None

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else f"{self.data:.2f}"


class UnitForm(FlaskForm):
    version = HiddenField()
    building_id = SelectField(_l("Building"), coerce=int, validators=[DataRequired()])
    floor = IntegerField(_l("Floor"), validators=[InputRequired(), NumberRange(-10, 200)])
    number = StringField(_l("Unit number"), validators=[DataRequired(), Length(max=20)])
    type = SelectField(_l("Space type"), choices=UnitType.choices, validators=[DataRequired()])
    area = AmountField(_l("Area (m²)"), validators=[InputRequired()], positive=True)
    list_rent = AmountField(_l("List rent (yuan/m²/month)"), validators=[InputRequired()])
    in_startup_zone = BooleanField(_l("In the start-up zone"), default=True)
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=1000)])


class BuildingForm(FlaskForm):
    carrier_id = SelectField(_l("Carrier"), coerce=int, validators=[DataRequired()])
    name = StringField(_l("Building name"), validators=[DataRequired(), Length(max=60)])


class CarrierForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(min=2, max=120)])
    role = TextAreaField(_l("Role in the community"), validators=[Optional(), Length(max=2000)])
    total_area = AmountField(_l("Total floor area (m²)"), validators=[InputRequired()], positive=True, digits=12)
    startup_area = AmountField(_l("Start-up zone area (m²)"), validators=[InputRequired()], digits=12)
