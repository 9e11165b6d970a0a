"""Forms for reporting sales, importing them, filtering them and recording livestream sessions."""

from functools import partial

from flask_wtf.file import FileField, FileRequired
from wtforms import SelectChoice, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from alliance.catalogue.isbn import IsbnError, normalise_isbn
from alliance.dates import read_day
from alliance.forms import FlaskForm
from alliance.i18n import _l
from alliance.money import MoneyError, parse_money
from alliance.tabular import XLSX_MIMETYPE, parse_int_cell
from campaigns.models import CHANNEL_LABELS
from campaigns.sales import livestreams
from campaigns.sales import services as sales

CHANNEL_CHOICES = [SelectChoice(value.value, label) for value, label in CHANNEL_LABELS.items()]
SPREADSHEET_TYPES = ".csv,.txt,.xlsx,text/csv," + XLSX_MIMETYPE
REQUIRED = _l("This field is required.")


def _text(label, limit, required=False, description=None, **render_kw):
    validators = [DataRequired(REQUIRED) if required else Optional(), Length(max=limit)]
    return StringField(
        label,
        validators=validators,
        description=description,
        render_kw=render_kw or None,
    )


class SaleForm(FlaskForm):
    """A day's sales of one enrolled title through one channel."""

    problem_fields = {"revenue_fen": "revenue"}

    isbn = _text(_l("ISBN"), 64, True, _l("An ISBN of one of your approved titles."))
    sale_date = _text(_l("Date"), 20, True, _l("The day of the sales (China time)."), type="date")
    channel = SelectField(_l("Channel"), choices=CHANNEL_CHOICES)
    units = _text(_l("Copies sold"), 20, True, inputmode="numeric")
    revenue = _text(_l("Revenue (yuan)"), 30, True, _l("For example 4776.00"), inputmode="decimal")
    submit = SubmitField(_l("Report the sale"))

    def values(self) -> sales.SaleInput | None:
        """Return the checked values, or None with a message next to each bad field."""
        if not self.validate():
            return None
        found = {"isbn": self.isbn.data, "channel": self.channel.data}
        for name, read in (
            ("sale_date", partial(read_day, required=True)),
            ("units", sales.parse_units),
        ):
            try:
                found[name] = read(self[name].data)
            except ValueError as error:
                self[name].errors.append(error.args[0])
        try:
            found["revenue_fen"] = parse_money(self.revenue.data)
        except MoneyError as error:
            self.revenue.errors.append(error.message)
        if any(field.errors for field in self):
            return None
        return sales.SaleInput(**found)


class SalesFilterForm(FlaskForm):
    """Filter a campaign's sales."""

    class Meta:
        csrf = False

    isbn = _text(_l("ISBN"), 64)
    channel = SelectField(
        _l("Channel"), choices=[SelectChoice("", _l("Any channel")), *CHANNEL_CHOICES], default=""
    )
    date_from = _text(_l("From"), 20, type="date")
    date_to = _text(_l("To"), 20, type="date")
    publisher = SelectField(_l("Publisher"), coerce=int, choices=[], default=0)

    def filters(self) -> dict:
        """Return the valid filters (a bad one is marked on the form and left out)."""
        self.validate()
        found = {}
        if self.isbn.data and not self.isbn.errors:
            try:
                found["isbn"] = normalise_isbn(self.isbn.data)
            except IsbnError as error:
                self.isbn.errors.append(error.message)
        if self.channel.data and not self.channel.errors:
            found["channel"] = self.channel.data
        for name in ("date_from", "date_to"):
            field = self[name]
            if field.data and not field.errors:
                try:
                    found[name] = read_day(field.data, required=True)
                except ValueError as error:
                    field.errors.append(error.args[0])
        publisher = self._fields.get("publisher")
        if publisher is not None and publisher.data and not publisher.errors:
            found["publisher_id"] = publisher.data
        return found


class ImportSalesForm(FlaskForm):
    """Upload a spreadsheet of sales."""

    file = FileField(
        _l("Spreadsheet (CSV or Excel .xlsx)"),
        validators=[FileRequired(_l("Choose a CSV or Excel file to upload."))],
        render_kw={"accept": SPREADSHEET_TYPES},
    )
    submit = SubmitField(_l("Import"))


class LivestreamForm(FlaskForm):
    """A livestream selling session."""

    problem_fields = {"gmv_fen": "gmv"}

    host = _text(_l("Host or channel"), 200, True, _l("Who presented, and on which platform."))
    started_at = _text(
        _l("Start"), 30, True, _l("Date and time in your time zone."), type="datetime-local"
    )
    duration_minutes = _text(_l("Duration (minutes)"), 10, True, inputmode="numeric")
    units = _text(_l("Copies sold"), 20, True, inputmode="numeric")
    gmv = _text(_l("Sales value (yuan)"), 30, True, _l("Gross merchandise value."))
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=livestreams.MAX_NOTES)])
    submit = SubmitField(_l("Record the session"))

    def values(self, zone: str) -> livestreams.LivestreamInput | None:
        """Return the checked values (start read in `zone`), or None with messages."""
        if not self.validate():
            return None
        found = {"host": self.host.data, "notes": self.notes.data}
        try:
            found["started_at"] = livestreams.local_datetime(self.started_at.data, zone)
        except ValueError as error:
            self.started_at.errors.append(error.args[0])
        try:
            found["duration_minutes"] = _minutes(self.duration_minutes.data)
        except ValueError as error:
            self.duration_minutes.errors.append(error.args[0])
        try:
            found["units"] = sales.parse_units(self.units.data)
        except ValueError as error:
            self.units.errors.append(error.args[0])
        try:
            found["gmv_fen"] = parse_money(self.gmv.data)
        except MoneyError as error:
            self.gmv.errors.append(error.message)
        if any(field.errors for field in self):
            return None
        return livestreams.LivestreamInput(**found)


def _minutes(text) -> int:
    try:
        minutes = parse_int_cell(text)
    except ValueError:
        raise ValueError(livestreams.MINUTES_MESSAGE) from None
    if not 0 < minutes <= livestreams.MAX_MINUTES:
        raise ValueError(livestreams.MINUTES_MESSAGE)
    return minutes
