"""Publisher pages of label batches (order, download, seal, resume, revoke); officers' reports."""

from flask import Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from alliance.auth.roles import Role, role_required
from alliance.errors import NotFoundError
from alliance.extensions import db
from alliance.i18n import _l
from alliance.members.services import publisher_of
from alliance.tabular import attachment_header, csv_response
from alliance.web import paginate, perform
from authenticity.labels import bp, jobs, printing, reports, services, writing
from authenticity.labels.codes import group
from authenticity.labels.forms import BatchForm, ResumeForm, RevokeForm, SealForm
from authenticity.labels.models import BatchStatus

PER_PAGE = 50


@bp.route("/", methods=["GET", "POST"])
@role_required(Role.PUBLISHER)
def index():
    """List the publisher's label batches and order a new one."""
    publisher = publisher_of(current_user)
    form = BatchForm()
    if form.validate_on_submit():
        # The quota is about the number of labels: its refusal goes next to that field.
        done = perform(lambda: writing.check_quota(publisher.id, form.quantity.data), form.quantity)
        done = done and perform(
            lambda: services.create_batch(
                current_user, form.isbn.data, form.merchant_id.data or None, form.quantity.data
            ),
            form.isbn,
        )
        started = done and perform(lambda: jobs.start_writing(current_user, done.value))
        if started and started.value is not None:  # more than one chunk: a background job
            return redirect(url_for("jobs.detail", job_id=started.value.id))
        if started:
            flash(_("%(n)s labels are ready to download.", n=done.value.quantity), "success")
        if done:
            return redirect(url_for("labels.detail", batch_id=done.value.id))
    return _index_page(form, RevokeForm(formdata=None))


def _index_page(form, revoke_form, status=200):
    """Render the list of batches with the order form and the form to revoke one label."""
    publisher = publisher_of(current_user)
    page = paginate(services.batches_of(publisher.id), PER_PAGE)
    summaries = services.batch_summaries([batch.id for batch in page.items])
    return render_template(
        "labels/index.html",
        form=form,
        page=page,
        summaries=summaries,
        revoke_form=revoke_form,
    ), status


@bp.route("/<int:batch_id>")
@role_required(Role.PUBLISHER)
def detail(batch_id):
    """Show a batch: downloads while it awaits print, sealing, revoking, checks so far."""
    return _detail_page(services.own_batch(current_user, batch_id))


