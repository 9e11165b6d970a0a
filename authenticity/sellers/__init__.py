"""Authorised sellers: which marketplace merchants may sell a publisher's titles, and when."""

from flask import Blueprint

bp = Blueprint("sellers", __name__, url_prefix="/sellers")
