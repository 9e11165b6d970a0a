"""GET /api/v1/labels/<code>: the public label check, answered straight from WSGI.

The busiest public route skips the app's per-request machinery (sessions, logins, CSRF,
templates, the ORM). It keeps what matters here: the rate limits, security headers,
`no-store`, the request id, the reader's language, and codes kept out of the logs.
"""

import json
import logging
from http import HTTPStatus

from flask import Flask
from flask_babel import get_translations
from werkzeug.exceptions import SecurityError
from werkzeug.http import dump_cookie
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request
from werkzeug.wsgi import get_host

from alliance.errors import ERROR_HINTS, ERROR_TITLES, PROBLEM_BASE, PROBLEM_TYPES
from alliance.i18n import (
    LANG_COOKIE,
    LANG_COOKIE_OPTIONS,
    LANGUAGES,
    choose_language,
    normalise_language,
)
from alliance.logs import new_request_id, request_id_var
from authenticity.labels import verification
from authenticity.labels.public import describe
from authenticity.labels.schemas import VerdictSchema

log = logging.getLogger(__name__)
PREFIX = "/api/v1/labels/"
# A page's headers that belong to that page's answer, not to every answer of the site.
OWN_HEADERS = {"content-type", "content-length", "x-request-id", "vary", "set-cookie",
               "cache-control", "content-security-policy"}  # fmt: skip
JSON_POLICY = ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")


class LabelRoute:
    """WSGI middleware that answers label checks and hands every other request on."""

    def __init__(self, app: Flask, next_app):
        self.next_app = next_app
        self.config = app.config
        self.checks = app.extensions["label_checks"]
        self.limits = app.extensions["label_limits"]
        self.security_headers = {secure: _site_headers(app, secure) for secure in (False, True)}
        self.gettext, self.problems = {}, {}
        for language in LANGUAGES:  # read once, in a context where Flask-Babel speaks it
            with app.test_request_context(f"/?lang={language}"):
                self.gettext[language] = get_translations().gettext
                self.problems[language] = {
                    status: (str(ERROR_TITLES[status]), str(ERROR_HINTS.get(status, "")))
                    for status in (400, 405, 429, 500)
                }

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not path.startswith(PREFIX) or len(path) == len(PREFIX):
            return self.next_app(environ, start_response)
        request_id = new_request_id(environ.get("HTTP_X_REQUEST_ID"))
        token = request_id_var.set(request_id)
        try:
            status, headers, body = self.answer(environ)
        finally:
            request_id_var.reset(token)
        headers += [
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
            ("X-Request-ID", request_id),
            *self.security_headers[_secure(environ)],
        ]
        start_response(f"{status} {HTTPStatus(status).phrase}", headers)
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]

    def answer(self, environ) -> tuple[int, list, bytes]:
        """Return the status, headers and body of the answer to one check."""
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            language = choose_language(None, None, None, environ.get("HTTP_ACCEPT_LANGUAGE"))
            return self._problem(405, language, [("Allow", "GET, HEAD")])
        if not self._served_host(environ):
            language = choose_language(None, None, None, environ.get("HTTP_ACCEPT_LANGUAGE"))
            return self._problem(400, language, [])
        # The environ is read directly: a Request object is made only for a query or cookies.
        if self.config["FORCE_HTTPS"] and not _secure(environ):
            url = Request(environ).url
            return 302, [("Location", "https://" + url.partition("://")[2])], b""
        asked, cookie = None, None
        if environ.get("QUERY_STRING") or environ.get("HTTP_COOKIE"):
            request = Request(environ)
            asked = normalise_language(request.args.get("lang"))
            cookie = request.cookies.get(LANG_COOKIE)
        language = choose_language(asked, cookie, None, environ.get("HTTP_ACCEPT_LANGUAGE"))
        headers = [("Vary", "Cookie, Accept-Language")]
        if asked:  # remembered, as on every page
            headers.append(("Set-Cookie", dump_cookie(LANG_COOKIE, asked, **LANG_COOKIE_OPTIONS)))
        address = environ.get("REMOTE_ADDR")
        try:
            wait = self.limits.wait(address)
            if wait:
                return self._problem(429, language, [*headers, ("Retry-After", str(wait))])
            # Decoded as Werkzeug decodes a path: the server hands it over as latin-1.
            raw = environ["PATH_INFO"][len(PREFIX) :].encode("latin-1", "replace")
            code = raw.decode("utf-8", "replace")
            verdict = self.checks.verify(code, address)
        except Exception:
            log.exception("label check failed")
            return self._problem(500, language, headers)
        body = verdict_body(verdict, language, self.gettext[language])
        return 200, [*headers, ("Content-Type", "application/json")], _json(body)

    def _served_host(self, environ) -> bool:
        """Tell whether the request names a host this site serves (TRUSTED_HOSTS), as pages do."""
        trusted = self.config["TRUSTED_HOSTS"]
        if trusted is None:
            return True
        try:
            get_host(environ, trusted)
        except SecurityError:
            return False
        return True

    def _problem(self, status: int, language: str, headers: list) -> tuple[int, list, bytes]:
        title, hint = self.problems[language][status]
        body = {"type": PROBLEM_BASE + PROBLEM_TYPES[status], "title": title,
                "status": status, "detail": hint or title}  # fmt: skip
        return status, [*headers, ("Content-Type", "application/problem+json")], _json(body)


