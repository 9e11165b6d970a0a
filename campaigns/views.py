"""Campaign pages: the list, a campaign's page, setting it up, and publishers' enrolments."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from alliance.auth.roles import Role, role_required
from alliance.catalogue.clc import class_label
from alliance.errors import DomainError
from alliance.extensions import db
from alliance.members.services import publisher_of
from alliance.money import yuan_text
from alliance.tabular import csv_response
from alliance.web import Imported, paginate, perform, run_import
from campaigns import bp, importing, services
from campaigns.forms import (
    CampaignForm,
    ConfirmForm,
    EnrolmentForm,
    ImportEnrolmentsForm,
    StatusForm,
)
from campaigns.models import (
    CAMPAIGN_STATUS_LABELS,
    CHANNEL_LABELS,
    ENROLMENT_STATUS_LABELS,
    ENTRY_KIND_LABELS,
    Campaign,
    Enrolment,
)

PER_PAGE = 50
SHOWN_PROBLEMS = 500


@bp.context_processor
def _labels() -> dict:
    """Give the campaign pages their label tables and helpers."""
    return {
        "CAMPAIGN_STATUS_LABELS": CAMPAIGN_STATUS_LABELS,
        "ENROLMENT_STATUS_LABELS": ENROLMENT_STATUS_LABELS,
        "ENTRY_KIND_LABELS": ENTRY_KIND_LABELS,
        "CHANNEL_LABELS": CHANNEL_LABELS,
        "yuan_text": yuan_text,
    }


def _campaign_or_404(campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        abort(404)
    return campaign


def _publisher():
    try:
        return publisher_of(current_user)
    except DomainError:
        return None


@bp.route("/")
@role_required()
def index():
    """List the campaigns, newest first."""
    query = services.campaigns_list(include_drafts=current_user.has_role(Role.CAMPAIGN_STAFF))
    page = paginate(query, PER_PAGE)
    return render_template("campaigns/index.html", page=page)


@bp.route("/<int:campaign_id>")
@role_required()
def detail(campaign_id):
    """Show a campaign; staff see its controls, a publisher its own enrolments."""
    try:
        campaign = services.visible_campaign(current_user, campaign_id)
    except DomainError:
        abort(404)
    is_staff = current_user.has_role(Role.CAMPAIGN_STAFF)
    publisher = _publisher()
    mine = None
    if publisher is not None:
        mine = paginate(services.enrolments_of_publisher(current_user, campaign), PER_PAGE)
    counts = dict(
        db.session.execute(
            select(Enrolment.status, func.count())
            .where(Enrolment.campaign_id == campaign.id)
            .group_by(Enrolment.status)
        ).all()
    )
    return render_template(
        "campaigns/detail.html",
        campaign=campaign,
        mine=mine,
        counts=counts,
        can_enrol=publisher is not None and services.enrolment_open(campaign),
        is_staff=is_staff,
        status_form=StatusForm(),
        next_statuses=sorted(services.TRANSITIONS.get(campaign.status, set())),
        categories=[class_label(code) for code in campaign.categories],
        reason_text=services.reason_text,
        confirm_form=ConfirmForm(),
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.CAMPAIGN_STAFF)
def create():
    """Set up a new campaign as a draft."""
    form = CampaignForm()
    if form.validate_on_submit() and (values := form.values()):
        done = perform(lambda: services.create_campaign(current_user, values), form)
        if done:
            flash(_("The campaign has been created as a draft."), "success")
            return redirect(url_for("campaigns.detail", campaign_id=done.value.id))
    return render_template("campaigns/edit.html", form=form, campaign=None)


@bp.route("/<int:campaign_id>/edit", methods=["GET", "POST"])
@role_required(Role.CAMPAIGN_STAFF)
def edit(campaign_id):
    """Change a campaign's settings."""
    campaign = _campaign_or_404(campaign_id)
    form = CampaignForm(data=None if request.method == "POST" else _form_data(campaign))
    if form.validate_on_submit() and (values := form.values()):
        done = perform(lambda: services.update_campaign(current_user, campaign, values), form)
        if done:
            flash(_("The changes have been saved.") if done.value else _("Nothing changed."))
            return redirect(url_for("campaigns.detail", campaign_id=campaign.id))
    return render_template("campaigns/edit.html", form=form, campaign=campaign)


