"""Sales and livestream pages of a campaign: report, correct, import and list them."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from wtforms import SelectChoice

from alliance.auth.roles import Role, role_required
from alliance.catalogue.isbn import format_isbn
from alliance.errors import field_errors_message
from alliance.i18n import _l, current_language, select_timezone
from alliance.members.services import publisher_of
from alliance.money import format_money, yuan_text
from alliance.tabular import csv_response, import_columns
from alliance.web import Imported, paginate, perform, run_import
from campaigns import services
from campaigns.models import CHANNEL_LABELS, Campaign
from campaigns.sales import bp, livestreams
from campaigns.sales import importing as sale_files
from campaigns.sales import services as sales
from campaigns.sales.forms import (
    ImportSalesForm,
    LivestreamForm,
    SaleForm,
    SalesFilterForm,
)

PER_PAGE = 50
SHOWN_PROBLEMS = 500  # on the page; the downloadable report has all of them
IMPORT_COLUMN_HELP = {
    "isbn": _l("An ISBN of one of your titles approved for this campaign."),
    "date": _l("The day of the sales, for example 2021-04-23 or 2021年4月23日."),
    "channel": _l("store or livestream (门店 or 直播); empty means store."),
    "units": _l("Copies sold that day through that channel: a whole number."),
    "revenue": _l("In yuan, for example 4776.00 or ¥4,776"),
}


def _is_staff() -> bool:
    return current_user.has_role(Role.CAMPAIGN_STAFF)


def _heading(campaign: Campaign) -> str:
    return campaign.display_name(current_language())


def _publisher_choices(campaign: Campaign) -> list[SelectChoice]:
    language = current_language()
    return [
        SelectChoice(0, _("All publishers")),
        *(
            SelectChoice(organisation.id, organisation.display_name(language))
            for organisation in sales.campaign_publishers(campaign)
        ),
    ]


@bp.route("/<int:campaign_id>/sales")
@role_required(Role.PUBLISHER, Role.CAMPAIGN_STAFF)
def index(campaign_id):
    """List a campaign's sales with their subsidy and totals: staff see all, publishers theirs."""
    campaign = services.find_campaign(campaign_id)
    staff = _is_staff()
    form = SalesFilterForm(request.args)
    if staff:
        form.publisher.choices = _publisher_choices(campaign)
    else:
        organisation = publisher_of(current_user)
        del form.publisher
    filters = form.filters()
    if not staff:
        filters["publisher_id"] = organisation.id
    page = paginate(sales.sales_query(campaign, **filters), PER_PAGE)
    return render_template(
        "sales/index.html",
        campaign=campaign,
        heading=_heading(campaign),
        form=form,
        page=page,
        totals=sales.sales_totals(campaign, **filters),
        staff=staff,
        accepting=sales.accepting_sales(campaign),
        late_days=sales.LATE_REPORT_DAYS,
        format_isbn=format_isbn,
        CHANNEL_LABELS=CHANNEL_LABELS,
    )


@bp.route("/<int:campaign_id>/sales/new", methods=["GET", "POST"])
@role_required(Role.PUBLISHER)
def create(campaign_id):
    """Report a day's sales of an enrolled title; the same day and channel again corrects it."""
    campaign = services.find_campaign(campaign_id)
    publisher_of(current_user)
    return _sale_page(campaign, SaleForm(), None)


@bp.route("/<int:campaign_id>/sales/<int:sale_id>/edit", methods=["GET", "POST"])
@role_required(Role.PUBLISHER)
def edit(campaign_id, sale_id):
    """Correct one of the publisher's sales (another publisher's is not found)."""
    campaign = services.find_campaign(campaign_id)
    sale = sales.own_sale(current_user, campaign, sale_id)  # refuses a non-publisher too
    data = None
    if request.method != "POST":
        data = {
            "isbn": sale.enrolment.title.isbn,
            "sale_date": sale.sale_date.isoformat(),
            "channel": sale.channel,
            "units": str(sale.units),
            "revenue": yuan_text(sale.revenue_fen),
        }
    form = SaleForm(data=data)
    # A correction changes the figures of this sale only: its title, day and channel stay.
    form.isbn.data = sale.enrolment.title.isbn
    form.sale_date.data = sale.sale_date.isoformat()
    form.channel.data = sale.channel
    for field in (form.isbn, form.sale_date):
        field.render_kw = {**(field.render_kw or {}), "readonly": True}
    form.channel.render_kw = {"disabled": True}
    return _sale_page(campaign, form, sale)


def _sale_page(campaign: Campaign, form: SaleForm, sale):
    if form.is_submitted() and (values := form.values()) is not None:
        if done := perform(lambda: sales.report_sale(current_user, campaign, values), form):
            _flash_report(done.value)
            return redirect(url_for("sales.index", campaign_id=campaign.id))
    elif form.is_submitted():
        flash(field_errors_message(), "danger")
    return render_template(
        "sales/edit.html",
        campaign=campaign,
        heading=_heading(campaign),
        form=form,
        sale=sale,
        accepting=sales.accepting_sales(campaign),
        late_days=sales.LATE_REPORT_DAYS,
    )


