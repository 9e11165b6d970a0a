"""Accounts: registration, log-in, passwords and sessions."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")
