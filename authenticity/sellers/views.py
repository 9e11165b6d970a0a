"""Publisher pages of authorised sellers: list and authorise, revoke, import, export."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from alliance.auth.roles import Role, role_required
from alliance.errors import FieldsInvalid
from alliance.members.services import publisher_of
from alliance.tabular import csv_response, xlsx_response
from alliance.web import Imported, paginate, perform, query_text, run_import, show_problems
from authenticity.sellers import bp, importing, services
from authenticity.sellers.forms import (
    AuthorisationForm,
    ImportAuthorisationsForm,
    RevokeAuthorisationForm,
)

PER_PAGE = 50


@bp.route("/", methods=["GET", "POST"])
@role_required(Role.PUBLISHER)
def index():
    """List the publisher's authorised sellers and authorise another one."""
    publisher = publisher_of(current_user)
    form = AuthorisationForm()
    if form.validate_on_submit():
        try:
            values = services.read_authorisation(form.data)
        except FieldsInvalid as invalid:
            show_problems(invalid, form)
        else:
            if perform(lambda: services.create_authorisation(current_user, values), form):
                flash(_("%(name)s is now authorised.", name=values.merchant_name), "success")
                return redirect(url_for("sellers.index"))
    merchant = query_text("merchant", 64)
    page = paginate(services.authorisations_of(publisher.id, merchant), PER_PAGE)
    return render_template(
        "sellers/index.html",
        form=form,
        page=page,
        merchant=merchant or "",
        revoke_form=RevokeAuthorisationForm(),
        today=services.today(),
    )


@bp.route("/<int:authorisation_id>/revoke", methods=["POST"])
@role_required(Role.PUBLISHER)
def revoke(authorisation_id):
    """Revoke one of the publisher's authorisations, with the reason."""
    authorisation = services.own_authorisation(current_user, authorisation_id)
    form = RevokeAuthorisationForm()
    if not form.validate_on_submit():
        typed = form.reason.errors and (form.reason.data or "").strip()
        flash(form.reason.errors[0] if typed else _("Give the reason for revoking."), "danger")
    elif perform(
        lambda: services.revoke_authorisation(current_user, authorisation, form.reason.data)
    ):
        flash(
            _("The authorisation of %(name)s is revoked.", name=authorisation.merchant_name),
            "success",
        )
    return redirect(url_for("sellers.index"))


@bp.route("/import", methods=["GET", "POST"], endpoint="import")
@role_required(Role.PUBLISHER)
def import_authorisations():
    """Add authorisations from a CSV or Excel file: every row is checked, all or none."""
    publisher_of(current_user)
    form = ImportAuthorisationsForm()
    imported = Imported()
    if form.validate_on_submit():
        imported = run_import(
            form,
            lambda data, filename: importing.import_authorisations(current_user, data, filename),
        )
        if result := imported.result:
            flash(
                _("%(created)s authorisations added, %(unchanged)s already present.",
                  created=result.created, unchanged=result.unchanged),
                "success",
            )  # fmt: skip
            return redirect(url_for("sellers.index"))
    return render_template(
        "sellers/import.html",
        form=form,
        report=imported.report,
        problems=imported.problems[:500],
        problem_count=len(imported.problems),
        columns=importing.COLUMNS,
    )


@bp.route("/export.<any(csv, xlsx):file_format>")
@role_required(Role.PUBLISHER)
def export(file_format):
    """Download the publisher's authorisations as CSV or Excel (re-importable)."""
    publisher = publisher_of(current_user)
    rows = importing.export_rows(publisher.id)
    if file_format == "xlsx":
        return xlsx_response("authorised-sellers.xlsx", importing.HEADER, rows)
    return csv_response("authorised-sellers.csv", importing.HEADER, rows)
