"""Genuine books: authorised sellers, serialized labels and their public verification."""

from flask import Blueprint

bp = Blueprint("authenticity", __name__)
