"""Request ids and logging: an id on every request, in every log line, JSON in production."""

import json
import logging
import re
import secrets
import uuid
from contextvars import ContextVar

from flask import Flask, request

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
_INCOMING_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def current_request_id() -> str:
    """Return the id of the request (or CLI command) being served."""
    value = request_id_var.get()
    if value is None:
        value = "cli-" + uuid.uuid4().hex
        request_id_var.set(value)
    return value


class RequestIdFilter(logging.Filter):
    """Add the current request id to every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """Format a log record as one JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(app: Flask) -> None:
    """Send app logs to stderr with request ids, as JSON when JSON_LOGS is on."""
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    if app.config["JSON_LOGS"]:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s")
        )
    root = logging.getLogger()
    root.handlers = [h for h in root.handlers if not getattr(h, "_alliance", False)]
    handler._alliance = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    app.logger.handlers.clear()
    app.logger.propagate = True


def assign_request_id() -> None:
    """Take a well-formed X-Request-ID from the proxy, else make one."""
    request_id_var.set(new_request_id(request.headers.get("X-Request-ID")))


def forget_request_id(_error=None) -> None:
    """End the request's id, so that nothing after it (in this thread) can carry it."""
    request_id_var.set(None)


def new_request_id(incoming: str | None) -> str:
    """Return the proxy's X-Request-ID when it is well formed, else a new id."""
    return incoming if incoming and _INCOMING_ID.match(incoming) else secrets.token_hex(16)


def expose_request_id(response):
    """Echo the request id so users can quote it to support."""
    response.headers["X-Request-ID"] = current_request_id()
    return response
