"""Enrolment rules: enrolling titles, withdrawing them, and staff decisions on them."""

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import lazyload

from alliance import audit
from alliance.auth.models import User
from alliance.catalogue.clc import matching_category
from alliance.catalogue.models import Title, TitleStatus
from alliance.catalogue.services import own_title
from alliance.catalogue.services import search as search_titles
from alliance.db import utcnow
from alliance.errors import ConflictError, DomainError, FieldsInvalid, NotFoundError
from alliance.extensions import db
from alliance.i18n import _l
from alliance.members.services import publisher_of
from alliance.money import format_money
from campaigns import ledger
from campaigns.models import (
    ENROLMENT_WORKFLOW,
    Campaign,
    CampaignStatus,
    Enrolment,
    EnrolmentStatus,
)
from campaigns.services import enrolment_open

S = CampaignStatus
E = EnrolmentStatus
# Staff review decisions while enrolment is open or closed, and late ones while it runs.
REVIEWABLE = {S.ENROLMENT_OPEN.value, S.ENROLMENT_CLOSED.value, S.RUNNING.value}
NO_ENROLMENT = _l("No enrolment has this number.")
ENROLMENT_CLOSED = _l("Enrolment in this campaign is not open.")
REJECTION_REASONS = {
    "category": _l("The title is not in a category this campaign supports."),
    "price": _l("The campaign price is too high for the reading month."),
    "subsidy": _l("The requested subsidy is too high."),
    "stock": _l("There is not enough stock for the expected sales."),
    "duplicate": _l("Another edition of this title is already enrolled."),
    "quality": _l("The title does not meet the campaign's editorial criteria."),
}


@dataclass(frozen=True)
class EnrolmentInput:
    """Checked values of an enrolment."""

    isbn: str
    campaign_price_fen: int
    subsidy_per_unit_fen: int
    expected_units: int
    stock: int = 0


