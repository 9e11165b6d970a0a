"""Reading-month campaigns: enrolment, subsidy ledger, sales, and the creators programme."""

from flask import Blueprint

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")
