"""Catalogue pages: search, a title's page, adding, editing, withdrawing and importing titles."""

from flask import (
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from alliance.auth.roles import Role, role_required
from alliance.catalogue import bp, importing, jobs, services
from alliance.catalogue.forms import ImportTitlesForm, StatusForm, TitleForm, TitleSearchForm
from alliance.catalogue.isbn import format_isbn
from alliance.catalogue.models import TITLE_WORKFLOW, TitleStatus
from alliance.catalogue.rules import read_title
from alliance.errors import FieldsInvalid
from alliance.forms import valid_data
from alliance.i18n import _l, current_language
from alliance.importing import own_report, report_problems
from alliance.members.services import acting_publisher, publisher_of
from alliance.money import yuan_text
from alliance.tabular import (
    attachment_header,
    csv_response,
    import_columns,
    problems_csv,
    xlsx_response,
)
from alliance.web import Imported, paginate, perform, run_import, show_problems

PER_PAGE = 50


def _search_form() -> TitleSearchForm:
    form = TitleSearchForm(request.args)
    form.publisher.choices = [
        SelectChoice(0, _("All publishers")),
        *(SelectChoice(p.id, p.display_name(current_language())) for p in services.publishers()),
    ]
    form.validate()
    return form


@bp.route("/")
@role_required()
def index():
    """Search the catalogue by ISBN, title or contributor, and by publisher and status."""
    form = _search_form()
    query = services.search(
        valid_data(form.q), valid_data(form.publisher) or None, valid_data(form.status) or None
    )
    page = paginate(query, PER_PAGE)
    return render_template("catalogue/index.html", form=form, page=page)


@bp.route("/<isbn>")
@role_required()
def detail(isbn):
    """Show everything about a title."""
    title = services.find_title(isbn)
    if isbn != title.isbn:
        return redirect(url_for("catalogue.detail", isbn=title.isbn))
    mine = _manages(title)
    return render_template(
        "catalogue/detail.html",
        title=title,
        hyphenated=format_isbn(title.isbn),
        mine=mine,
        status_choices=TITLE_WORKFLOW.allowed(title.status),
        status_form=StatusForm() if mine else None,
    )


def _manages(title) -> bool:
    publisher = acting_publisher(current_user)
    return publisher is not None and publisher.id == title.publisher_id


def _submitted(form: TitleForm):
    """Check a posted form with the form's and the catalogue's rules; show every problem."""
    if not form.is_submitted():
        return None
    valid = form.validate()
    try:
        values = read_title(form.data)
    except FieldsInvalid as invalid:
        show_problems(invalid, form)
        return None
    return values if valid else None


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.PUBLISHER)
def create():
    """Add a title to the user's publisher."""
    publisher_of(current_user)  # refuses (403, saying why) anyone not acting for one
    form = TitleForm(data={"language": "zh", "status": TitleStatus.ACTIVE.value})
    if values := _submitted(form):
        done = perform(lambda: services.create_title(current_user, values), form.isbn)
        if done:
            flash(_("The title %(title)s has been added.", title=values.title), "success")
            return redirect(url_for("catalogue.detail", isbn=done.value.isbn))
    return render_template("catalogue/edit.html", form=form, title=None)


@bp.route("/<isbn>/edit", methods=["GET", "POST"])
@role_required(Role.PUBLISHER)
def edit(isbn):
    """Change one of the user's publisher's titles (another publisher's is not found)."""
    title = services.own_title(current_user, isbn)
    form = TitleForm(data=None if request.method == "POST" else _form_data(title))
    form.isbn.render_kw = {"readonly": True}
    if values := _submitted(form):
        done = perform(lambda: services.update_title(current_user, title, values), form.title)
        if done:
            message = _("The changes have been saved.") if done.value else _("Nothing changed.")
            flash(message, "success" if done.value else "info")
            return redirect(url_for("catalogue.detail", isbn=title.isbn))
    return render_template("catalogue/edit.html", form=form, title=title)


@bp.route("/<isbn>/status", methods=["POST"])
@role_required(Role.PUBLISHER)
def change_status(isbn):
    """Withdraw, reinstate or publish one of the user's publisher's titles."""
    title = services.own_title(current_user, isbn)
    form = StatusForm()
    if form.validate_on_submit() and perform(
        lambda: services.change_status(current_user, title, form.status.data)
    ):
        flash(_("The status of %(title)s has been changed.", title=title.title), "success")
    return redirect(url_for("catalogue.detail", isbn=title.isbn))


