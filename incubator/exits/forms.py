"""Exit forms: raising a case, the company's request and response, the settlement, decisions
and evidence. Validation only; the services check again."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..spaces.forms import AmountField
from .models import BreachType
from .services import MAX_TEXT, STAFF_KINDS
from .settlement import CHECKLIST

EVENT_LABELS = {"acquired": _l("Acquired by another company"), "listed": _l("Listed on a stock exchange"),
                "larger_space": _l("Moving on to larger production space")}
CHECKLIST_LABELS = {"keys": _l("Keys returned"), "access_cards": _l("Access cards returned"),
                    "unit_inspected": _l("Unit inspected (damage recorded below)"),
                    "documents_returned": _l("Documents and materials handed over")}
_DATE = _l("Please enter the date (YYYY-MM-DD).")


def _reason(label, required=True):
    first = DataRequired(_l("A reason is required.")) if required else Optional()
    return TextAreaField(label, validators=[first, Length(max=MAX_TEXT)])


class RaiseForm(FlaskForm):
    company_id = SelectField(_l("Company"), coerce=int, validators=[DataRequired(_l("Please choose the company."))])
    kind = SelectField(_l("Kind of exit"), choices=lambda: [(k.value, k.label) for k in STAFF_KINDS])
    breach_type = SelectField(_l("Breach"), choices=lambda: [("", "—"), *BreachType.choices()], default="")
    events = SelectMultipleField(_l("Graduation events (declared with evidence)"),
                                 choices=lambda: [(k, str(v)) for k, v in EVENT_LABELS.items()])
    planned_exit_on = DateField(_l("Planned exit date"), validators=[InputRequired(_DATE)])
    reason = _reason(_l("Reason (the company sees it)"))
    evidence = FileField(_l("Evidence (optional; more can be added on the case page)"))


class RequestForm(FlaskForm):
    planned_exit_on = DateField(_l("Date you wish to leave"), validators=[InputRequired(_DATE)])
    reason = _reason(_l("Why your company wishes to leave"))


class RespondForm(FlaskForm):
    agrees = RadioField(_l("Your position"), choices=[("yes", _l("We agree")), ("no", _l("We object"))],
                        validators=[InputRequired(_l("Please choose."))])
    response = _reason(_l("Your response"))


class SettlementForm(FlaskForm):
    exit_on = DateField(_l("Exit date"), validators=[InputRequired(_DATE)])
    departure_approved = BooleanField(_l("Departure approved: refund the deposit and prepaid rent (otherwise both "
                                         "are forfeited)"))
    damage = AmountField(_l("Damage deduction (yuan)"), validators=[Optional()], digits=14)
    damage_note = StringField(_l("What the damage deduction is for"), validators=[Optional(), Length(max=500)])
    keys = BooleanField(CHECKLIST_LABELS["keys"])
    keys_note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])
    access_cards = BooleanField(CHECKLIST_LABELS["access_cards"])
    access_cards_note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])
    unit_inspected = BooleanField(CHECKLIST_LABELS["unit_inspected"])
    unit_inspected_note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])
    documents_returned = BooleanField(CHECKLIST_LABELS["documents_returned"])
    documents_returned_note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])
    note = _reason(_l("Note for the review"), required=False)

    def checklist(self) -> dict:
        return {key: {"done": self[key].data, "note": self[f"{key}_note"].data} for key in CHECKLIST}

    def fill(self, case) -> None:
        self.exit_on.data = case.planned_exit_on
        self.departure_approved.data = case.departure_approved
        for key, item in (case.checklist or {}).items():
            if key in CHECKLIST:
                self[key].data, self[f"{key}_note"].data = item.get("done"), item.get("note")
        if case.settlement:
            self.damage.data = case.damage
            self.damage_note.data = case.settlement.get("damage_note")


class CommentForm(FlaskForm):
    comment = _reason(_l("Comment"), required=False)


class DecideForm(FlaskForm):
    decision = RadioField(_l("Decision"), choices=[("approve", _l("Approve the exit")), ("reject", _l("Reject"))],
                          validators=[InputRequired(_l("Choose a decision."))])
    comment = _reason(_l("Reason (required for a rejection; the company sees it)"), required=False)


class EvidenceForm(FlaskForm):
    file = FileField(_l("File"), validators=[FileRequired(_l("Please choose a file."))])
    title = StringField(_l("Title"), validators=[Optional(), Length(max=200)])