def _detail_page(batch, seal_form=None, revoke_form=None, status=200):
    """Render a batch's page, with a refused form (and its status) when there is one."""
    summary = services.batch_summaries([batch.id]).get(batch.id, {})
    parts = -(-batch.quantity // printing.SHEET_SIZE)
    to_revoke = max(batch.written - summary.get("revoked", 0), 0)
    return render_template(
        "labels/detail.html",
        batch=batch,
        summary=summary,
        parts=range(1, parts + 1),
        seal_form=seal_form or SealForm(formdata=None, batch=batch),
        revoke_form=revoke_form or RevokeForm(formdata=None, batch=batch, labels=to_revoke),
        resume_form=ResumeForm(),
        open=batch.status == BatchStatus.OPEN,
        stalled=writing.stalled(batch),
        to_revoke=to_revoke,
    ), status


@bp.route("/<int:batch_id>/codes.csv")
@role_required(Role.PUBLISHER)
def codes(batch_id):
    """Download a batch's codes and verification addresses as CSV, until it is sealed."""
    batch = services.own_batch(current_user, batch_id)
    # 409 while being written, 410 once sealed; else the download is recorded first.
    pending = services.download_codes(current_user, batch)
    db.session.commit()
    rows = ((serial, group(code), services.verify_url(code)) for serial, code in pending)
    return csv_response(f"labels-{batch.id}.csv", ["serial", "code", "url"], rows)


SHEET_FORMATS = {"pdf": (printing.sheet_pdf, "application/pdf"),
                 "svg": (printing.sheet_svg, "image/svg+xml")}  # fmt: skip


@bp.route("/<int:batch_id>/sheet-<int:part>.<any(pdf, svg):sheet_format>")
@role_required(Role.PUBLISHER)
def sheet(batch_id, part, sheet_format):
    """Download a printable sheet of QR labels (500 a sheet), until the batch is sealed."""
    batch = services.own_batch(current_user, batch_id)
    first = (part - 1) * printing.SHEET_SIZE + 1
    services.pending_codes(batch, first)  # 409 while being written, 410 once sealed
    if part < 1 or first > batch.quantity:
        raise NotFoundError(_l("This batch has no such sheet."))
    rows = services.download_codes(current_user, batch, first, first + printing.SHEET_SIZE - 1)
    db.session.commit()
    draw, mimetype = SHEET_FORMATS[sheet_format]
    response = Response(draw(batch.title.title, rows, services.verify_url), mimetype=mimetype)
    response.headers["Content-Disposition"] = attachment_header(
        f"labels-{batch.id}-sheet-{part}.{sheet_format}"
    )
    return response


@bp.route("/<int:batch_id>/seal", methods=["POST"])
@role_required(Role.PUBLISHER)
def seal(batch_id):
    """Confirm printing, once the publisher ticked that the codes are deleted for good."""
    batch = services.own_batch(current_user, batch_id)
    form = SealForm(batch=batch)
    not_downloaded = getattr(form, "confirm_not_downloaded", None)
    if form.validate_on_submit() and perform(
        lambda: services.seal_batch(
            current_user,
            batch,
            confirm_not_downloaded=bool(not_downloaded and not_downloaded.data),
        ),
        form,
    ):
        flash(_("The batch is sealed: only the keyed hashes of its codes remain."), "success")
        return redirect(url_for("labels.detail", batch_id=batch.id))
    db.session.refresh(batch)
    return _detail_page(batch, seal_form=form, status=422)


@bp.route("/<int:batch_id>/resume", methods=["POST"])
@role_required(Role.PUBLISHER)
def resume(batch_id):
    """Finish writing a batch whose writing stopped half way."""
    batch = services.own_batch(current_user, batch_id)
    if ResumeForm().validate_on_submit() and perform(
        lambda: services.resume_writing(current_user, batch)
    ):
        flash(_("%(n)s labels are ready to download.", n=batch.quantity), "success")
    return redirect(url_for("labels.detail", batch_id=batch.id))


@bp.route("/<int:batch_id>/revoke", methods=["POST"])
@role_required(Role.PUBLISHER)
def revoke(batch_id):
    """Revoke every label of a batch, once the publisher ticked what readers will be told."""
    batch = services.own_batch(current_user, batch_id)
    summary = services.batch_summaries([batch.id]).get(batch.id, {})
    to_revoke = max(batch.written - summary.get("revoked", 0), 0)
    form = RevokeForm(batch=batch, labels=to_revoke)
    if form.validate_on_submit() and perform(
        lambda: services.revoke_batch(current_user, batch, form.category.data, form.reason.data),
        form,
    ):
        flash(_("Every label of this batch is revoked."), "success")
        return redirect(url_for("labels.detail", batch_id=batch.id))
    db.session.refresh(batch)
    return _detail_page(batch, revoke_form=form, status=422)


@bp.route("/revoke-code", methods=["POST"])
@role_required(Role.PUBLISHER)
def revoke_code():
    """Revoke one label, named by its code, once the publisher ticked that it is for good."""
    publisher_of(current_user)
    form = RevokeForm()
    valid = form.validate_on_submit()
    if form.is_submitted() and not form.code.data:  # (validating resets a field's errors)
        form.code.errors = [*form.code.errors, _("Type the code of the label.")]
        valid = False
    if valid and perform(
        lambda: services.revoke_label(
            current_user, form.code.data, form.category.data, form.reason.data
        ),
        form.code,
    ):
        flash(_("The label is revoked."), "success")
        return redirect(url_for("labels.index"))
    return _index_page(BatchForm(formdata=None), form, status=422)


@bp.route("/reports")
@role_required(Role.IP_OFFICER)
def reports_index():
    """List readers' reports of sellers of labels that may be copied, newest first."""
    page = paginate(reports.reports_newest_first(), PER_PAGE)
    return render_template("labels/reports.html", page=page)
