"""The JSON API base: personal API keys, bearer authentication, /api/v1/me."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/account/api-keys")
