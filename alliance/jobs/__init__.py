"""Jobs: long work a user starts, run by the background queue, with its progress shown."""

from flask import Blueprint

bp = Blueprint("jobs", __name__, url_prefix="/jobs")
