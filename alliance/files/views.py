"""Serve a stored file, only to those its use's rule lets read it."""

from urllib.parse import quote

from flask import Response
from flask_login import current_user

from alliance.auth.roles import role_required
from alliance.files import bp, services


@bp.route("/<int:file_id>")
@role_required()
def detail(file_id):
    """Send one file: images and PDFs shown, everything else as a download; never sniffed."""
    stored = services.readable_file(current_user, file_id)
    disposition = "inline" if services.shown_inline(stored) else "attachment"
    response = Response(services.file_bytes(stored), content_type=stored.content_type)
    response.headers["Content-Disposition"] = (
        f"{disposition}; filename*=UTF-8''{quote(stored.filename)}"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# Talisman sets the pages' policy on every response; a served file gets this one instead.
detail.talisman_view_options = {"content_security_policy": {"default-src": "'none'", "sandbox": ""}}
