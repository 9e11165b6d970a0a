"""The title catalogue: ISBN rules, titles, import and export."""

from flask import Blueprint

bp = Blueprint("catalogue", __name__, url_prefix="/titles")
