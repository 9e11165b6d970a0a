"""The home page and the health and readiness probes."""

from flask import jsonify, render_template
from flask_login import current_user
from sqlalchemy import text

from alliance.attention import attention_for
from alliance.auth.roles import may_apply_for_membership, public
from alliance.extensions import db
from alliance.main import bp
from alliance.plugins import sessionless


@bp.route("/")
@public
def index():
    """Show a logged-in user what needs their attention; introduce the platform to others."""
    if not current_user.is_authenticated:
        return render_template("main/welcome.html")
    return render_template(
        "main/index.html",
        items=attention_for(current_user),
        may_apply=may_apply_for_membership(current_user),
    )


@bp.route("/healthz")
@sessionless
@public
def healthz():
    """Tell a load balancer the process is up (no database, no session)."""
    return jsonify(status="ok")


# Probes come over plain HTTP from inside the network: no redirect to HTTPS (Talisman).
healthz.talisman_view_options = {"force_https": False}


@bp.route("/readyz")
@public
def readyz():
    """Tell a load balancer the database answers; 503 when it does not."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        db.session.rollback()
        return jsonify(status="unavailable", database="down"), 503
    return jsonify(status="ready", database="up")


readyz.talisman_view_options = {"force_https": False}
