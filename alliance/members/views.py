"""Member pages: the directory, profiles, applications and the administrators' decisions."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from alliance.auth.roles import Role, public, role_required
from alliance.extensions import db
from alliance.forms import valid_data
from alliance.i18n import current_language
from alliance.members import bp, services
from alliance.members.forms import (
    ApplicationFilterForm,
    ApplicationForm,
    DecisionForm,
    DirectoryFilterForm,
    ProfileEditForm,
)
from alliance.members.models import STATUS_LABELS, MemberStatus, Organisation
from alliance.web import paginate, perform

PER_PAGE = 30


@bp.route("/")
@public
def index():
    """List the active members, searchable by name in either language and by kind."""
    form = DirectoryFilterForm(request.args)
    form.validate()
    page = paginate(services.directory(valid_data(form.q), valid_data(form.kind)), PER_PAGE)
    return render_template("members/index.html", form=form, page=page)


@bp.route("/<int:organisation_id>")
@public
def detail(organisation_id):
    """Show an organisation's profile; only active members are public."""
    organisation = services.shown_organisation(current_user, organisation_id)
    insider = services.is_insider(current_user, organisation)
    return render_template(
        "members/detail.html",
        organisation=organisation,
        insider=insider,
        decision_form=DecisionForm(),
        decisions=services.decisions_for(organisation),
    )


@bp.route("/apply", methods=["GET", "POST"])
@role_required()
def apply():
    """Apply for one's organisation to join; once applied, follow the application here."""
    if current_user.organisation is not None:
        return render_template("members/apply.html", organisation=current_user.organisation)
    form = ApplicationForm()
    if form.validate_on_submit() and (
        done := perform(lambda: services.apply_for_membership(current_user, form.values()), form)
    ):
        flash(
            _(
                "Your application for %(name)s has been sent. An administrator will review "
                "it; the outcome will show on your home page.",
                name=done.value.name,
            ),
            "success",
        )
        return redirect(url_for("members.apply"))
    return render_template("members/apply.html", form=form, organisation=None)


@bp.route("/applications")
@role_required(Role.ADMIN)
def applications():
    """List membership applications (by default those waiting) with the decisions to take."""
    form = ApplicationFilterForm(request.args)
    form.validate()
    query = services.applications(valid_data(form.status), valid_data(form.q))
    page = paginate(query, PER_PAGE)
    return render_template(
        "members/applications.html",
        form=form,
        page=page,
        users=services.users_of([organisation.id for organisation in page.items]),
        decision_form=DecisionForm(),
        decisions_for=services.decisions_for,
    )


@bp.route("/<int:organisation_id>/decide", methods=["POST"])
@role_required(Role.ADMIN)
def decide(organisation_id):
    """Approve, reject, suspend or reinstate a membership, with a reason."""
    organisation = db.get_or_404(Organisation, organisation_id)
    was_applied = organisation.status == MemberStatus.APPLIED
    form = DecisionForm()
    if not form.validate_on_submit():
        for field in form:
            for error in field.errors:
                flash(_("%(field)s: %(error)s", field=field.label.text, error=error), "danger")
    elif perform(
        lambda: services.decide(current_user, organisation, form.decision.data, form.reason.data)
    ):
        flash(
            _(
                "%(name)s is now: %(status)s.",
                name=organisation.display_name(current_language()),
                status=STATUS_LABELS[organisation.status],
            ),
            "success",
        )
    if was_applied:
        return redirect(url_for("members.applications"))
    return redirect(url_for("members.detail", organisation_id=organisation.id))


@bp.route("/<int:organisation_id>/edit", methods=["GET", "POST"])
@role_required()
def edit(organisation_id):
    """Edit one's own organisation's profile (administrators: any organisation's)."""
    organisation = services.managed_organisation(current_user, organisation_id)
    form = ProfileEditForm(obj=None if request.method == "POST" else organisation)
    if form.validate_on_submit() and perform(
        lambda: services.update_profile(current_user, organisation, form.values()), form
    ):
        flash(_("The profile has been saved."), "success")
        return redirect(url_for("members.detail", organisation_id=organisation.id))
    return render_template("members/edit.html", form=form, organisation=organisation)
