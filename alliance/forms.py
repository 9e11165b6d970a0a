"""Form building blocks shared by every domain: stripped text, bounded lengths."""

from wtforms.validators import InputRequired, Length


def strip(value):
    """Strip surrounding whitespace from submitted text."""
    return value.strip() if isinstance(value, str) else value


def required_text(max_length: int, message=None):
    """Validators for a required text field of bounded length."""
    return [InputRequired(message=message), Length(max=max_length)]
