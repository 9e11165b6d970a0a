"""Campaign pages."""

from campaigns import bp, models  # noqa: F401
