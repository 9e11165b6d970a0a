"""Sales: report, correct and list them, drawing the subsidy each sale earns from the ledger."""

import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from alliance import audit
from alliance.auth.models import User
from alliance.catalogue.isbn import IsbnError, normalise_isbn
from alliance.catalogue.models import Title
from alliance.db import utcnow
from alliance.errors import ConflictError, FieldsInvalid, NotFoundError
from alliance.extensions import db
from alliance.i18n import _l, local_today
from alliance.members.models import Organisation
from alliance.members.services import publisher_of
from alliance.money import MAX_FEN, format_money
from alliance.tabular import parse_int_cell
from campaigns import ledger
from campaigns.models import (
    Campaign,
    CampaignStatus,
    Channel,
    Enrolment,
    EnrolmentStatus,
    Sale,
)

# Sales may be reported while the campaign runs and, for stragglers, this long after it ends.
LATE_REPORT_DAYS = 30
MAX_UNITS = 10_000_000  # copies of one title on one day through one channel
CHANNEL_WORDS = {
    "store": Channel.STORE, "shop": Channel.STORE, "门店": Channel.STORE,
    "书店": Channel.STORE, "实体店": Channel.STORE, "店铺": Channel.STORE,
    "livestream": Channel.LIVESTREAM, "live": Channel.LIVESTREAM, "直播": Channel.LIVESTREAM,
    "直播间": Channel.LIVESTREAM,
}  # fmt: skip
CHANNEL_MESSAGE = _l("Enter the channel: store or livestream (门店 or 直播).")
UNITS_MESSAGE = _l("Enter the number of copies as a whole number, 0 or more.")
SIMULTANEOUS = _l("This sale was reported at the same moment by another request; report it again.")


@dataclass(frozen=True)
class SaleInput:
    """Checked values of a sale, as the form, the spreadsheet and the API give them."""

    isbn: str
    sale_date: date
    channel: str
    units: int
    revenue_fen: int


@dataclass(frozen=True)
class SaleReport:
    """What reporting a sale did: the sale, whether it is new or changed, the subsidy wanted."""

    sale: Sale
    created: bool
    changed: bool
    wanted_fen: int
    drawn_fen: int = 0  # what this report moved in the ledger (negative: given back)

    @property
    def short_fen(self) -> int:
        """Return the subsidy the sale earned but could not draw (the allocation ran out)."""
        return self.wanted_fen - self.sale.subsidy_fen


# Reading what people type -------------------------------------------------------------------


def parse_channel(value) -> str:
    """Read a channel ('store', '门店', 'Livestream', '直播'); empty means store."""
    key = unicodedata.normalize("NFKC", str(value or "")).strip().casefold().replace(" ", "")
    if not key:
        return Channel.STORE.value
    if key in CHANNEL_WORDS:
        return CHANNEL_WORDS[key].value
    raise ValueError(CHANNEL_MESSAGE)


def parse_units(value) -> int:
    """Read a number of copies (a whole number from 0 to ten million)."""
    try:
        units = parse_int_cell(value)
    except ValueError:
        raise ValueError(UNITS_MESSAGE) from None
    if not 0 <= units <= MAX_UNITS:
        raise ValueError(UNITS_MESSAGE)
    return units


# Rules ----------------------------------------------------------------------------------------


def reports_close(campaign: Campaign) -> date:
    """Return the last day (Asia/Shanghai, inclusive) on which the campaign takes sales."""
    return campaign.ends + timedelta(days=LATE_REPORT_DAYS)


def accepting_sales(campaign: Campaign, today: date | None = None) -> bool:
    """Tell whether sales can be reported: once it runs, until 30 days after the end.

    The dates decide, not only the status: a campaign still marked running after its end
    (the scheduled job has not finished it yet) closes to reports on the same day.
    """
    today = today or local_today()
    if campaign.status not in (CampaignStatus.RUNNING, CampaignStatus.FINISHED):
        return False
    return today <= reports_close(campaign)


def check_accepting(campaign: Campaign, today: date | None = None) -> None:
    """Refuse when the campaign does not take sales reports now (or on `today`)."""
    if not accepting_sales(campaign, today):
        raise ConflictError(
            _l(
                "Sales can be reported only while the campaign runs and up to %(days)s days "
                "after it ends.",
                days=LATE_REPORT_DAYS,
            )
        )


