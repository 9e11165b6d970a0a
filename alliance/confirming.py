"""Irreversible steps: the user ticks a box naming what is lost, and the service checks it.

The pattern every programme copies for a step that cannot be undone (deleting, sealing,
revoking): the form has a `ConfirmField` (alliance.forms) whose label says "I understand
that …" and names what is lost; the page says the consequence before the button
(`render_irreversible` in _macros.html); and the service calls `require_confirmation` for
any confirmation that must hold whatever the channel (page, API, command line), so that a
refusal is a FieldsInvalid on that field: next to the box on a page, 422 on the API.
No JavaScript dialog: it works without scripts and with a screen reader.
"""

from alliance.errors import FieldsInvalid
from alliance.i18n import _l

NOT_CONFIRMED = _l("Tick the box to confirm: this step cannot be undone.")


def require_confirmation(confirmed, field: str = "confirm", message=NOT_CONFIRMED) -> None:
    """Refuse an irreversible step unless `confirmed` is exactly True (FieldsInvalid on field)."""
    if confirmed is not True:
        raise FieldsInvalid(message, field=field)
