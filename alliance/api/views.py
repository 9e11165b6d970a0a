"""The page where users create and revoke their API keys."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from alliance.api import bp, services
from alliance.api.forms import ApiKeyForm, RevokeForm
from alliance.api.models import ApiKey
from alliance.auth.roles import role_required
from alliance.extensions import db
from alliance.web import perform


@bp.route("/", methods=["GET", "POST"])
@role_required()
def index():
    """List the user's keys and create a new one, shown once."""
    form = ApiKeyForm()
    new_key = None
    if form.validate_on_submit() and (
        done := perform(lambda: services.create_api_key(current_user, form.name.data), form.name)
    ):
        _record, new_key = done.value
        form = ApiKeyForm(formdata=None)
    return render_template(
        "api/index.html",
        form=form,
        revoke_form=RevokeForm(),
        keys=services.keys_of(current_user),
        new_key=new_key,
    )


@bp.route("/<int:key_id>/revoke", methods=["POST"])
@role_required()
def revoke(key_id):
    """Revoke one of the user's own keys."""
    record = db.first_or_404(
        select(ApiKey).where(ApiKey.id == key_id, ApiKey.user_id == current_user.id)
    )
    if RevokeForm().validate_on_submit() and perform(
        lambda: services.revoke_api_key(current_user, record)
    ):
        flash(_("The key %(prefix)s… has been revoked.", prefix=record.prefix), "success")
    return redirect(url_for("api.index"))
