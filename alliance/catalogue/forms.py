"""Forms for searching, adding and editing titles."""

from flask_wtf.file import FileField, FileRequired
from wtforms import SelectChoice, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from alliance.catalogue.models import FORMAT_LABELS, STATUS_LABELS
from alliance.forms import FlaskForm
from alliance.i18n import _l
from alliance.tabular import XLSX_MIMETYPE

FORMAT_CHOICES = [SelectChoice(value.value, label) for value, label in FORMAT_LABELS.items()]
STATUS_CHOICES = [SelectChoice(value.value, label) for value, label in STATUS_LABELS.items()]
NAMES_HELP = _l("Separate several names with ; or 、")
SPREADSHEET_TYPES = ".csv,.txt,.xlsx,text/csv," + XLSX_MIMETYPE


class TitleSearchForm(FlaskForm):
    """Search the catalogue."""

    class Meta:
        csrf = False

    q = StringField(
        _l("ISBN, title or contributor"),
        validators=[Optional(), Length(max=200)],
    )
    publisher = SelectField(_l("Publisher"), coerce=int, choices=[], default=0)
    status = SelectField(
        _l("Status"), choices=[SelectChoice("", _l("Any status")), *STATUS_CHOICES], default=""
    )


def _text(label, limit, required=False, description=None):
    validators = [DataRequired() if required else Optional(), Length(max=limit)]
    return StringField(label, validators=validators, description=description)


class TitleForm(FlaskForm):
    """A title's record; the same rules as the API and spreadsheet import apply."""

    problem_fields = {"contributors": "authors", "list_price_fen": "price"}

    isbn = _text(_l("ISBN"), 64, True, _l("ISBN-13 or ISBN-10, with or without hyphens."))
    title = _text(_l("Title"), 300, True)
    subtitle = _text(_l("Subtitle"), 300)
    authors = _text(_l("Authors"), 2000, description=NAMES_HELP)
    editors = _text(_l("Editors"), 2000)
    translators = _text(_l("Translators"), 2000)
    illustrators = _text(_l("Illustrators"), 2000)
    format = SelectField(_l("Format"), choices=FORMAT_CHOICES)
    language = _text(_l("Language"), 8, description=_l("A code such as zh or en."))
    clc_class = _text(_l("CLC class (中图法)"), 32, description=_l("For example I247.5"))
    thema_code = _text(_l("Thema code"), 16)
    publication_date = _text(_l("Publication date"), 20, description=_l("For example 2021-04-23"))
    price = _text(_l("List price (yuan)"), 30, description=_l("For example 59.80"))
    page_count = _text(_l("Number of pages"), 10)
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=10_000)])
    status = SelectField(_l("Status"), choices=STATUS_CHOICES)
    submit = SubmitField(_l("Save"))


class StatusForm(FlaskForm):
    """Withdraw, reinstate or publish a title."""

    status = SelectField(choices=STATUS_CHOICES)
    submit = SubmitField(_l("Change status"))


class ImportTitlesForm(FlaskForm):
    """Upload a spreadsheet of titles."""

    file = FileField(
        _l("Spreadsheet (CSV or Excel .xlsx)"),
        validators=[FileRequired(_l("Choose a CSV or Excel file to upload."))],
        render_kw={"accept": SPREADSHEET_TYPES},
    )
    submit = SubmitField(_l("Import"))