def _site_headers(app: Flask, secure: bool) -> list[tuple[str, str]]:
    """Return the security headers the app's pages get (Talisman's, read off an answer the
    app makes, so there is one configuration), with a policy for JSON that loads nothing."""
    scheme = "https" if secure else "http"
    with app.test_request_context("/verify", environ_overrides={"wsgi.url_scheme": scheme}):
        page = app.process_response(app.response_class())
    site = [(name, value) for name, value in page.headers if name.lower() not in OWN_HEADERS]
    return [JSON_POLICY, *site]


def _secure(environ) -> bool:
    """Tell whether the reader came over HTTPS (directly, or as a configured proxy says)."""
    return environ.get("wsgi.url_scheme") == "https"  # set by ProxyFix from a trusted proxy


def verdict_body(verdict: verification.Verdict, language: str, gettext) -> dict:
    """Return the JSON answer for a verdict in the reader's language."""
    message, advice = describe(verdict, gettext)
    body = {
        "status": verdict.status,
        "message": message,
        "advice": advice,
        "typo_suspected": verdict.typo_suspected,
        "clone_suspected": verdict.clone_suspected,
    }
    if verdict.status != verification.UNKNOWN:
        body.update(
            title=verdict.title,
            isbn=verdict.isbn,
            publisher=verdict.publisher_name(language),
            seller=verdict.seller,
            seller_authorised=verdict.seller_authorised,
            first_checked_at=verdict.first_checked_at.isoformat(),
            checks=verdict.checks,
            revoke_category=verdict.revoke_category,
        )
    return body


def _json(body: dict) -> bytes:
    return json.dumps(body).encode("ascii")


def document(api) -> None:
    """Describe the route in the OpenAPI spec, as if it were one of the API's own."""
    api.spec.tag({"name": "labels_api", "description": "Label verification"})
    api.spec.components.schema("Verdict", schema=VerdictSchema)
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    rule = Rule(PREFIX + "<path:code>", defaults={})
    Map([rule])  # binds the rule, so that its path parameter can be described
    api.spec.path(
        rule=rule,
        operations={
            "get": {
                "operationId": "checkLabel",  # as alliance.api.arguments.operation_id names
                "summary": "Check a label code (no key needed): genuine, revoked or unknown, "
                "with a clone warning.",
                "tags": ["labels_api"],
                "responses": {
                    "200": {
                        "description": "OK",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Verdict"}}
                        },
                    },
                    "429": {"description": "Too Many Requests", "content": problem},
                },
            }
        },
    )
