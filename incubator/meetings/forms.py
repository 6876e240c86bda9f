"""Meeting forms: scheduling, the agenda, resolutions, attendance, minutes. Validation of shape
only; the services check again (and give the Chinese messages for votes and texts)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from .models import Outcome
from .services import MAX_MINUTES, MAX_TEXT

_DATE = _l("Please enter the date (YYYY-MM-DD).")
_TIME = _l("Please enter the time (HH:MM).")


class DetailsForm(FlaskForm):
    """When, where and who chairs (rescheduling a meeting uses this part)."""
    starts_on = DateField(_l("Date"), validators=[InputRequired(_DATE)], invalid_value_message=_DATE)
    starts_time = TimeField(_l("Time"), validators=[InputRequired(_TIME)], invalid_value_message=_TIME)
    place = StringField(_l("Place"), validators=[DataRequired(_l("Please enter where the meeting takes place.")),
                                                 Length(max=200)])
    chair_id = SelectField(_l("Chair"), coerce=int, validators=[DataRequired(_l("Please choose the chair."))])
    title = StringField(_l("Title (optional: the date and the meeting type by default)"),
                        validators=[Optional(), Length(max=200)])


class ScheduleForm(DetailsForm):
    type_id = SelectField(_l("Meeting type"), coerce=int, validators=[DataRequired(_l("Please choose the meeting type."))])
    fill = BooleanField(_l("Put everything waiting for this type of meeting on the agenda"), default=True)


class AddItemForm(FlaskForm):
    kind = StringField(validators=[DataRequired(), Length(max=40)])
    object_id = IntegerField(validators=[InputRequired()])


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(_l("A reason is required.")), Length(max=MAX_TEXT)])


class DeferForm(FlaskForm):
    reason = TextAreaField(_l("Why it is deferred (optional)"), validators=[Optional(), Length(max=MAX_TEXT)])


class ResolutionForm(FlaskForm):
    outcome = RadioField(_l("Outcome"), choices=lambda: Outcome.choices(),
                         validators=[InputRequired(_l("Please choose the outcome."))])
    text = TextAreaField(_l("Resolution"), validators=[DataRequired(_l("Please write the resolution.")),
                                                       Length(max=MAX_TEXT)])
    conditions = TextAreaField(_l("Conditions (with an agreement, optional)"), validators=[Optional(),
                                                                                         Length(max=MAX_TEXT)])
    # free text: the service parses the counts and explains what is wrong in words
    votes_for = StringField(_l("For"), validators=[Optional(), Length(max=10)])
    votes_against = StringField(_l("Against"), validators=[Optional(), Length(max=10)])
    votes_abstain = StringField(_l("Abstaining"), validators=[Optional(), Length(max=10)])


class GuestForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Please enter the attendee's name.")), Length(max=80)])
    title = StringField(_l("Post or organisation"), validators=[Optional(), Length(max=120)])


class MinutesForm(FlaskForm):
    minutes = TextAreaField(_l("Minutes"), validators=[Optional(), Length(max=MAX_MINUTES)])


class CommentForm(FlaskForm):
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=MAX_TEXT)])


class CancelForm(FlaskForm):
    comment = TextAreaField(_l("Why the meeting is cancelled"), validators=[DataRequired(_l("A reason is required.")),
                                                                            Length(max=MAX_TEXT)])
