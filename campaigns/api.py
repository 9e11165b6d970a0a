"""Campaigns API: campaigns, enrolments, decisions and allocations under /api/v1."""

from alliance.api.arguments import Blueprint
from alliance.api.auth import api_role_required, api_user
from alliance.api.schemas import PageQuerySchema, page_of
from alliance.auth.roles import Role
from alliance.extensions import db
from campaigns import ledger, services
from campaigns.enrolments import services as enrolling
from campaigns.models import Enrolment
from campaigns.schemas import (
    AllocationInSchema,
    CampaignInSchema,
    CampaignPageSchema,
    CampaignSchema,
    DecisionInSchema,
    EnrolmentInSchema,
    EnrolmentPageSchema,
    EnrolmentQuerySchema,
    EnrolmentSchema,
    LedgerEntrySchema,
    StatusInSchema,
)

blp = Blueprint("campaigns_api", __name__, url_prefix="/api/v1", description="Campaigns")


@blp.route("/campaigns", methods=["POST"])
@api_role_required(Role.CAMPAIGN_STAFF)
@blp.arguments(CampaignInSchema)
@blp.response(201, CampaignSchema)
@blp.problems(401, 422)
def create_campaign(values):
    """Create a draft campaign."""
    campaign = services.create_campaign(api_user(), services.CampaignInput(**values))
    db.session.commit()
    return campaign


@blp.route("/campaigns")
@api_role_required()
@blp.arguments(PageQuerySchema, location="query")
@blp.response(200, CampaignPageSchema)
@blp.problems(401)
def list_campaigns(arguments):
    """List the campaigns, newest first, one page at a time (drafts only for staff)."""
    staff = api_user().has_role(Role.CAMPAIGN_STAFF)
    return page_of(
        services.campaigns_list(include_drafts=staff), arguments["page"], arguments["page_size"]
    )


@blp.route("/campaigns/<int:campaign_id>")
@api_role_required()
@blp.response(200, CampaignSchema)
@blp.problems(401, 404)
def get_campaign(campaign_id):
    """Return a campaign with its allocated, spent and remaining money."""
    return services.visible_campaign(api_user(), campaign_id)


@blp.route("/campaigns/<int:campaign_id>/status", methods=["POST"])
@api_role_required(Role.CAMPAIGN_STAFF)
@blp.arguments(StatusInSchema)
@blp.response(200, CampaignSchema)
@blp.problems(401, 404, 409)
def change_campaign_status(values, campaign_id):
    """Move a campaign to another status, as the transition table allows."""
    campaign = services.find_campaign(campaign_id)
    services.change_status(api_user(), campaign, values["status"])
    db.session.commit()
    return campaign


@blp.route("/campaigns/<int:campaign_id>/enrolments", methods=["POST"])
@api_role_required(Role.PUBLISHER)
@blp.arguments(EnrolmentInSchema)
@blp.response(201, EnrolmentSchema)
@blp.problems(401, 404, 409, 422)
def enrol_title(values, campaign_id):
    """Enrol one of the key user's publisher's titles."""
    campaign = services.find_campaign(campaign_id)
    enrolment = enrolling.enrol_title(api_user(), campaign, enrolling.EnrolmentInput(**values))
    db.session.commit()
    return enrolment


@blp.route("/campaigns/<int:campaign_id>/enrolments")
@api_role_required(Role.CAMPAIGN_STAFF, Role.PUBLISHER)
@blp.arguments(EnrolmentQuerySchema, location="query")
@blp.response(200, EnrolmentPageSchema)
@blp.problems(401, 404)
def list_enrolments(arguments, campaign_id):
    """List a campaign's enrolments: all of them for staff, their own for a publisher."""
    campaign = services.visible_campaign(api_user(), campaign_id)
    user = api_user()
    if user.has_role(Role.CAMPAIGN_STAFF):
        query = enrolling.enrolments_of_campaign(campaign, status=arguments.get("status"))
    else:
        query = enrolling.enrolments_of_publisher(user, campaign)
        if arguments.get("status"):
            query = query.where(Enrolment.status == arguments["status"])
    return page_of(query, arguments["page"], arguments["page_size"])


@blp.route("/enrolments/<int:enrolment_id>/decision", methods=["POST"])
@api_role_required(Role.CAMPAIGN_STAFF)
@blp.arguments(DecisionInSchema)
@blp.response(200, EnrolmentSchema)
@blp.problems(401, 404, 409)
def decide_enrolment(values, enrolment_id):
    """Approve or reject a pending enrolment (a rejection needs a reason)."""
    enrolment = enrolling.get_enrolment(enrolment_id)
    enrolling.decide_enrolments(
        api_user(), [enrolment], values["decision"], values["reason_code"], values["reason"]
    )
    db.session.commit()
    return enrolment


@blp.route("/campaigns/<int:campaign_id>/allocations", methods=["POST"])
@api_role_required(Role.CAMPAIGN_STAFF)
@blp.arguments(AllocationInSchema)
@blp.response(201, LedgerEntrySchema)
@blp.alt_response(200, schema=LedgerEntrySchema, description="The key was used before")
@blp.problems(401, 404, 409)
def allocate_subsidy(values, campaign_id):
    """Allocate an amount to an approved enrolment, within the budget and both caps."""
    campaign = services.find_campaign(campaign_id)
    enrolment = enrolling.find_enrolment(campaign, values["enrolment_id"])
    recorded = ledger.allocate(
        api_user(), enrolment, values["amount_fen"], values["idempotency_key"], values["note"]
    )
    db.session.commit()
    return recorded.entry, 201 if recorded.created else 200