def _form_data(title) -> dict:
    by_role: dict[str, list[str]] = {}
    for contributor in title.contributors:
        by_role.setdefault(contributor.role + "s", []).append(contributor.name)
    return {
        "isbn": title.isbn,
        "title": title.title,
        "subtitle": title.subtitle,
        **{field: "; ".join(names) for field, names in by_role.items()},
        "format": title.format,
        "language": title.language,
        "clc_class": title.clc_class,
        "thema_code": title.thema_code,
        "publication_date": title.publication_date.isoformat() if title.publication_date else "",
        "price": yuan_text(title.list_price_fen),
        "page_count": str(title.page_count or ""),
        "description": title.description,
        "status": title.status,
    }


EXPORT_HEADER = [
    "isbn", "title", "subtitle", "authors", "editors", "translators", "illustrators",
    "publisher", "format", "language", "clc_class", "thema_code", "publication_date",
    "price", "page_count", "status",
]  # fmt: skip
EXPORT_BATCH = 1000


@bp.route("/export.<any(csv, xlsx):file_format>")
@role_required()
def export(file_format):
    """Download the catalogue, or the current search, as CSV or Excel (formula-safe)."""
    form = _search_form()
    query = services.search(
        valid_data(form.q), valid_data(form.publisher) or None, valid_data(form.status) or None
    )
    rows = services.export_rows(query, EXPORT_BATCH)
    if file_format == "xlsx":
        return xlsx_response("titles.xlsx", EXPORT_HEADER, rows)
    return csv_response("titles.csv", EXPORT_HEADER, rows)


SHOWN_PROBLEMS = 500  # on the page; the downloadable report has all of them
IMPORT_COLUMN_HELP = {
    "isbn": _l("ISBN-13 or ISBN-10, with or without hyphens; numeric Excel cells are fine."),
    "title": _l("The title as printed."),
    "authors": _l("Separate several names with ; or 、"),
    "format": _l("paperback, hardback, ebook or audiobook (平装, 精装, 电子书, 有声书)."),
    "language": _l("A code such as zh or en; empty means zh."),
    "clc_class": _l("For example I247.5"),
    "publication_date": _l("For example 2021-04-23, 2021-04 or 2021年4月"),
    "price": _l("In yuan, for example 59.80, ¥1,234.50 or 59.80元"),
    "status": _l("forthcoming, active or withdrawn; empty keeps the current status."),
}


def _import_columns() -> list[dict]:
    return import_columns(importing.TITLE_COLUMNS, importing.REQUIRED_COLUMNS, IMPORT_COLUMN_HELP)


def _start_as_job(form):
    """Start a large upload's import as a background job; False for a file done now.

    None (the reason shown on the form) when the job is refused.
    """
    upload = form.file.data
    data, filename = upload.read(), upload.filename or "upload"
    upload.seek(0)
    if not jobs.too_large_to_wait(data):
        return False
    return perform(lambda: jobs.start_title_import(current_user, data, filename), form.file)


@bp.route("/import", methods=["GET", "POST"])
@role_required(Role.PUBLISHER)
def import_titles():
    """Add or update many titles from a CSV or Excel file: every row is checked, all or none."""
    publisher_of(current_user)  # refuses (403, saying why) anyone not acting for one
    form = ImportTitlesForm()
    imported = Imported()
    started = _start_as_job(form) if form.validate_on_submit() else None
    if started:
        return redirect(url_for("jobs.detail", job_id=started.value.id))
    if started is False:  # a file small enough to import while the page waits
        imported = run_import(
            form,
            lambda data, filename: importing.import_titles(
                current_user, current_user.organisation, data, filename
            ),
        )
        if result := imported.result:
            flash(
                _(
                    "%(created)s titles added, %(updated)s updated, %(unchanged)s unchanged.",
                    created=result.created,
                    updated=result.updated,
                    unchanged=result.unchanged,
                ),
                "success",
            )
            if result.ignored_columns:
                flash(
                    _(
                        "These columns were not imported: %(names)s.",
                        names=", ".join(result.ignored_columns),
                    ),
                    "info",
                )
            return redirect(url_for("catalogue.index", publisher=current_user.organisation_id))
    return render_template(
        "catalogue/import.html",
        form=form,
        report=imported.report,
        problems=imported.problems[:SHOWN_PROBLEMS],
        problem_count=len(imported.problems),
        columns=_import_columns(),
    )


@bp.route("/import/<int:report_id>.csv")
@role_required(Role.PUBLISHER)
def import_report(report_id):
    """Download the problems of one of the user's rejected imports (formula-safe CSV)."""
    report = own_report(current_user, report_id)
    response = Response(
        problems_csv(report_problems(report)), content_type="text/csv; charset=utf-8"
    )
    response.headers["Content-Disposition"] = attachment_header(f"import-problems-{report.id}.csv")
    return response


@bp.route("/import/template.csv")
@role_required(Role.PUBLISHER)
def import_template():
    """Download a file to fill in: the English headers and one example row."""
    return csv_response(
        "titles-template.csv", importing.TEMPLATE_HEADER, [importing.TEMPLATE_EXAMPLE]
    )
