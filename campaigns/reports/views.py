"""Campaign reports: the staff dashboard and its charts, the publisher's view, the exports."""

from decimal import Decimal

from flask import Response, render_template
from flask_babel import gettext as _
from flask_login import current_user

from alliance.auth.roles import Role, role_required
from alliance.errors import NotFoundError
from alliance.extensions import db
from alliance.i18n import _l, current_language
from alliance.members.services import publisher_of
from alliance.money import format_money
from alliance.tabular import csv_response, xlsx_response
from alliance.web import paginate
from campaigns import services
from campaigns.models import (
    CHANNEL_LABELS,
    ENROLMENT_STATUS_LABELS,
    ENTRY_KIND_LABELS,
    EntryKind,
)
from campaigns.reports import bp, charts, dashboard, exports

PER_PAGE = 50
RECENT = 20  # sales and ledger entries shown on the publisher's page; the exports have all
EXPORT_BATCH = 1000
CHARTS = ("budget", "categories", "publishers", "spend", "titles", "units")
_drawn = charts.DrawnCharts()


def _published_campaign(campaign_id: int):
    """Return the campaign for a publisher: a draft is not theirs to see yet ('not found')."""
    return services.visible_campaign(current_user, campaign_id)


def _money_labels() -> dict[str, str]:
    return {"allocated": _("Allocated"), "spent": _("Spent"), "remaining": _("Remaining")}


def _dashboard_data(campaign) -> dict:
    """Collect every figure of the dashboard (a fixed number of queries)."""
    language = current_language()
    return {
        "overview": dashboard.overview(campaign.id),
        "categories": dashboard.by_category(campaign.id),
        "publishers": dashboard.by_publisher(campaign.id, language, _("All other publishers")),
        "days": dashboard.spend_by_day(campaign.id),
        "top_spent": dashboard.top_titles(campaign.id, language, by="spent"),
        "top_units": dashboard.top_titles(campaign.id, language, by="units"),
    }


@bp.route("/<int:campaign_id>/dashboard", endpoint="dashboard")
@role_required(Role.CAMPAIGN_STAFF)
def dashboard_page(campaign_id):
    """Show a campaign's budget, spend by category, publisher and day, and its top titles."""
    campaign = services.find_campaign(campaign_id)
    return render_template(
        "reports/dashboard.html",
        campaign=campaign,
        ENROLMENT_STATUS_LABELS=ENROLMENT_STATUS_LABELS,
        **_dashboard_data(campaign),
    )


def _draw(chart: str, campaign) -> str:
    """Return the SVG of one dashboard chart of the campaign."""
    language = current_language()
    money_label = _("Yuan")
    labels = _money_labels()
    name = campaign.display_name(language)
    if chart == "budget":
        figures = dashboard.overview(campaign.id)
        return charts.budget_bar(
            _("Budget of %(name)s", name=name),
            labels,
            figures.allocated_fen,
            figures.spent_fen,
            figures.remaining_fen,
            money_label,
            format_money,
        )
    if chart in ("categories", "publishers"):
        if chart == "categories":
            shares = dashboard.by_category(campaign.id)
            title = _("Allocated and spent by category")
        else:
            shares = dashboard.by_publisher(campaign.id, language, _("All other publishers"))
            title = _("Allocated and spent by publisher")
        return charts.share_bars(
            title,
            [share.label for share in shares],
            [share.allocated_fen for share in shares],
            [share.spent_fen for share in shares],
            labels,
            money_label,
            format_money,
        )
    if chart == "spend":
        days = dashboard.spend_by_day(campaign.id)
        return charts.spend_line(
            _("Subsidy spent per day"),
            [row.day for row in days],
            [row.spent_fen for row in days],
            money_label,
            format_money,
        )
    if chart == "titles":
        titles = dashboard.top_titles(campaign.id, language, by="spent")
        return charts.ranking_bars(
            _("Top titles by subsidy spent"),
            [row.title for row in titles],
            [float(Decimal(row.spent_fen) / 100) for row in titles],
            money_label,
            lambda yuan: format_money(round(yuan * 100)),
        )
    titles = dashboard.top_titles(campaign.id, language, by="units")
    return charts.ranking_bars(
        _("Top titles by copies sold"),
        [row.title for row in titles],
        [row.units for row in titles],
        _("Copies sold"),
        str,
    )


@bp.route("/<int:campaign_id>/charts/<chart>.svg")
@role_required(Role.CAMPAIGN_STAFF)
def chart(campaign_id, chart):
    """Send one dashboard chart as an SVG image."""
    campaign = services.find_campaign(campaign_id)
    if chart not in CHARTS:
        raise NotFoundError(_l("No such chart."))
    fingerprint = dashboard.chart_fingerprint(campaign.id, chart)
    key = (campaign.id, campaign.created_at, chart, current_language(), fingerprint)
    svg = _drawn.get(key)
    if svg is None:
        svg = _drawn.put(key, _draw(chart, campaign))
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, max-age=60"
    response.headers["Content-Language"] = current_language()
    return response


# Opened on its own (not through <img>), the SVG is a document: its style attributes need
# inline styles, and it needs nothing else (Talisman reads this per-view setting).
chart.talisman_view_options = {
    "content_security_policy": {"default-src": "'none'", "style-src": "'unsafe-inline'"}
}


