"""Staff pages: the review queue, an enrolment's money, and the allocation proposal."""

from flask import abort, flash, redirect, render_template, request, url_for
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
from alliance.money import parse_money
from alliance.web import id_from, paginate, perform
from campaigns import bp, ledger, planning, services
from campaigns.forms import (
    ApplyProposalForm,
    DecisionForm,
    MoneyMoveForm,
    QueueFilterForm,
    new_key,
    weights_form,
)
from campaigns.models import Campaign, Enrolment, LedgerEntry

PER_PAGE = 50
MAX_BATCH = 1000


def _campaign_or_404(campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        abort(404)
    return campaign


def _queue_form(campaign: Campaign) -> QueueFilterForm:
    form = QueueFilterForm(request.args)
    form.category.choices = [
        SelectChoice("", _("All categories")),
        *(SelectChoice(code, class_label(code)) for code in _categories(campaign)),
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


def _categories(campaign: Campaign) -> list[str]:
    if campaign.categories:
        return list(campaign.categories)
    return sorted(
        db.session.scalars(
            select(Enrolment.category).where(Enrolment.campaign_id == campaign.id).distinct()
        )
    )


@bp.route("/<int:campaign_id>/review", methods=["GET", "POST"])
@role_required(Role.CAMPAIGN_STAFF)
def review(campaign_id):
    """Review enrolments: filter the queue, approve or reject one or many with a reason."""
    campaign = _campaign_or_404(campaign_id)
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
        "campaigns/review.html",
        campaign=campaign,
        filters=filters,
        decision=decision,
        page=page,
        reason_text=services.reason_text,
    )


@bp.route("/<int:campaign_id>/enrolments/<int:enrolment_id>", methods=["GET", "POST"])
@role_required(Role.CAMPAIGN_STAFF)
def enrolment(campaign_id, enrolment_id):
    """Show an enrolment's terms and ledger; allocate to it or release part of it."""
    campaign = _campaign_or_404(campaign_id)
    try:
        enrolment = services.find_enrolment(campaign, enrolment_id)
    except DomainError:
        abort(404)
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
        "campaigns/enrolment.html",
        campaign=campaign,
        enrolment=enrolment,
        form=form,
        entries=entries,
        reason_text=services.reason_text,
        category=class_label(enrolment.category),
    )


@bp.route("/<int:campaign_id>/proposal", methods=["GET", "POST"])
@role_required(Role.CAMPAIGN_STAFF)
def proposal(campaign_id):
    """Compute a suggested allocation for every approved enrolment, adjust it, apply it."""
    campaign = _campaign_or_404(campaign_id)
    categories = _categories(campaign)
    applying = "apply" in request.form
    weights = weights_form(
        categories,
        campaign.category_weights or {},
        formdata=request.form if request.method == "POST" and not applying else None,
    )
    apply_form = ApplyProposalForm(data=None if applying else {"key": new_key()})
    if applying and apply_form.validate_on_submit():
        amounts = _posted_amounts()
        if amounts is not None:
            done = perform(
                lambda: planning.apply_proposal(
                    current_user, campaign, amounts, apply_form.key.data
                )
            )
            if done:
                flash(_("%(n)s allocations recorded.", n=done.value.allocations), "success")
                return redirect(url_for("campaigns.proposal", campaign_id=campaign.id))
    elif request.method == "POST" and not applying and weights.validate_on_submit():
        chosen = {code: float(weights[f"w_{code}"].data) for code in categories}
        if perform(lambda: services.set_category_weights(current_user, campaign, chosen)):
            flash(_("The proposal has been computed with the new priorities."), "success")
    table = planning.build_proposal(campaign)
    return render_template(
        "campaigns/proposal.html",
        campaign=campaign,
        weights=weights,
        apply_form=apply_form,
        rows=table.to_dict("records"),
        posted={
            id_from(name[7:]): value[:30]
            for name, value in request.form.items()
            if name.startswith("amount-") and id_from(name[7:])
        },
        total=int(table["proposed_fen"].sum()) if not table.empty else 0,
        by_category=_totals(table, "category"),
        class_label=class_label,
    )


def _posted_amounts() -> dict[int, int] | None:
    """Read the adjusted amounts (yuan) from the proposal table; flash the first problem."""
    amounts = {}
    for name, value in request.form.items():
        enrolment_id = id_from(name[7:]) if name.startswith("amount-") else None
        if enrolment_id is None:
            continue
        try:
            amounts[enrolment_id] = parse_money(value or "0")
        except DomainError as error:
            flash(_("%(value)s: %(problem)s", value=value[:30], problem=error.message), "danger")
            return None
    return amounts


def _totals(table, column: str) -> list[dict]:
    if table.empty:
        return []
    grouped = table.groupby(column).agg(
        enrolments=("enrolment_id", "count"),
        demand_fen=("demand_fen", "sum"),
        allocated_fen=("allocated_fen", "sum"),
        proposed_fen=("proposed_fen", "sum"),
    )
    return [
        {"key": key, **{name: int(value) for name, value in row.items()}}
        for key, row in grouped.iterrows()
    ]
