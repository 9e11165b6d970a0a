"""Home page and health checks."""

from flask import Blueprint

bp = Blueprint("main", __name__)
