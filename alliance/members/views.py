"""Member pages: the public directory and organisation profiles."""

from flask import abort, render_template, request
from flask_login import current_user

from alliance.auth.roles import Role, public
from alliance.extensions import db
from alliance.forms import valid_data
from alliance.members import bp
from alliance.members.forms import DirectoryFilterForm
from alliance.members.models import Organisation
from alliance.members.services import directory

PER_PAGE = 30


@bp.route("/")
@public
def index():
    """List the active members, searchable by name in either language and by kind."""
    form = DirectoryFilterForm(request.args)
    form.validate()
    page = db.paginate(
        directory(valid_data(form.q), valid_data(form.kind)), per_page=PER_PAGE, error_out=False
    )
    return render_template("members/index.html", form=form, page=page)


@bp.route("/<int:organisation_id>")
@public
def detail(organisation_id):
    """Show an organisation's profile; only active members are public."""
    organisation = db.get_or_404(Organisation, organisation_id)
    insider = current_user.is_authenticated and (
        current_user.organisation_id == organisation.id or current_user.has_role(Role.ADMIN)
    )
    if not organisation.is_active_member and not insider:
        abort(404)
    return render_template("members/detail.html", organisation=organisation)
