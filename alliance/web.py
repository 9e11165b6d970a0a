"""The one way views run a service: commit on success, roll back and explain on refusal."""

from collections.abc import Callable
from dataclasses import dataclass

from flask import flash

from alliance.errors import DomainError
from alliance.extensions import db


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
        db.session.rollback()
        if error_field is not None:
            error_field.errors.append(str(error.message))
        else:
            flash(str(error.message), "danger")
        return None
    db.session.commit()
    return Done(value)
