"""Outbound webhooks: decisions the marketplace must hear of, kept in an outbox and delivered."""

from flask import Blueprint

bp = Blueprint("webhooks", __name__, url_prefix="/admin/webhooks")
