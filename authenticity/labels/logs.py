"""Keep label codes out of the logs: request lines show a hash prefix instead of the code."""

import hashlib
import logging
import re
from urllib.parse import unquote

from authenticity.labels import codes

# A code in a verification path, or in the ?code= of the verification form.
# (/verify/report is the report form's own address, not a code: its code is in the query.)
CODE_IN_PATH = re.compile(
    r"(/verify/(?!report(?:/sent)?(?:[\s?#\"']|$))|/api/v1/labels/)([^\s?#\"']+)"
)
CODE_IN_QUERY = re.compile(r"([?&]code=)([^&\s#\"']*)")


def fingerprint(text: str) -> str:
    """Return a short hash of a (possibly mistyped) code, enough to follow it through logs."""
    parsed = codes.parse(unquote(text))
    value = parsed.normalised or unquote(text)
    return "#" + hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()[:10]


def redact(message: str) -> str:
    """Replace every label code in a log message by its fingerprint."""
    if "/verify" not in message and "/api/v1/labels/" not in message:
        return message
    message = CODE_IN_PATH.sub(lambda m: m.group(1) + fingerprint(m.group(2)), message)
    return CODE_IN_QUERY.sub(lambda m: m.group(1) + fingerprint(m.group(2)), message)


class RedactCodes(logging.Filter):
    """Rewrite log records that carry a verification address, whatever logger wrote them."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def install() -> None:
    """Redact codes on the app's log handlers and on Werkzeug's request log (once)."""
    targets = [logging.getLogger("werkzeug"), logging.getLogger("gunicorn.access")]
    targets += [h for h in logging.getLogger().handlers if getattr(h, "_alliance", False)]
    for target in targets:
        if not any(isinstance(f, RedactCodes) for f in target.filters):
            target.addFilter(RedactCodes())
