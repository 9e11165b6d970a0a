"""Campaign pages: the list, a campaign's page, setting it up and moving its status."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from alliance.auth.roles import Role, role_required
from alliance.catalogue.clc import class_label
from alliance.extensions import db
from alliance.members.services import acting_publisher
from alliance.money import yuan_text
from alliance.web import paginate, perform
from campaigns import bp, services
from campaigns.enrolments import services as enrolments
from campaigns.forms import CampaignForm, ConfirmForm, StatusForm
from campaigns.models import CAMPAIGN_WORKFLOW, Campaign, Enrolment
from campaigns.sales import services as sales

PER_PAGE = 50


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
    campaign = services.visible_campaign(current_user, campaign_id)
    is_staff = current_user.has_role(Role.CAMPAIGN_STAFF)
    publisher = acting_publisher(current_user)
    mine = None
    if publisher is not None:
        mine = paginate(enrolments.enrolments_of_publisher(current_user, campaign), PER_PAGE)
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
        can_report=publisher is not None and sales.accepting_sales(campaign),
        is_staff=is_staff,
        status_form=StatusForm(),
        next_statuses=sorted(CAMPAIGN_WORKFLOW.allowed(campaign.status)),
        categories=[class_label(code) for code in campaign.categories],
        reason_text=enrolments.reason_text,
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
    campaign = services.find_campaign(campaign_id)
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


@bp.route("/<int:campaign_id>/status", methods=["POST"], endpoint="status")
@role_required(Role.CAMPAIGN_STAFF)
def change_status(campaign_id):
    """Open or close enrolment, start or finish the campaign."""
    campaign = services.find_campaign(campaign_id)
    form = StatusForm()
    if form.validate_on_submit() and perform(
        lambda: services.change_status(current_user, campaign, form.status.data)
    ):
        flash(_("The campaign's status has been changed."), "success")
    return redirect(url_for("campaigns.detail", campaign_id=campaign.id))
