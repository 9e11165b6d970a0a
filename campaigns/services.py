"""Campaign rules: create campaigns, change their settings, move them through their life."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, select

from alliance import audit
from alliance.auth.models import User
from alliance.auth.roles import Role
from alliance.errors import ConflictError, DomainError, FieldsInvalid, NotFoundError
from alliance.extensions import db
from alliance.i18n import _l, local_today
from alliance.money import format_money
from campaigns.models import (
    CAMPAIGN_WORKFLOW,
    Campaign,
    CampaignStatus,
    Enrolment,
)

NO_CAMPAIGN = _l("No campaign has this number.")


@dataclass(frozen=True)
class CampaignInput:
    """Checked values of a campaign, as the form and the API both give them."""

    name: str
    name_en: str | None
    enrolment_opens: date
    enrolment_closes: date
    starts: date
    ends: date
    budget_fen: int
    per_title_cap_fen: int
    per_publisher_cap_fen: int
    categories: list[str]
    price_floor_percent: int | None = None
    platform_share_percent: int = 100


def check_campaign(values: CampaignInput) -> None:
    """Refuse campaign values that cannot work together, naming each bad field."""
    problems = {}
    if not values.name.strip():
        problems["name"] = _l("Enter the campaign's name.")
    if values.enrolment_opens > values.enrolment_closes:
        problems["enrolment_closes"] = _l("Enrolment cannot close before it opens.")
    if values.starts > values.ends:
        problems["ends"] = _l("The sale cannot end before it starts.")
    if values.enrolment_closes > values.ends:
        problems["enrolment_closes"] = _l("Enrolment must close before the sale ends.")
    if values.budget_fen <= 0:
        problems["budget_fen"] = _l("The budget must be more than zero.")
    for name in ("per_title_cap_fen", "per_publisher_cap_fen"):
        amount = getattr(values, name)
        if amount <= 0:
            problems[name] = _l("A cap must be more than zero.")
        elif values.budget_fen > 0 and amount > values.budget_fen:
            problems[name] = _l("A cap cannot be larger than the budget.")
    if values.price_floor_percent is not None and not 1 <= values.price_floor_percent <= 100:
        problems["price_floor_percent"] = _l("The price floor is a share from 1 to 100 percent.")
    if not 0 <= values.platform_share_percent <= 100:
        problems["platform_share_percent"] = _l("The platform share is from 0 to 100 percent.")
    if problems:
        raise FieldsInvalid(problems)


def _name_taken(name: str, campaign_id: int | None = None) -> bool:
    query = select(Campaign.id).where(Campaign.name == name)
    if campaign_id is not None:
        query = query.where(Campaign.id != campaign_id)
    return db.session.scalar(query) is not None


def create_campaign(actor: User, values: CampaignInput) -> Campaign:
    """Create a draft campaign."""
    check_campaign(values)
    if _name_taken(values.name):
        raise FieldsInvalid({"name": _l("Another campaign already has this name.")})
    campaign = Campaign(status=CampaignStatus.DRAFT.value, allocated_fen=0, spent_fen=0)
    _apply(campaign, values)
    db.session.add(campaign)
    db.session.flush()
    audit.record(actor, "campaign.create", campaign, None, campaign.audit_state())
    return campaign


def update_campaign(actor: User, campaign: Campaign, values: CampaignInput) -> bool:
    """Change a campaign's settings; the budget never drops below what is allocated."""
    check_campaign(values)
    if campaign.status == CampaignStatus.FINISHED:
        raise ConflictError(_l("A finished campaign cannot be changed."))
    if _name_taken(values.name, campaign.id):
        raise FieldsInvalid({"name": _l("Another campaign already has this name.")})
    if values.budget_fen < campaign.allocated_fen:
        raise FieldsInvalid(
            {
                "budget_fen": _l(
                    "The budget cannot be less than the %(amount)s already allocated.",
                    amount=format_money(campaign.allocated_fen),
                )
            }
        )
    before = campaign.audit_state()
    _apply(campaign, values)
    db.session.flush()
    after = campaign.audit_state()
    if after != before:
        audit.record(actor, "campaign.update", campaign, before, after)
    return after != before