def check_enrolment_values(campaign: Campaign, title: Title, values: EnrolmentInput) -> dict:
    """Return the problems with enrolling `title` on these terms (empty when it may)."""
    problems = {}
    if values.campaign_price_fen <= 0:
        problems["campaign_price_fen"] = _l("The campaign price must be more than zero.")
    elif title.list_price_fen and values.campaign_price_fen > title.list_price_fen:
        problems["campaign_price_fen"] = _l(
            "The campaign price cannot be above the list price of %(price)s.",
            price=format_money(title.list_price_fen),
        )
    elif (
        campaign.price_floor_percent
        and title.list_price_fen
        and values.campaign_price_fen * 100 < title.list_price_fen * campaign.price_floor_percent
    ):
        problems["campaign_price_fen"] = _l(
            "The campaign price must be at least %(percent)s%% of the list price (%(price)s).",
            percent=campaign.price_floor_percent,
            price=format_money(-(-title.list_price_fen * campaign.price_floor_percent // 100)),
        )
    if values.subsidy_per_unit_fen <= 0:
        problems["subsidy_per_unit_fen"] = _l("The subsidy per copy must be more than zero.")
    elif values.subsidy_per_unit_fen > values.campaign_price_fen > 0:
        problems["subsidy_per_unit_fen"] = _l(
            "The subsidy per copy cannot be more than the campaign price."
        )
    if values.expected_units <= 0:
        problems["expected_units"] = _l("Expect at least one copy to be sold.")
    if values.stock < 0:
        problems["stock"] = _l("Stock cannot be negative.")
    if title.status == TitleStatus.WITHDRAWN:
        problems["isbn"] = _l("A withdrawn title cannot be enrolled.")
    elif matching_category(title.clc_class, campaign.categories) is None:
        problems["isbn"] = _l(
            "The title's class (%(clc)s) is not in this campaign's categories.",
            clc=title.clc_class or "—",
        )
    return problems


def enrol_title(actor: User, campaign: Campaign, values: EnrolmentInput) -> Enrolment:
    """Enrol one of the actor's publisher's titles, or re-enrol a withdrawn one."""
    publisher_of(actor)
    if not enrolment_open(campaign):
        raise ConflictError(ENROLMENT_CLOSED)
    try:
        title = own_title(actor, values.isbn)
    except NotFoundError:
        raise FieldsInvalid({"isbn": _l("None of your titles has this ISBN.")}) from None
    if problems := check_enrolment_values(campaign, title, values):
        raise FieldsInvalid(problems)
    enrolment = db.session.scalar(
        select(Enrolment).where(
            Enrolment.campaign_id == campaign.id, Enrolment.title_id == title.id
        )
    )
    if enrolment is not None and enrolment.status != EnrolmentStatus.WITHDRAWN:
        raise FieldsInvalid({"isbn": _l("This title is already enrolled in the campaign.")})
    return save_enrolment(actor, campaign, title, values, enrolment)


def save_enrolment(
    actor: User | None, campaign: Campaign, title: Title, values: EnrolmentInput, enrolment=None
) -> Enrolment:
    """Write checked enrolment values: a new enrolment, or new terms for a pending one."""
    return save_enrolments(actor, campaign, [(title, values, enrolment)])[0]


def save_enrolments(actor: User | None, campaign: Campaign, items: list) -> list[Enrolment]:
    """Write many checked (title, values, existing enrolment or None) at once, audited."""
    saved = []
    for title, values, enrolment in items:
        before = enrolment.audit_state() if enrolment is not None else None
        if enrolment is None:
            enrolment = Enrolment(
                campaign=campaign, title=title, publisher_id=title.publisher_id,
                status=EnrolmentStatus.PENDING.value, allocated_fen=0, spent_fen=0,
            )  # fmt: skip
            db.session.add(enrolment)
        enrolment.category = matching_category(title.clc_class, campaign.categories)
        enrolment.campaign_price_fen = values.campaign_price_fen
        enrolment.subsidy_per_unit_fen = values.subsidy_per_unit_fen
        enrolment.expected_units = values.expected_units
        enrolment.stock = values.stock
        if enrolment.status != EnrolmentStatus.PENDING:  # a withdrawn one put forward again
            ENROLMENT_WORKFLOW.move(enrolment, EnrolmentStatus.PENDING.value)
        enrolment.reason_code = enrolment.reason = None
        enrolment.decided_at = None
        saved.append((enrolment, before))
    db.session.flush()
    for enrolment, before in saved:
        updating = before is not None and before["status"] == EnrolmentStatus.PENDING
        action = "enrolment.update" if updating else "enrolment.create"
        audit.record(actor, action, enrolment, before, enrolment.audit_state())
    return [enrolment for enrolment, _before in saved]


def own_enrolment(user: User, enrolment_id: int) -> Enrolment:
    """Return the user's publisher's enrolment with this id; another's is 'not found'."""
    organisation = publisher_of(user)
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None or enrolment.publisher_id != organisation.id:
        raise NotFoundError(NO_ENROLMENT)
    return enrolment


def get_enrolment(enrolment_id: int) -> Enrolment:
    """Return the enrolment with this id, or refuse with 'not found'."""
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None:
        raise NotFoundError(NO_ENROLMENT)
    return enrolment


def find_enrolment(campaign: Campaign, enrolment_id: int) -> Enrolment:
    """Return the campaign's enrolment with this id, or refuse with 'not found'."""
    # The title is loaded only if asked for: moving money needs the enrolment's own row.
    enrolment = db.session.get(Enrolment, enrolment_id, options=[lazyload(Enrolment.title)])
    if enrolment is None or enrolment.campaign_id != campaign.id:
        raise NotFoundError(NO_ENROLMENT)
    return enrolment


def withdraw_enrolment(actor: User, enrolment: Enrolment) -> None:
    """Withdraw one of the publisher's enrolments before staff decide on it."""
    if own_enrolment(actor, enrolment.id) is not enrolment:
        raise NotFoundError(NO_ENROLMENT)
    before = enrolment.audit_state()
    ENROLMENT_WORKFLOW.move(enrolment, EnrolmentStatus.WITHDRAWN.value)
    db.session.flush()
    audit.record(actor, "enrolment.withdraw", enrolment, before, enrolment.audit_state())


def decide_enrolments(
    actor: User,
    enrolments: Iterable[Enrolment],
    decision: str,
    reason_code: str | None = None,
    reason: str | None = None,
) -> int:
    """Approve or reject pending enrolments (a rejection needs a reason); return how many."""
    if decision not in (E.APPROVED.value, E.REJECTED.value):
        raise DomainError(_l("Choose to approve or to reject."))
    reason = (reason or "").strip() or None
    if reason_code is not None and reason_code not in REJECTION_REASONS:
        raise DomainError(_l("Choose one of the listed reasons."))
    if decision == E.REJECTED and not (reason_code or reason):
        raise DomainError(_l("Give the publisher a reason for the rejection."))
    count = 0
    now = utcnow()
    with_totals = set()
    for enrolment in enrolments:
        if enrolment.campaign.status not in REVIEWABLE:
            raise ConflictError(_l("Enrolments of this campaign cannot be reviewed now."))
        before = enrolment.audit_state()
        ENROLMENT_WORKFLOW.move(enrolment, decision)
        enrolment.reason_code = reason_code if decision == E.REJECTED else None
        enrolment.reason = reason
        enrolment.decided_at = now
        key = (enrolment.campaign_id, enrolment.publisher_id)
        if decision == E.APPROVED and key not in with_totals:
            ledger.open_publisher_totals(*key)
            with_totals.add(key)
        audit.record(actor, f"enrolment.{decision}", enrolment, before, enrolment.audit_state())
        count += 1
    if not count:
        raise DomainError(_l("Choose at least one enrolment."))
    db.session.flush()
    return count


def reason_text(enrolment: Enrolment) -> str:
    """Return the reason for a decision as the publisher should read it."""
    parts = []
    if enrolment.reason_code in REJECTION_REASONS:
        parts.append(str(REJECTION_REASONS[enrolment.reason_code]))
    if enrolment.reason:
        parts.append(enrolment.reason)
    return " ".join(parts)


def enrolments_of_campaign(
    campaign: Campaign,
    status: str | None = None,
    category: str | None = None,
    publisher_id: int | None = None,
    text: str | None = None,
) -> Select:
    """Return the campaign's enrolments, filtered for the staff review queue."""
    query = select(Enrolment).where(Enrolment.campaign_id == campaign.id)
    if status:
        query = query.where(Enrolment.status == status)
    if category:
        query = query.where(Enrolment.category == category)
    if publisher_id:
        query = query.where(Enrolment.publisher_id == publisher_id)
    if text:
        titles = search_titles(text).with_only_columns(Title.id).order_by(None)
        query = query.where(Enrolment.title_id.in_(titles))
    return query.order_by(Enrolment.id)


def enrolments_of_publisher(user: User, campaign: Campaign) -> Select:
    """Return the user's publisher's enrolments in the campaign."""
    organisation = publisher_of(user)
    return (
        select(Enrolment)
        .where(Enrolment.campaign_id == campaign.id, Enrolment.publisher_id == organisation.id)
        .order_by(Enrolment.id)
    )
