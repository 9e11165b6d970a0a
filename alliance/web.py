"""The one way views run a service (commit, or roll back and explain) and read list arguments."""

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import flash, request
from flask_login import current_user

from alliance.cleaning import (
    MAX_INTEGER,
    NumberRefused,
    TextRefused,
    clean_text,
    read_whole_number,
)
from alliance.errors import DomainError, FieldsInvalid, field_errors_message
from alliance.extensions import db
from alliance.files.services import Upload
from alliance.importing import save_report
from alliance.tabular import ImportRejected

MAX_PAGE = 100_000  # as the API's page arguments


@dataclass(frozen=True)
class Done:
    """A service call that succeeded and was committed, with what it returned."""

    value: object = None


def perform(call: Callable[[], object], on=None) -> Done | None:
    """Run `call` and commit; on a DomainError roll back, show why, and return None.

    `on` is the form (each of a FieldsInvalid's problems goes next to the field it names) or
    one field (every message goes there); the user's input stays in the form. Messages with
    no field to go to are flashed.
    """
    try:
        value = call()
    except DomainError as error:
        if error.keeps_writes:
            db.session.commit()
        else:
            db.session.rollback()
        show_problems(error, on)
        return None
    db.session.commit()
    return Done(value)


def show_problems(error: DomainError, on=None) -> None:
    """Put a refusal's messages next to the fields of `on` (a form or a field), else flash.

    A form's `problem_fields` maps a service's field name to the form's; when any message
    lands on a field, one flash above the form says to look at the highlighted fields.
    """
    problems = error.problems if isinstance(error, FieldsInvalid) else {None: error.message}
    marked = False
    for name, message in problems.items():
        field = _field_named(on, name) if hasattr(on, "_fields") else on
        if field is None:
            flash(str(message), "danger")
            continue
        if str(message) not in map(str, field.errors):
            field.errors = [*field.errors, str(message)]
        marked = True
    if marked and hasattr(on, "_fields"):
        flash(field_errors_message(), "danger")


def read_form(form, read: Callable[[dict], object]):
    """Read a submitted form by the service's rules too, so that every problem shows at once.

    The form's own checks and `read(form.data)` (which raises FieldsInvalid) both run; each
    message goes next to its field, a field keeping the form's own message if it has one.
    Returns what `read` returned, or None when anything was refused or nothing was sent.
    """
    if not form.is_submitted():
        return None
    valid = form.validate()
    try:
        values = read(form.data)
    except FieldsInvalid as invalid:
        fresh = {
            name: message
            for name, message in invalid.problems.items()
            if (field := _field_named(form, name)) is None or not field.errors
        }
        show_problems(FieldsInvalid(fresh) if fresh else invalid, form)
        return None
    return values if valid else None


def _field_named(form, name):
    if name is None:
        return None
    return form._fields.get(getattr(form, "problem_fields", {}).get(name, name))


@dataclass
class Imported:
    """What an upload did: the import's result, or the problems of a rejected file."""

    result: object = None
    problems: list = field(default_factory=list)
    report: object = None  # the downloadable report of a rejected file


def run_import(form, importer: Callable[[bytes, str], object]) -> Imported:
    """Run `importer(data, filename)` on the form's uploaded file; commit, or explain.

    A rejected file writes nothing but keeps its problems as a report to download; a file
    that cannot be read at all gets its message next to the file field.
    """
    upload = form.file.data
    filename = upload.filename or "upload"
    try:
        result = importer(upload.read(), filename)
    except ImportRejected as rejected:
        db.session.rollback()
        report = save_report(current_user, filename, rejected.problems)
        db.session.commit()
        return Imported(problems=rejected.problems, report=report)
    except DomainError as error:
        db.session.rollback()
        form.file.errors.append(str(error.message))
        return Imported()
    db.session.commit()
    return Imported(result=result)


def uploads_in(field) -> list[Upload]:
    """Return the files sent in a form's file field (none chosen: an empty list)."""
    files = field.data if isinstance(field.data, list) else [field.data]
    return [Upload(f.filename or "upload", f.read()) for f in files if f and f.filename]


def page_number() -> int:
    """Return the list page asked for by `?page=`: 1 when absent, unreadable or out of range."""
    try:
        return read_whole_number(request.args.get("page", "1"), minimum=1, maximum=MAX_PAGE)
    except NumberRefused:
        return 1


def id_from(text: str) -> int | None:
    """Return the id a form or query names ('12'), or None for anything but an INTEGER id."""
    try:
        return read_whole_number(text, minimum=1, maximum=MAX_INTEGER)
    except NumberRefused:
        return None


def paginate(query, per_page: int):
    """Return the page of `query` a list page asks for (the one way list pages read `page`)."""
    return db.paginate(
        query, page=page_number(), per_page=per_page, max_per_page=per_page, error_out=False
    )


def query_text(name: str, max_length: int) -> str | None:
    """Return a text query argument cleaned by the input rule; None when empty or refused."""
    try:
        return clean_text(request.args.get(name, ""), max_length=max_length) or None
    except TextRefused:
        return None
