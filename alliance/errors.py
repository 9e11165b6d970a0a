"""Domain errors and the error responses: translated HTML pages, problem+json for the API."""

import logging
import threading
from collections.abc import Callable, Mapping

from flask import Response, jsonify, render_template, request
from flask_babel import gettext as _
from flask_smorest import Api
from werkzeug.exceptions import (
    HTTPException,
    InternalServerError,
    SecurityError,
    default_exceptions,
)

from alliance.i18n import _l

log = logging.getLogger(__name__)

PROBLEM_BASE = "https://book-alliance.example.org/problems/"

ERROR_TITLES = {
    400: _l("The request could not be understood"),
    401: _l("Authentication required"),
    403: _l("You do not have access to this page"),
    404: _l("Page not found"),
    405: _l("This action is not allowed here"),
    409: _l("This conflicts with the current state"),
    410: _l("This is no longer available"),
    413: _l("The upload is too large"),
    422: _l("Some values are not valid"),
    429: _l("Too many requests"),
    500: _l("Something went wrong on our side"),
    503: _l("The service is temporarily unavailable"),
}

ERROR_HINTS = {
    400: _l("Please go back, reload the page and try again."),
    403: _l("If you think you should have access, ask an administrator for the right role."),
    404: _l("The address may be mistyped, or the item may have been removed."),
    413: _l("Please upload a smaller file, or split it into several files."),
    429: _l("Please wait a minute before trying again."),
    500: _l("The error has been logged. Please try again later."),
}

PROBLEM_TYPES = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    410: "gone",
    413: "payload-too-large",
    422: "validation-error",
    429: "rate-limited",
    500: "server-error",
    503: "unavailable",
}


class DomainError(Exception):
    """A business rule refused the operation; the message is translatable and safe to show."""

    status = 400
    problem = "domain-error"
    # True when what the service wrote before refusing must be kept (a wrong guess counted).
    keeps_writes = False

    def __init__(self, message, **details):
        super().__init__(str(message))
        self.message = message
        self.details = details


class NotFoundError(DomainError):
    """The object does not exist or is outside the user's scope."""

    status = 404
    problem = "not-found"


class FieldsInvalid(DomainError):
    """Values refused field by field; `problems` maps each field's name to its message.

    A view's `perform(call, form)` puts each message next to its field (a name the form lacks,
    or None, becomes a flash message); the API answers 422 with `errors` by field, the shape
    of a refused request body.
    """

    status = 422
    problem = "validation-error"

    def __init__(self, problems, field: str | None = None):
        """Take {field: message}, or one message and the field it is about."""
        self.problems = dict(problems) if isinstance(problems, Mapping) else {field: problems}
        super().__init__(
            next(iter(self.problems.values())),
            errors={"json": {name or "_": [str(text)] for name, text in self.problems.items()}},
        )


class FieldReader:
    """Read values field by field, noting each field's problem rather than stopping at the first
    (so that a FieldsInvalid reports every problem at once)."""

    def __init__(self, values: Mapping):
        self.values = values
        self.problems: dict = {}

    def take(self, name: str, reader):
        """Return `reader(values[name])`, or None with its ValueError's message noted for name."""
        try:
            return reader(self.values.get(name))
        except ValueError as error:
            self.problems[name] = error.args[0] if error.args else str(error)
            return None


class ConflictError(DomainError):
    """The operation conflicts with the current state (a transition, a duplicate, a budget)."""

    status = 409
    problem = "conflict"


class FieldConflict(FieldsInvalid, ConflictError):
    """A value another object already holds (a name, a code): a conflict shown at its field."""

    status = 409
    problem = "conflict"


def wants_problem_json() -> bool:
    """Tell whether the current request is an API request."""
    return request.path.startswith("/api/")


