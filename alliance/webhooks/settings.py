"""The marketplace webhook settings, read from the environment with their defaults."""

from urllib.parse import urlsplit

from flask import Flask

from alliance.config import ConfigError, seconds, text, whole_number
from alliance.plugins import read_settings

# Environments that may post unsigned events (an empty secret) to a receiver of their own.
UNSIGNED_ALLOWED = ("development", "test")


def read_webhook_settings(app: Flask) -> None:
    """Read the MARKETPLACE_WEBHOOK_* settings; a URL outside dev/test needs the secret."""
    read_settings(
        app,
        (
            # Where events are posted (empty: they are kept, waiting, until it is set).
            ("MARKETPLACE_WEBHOOK_URL", "", text),
            # The HMAC key of X-Alliance-Signature: configuration, never stored nor logged.
            ("MARKETPLACE_WEBHOOK_SECRET", "", text),
            ("MARKETPLACE_WEBHOOK_TIMEOUT", 5.0, seconds),  # per request (connect, each read)
            ("MARKETPLACE_WEBHOOK_MAX_ATTEMPTS", 15, whole_number(1)),  # then given up on
            ("MARKETPLACE_WEBHOOK_MAX_AGE", 24 * 3600.0, seconds),  # since queued: given up on
            ("MARKETPLACE_WEBHOOK_RETRY_SECONDS", 30.0, seconds),  # first retry; then doubled
            ("MARKETPLACE_WEBHOOK_RETRY_MAX_SECONDS", 3600.0, seconds),  # the longest wait
            ("MARKETPLACE_WEBHOOK_BATCH", 100, whole_number(1)),  # events claimed at once
            ("MARKETPLACE_WEBHOOK_LEASE", 120.0, seconds),  # a claim lasts (a dead worker's)
            ("MARKETPLACE_WEBHOOK_RUN_SECONDS", 50.0, seconds),  # one task's work, then again
            ("MARKETPLACE_WEBHOOK_KEEP_DAYS", 90, whole_number(1)),  # delivered, then deleted
        ),
    )
    config = app.config
    if config["MARKETPLACE_WEBHOOK_LEASE"] <= config["MARKETPLACE_WEBHOOK_TIMEOUT"]:
        raise ConfigError(
            "MARKETPLACE_WEBHOOK_LEASE must be longer than MARKETPLACE_WEBHOOK_TIMEOUT: a claim "
            "must outlast the requests made under it"
        )
    url = config["MARKETPLACE_WEBHOOK_URL"]
    if not url:
        return
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.fragment:
        raise ConfigError(
            "MARKETPLACE_WEBHOOK_URL must be an http(s) address such as "
            "https://marketplace.example.com/alliance/events"
        )  # the address itself is not repeated: it may hold a token
    if not config["MARKETPLACE_WEBHOOK_SECRET"] and config["ENV_NAME"] not in UNSIGNED_ALLOWED:
        raise ConfigError(
            "MARKETPLACE_WEBHOOK_SECRET is not set. With MARKETPLACE_WEBHOOK_URL set, events "
            "are signed with it: set a long random secret shared with the marketplace."
        )
