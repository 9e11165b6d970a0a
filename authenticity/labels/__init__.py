"""Genuine-book labels: batches ordered, their codes written and printed, and revoked."""

from flask import Blueprint

bp = Blueprint("labels", __name__, url_prefix="/labels")
