"""Upload forms: validation only (the content checks live in filetypes)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from .rules import DocumentCategory

FILE_HINT = _l("PDF, JPEG, PNG, Word (.docx) or Excel (.xlsx).")


class UploadForm(FlaskForm):
    category = SelectField(_l("Category"), choices=[], validators=[DataRequired()])
    title = StringField(_l("Title"), validators=[Optional(), Length(max=200)])
    file = FileField(_l("File"), validators=[FileRequired(_l("Please choose a file."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = DocumentCategory.choices()


class VersionForm(FlaskForm):
    file = FileField(_l("New version"), validators=[FileRequired(_l("Please choose a file."))])
