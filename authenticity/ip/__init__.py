"""IP protection: rights registered once and verified, agents acting for their principals."""

from flask import Blueprint

bp = Blueprint("ip", __name__, url_prefix="/ip")
