"""Admin pages: users and their roles, the audit log and its CSV export."""

import json
from contextlib import suppress

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from alliance.admin import bp
from alliance.admin.forms import AuditFilterForm, UserCreateForm, UserEditForm, UserFilterForm
from alliance.admin.services import audit_matching, organisation_choices, users_matching
from alliance.audit import AuditEvent
from alliance.auth import services as accounts
from alliance.auth.identifiers import parse_login
from alliance.auth.models import User
from alliance.auth.roles import Role, role_required
from alliance.errors import DomainError
from alliance.extensions import db
from alliance.forms import valid_data
from alliance.i18n import current_language
from alliance.members.models import Organisation
from alliance.tabular import csv_response
from alliance.web import paginate, perform

PER_PAGE = 50
EXPORT_BATCH = 1000


def _organisation_field(field) -> None:
    field.choices = [
        SelectChoice(0, _("No organisation")),
        *(SelectChoice(id_, name) for id_, name in organisation_choices(current_language())),
    ]


def _organisation(organisation_id: int) -> Organisation | None:
    return db.session.get(Organisation, organisation_id) if organisation_id else None


@bp.route("/users")
@role_required(Role.ADMIN)
def users():
    """List users, searchable and filterable by role."""
    form = UserFilterForm(request.args)
    form.validate()
    query = users_matching(
        valid_data(form.q), valid_data(form.role), bool(valid_data(form.without_role))
    )
    page = paginate(query, PER_PAGE)
    return render_template("admin/users.html", form=form, page=page)


@bp.route("/users/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def create_user():
    """Create an account with roles and an organisation."""
    form = UserCreateForm()
    _organisation_field(form.organisation_id)
    if form.validate_on_submit() and (
        done := perform(
            lambda: accounts.create_user(
                form.login.data,
                form.display_name.data,
                form.password.data,
                actor=current_user,
                roles=form.roles.data,
                organisation=_organisation(form.organisation_id.data),
            ),
            form.login,
        )
    ):
        flash(_("The account %(login)s has been created.", login=done.value.login), "success")
        return redirect(url_for("admin.edit_user", user_id=done.value.id))
    return render_template("admin/create_user.html", form=form)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_user(user_id):
    """Grant and remove roles, set the organisation, activate or deactivate."""
    user = db.get_or_404(User, user_id)
    form = UserEditForm(
        data=None
        if request.method == "POST"
        else {
            "roles": sorted(user.roles),
            "organisation_id": user.organisation_id or 0,
            "active": user.active,
        }
    )
    _organisation_field(form.organisation_id)
    if form.validate_on_submit() and perform(
        lambda: accounts.update_user(
            current_user,
            user,
            roles=form.roles.data,
            organisation=_organisation(form.organisation_id.data),
            active=form.active.data,
        )
    ):
        flash(_("The changes to %(login)s have been saved.", login=user.login), "success")
        return redirect(url_for("admin.edit_user", user_id=user.id))
    return render_template("admin/edit_user.html", form=form, user=user)


def _audit_query(form: AuditFilterForm):
    actor = valid_data(form.actor)
    if actor:
        with suppress(DomainError):  # not a login: match the text as typed
            actor = parse_login(actor).value
    return audit_matching(
        actor=actor,
        action=valid_data(form.action),
        entity_type=valid_data(form.entity_type),
        entity_id=valid_data(form.entity_id),
        since=valid_data(form.since),
        until=valid_data(form.until),
        zone=str(get_timezone()),
    )


@bp.route("/audit")
@role_required(Role.ADMIN)
def audit():
    """Browse the audit log, newest first, with filters."""
    form = AuditFilterForm(request.args)
    form.validate()
    page = paginate(_audit_query(form), PER_PAGE)
    return render_template("admin/audit.html", form=form, page=page)


@bp.route("/audit.csv")
@role_required(Role.ADMIN)
def audit_export():
    """Download the filtered audit log as CSV."""
    form = AuditFilterForm(request.args)
    form.validate()
    query = _audit_query(form)
    header = [
        "id",
        "occurred_at",
        "actor",
        "action",
        "entity_type",
        "entity_id",
        "before",
        "after",
        "request_id",
    ]

    def rows():
        # Keyset pages, each read in the session of the moment: the response outlives the view.
        last_id = None
        while True:
            page = query if last_id is None else query.where(AuditEvent.id < last_id)
            events = db.session.scalars(page.limit(EXPORT_BATCH)).all()
            for e in events:
                yield [
                    e.id,
                    e.occurred_at.isoformat(),
                    e.actor_label,
                    e.action,
                    e.entity_type,
                    e.entity_id,
                    _json(e.before),
                    _json(e.after),
                    e.request_id,
                ]
            if len(events) < EXPORT_BATCH:
                return
            last_id = events[-1].id

    return csv_response("audit-log.csv", header, rows())


def _json(value) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)