def _form_data(campaign: Campaign) -> dict:
    return {
        "name": campaign.name,
        "name_en": campaign.name_en,
        "enrolment_opens": campaign.enrolment_opens,
        "enrolment_closes": campaign.enrolment_closes,
        "starts": campaign.starts,
        "ends": campaign.ends,
        "budget": yuan_text(campaign.budget_fen),
        "per_title_cap": yuan_text(campaign.per_title_cap_fen),
        "per_publisher_cap": yuan_text(campaign.per_publisher_cap_fen),
        "categories": ", ".join(campaign.categories),
        "price_floor_percent": campaign.price_floor_percent,
        "platform_share_percent": campaign.platform_share_percent,
    }


@bp.route("/<int:campaign_id>/status", methods=["POST"])
@role_required(Role.CAMPAIGN_STAFF)
def change_status(campaign_id):
    """Open or close enrolment, start or finish the campaign."""
    campaign = _campaign_or_404(campaign_id)
    form = StatusForm()
    if form.validate_on_submit() and perform(
        lambda: services.change_status(current_user, campaign, form.status.data)
    ):
        flash(_("The campaign's status has been changed."), "success")
    return redirect(url_for("campaigns.detail", campaign_id=campaign.id))


@bp.route("/<int:campaign_id>/enrol", methods=["GET", "POST"])
@role_required(Role.PUBLISHER)
def enrol(campaign_id):
    """Enrol one of the publisher's titles in the campaign."""
    campaign = _campaign_or_404(campaign_id)
    if _publisher() is None:
        abort(403)
    form = EnrolmentForm(data={"isbn": request.args.get("isbn", "")[:64]})
    if form.validate_on_submit() and (values := form.values()):
        done = perform(lambda: services.enrol_title(current_user, campaign, values), form)
        if done:
            flash(
                _("%(title)s has been enrolled and awaits review.", title=done.value.title.title),
                "success",
            )
            return redirect(url_for("campaigns.detail", campaign_id=campaign.id))
    return render_template(
        "campaigns/enrol.html",
        form=form,
        campaign=campaign,
        open_now=services.enrolment_open(campaign),
    )


@bp.route("/enrolments/<int:enrolment_id>/withdraw", methods=["POST"])
@role_required(Role.PUBLISHER)
def withdraw(enrolment_id):
    """Withdraw one of the publisher's enrolments before it is decided."""
    try:
        enrolment = services.own_enrolment(current_user, enrolment_id)
    except DomainError:
        abort(404)
    if ConfirmForm().validate_on_submit() and perform(
        lambda: services.withdraw_enrolment(current_user, enrolment)
    ):
        flash(_("The enrolment has been withdrawn."), "success")
    return redirect(url_for("campaigns.detail", campaign_id=enrolment.campaign_id))


@bp.route("/<int:campaign_id>/enrol/import", methods=["GET", "POST"])
@role_required(Role.PUBLISHER)
def import_enrolments(campaign_id):
    """Enrol many titles from a CSV or Excel file: every row is checked, all or none."""
    campaign = _campaign_or_404(campaign_id)
    if _publisher() is None:
        abort(403)
    form = ImportEnrolmentsForm()
    imported = Imported()
    if form.validate_on_submit():
        imported = run_import(
            form,
            lambda data, filename: importing.import_enrolments(
                current_user, campaign, data, filename
            ),
        )
        if result := imported.result:
            flash(
                _(
                    "%(created)s titles enrolled, %(updated)s updated, %(unchanged)s unchanged.",
                    created=result.created,
                    updated=result.updated,
                    unchanged=result.unchanged,
                ),
                "success",
            )
            return redirect(url_for("campaigns.detail", campaign_id=campaign.id))
    return render_template(
        "campaigns/import.html",
        form=form,
        campaign=campaign,
        report=imported.report,
        problems=imported.problems[:SHOWN_PROBLEMS],
        problem_count=len(imported.problems),
        columns=importing.ENROLMENT_COLUMNS,
        required=importing.REQUIRED_COLUMNS,
    )


@bp.route("/enrol/template.csv")
@role_required(Role.PUBLISHER)
def import_template():
    """Download a file to fill in: the English headers and one example row."""
    return csv_response(
        "enrolments-template.csv", importing.TEMPLATE_HEADER, [importing.TEMPLATE_EXAMPLE]
    )


# The staff pages, the reports and the sales live in modules of their own, on the same blueprint.
from campaigns import report_views, review_views, sales_views  # noqa: E402, F401
