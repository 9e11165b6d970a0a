"""Enrolment pages: enrol a title or a spreadsheet of them, withdraw one, review and decide."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from alliance.auth.roles import Role, role_required
from alliance.catalogue.clc import class_label
from alliance.errors import DomainError
from alliance.extensions import db
from alliance.forms import valid_data
from alliance.i18n import current_language
from alliance.members.models import Organisation
from alliance.members.services import publisher_of
from alliance.money import parse_money
from alliance.tabular import csv_response
from alliance.web import Imported, id_from, paginate, perform, run_import
from campaigns import ledger
from campaigns import services as campaigns
from campaigns.enrolments import bp, importing, services
from campaigns.enrolments.forms import (
    DecisionForm,
    EnrolmentForm,
    ImportEnrolmentsForm,
    MoneyMoveForm,
    QueueFilterForm,
)
from campaigns.forms import ConfirmForm, new_key
from campaigns.models import Campaign, Enrolment, LedgerEntry

PER_PAGE = 50
SHOWN_PROBLEMS = 500
MAX_BATCH = 1000


@bp.route("/<int:campaign_id>/enrol", methods=["GET", "POST"])
@role_required(Role.PUBLISHER)
def create(campaign_id):
    """Enrol one of the publisher's titles in the campaign."""
    campaign = campaigns.find_campaign(campaign_id)
    publisher_of(current_user)  # refuses (403, saying why) anyone not acting for one
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
        "enrolments/create.html",
        form=form,
        campaign=campaign,
        open_now=campaigns.enrolment_open(campaign),
    )


@bp.route("/enrolments/<int:enrolment_id>/withdraw", methods=["POST"])
@role_required(Role.PUBLISHER)
def withdraw(enrolment_id):
    """Withdraw one of the publisher's enrolments before it is decided."""
    enrolment = services.own_enrolment(current_user, enrolment_id)
    if ConfirmForm().validate_on_submit() and perform(
        lambda: services.withdraw_enrolment(current_user, enrolment)
    ):
        flash(_("The enrolment has been withdrawn."), "success")
    return redirect(url_for("campaigns.detail", campaign_id=enrolment.campaign_id))


@bp.route("/<int:campaign_id>/enrol/import", methods=["GET", "POST"], endpoint="import")
@role_required(Role.PUBLISHER)
def import_file(campaign_id):
    """Enrol many titles from a CSV or Excel file: every row is checked, all or none."""
    campaign = campaigns.find_campaign(campaign_id)
    publisher_of(current_user)  # refuses (403, saying why) anyone not acting for one
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
        "enrolments/import.html",
        form=form,
        campaign=campaign,
        report=imported.report,
        problems=imported.problems[:SHOWN_PROBLEMS],
        problem_count=len(imported.problems),
        columns=importing.ENROLMENT_IMPORT.columns,
        required=importing.ENROLMENT_IMPORT.required,
    )


@bp.route("/enrol/template.csv")
@role_required(Role.PUBLISHER)
def import_template():
    """Download a file to fill in: the English headers and one example row."""
    return csv_response(
        "enrolments-template.csv", importing.TEMPLATE_HEADER, [importing.TEMPLATE_EXAMPLE]
    )


def _queue_form(campaign: Campaign) -> QueueFilterForm:
    form = QueueFilterForm(request.args)
    form.category.choices = [
        SelectChoice("", _("All categories")),
        *(
            SelectChoice(code, class_label(code))
            for code in campaigns.campaign_categories(campaign)
        ),
    ]
    publishers = db.session.execute(
        select(Organisation)
        .where(
            Organisation.id.in_(
                select(Enrolment.publisher_id).where(Enrolment.campaign_id == campaign.id)
            )
        )
        .order_by(Organisation.name)
    ).scalars()
    form.publisher.choices = [
        SelectChoice(0, _("All publishers")),
        *(SelectChoice(p.id, p.display_name(current_language())) for p in publishers),
    ]
    form.validate()
    return form


@bp.route("/<int:campaign_id>/review", methods=["GET", "POST"])
@role_required(Role.CAMPAIGN_STAFF)
def index(campaign_id):
    """Review enrolments: filter the queue, approve or reject one or many with a reason."""
    campaign = campaigns.find_campaign(campaign_id)
    filters = _queue_form(campaign)
    decision = DecisionForm()
    if decision.validate_on_submit():
        ids = [number for number in map(id_from, request.form.getlist("enrolment")) if number]
        chosen = list(
            db.session.scalars(
                select(Enrolment).where(
                    Enrolment.campaign_id == campaign.id, Enrolment.id.in_(ids[:MAX_BATCH])
                )
            )
        )
        done = perform(
            lambda: services.decide_enrolments(
                current_user,
                chosen,
                decision.decision.data,
                decision.reason_code.data or None,
                decision.reason.data,
            ),
            None,
        )
        if done:
            flash(_("%(n)s enrolments decided.", n=done.value), "success")
            return redirect(request.full_path)
    query = services.enrolments_of_campaign(
        campaign,
        status=valid_data(filters.status) or None,
        category=valid_data(filters.category) or None,
        publisher_id=valid_data(filters.publisher) or None,
        text=valid_data(filters.q),
    )
    page = paginate(query, PER_PAGE)
    return render_template(
        "enrolments/index.html",
        campaign=campaign,
        filters=filters,
        decision=decision,
        page=page,
        reason_text=services.reason_text,
    )


@bp.route("/<int:campaign_id>/enrolments/<int:enrolment_id>", methods=["GET", "POST"])
@role_required(Role.CAMPAIGN_STAFF)
def detail(campaign_id, enrolment_id):
    """Show an enrolment's terms and ledger; allocate to it or release part of it."""
    campaign = campaigns.find_campaign(campaign_id)
    enrolment = services.find_enrolment(campaign, enrolment_id)
    form = MoneyMoveForm(data={"key": new_key()} if request.method == "GET" else None)
    if form.validate_on_submit():
        action = request.form.get("action", "allocate")
        move = ledger.release if action == "release" else ledger.allocate
        try:
            amount = parse_money(form.amount.data)
        except DomainError as error:
            form.amount.errors.append(error.message)
        else:
            done = perform(
                lambda: move(current_user, enrolment, amount, form.key.data, form.note.data),
                form.amount,
            )
            if done:
                if not done.value.created:
                    flash(_("This was already recorded; nothing more was done."), "info")
                elif action == "release":
                    flash(_("The amount has been released to the budget."), "success")
                else:
                    flash(_("The amount has been allocated."), "success")
                return redirect(request.path)
    entries = db.session.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.enrolment_id == enrolment.id)
        .order_by(LedgerEntry.id.desc())
        .limit(200)
    ).all()
    return render_template(
        "enrolments/detail.html",
        campaign=campaign,
        enrolment=enrolment,
        form=form,
        entries=entries,
        reason_text=services.reason_text,
        category=class_label(enrolment.category),
    )
