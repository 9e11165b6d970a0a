"""The label settings, read from the environment with their defaults when the domain starts."""

from urllib.parse import urlsplit

from flask import Flask

from alliance.config import ConfigError, seconds, text, whole_number
from alliance.plugins import read_settings


def read_label_settings(app: Flask) -> None:
    """Read the LABEL_* settings; production needs LABEL_HMAC_KEY, and answers its QR host."""
    test = app.config["ENV_NAME"] == "test"
    read_settings(
        app,
        (
            # The key of the stored code hashes (empty: derived from SECRET_KEY, not production).
            ("LABEL_HMAC_KEY", "", text),
            # Another public address for the QR codes (empty: PUBLIC_BASE_URL).
            ("LABEL_VERIFY_BASE_URL", "", lambda _name, raw: raw.strip().rstrip("/")),
            ("LABEL_VERIFY_RATE", "60 per minute", text),
            ("LABEL_VERIFY_GLOBAL_RATE", "6000 per minute", text),
            # Readers' reports of sellers, per address (each tells every IP officer).
            ("LABEL_REPORT_RATE", "5 per hour;20 per day", text),
            ("LABEL_CLONE_CHECKS", 10, whole_number(1)),
            ("LABEL_CLONE_NETWORKS", 5, whole_number(1)),
            # Checks are tallied per process and written this often (0: each before answering).
            ("LABEL_CHECK_WRITE_SECONDS", 0 if test else 0.1, seconds),
            ("LABEL_DAILY_QUOTA", 2_000_000, whole_number(1)),  # labels a publisher orders a day
            ("LABEL_WRITE_CHUNK", 20_000, whole_number(1)),  # labels written in one transaction
        ),
    )
    config = app.config
    if config["ENV_NAME"] == "production" and not config["LABEL_HMAC_KEY"]:
        raise ConfigError(
            "LABEL_HMAC_KEY is not set. Production needs a long random key for genuine-book "
            "label codes, kept apart from the database (a leaked database must not reveal codes)."
        )
    host = urlsplit(config["LABEL_VERIFY_BASE_URL"]).hostname
    trusted = config["TRUSTED_HOSTS"]
    if host and trusted is not None and host not in trusted and config["TRUSTED_HOSTS_DERIVED"]:
        config["TRUSTED_HOSTS"] = sorted({*trusted, host})  # the QR codes' host is ours too
