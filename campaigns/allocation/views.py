"""The allocation proposal page: compute a suggested share of the budget, adjust it, apply it."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from alliance.auth.roles import Role, role_required
from alliance.catalogue.clc import class_label
from alliance.errors import DomainError
from alliance.money import parse_money
from alliance.web import id_from, perform
from campaigns import services
from campaigns.allocation import bp, planning
from campaigns.allocation.forms import ApplyProposalForm, weights_form
from campaigns.forms import new_key

PER_PAGE = 50
MAX_BATCH = 1000


@bp.route("/<int:campaign_id>/proposal", methods=["GET", "POST"])
@role_required(Role.CAMPAIGN_STAFF)
def proposal(campaign_id):
    """Compute a suggested allocation for every approved enrolment, adjust it, apply it."""
    campaign = services.find_campaign(campaign_id)
    categories = services.campaign_categories(campaign)
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
                return redirect(url_for("allocation.proposal", campaign_id=campaign.id))
    elif request.method == "POST" and not applying and weights.validate_on_submit():
        chosen = {code: float(weights[f"w_{code}"].data) for code in categories}
        if perform(lambda: services.set_category_weights(current_user, campaign, chosen)):
            flash(_("The proposal has been computed with the new priorities."), "success")
    table = planning.build_proposal(campaign)
    return render_template(
        "allocation/proposal.html",
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
