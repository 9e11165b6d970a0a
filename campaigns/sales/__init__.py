"""Sales: publishers report what they sold, by hand, by spreadsheet, by API, and livestreams."""

from flask import Blueprint

bp = Blueprint("sales", __name__, url_prefix="/campaigns")
