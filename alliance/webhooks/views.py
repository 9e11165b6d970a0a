"""Admin pages of the outbound webhooks: the outbox, one event with its attempts, resend."""

import json

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from alliance.auth.roles import Role, role_required
from alliance.forms import valid_data
from alliance.web import paginate, perform
from alliance.webhooks import bp, services
from alliance.webhooks.forms import EventFilterForm, ResendForm
from alliance.webhooks.models import STATUS_LABELS, EventStatus

PER_PAGE = 50


@bp.route("/")
@role_required(Role.ADMIN)
def index():
    """List the events for the marketplace, newest first, with filters and counts."""
    form = EventFilterForm(request.args)
    form.validate()
    query = services.events_matching(
        valid_data(form.status), valid_data(form.event_type), valid_data(form.key)
    )
    return render_template(
        "webhooks/index.html",
        form=form,
        page=paginate(query, PER_PAGE),
        counts=services.status_counts(),
        configured=services.delivery_configured(),
        labels=STATUS_LABELS,
        EventStatus=EventStatus,
    )


@bp.route("/<int:event_id>")
@role_required(Role.ADMIN)
def detail(event_id):
    """Show one event: what is posted, where it stands, every attempt, and resending it."""
    event = services.event_by_id(event_id)
    return _detail(event, ResendForm())


@bp.route("/<int:event_id>/resend", methods=["POST"])
@role_required(Role.ADMIN)
def resend(event_id):
    """Queue an event for the marketplace again, once the administrator typed its number."""
    event = services.event_by_id(event_id)
    form = ResendForm()
    if form.validate_on_submit() and perform(
        lambda: services.resend_event(current_user, event, form.confirm.data), form
    ):
        flash(_("Event #%(number)s is queued to be sent again.", number=event.id), "success")
        return redirect(url_for("webhooks.detail", event_id=event.id))
    return _detail(event, form)


def _detail(event, form):
    form.confirm.description = _(
        "The marketplace receives this event again and acts on it. Type %(number)s to confirm.",
        number=event.id,
    )
    return render_template(
        "webhooks/detail.html",
        event=event,
        form=form,
        attempts=services.attempts_of(event),
        waiting_for=services.waiting_for(event),
        newer=services.newer_event(event),
        configured=services.delivery_configured(),
        payload=json.dumps(event.payload, ensure_ascii=False, indent=2, sort_keys=True),
        labels=STATUS_LABELS,
        EventStatus=EventStatus,
    )
