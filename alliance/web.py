"""The one way views run a service: commit on success, roll back and explain on refusal."""

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import flash
from flask_login import current_user

from alliance.errors import DomainError
from alliance.extensions import db
from alliance.tabular import ImportRejected


@dataclass(frozen=True)
class Done:
    """A service call that succeeded and was committed, with what it returned."""

    value: object = None


def perform(call: Callable[[], object], error_field=None) -> Done | None:
    """Run `call` and commit; on a DomainError roll back, show why, and return None.

    The message goes next to `error_field` when given (the user's input stays in the form),
    else into a flash message.
    """
    try:
        value = call()
    except DomainError as error:
        if error.keeps_writes:
            db.session.commit()
        else:
            db.session.rollback()
        if error_field is not None:
            error_field.errors.append(str(error.message))
        else:
            flash(str(error.message), "danger")
        return None
    db.session.commit()
    return Done(value)


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
    from alliance.catalogue.importing import save_report

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
