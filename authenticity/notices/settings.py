"""The notice settings, read from the environment with their defaults when the domain starts."""

from flask import Flask

from alliance.config import whole_number
from alliance.plugins import read_settings


def read_notice_settings(app: Flask) -> None:
    """Read the NOTICE_* settings."""
    read_settings(
        app,
        (
            # The officers' target: a listing decided within this many hours of its notice.
            ("NOTICE_REVIEW_TARGET_HOURS", 24, whole_number(1)),
        ),
    )
