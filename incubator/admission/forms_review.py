"""Reviewer forms: the conflict-of-interest declaration and the score sheet built from the
policy's rubric. Validation only; services.save_scores checks again."""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

_NUMBER = re.compile(r"-?\d{1,6}(\.\d*)?")
SCORE, COMMENT = "score_", "comment_"


class DeclarationForm(FlaskForm):
    conflict = RadioField(_l("Conflict of interest"), choices=[
        ("none", _l("I have no conflict of interest with this applicant")),
        ("conflict", _l("I have a conflict of interest and ask to be excused"))],
        validators=[InputRequired(_l("Please choose one of the two declarations."))])
    note = TextAreaField(_l("The conflict (relationship, shareholding, employment, competing interest…)"),
                         validators=[Length(max=2000)])

    def validate_note(self, field):
        if self.conflict.data == "conflict" and not (field.data or "").strip():
            raise ValidationError(_l("Please describe the conflict of interest."))


class ScoreField(StringField):
    """A score typed by a person: 0 to `maximum`, at most one decimal place (full-width digits
    accepted). Blank means not scored yet (allowed in a draft)."""

    def __init__(self, label=None, validators=None, maximum: Decimal = Decimal("100"), **kw):
        super().__init__(label, validators, **kw)
        self.maximum = maximum

    def process_formdata(self, valuelist):
        raw = unicodedata.normalize("NFKC", valuelist[0] if valuelist else "").strip()
        self.data = None
        if not raw:
            return
        if not _NUMBER.fullmatch(raw):
            raise ValueError(_l("Please enter a number, such as 18 or 18.5."))
        value = Decimal(raw)
        if value < 0:
            raise ValueError(_l("A score cannot be negative."))
        if value > self.maximum:
            raise ValueError(_l("At most %(max)s points for this item.", max=self.maximum))
        if value != value.quantize(Decimal("0.1")):
            raise ValueError(_l("Use at most one decimal place."))
        self.data = value

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else f"{Decimal(self.data):.1f}"


class ScoreForm(FlaskForm):
    overall = TextAreaField(_l("Overall comment"), validators=[Optional(), Length(max=5000)])

    def rows(self):
        """(item, score field, comment field) per rubric item, in the rubric's order."""
        return [(item, self[SCORE + item["key"]], self[COMMENT + item["key"]]) for item in self.rubric]

    def require_all(self) -> bool:
        """On submit every item needs a score."""
        ok = True
        for _item, score, _comment in self.rows():
            if score.data is None and not score.errors:
                score.errors = [*score.errors, _l("Please score this item before submitting.")]
                ok = False
        return ok

    def scores(self) -> dict[str, Decimal | None]:
        return {item["key"]: score.data for item, score, _c in self.rows()}

    def comments(self) -> dict[str, str]:
        return {item["key"]: (comment.data or "").strip() for item, _s, comment in self.rows()}


def score_form(rubric: list[dict], **kw) -> ScoreForm:
    """The score sheet for a rubric: `score_<key>` and `comment_<key>` per item."""

    class Form(ScoreForm):
        pass

    for item in rubric:
        setattr(Form, SCORE + item["key"], ScoreField(item["label"], maximum=Decimal(str(item["weight"]))))
        setattr(Form, COMMENT + item["key"], TextAreaField(_l("Comment"), validators=[Optional(), Length(max=2000)]))
    form = Form(**kw)
    form.rubric = rubric
    return form
