"""Absolute links that leave the site (mail, SMS, QR codes, webhooks), built from one address."""

from flask import current_app


def public_url(endpoint: str, **values) -> str:
    """Return the address of `endpoint` under PUBLIC_BASE_URL, never the request's own Host.

    A link built from the request would follow whatever Host (or X-Forwarded-Host) a client
    sent, so a password-reset link could be mailed pointing at someone else's server.
    """
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["PUBLIC_BASE_URL"] + path
