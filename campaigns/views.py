"""Campaign pages."""

from campaigns import bp, models, sales_views  # noqa: F401
