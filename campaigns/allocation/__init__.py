"""Allocation: propose how the subsidy budget is shared out, adjust it, apply it."""

from flask import Blueprint

bp = Blueprint("allocation", __name__, url_prefix="/campaigns")