def problem_response(status: int, detail: str, problem: str | None = None, **extra) -> Response:
    """Build an application/problem+json response."""
    body = {
        "type": PROBLEM_BASE + (problem or PROBLEM_TYPES.get(status, "error")),
        "title": str(ERROR_TITLES.get(status, "Error")),
        "status": status,
        "detail": detail,
        **extra,
    }
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def handle_http_exception(error: HTTPException, reason: str | None = None):
    """Render an HTTP error as problem+json under /api, as a translated page elsewhere
    (saying `reason`, a domain error's translated message, when there is one)."""
    status = error.code or 500
    if isinstance(error, SecurityError):
        # A Host outside TRUSTED_HOSTS: no link can be built for it, so no page either.
        return Response(str(ERROR_TITLES[400]), status=400, content_type="text/plain")
    if wants_problem_json():
        extra = {}
        messages = (getattr(error, "data", None) or {}).get("messages")
        if messages:
            extra["errors"] = messages
        custom = error.description and error.description != type(error).description
        detail = str(error.description if custom else ERROR_TITLES.get(status, error.name))
        response = problem_response(status, detail, **extra)
    else:
        response = Response(
            render_template(
                "errors/error.html",
                status=status,
                title=ERROR_TITLES.get(status, error.name),
                hint=ERROR_HINTS.get(status, ""),
                reason=reason,
            ),
            status=status,
        )
    for name in ("Retry-After", "WWW-Authenticate", "Allow"):
        if error.get_response().headers.get(name):
            response.headers[name] = error.get_response().headers[name]
    return response


def handle_domain_error(error: DomainError):
    """Show an uncaught domain error as its status with the translated message."""
    if wants_problem_json():
        return problem_response(error.status, str(error.message), error.problem, **error.details)
    return handle_http_exception(_http_for(error.status), reason=str(error.message))


def handle_unexpected(error: Exception):
    """Log an unexpected exception and show the translated 500 page."""
    if isinstance(error, HTTPException):
        return handle_http_exception(error)
    log.exception("unhandled exception")
    return handle_http_exception(InternalServerError())


def _http_for(status: int) -> HTTPException:
    return default_exceptions.get(status, InternalServerError)()


class ProblemApi(Api):
    """flask-smorest Api whose errors are problem+json on the API and pages elsewhere.

    Its blueprints' routes are registered at once, their OpenAPI description when the spec is
    first used (/api/v1/openapi.json, `openapi print`): describing every operation's schemas
    takes a tenth of the app's start, which only the document needs.
    """

    def __init__(self, *args, **kwargs):
        from alliance.api.schemas import ProblemSchema

        self.ERROR_SCHEMA = ProblemSchema
        self._undescribed: list[Callable[[], None]] = []
        self._describing = False
        self._describe_lock = threading.RLock()
        super().__init__(*args, **kwargs)

    @property
    def spec(self):
        """The OpenAPI spec, with everything registered so far described in it, in order."""
        with self._describe_lock:
            if not self._describing:  # a description being written reads the spec as it is
                self._describing = True
                try:
                    while self._undescribed:
                        self._undescribed.pop(0)()
                finally:
                    self._describing = False
        return self._spec

    @spec.setter
    def spec(self, spec):
        self._spec = spec

    def describe(self, describe: Callable[["ProblemApi"], None]) -> None:
        """Add `describe(api)`, writing more of the spec, to run when the spec is first used."""
        with self._describe_lock:
            self._undescribed.append(lambda: describe(self))

    def handle_http_exception(self, error):
        return handle_http_exception(error)

    def register_blueprint(self, blp, *, parameters=None, **options):
        """Register an API blueprint; refuse one whose arguments would escape the input rule."""
        from alliance.api.arguments import CleaningParser

        if not isinstance(blp.ARGUMENTS_PARSER, CleaningParser):
            raise TypeError(f"{blp.name}: make it an alliance.api.arguments.Blueprint")
        # Api.register_blueprint, with its two steps describing the blueprint made one for later.
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        self.describe(lambda api: api._describe_blueprint(blp, name, parameters))

    def _describe_blueprint(self, blp, name: str, parameters) -> None:
        blp.register_views_in_doc(self, self._app, self._spec, name=name, parameters=parameters)
        self._spec.tag({"name": name, "description": blp.description})

    def _register_responses(self):
        """Document the error responses (422, 404 ...) as the problem+json they are."""
        self.DEFAULT_RESPONSE_CONTENT_TYPE = "application/problem+json"
        try:
            super()._register_responses()
        finally:
            del self.DEFAULT_RESPONSE_CONTENT_TYPE  # back to the class's application/json


def register_error_handlers(app) -> None:
    """Install the handlers for HTTP errors, domain errors and unexpected exceptions."""
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(Exception, handle_unexpected)


def field_errors_message() -> str:
    """Return the flash text shown above a form with errors."""
    return _("Please correct the highlighted fields.")
