"""Reports: the staff dashboard and charts, the publisher's page, and the exports."""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/campaigns")
