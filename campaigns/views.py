"""Campaign pages."""

from campaigns import bp, models  # noqa: F401

from campaigns import report_views  # noqa: F401  # isort: skip