def _apply(campaign: Campaign, values: CampaignInput) -> None:
    for name in (
        "name", "name_en", "enrolment_opens", "enrolment_closes", "starts", "ends",
        "budget_fen", "per_title_cap_fen", "per_publisher_cap_fen", "price_floor_percent",
        "platform_share_percent",
    ):  # fmt: skip
        setattr(campaign, name, getattr(values, name))
    campaign.categories = sorted(set(values.categories))
    weights = campaign.category_weights or {}
    campaign.category_weights = {c: weights.get(c, 1.0) for c in campaign.categories}


def change_status(actor: User | None, campaign: Campaign, status: str) -> None:
    """Move a campaign to `status` when its workflow allows it (actor None: the system)."""
    before = campaign.status
    CAMPAIGN_WORKFLOW.move(campaign, status)
    db.session.flush()
    audit.record(actor, "campaign.status", campaign, {"status": before}, {"status": status})


def finish_ended_campaigns(today: date | None = None) -> int:
    """Finish the running campaigns whose sale period ended before today (China); count them.

    The last day of the sale counts to its end in Asia/Shanghai. The rows are locked and
    read afresh, so a second run at the same moment finds nothing left to move.
    """
    today = today or local_today()
    ended = db.session.scalars(
        select(Campaign)
        .where(Campaign.status == CampaignStatus.RUNNING.value, Campaign.ends < today)
        .order_by(Campaign.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    for campaign in ended:
        change_status(None, campaign, CampaignStatus.FINISHED.value)
    return len(ended)


def set_category_weights(actor: User, campaign: Campaign, weights: dict[str, float]) -> None:
    """Set the priority of each category for the allocation proposal (0 = give nothing)."""
    cleaned = {}
    for category, weight in weights.items():
        if weight is None or not 0 <= float(weight) <= 100:
            raise DomainError(_l("A category priority is a number from 0 to 100."))
        cleaned[category] = float(weight)
    before = dict(campaign.category_weights or {})
    campaign.category_weights = {**before, **cleaned}
    db.session.flush()
    audit.record(
        actor,
        "campaign.weights",
        campaign,
        {"weights": before},
        {"weights": campaign.category_weights},
    )


def find_campaign(campaign_id: int) -> Campaign:
    """Return the campaign with this id, or refuse with 'not found'."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFoundError(NO_CAMPAIGN)
    return campaign


def visible_campaign(user: User, campaign_id: int) -> Campaign:
    """Return the campaign if the user may see it: a draft is the staff's alone ('not found')."""
    campaign = find_campaign(campaign_id)
    if campaign.status == CampaignStatus.DRAFT and not user.has_role(Role.CAMPAIGN_STAFF):
        raise NotFoundError(NO_CAMPAIGN)
    return campaign


def campaigns_list(include_drafts: bool = True) -> Select:
    """Return the query of the campaigns, newest sale first (drafts only for staff)."""
    query = select(Campaign).order_by(Campaign.starts.desc(), Campaign.id.desc())
    if not include_drafts:
        query = query.where(Campaign.status != CampaignStatus.DRAFT.value)
    return query


def enrolment_open(campaign: Campaign, today: date | None = None) -> bool:
    """Tell whether publishers may enrol now: the status and the window (inclusive) agree."""
    today = today or local_today()
    return (
        campaign.status == CampaignStatus.ENROLMENT_OPEN
        and campaign.enrolment_opens <= today <= campaign.enrolment_closes
    )


def campaign_categories(campaign: Campaign) -> list[str]:
    """Return the campaign's categories, or those its enrolments fall in when it admits all."""
    if campaign.categories:
        return list(campaign.categories)
    return sorted(
        db.session.scalars(
            select(Enrolment.category).where(Enrolment.campaign_id == campaign.id).distinct()
        )
    )