def date_problem(campaign: Campaign, day: date, today: date | None = None):
    """Return why a sale cannot be on `day` (outside the sale period, in the future) or None."""
    today = today or local_today()
    if day > today:
        return _l("The date is in the future.")
    if not campaign.starts <= day <= campaign.ends:
        return _l(
            "The date must lie in the sale period, %(starts)s to %(ends)s.",
            starts=campaign.starts.isoformat(),
            ends=campaign.ends.isoformat(),
        )
    return None


def amount_problems(values: SaleInput) -> dict:
    """Return the problems with a sale's channel and figures, by field."""
    problems = {}
    if values.channel not in {channel.value for channel in Channel}:
        problems["channel"] = CHANNEL_MESSAGE
    if isinstance(values.units, bool) or not 0 <= values.units <= MAX_UNITS:
        problems["units"] = UNITS_MESSAGE
    if isinstance(values.revenue_fen, bool) or not 0 <= values.revenue_fen <= MAX_FEN:
        problems["revenue_fen"] = _l("The revenue must be 0 or more.")
    return problems


def approved_enrolments(
    organisation: Organisation, campaign: Campaign, isbns: list[str]
) -> dict[str, Enrolment]:
    """Return the publisher's approved enrolments in the campaign among these ISBNs."""
    found: dict[str, Enrolment] = {}
    for start in range(0, len(isbns), 500):
        chunk = isbns[start : start + 500]
        query = (
            select(Enrolment)
            .join(Title, Title.id == Enrolment.title_id)
            .where(
                Enrolment.campaign_id == campaign.id,
                Enrolment.publisher_id == organisation.id,
                Enrolment.status == EnrolmentStatus.APPROVED.value,
                Title.isbn.in_(chunk),
            )
        )
        found.update({enrolment.title.isbn: enrolment for enrolment in db.session.scalars(query)})
    return found


NOT_ENROLLED = _l("None of your titles approved for this campaign has this ISBN.")


def report_sale(
    actor: User, campaign: Campaign, values: SaleInput, today: date | None = None
) -> SaleReport:
    """Record (or correct) a day's sales of an enrolled title and draw its subsidy.

    `today` (China) is the day the report is made: now, unless the demo replays a past one.
    """
    organisation = publisher_of(actor)
    check_accepting(campaign, today)
    problems = amount_problems(values)
    enrolment = None
    try:
        isbn = normalise_isbn(values.isbn)
    except IsbnError:
        problems["isbn"] = NOT_ENROLLED
    else:
        enrolment = approved_enrolments(organisation, campaign, [isbn]).get(isbn)
        if enrolment is None:
            problems["isbn"] = NOT_ENROLLED
    if problem := date_problem(campaign, values.sale_date, today):
        problems["sale_date"] = problem
    if problems:
        raise FieldsInvalid(problems)
    return apply_sale(actor, enrolment, values)


def apply_sale(actor: User, enrolment: Enrolment, values: SaleInput) -> SaleReport:
    """Write checked figures onto the day's sale and move the subsidy by the difference."""
    wanted = values.units * enrolment.subsidy_per_unit_fen
    # The campaign row, then the enrolment's, as the ledger takes them: corrections of the
    # same sale wait for each other instead of both reading the old figures.
    db.session.execute(
        select(Campaign.id).where(Campaign.id == enrolment.campaign_id).with_for_update()
    )
    db.session.execute(select(Enrolment.id).where(Enrolment.id == enrolment.id).with_for_update())
    sale = db.session.scalar(
        select(Sale)
        .where(
            Sale.enrolment_id == enrolment.id,
            Sale.sale_date == values.sale_date,
            Sale.channel == values.channel,
        )
        .execution_options(populate_existing=True)
    )
    if sale is not None and (sale.units, sale.revenue_fen) == (values.units, values.revenue_fen):
        return SaleReport(sale, created=False, changed=False, wanted_fen=wanted)
    before = None if sale is None else sale_state(sale)
    if sale is None:
        sale = new_sale(enrolment, values)
        try:
            with db.session.begin_nested():
                db.session.add(sale)
                db.session.flush()
        except IntegrityError:
            raise ConflictError(SIMULTANEOUS) from None
    else:
        sale.units, sale.revenue_fen = values.units, values.revenue_fen
    change = ledger.spend(actor, enrolment, wanted - sale.subsidy_fen, sale)
    sale.subsidy_fen += change
    sale.updated_at = utcnow()
    db.session.flush()
    action = "sale.report" if before is None else "sale.correct"
    audit.record(actor, action, sale, before, sale_state(sale))
    return SaleReport(sale, before is None, True, wanted, drawn_fen=change)


