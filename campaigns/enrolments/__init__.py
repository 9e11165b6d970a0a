"""Enrolments: publishers put titles forward, staff review and decide them."""

from flask import Blueprint

bp = Blueprint("enrolments", __name__, url_prefix="/campaigns")
