"""Member organisations of the alliance: applications, the directory, profiles."""

from flask import Blueprint

bp = Blueprint("members", __name__, url_prefix="/members")
