"""The inbox: list, open (marks read and follows the link), mark all read, mail settings."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from alliance.auth.roles import role_required
from alliance.extensions import db
from alliance.notifications import bp, services
from alliance.notifications.forms import MailSettingsForm
from alliance.web import perform

PER_PAGE = 30


@bp.route("/")
@role_required()
def index():
    """List the user's notifications, newest first, unread ones marked."""
    page = db.paginate(services.inbox_of(current_user), per_page=PER_PAGE, error_out=False)
    rendered = {notification.id: services.render(notification) for notification in page.items}
    return render_template("notifications/index.html", page=page, rendered=rendered)


@bp.route("/<int:notification_id>/open", methods=["POST"])
@role_required()
def open_notification(notification_id):
    """Mark a notification read and go where it leads."""
    notification = services.own_notification(current_user, notification_id)
    rendered = services.render(notification)
    perform(lambda: services.mark_read(current_user, [notification.id]))
    if rendered.endpoint:
        return redirect(url_for(rendered.endpoint, **(rendered.args or {})))
    return redirect(url_for("notifications.index"))


@bp.route("/read", methods=["POST"])
@role_required()
def mark_all_read():
    """Mark every notification of the user read."""
    done = perform(lambda: services.mark_read(current_user))
    if done and done.value:
        flash(_("All notifications are marked read."), "success")
    return redirect(url_for("notifications.index"))


@bp.route("/settings", methods=["GET", "POST"])
@role_required()
def settings():
    """Choose which kinds of notification also come by mail."""
    form = MailSettingsForm()
    kinds = services.kinds()
    if form.validate_on_submit():
        chosen = {kind.name for kind in kinds if request.form.get(f"mail-{kind.name}")}
        if perform(lambda: services.save_mail_settings(current_user, chosen)):
            flash(_("Your mail settings are saved."), "success")
            return redirect(url_for("notifications.settings"))
    return render_template(
        "notifications/settings.html",
        form=form,
        kinds=kinds,
        by_mail=services.mail_settings(current_user),
        has_email=bool(current_user.email),
    )
