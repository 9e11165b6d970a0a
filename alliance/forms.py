"""Form helpers shared by every domain."""


def strip(value):
    """Strip surrounding whitespace from submitted text."""
    return value.strip() if isinstance(value, str) else value