def new_sale(enrolment: Enrolment, values: SaleInput) -> Sale:
    """Return a day's sale of an enrolled title, not written yet, its subsidy not drawn yet."""
    return Sale(
        campaign_id=enrolment.campaign_id,
        enrolment_id=enrolment.id,
        publisher_id=enrolment.publisher_id,
        sale_date=values.sale_date,
        channel=values.channel,
        units=values.units,
        revenue_fen=values.revenue_fen,
        subsidy_fen=0,
    )


def sale_state(sale: Sale) -> dict:
    """Return the fields of a sale recorded in the audit log."""
    return {
        "enrolment_id": sale.enrolment_id,
        "sale_date": sale.sale_date.isoformat(),
        "channel": sale.channel,
        "units": sale.units,
        "revenue_fen": sale.revenue_fen,
        "subsidy_fen": sale.subsidy_fen,
    }


def subsidy_note(report: SaleReport):
    """Return how much of the sale's subsidy was drawn when it was not all (else None)."""
    if report.short_fen <= 0:
        return None
    return _l(
        "%(drawn)s of %(wanted)s subsidised: the allocation is used up.",
        drawn=format_money(report.sale.subsidy_fen),
        wanted=format_money(report.wanted_fen),
    )


def own_sale(user: User, campaign: Campaign, sale_id: int) -> Sale:
    """Return the user's publisher's sale in this campaign; another's is 'not found'."""
    organisation = publisher_of(user)
    sale = db.session.get(Sale, sale_id) if 0 < sale_id < 2**63 else None
    if sale is None or sale.campaign_id != campaign.id or sale.publisher_id != organisation.id:
        raise NotFoundError(_l("No sale has this number."))
    return sale


# Queries --------------------------------------------------------------------------------------


def _filtered(
    query: Select,
    campaign: Campaign,
    publisher_id: int | None = None,
    isbn: str | None = None,
    channel: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> Select:
    query = (
        query.join(Enrolment, Enrolment.id == Sale.enrolment_id)
        .join(Title, Title.id == Enrolment.title_id)
        .where(Sale.campaign_id == campaign.id)
    )
    if publisher_id:
        query = query.where(Sale.publisher_id == publisher_id)
    if isbn:
        query = query.where(Title.isbn == isbn)
    if channel:
        query = query.where(Sale.channel == channel)
    if date_from:
        query = query.where(Sale.sale_date >= date_from)
    if date_to:
        query = query.where(Sale.sale_date <= date_to)
    return query


def sales_query(campaign: Campaign, **filters) -> Select:
    """Return the campaign's sales, filtered, newest day first, with title and publisher.

    Filters: publisher_id, isbn (normalised), channel, date_from, date_to.
    """
    return (
        _filtered(select(Sale), campaign, **filters)
        .options(joinedload(Sale.enrolment).joinedload(Enrolment.publisher))
        .order_by(Sale.sale_date.desc(), Sale.id.desc())
    )


def sales_totals(campaign: Campaign, **filters) -> dict[str, int]:
    """Return the count, units, revenue, subsidy drawn and subsidy earned of the sales, in SQL."""
    query = select(
        func.count(),
        func.coalesce(func.sum(Sale.units), 0),
        func.coalesce(func.sum(Sale.revenue_fen), 0),
        func.coalesce(func.sum(Sale.subsidy_fen), 0),
        func.coalesce(func.sum(Sale.units * Enrolment.subsidy_per_unit_fen), 0),
    ).select_from(Sale)
    count, units, revenue, subsidy, earned = db.session.execute(
        _filtered(query, campaign, **filters)
    ).one()
    return {
        "sales": int(count),
        "units": int(units),
        "revenue_fen": int(revenue),
        "subsidy_fen": int(subsidy),
        "wanted_fen": int(earned),
    }


def campaign_publishers(campaign: Campaign) -> list[Organisation]:
    """Return the publishers with approved titles in the campaign, by name."""
    query = (
        select(Organisation)
        .where(
            Organisation.id.in_(
                select(Enrolment.publisher_id).where(
                    Enrolment.campaign_id == campaign.id,
                    Enrolment.status == EnrolmentStatus.APPROVED.value,
                )
            )
        )
        .order_by(Organisation.name)
    )
    return list(db.session.scalars(query))
