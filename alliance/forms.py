"""Form helpers shared by every domain."""

import re

from alliance.i18n import _l

# C0/C1 controls (NUL breaks PostgreSQL) and bidirectional overrides (they disguise text).
FORBIDDEN_CHARACTERS = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
)


def strip(value):
    """Strip surrounding whitespace; refuse control and direction-override characters."""
    if not isinstance(value, str):
        return value
    if FORBIDDEN_CHARACTERS.search(value):
        raise ValueError(_l("Remove the invisible control characters from this text."))
    return value.strip()


def valid_data(field):
    """Return a field's value, or None when it failed validation (for filter forms)."""
    return None if field.errors else field.data
