"""Notifications: the inbox behind the bell, and which kinds a user gets by mail."""

from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
