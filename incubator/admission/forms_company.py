"""The company's application form, material upload and withdrawal: validation only
(services.create_application / update_application check the rules again)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..companies.forms import CountField
from ..companies.models import IndustryTrack
from ..spaces.forms import AmountField
from ..spaces.models import UnitType

MAX_JOBS = 1_000_000


class JobsField(CountField):
    """Like CountField, but blank means not stated rather than 0."""

    def process_formdata(self, valuelist):
        if valuelist and not (valuelist[0] or "").strip():
            self.data = None
            return
        super().process_formdata(valuelist)


def _amount(label):
    """Yuan for Numeric(14, 2): blank means not stated."""
    return AmountField(label, validators=[Optional()], digits=14)


class ApplicationForm(FlaskForm):
    # project
    project_name = StringField(_l("Project name"), validators=[DataRequired(), Length(max=120)])
    project_summary = TextAreaField(_l("Project summary"), validators=[Optional(), Length(max=5000)])
    track = SelectField(_l("Industry track"), choices=IndustryTrack.choices, validators=[DataRequired()])
    # requested space
    carrier_id = SelectField(_l("Carrier"), coerce=int, validators=[DataRequired(_l("Please choose a carrier."))])
    unit_type = SelectField(_l("Space type"), choices=UnitType.choices, validators=[DataRequired()])
    area_requested = AmountField(_l("Area requested (m²)"), validators=[InputRequired()], positive=True)
    # team, financials, IP, contribution
    team_summary = TextAreaField(_l("Team summary"), validators=[Optional(), Length(max=5000)])
    revenue_last_year = _amount(_l("Revenue last year (yuan)"))
    tax_last_year = _amount(_l("Tax paid last year (yuan)"))
    rd_expense_last_year = _amount(_l("R&D expense last year (yuan)"))
    financing_total = _amount(_l("Financing raised to date (yuan)"))
    ip_summary = TextAreaField(_l("Intellectual property summary"), validators=[Optional(), Length(max=5000)])
    expected_jobs = JobsField(_l("Jobs expected within three years"), default=None, validators=[
        Optional(), NumberRange(min=0, max=MAX_JOBS, message=_l("Please enter a whole number (0 or more)."))])
    agent_id = SelectField(_l("Referring agent"), coerce=int, default=0)
    will_move_registration = BooleanField(
        _l("We commit to moving our business registration, tax and statistics relationship into the community"))

    def data_for_service(self) -> dict:
        """The fields the service takes; fixed fields removed from the form are filled in by the view."""
        names = ("project_name", "project_summary", "track", "carrier_id", "unit_type", "area_requested",
                 "team_summary", "revenue_last_year", "tax_last_year", "rd_expense_last_year", "financing_total",
                 "ip_summary", "expected_jobs", "agent_id", "will_move_registration")
        data = {name: self[name].data for name in names if name in self}
        for text in ("project_name", "project_summary", "team_summary", "ip_summary"):
            if text in data:
                data[text] = (data[text] or "").strip() or None
        if "track" in data:
            data["track"] = IndustryTrack(data["track"])
        if "unit_type" in data:
            data["unit_type"] = UnitType(data["unit_type"])
        if "agent_id" in data:
            data["agent_id"] = data["agent_id"] or None
        return data


class MaterialForm(FlaskForm):
    """One upload into a checklist item; `category` is the item's key."""

    category = StringField(validators=[DataRequired(), Length(max=40)])
    file = FileField(_l("File"), validators=[FileRequired(_l("Please choose a file."))])


class WithdrawForm(FlaskForm):
    reason = TextAreaField(_l("Reason (optional)"), validators=[Optional(), Length(max=2000)])
