"""Bearer-key authentication and role rules for API views."""

from functools import wraps

from flask import abort, g, request
from flask_babel import gettext as _
from werkzeug.datastructures import WWWAuthenticate

from alliance.api.services import user_for_key
from alliance.auth.models import User
from alliance.extensions import db

BEARER_CHALLENGE = WWWAuthenticate("Bearer", {"realm": "book-alliance"})


def api_user() -> User:
    """Return the user whose key authenticated this API request."""
    return g.api_user


def api_role_required(*roles):
    """Let in only requests with a valid bearer key whose user holds one of `roles` (or any)."""

    def decorator(view):
        view.access_rule = ("api",) + (roles or ("authenticated",))

        @wraps(view)
        def wrapper(*args, **kwargs):
            scheme, _sep, key = request.headers.get("Authorization", "").partition(" ")
            user = user_for_key(key.strip()) if scheme.lower() == "bearer" else None
            if user is None:
                db.session.rollback()
                abort(
                    401,
                    description=_("A valid API key is required: Authorization: Bearer <key>."),
                    www_authenticate=BEARER_CHALLENGE,
                )
            db.session.commit()  # keeps the key's last-used time
            if roles and not user.has_role(*roles):
                abort(403, description=_("Your account does not have the role this needs."))
            g.api_user = user
            return view(*args, **kwargs)

        return wrapper

    return decorator


def api_public(view):
    """Mark an API view as open to everyone."""
    view.access_rule = ("api", "public")
    return view
