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
            # Days after a removal a merchant may counter-notice it.
            ("NOTICE_COUNTER_DAYS", 30, whole_number(1)),
            # The holder's window to answer a counter-notice, per regime: China's E-commerce
            # Law art. 43 (days), the DMCA 512(g) (business days), the alliance's own (days).
            ("NOTICE_HOLDER_DAYS_CN", 15, whole_number(1)),
            ("NOTICE_HOLDER_BUSINESS_DAYS_DMCA", 14, whole_number(10)),
            ("NOTICE_HOLDER_DAYS", 15, whole_number(1)),
        ),
    )