def _flash_report(report: sales.SaleReport) -> None:
    """Say what happened to this sale first; a subsidy that ran short is a note after it."""
    subsidy = report.sale.subsidy_fen
    if not report.changed:
        flash(_("Nothing changed: these figures were already reported."), "info")
        return
    amount = format_money(subsidy)
    if report.created:
        message = _("The sale has been recorded; its subsidy is %(amount)s.", amount=amount)
    else:
        message = _("The sale has been corrected; its subsidy is %(amount)s.", amount=amount)
    flash(message, "success")
    if note := sales.subsidy_note(report):
        flash(str(note), "info")


@bp.route("/<int:campaign_id>/sales/import", methods=["GET", "POST"], endpoint="import")
@role_required(Role.PUBLISHER)
def import_file(campaign_id):
    """Report many sales from a CSV or Excel file: every row is checked, then all or none."""
    campaign = services.find_campaign(campaign_id)
    publisher_of(current_user)
    form = ImportSalesForm()
    imported = Imported()
    if form.validate_on_submit():
        imported = run_import(
            form,
            lambda data, filename: sale_files.import_sales(current_user, campaign, data, filename),
        )
        if result := imported.result:
            _flash_import(result)
            return redirect(url_for("sales.index", campaign_id=campaign.id))
    return render_template(
        "sales/import.html",
        campaign=campaign,
        heading=_heading(campaign),
        form=form,
        report=imported.report,
        problems=imported.problems[:SHOWN_PROBLEMS],
        problem_count=len(imported.problems),
        columns=_import_columns(),
        accepting=sales.accepting_sales(campaign),
        late_days=sales.LATE_REPORT_DAYS,
    )


def _flash_import(result: sale_files.SalesImportResult) -> None:
    flash(
        _(
            "%(created)s sales added, %(corrected)s corrected, %(unchanged)s unchanged; "
            "subsidy drawn: %(amount)s.",
            created=result.created,
            corrected=result.corrected,
            unchanged=result.unchanged,
            amount=format_money(result.subsidy_fen),
        ),
        "success",
    )
    if result.short:
        flash(
            ngettext(
                "%(num)s sale was only partly subsidised: its allocation is used up.",
                "%(num)s sales were only partly subsidised: their allocation is used up.",
                result.short,
            ),
            "info",
        )
    if result.ignored_columns:
        flash(
            _(
                "These columns were not imported: %(names)s.",
                names=", ".join(result.ignored_columns),
            ),
            "info",
        )


def _import_columns() -> list[dict]:
    spec = sale_files.SALES_IMPORT
    return import_columns(spec.columns, spec.required, IMPORT_COLUMN_HELP)


@bp.route("/sales-template.csv")
@role_required(Role.PUBLISHER)
def import_template():
    """Download a sales file to fill in: the English headers and one example row."""
    return csv_response(
        "sales-template.csv", sale_files.TEMPLATE_HEADER, [sale_files.TEMPLATE_EXAMPLE]
    )


@bp.route("/<int:campaign_id>/livestreams", endpoint="livestreams")
@role_required(Role.PUBLISHER, Role.CAMPAIGN_STAFF)
def livestreams_page(campaign_id):
    """List a campaign's livestream sessions with totals: staff see all, publishers theirs."""
    campaign = services.find_campaign(campaign_id)
    staff = _is_staff()
    form = SalesFilterForm(request.args)
    for name in ("isbn", "channel", "date_from", "date_to"):
        del form[name]
    if staff:
        form.publisher.choices = _publisher_choices(campaign)
        form.validate()
        publisher_id = None if form.publisher.errors else form.publisher.data or None
    else:
        publisher_id = publisher_of(current_user).id
        del form.publisher
    query = livestreams.livestreams_query(campaign, publisher_id)
    page = paginate(query, PER_PAGE)
    return render_template(
        "sales/livestreams.html",
        campaign=campaign,
        heading=_heading(campaign),
        form=form,
        page=page,
        totals=livestreams.livestream_totals(campaign, publisher_id),
        publishers=livestreams.organisations_by_id({s.publisher_id for s in page.items}),
        per_hour=livestreams.per_hour,
        staff=staff,
        accepting=sales.accepting_sales(campaign),
    )


@bp.route("/<int:campaign_id>/livestreams/new", methods=["GET", "POST"])
@role_required(Role.PUBLISHER)
def record_livestream(campaign_id):
    """Record a livestream selling session (start in the user's time zone)."""
    campaign = services.find_campaign(campaign_id)
    publisher_of(current_user)
    form = LivestreamForm()
    if form.is_submitted():
        values = form.values(select_timezone())
        if values is None:
            flash(field_errors_message(), "danger")
        else:
            call = lambda: livestreams.record_livestream(current_user, campaign, values)  # noqa: E731
            if perform(call, form):
                flash(_("The livestream session has been recorded."), "success")
                return redirect(url_for("sales.livestreams", campaign_id=campaign.id))
    return render_template(
        "sales/record_livestream.html",
        campaign=campaign,
        heading=_heading(campaign),
        form=form,
        accepting=sales.accepting_sales(campaign),
        late_days=sales.LATE_REPORT_DAYS,
        zone=select_timezone(),
    )