@bp.route("/<int:campaign_id>/mine")
@role_required(Role.PUBLISHER)
def mine(campaign_id):
    """Show the publisher its enrolments, allocations, spend and sales in a campaign."""
    campaign = _published_campaign(campaign_id)
    publisher = publisher_of(current_user)
    page = paginate(dashboard.publisher_enrolments(campaign.id, publisher.id), PER_PAGE)
    sold = dashboard.sales_of_enrolments([enrolment.id for enrolment in page.items])
    sales = db.session.execute(
        dashboard.publisher_sales(campaign.id, publisher.id).limit(RECENT)
    ).all()
    entries = db.session.execute(
        exports.ledger_rows(campaign.id, publisher.id, newest_first=True).limit(RECENT)
    ).all()
    return render_template(
        "reports/mine.html",
        campaign=campaign,
        publisher=publisher,
        totals=dashboard.publisher_totals(campaign.id, publisher.id),
        categories=dashboard.by_category(campaign.id, publisher.id),
        page=page,
        sold=sold,
        sales=sales,
        entries=entries,
        ENROLMENT_STATUS_LABELS=ENROLMENT_STATUS_LABELS,
        ENTRY_KIND_LABELS=ENTRY_KIND_LABELS,
        CHANNEL_LABELS=CHANNEL_LABELS,
    )


def _yuan(fen: int | None) -> Decimal | None:
    """Return fen as yuan with two decimals: a number in Excel, '59.80' in CSV."""
    return None if fen is None else Decimal(fen).scaleb(-2)


def _scope(campaign_id: int) -> tuple[object, int | None]:
    """Return the campaign and the publisher whose rows the user may export (None: all)."""
    if current_user.has_role(Role.CAMPAIGN_STAFF):
        return services.find_campaign(campaign_id), None
    return _published_campaign(campaign_id), publisher_of(current_user).id


def _send(file_format: str, filename: str, header: list[str], rows) -> Response:
    if file_format == "xlsx":
        return xlsx_response(f"{filename}.xlsx", header, rows)
    return csv_response(f"{filename}.csv", header, rows)


def _stream(query):
    """Yield result rows in batches, so a million-entry ledger never sits in memory."""
    yield from db.session.execute(query.execution_options(yield_per=EXPORT_BATCH))


def _publisher_name(row) -> str:
    return (
        row.publisher_name_en
        if current_language() == "en" and row.publisher_name_en
        else row.publisher_name
    )


ENROLMENT_HEADER = [
    "enrolment_id", "isbn", "title", "publisher", "category", "status", "campaign_price",
    "subsidy_per_unit", "expected_units", "stock", "allocated", "spent", "reason_code",
    "reason", "enrolled_at", "decided_at",
]  # fmt: skip


@bp.route("/<int:campaign_id>/export/enrolments.<any(csv, xlsx):file_format>")
@role_required(Role.CAMPAIGN_STAFF, Role.PUBLISHER)
def export_enrolments(campaign_id, file_format):
    """Download the enrolments (a publisher: only its own) as CSV or Excel."""
    campaign, publisher_id = _scope(campaign_id)

    def rows():
        for row in _stream(exports.enrolment_rows(campaign.id, publisher_id)):
            yield [
                row.id, row.isbn, row.title, _publisher_name(row), row.category, row.status,
                _yuan(row.campaign_price_fen), _yuan(row.subsidy_per_unit_fen),
                row.expected_units, row.stock, _yuan(row.allocated_fen), _yuan(row.spent_fen),
                row.reason_code, row.reason, row.created_at, row.decided_at,
            ]  # fmt: skip

    return _send(file_format, f"campaign-{campaign.id}-enrolments", ENROLMENT_HEADER, rows())


LEDGER_HEADER = [
    "entry_id", "created_at", "day", "kind", "amount", "platform_share", "publisher_share",
    "enrolment_id", "isbn", "title", "publisher", "sale_id",
]  # fmt: skip


def _ledger_export(campaign_id: int, file_format: str, name: str, kinds=None) -> Response:
    """Send ledger entries; staff also get the notes staff wrote on them."""
    campaign, publisher_id = _scope(campaign_id)
    header = LEDGER_HEADER + (["note"] if publisher_id is None else [])

    def rows():
        for row in _stream(exports.ledger_rows(campaign.id, publisher_id, kinds)):
            cells = [
                row.id, row.created_at, row.day, row.kind, _yuan(row.amount_fen),
                _yuan(row.platform_fen), _yuan(row.publisher_fen), row.enrolment_id,
                row.isbn, row.title, _publisher_name(row), row.sale_id,
            ]  # fmt: skip
            if publisher_id is None:
                cells.append(row.note)
            yield cells

    return _send(file_format, f"campaign-{campaign.id}-{name}", header, rows())


@bp.route("/<int:campaign_id>/export/allocations.<any(csv, xlsx):file_format>")
@role_required(Role.CAMPAIGN_STAFF, Role.PUBLISHER)
def export_allocations(campaign_id, file_format):
    """Download the allocations and releases (a publisher: only its own)."""
    kinds = (EntryKind.ALLOCATE.value, EntryKind.RELEASE.value)
    return _ledger_export(campaign_id, file_format, "allocations", kinds)


@bp.route("/<int:campaign_id>/export/ledger.<any(csv, xlsx):file_format>")
@role_required(Role.CAMPAIGN_STAFF, Role.PUBLISHER)
def export_ledger(campaign_id, file_format):
    """Download the whole subsidy ledger (a publisher: only its own entries)."""
    return _ledger_export(campaign_id, file_format, "ledger")
