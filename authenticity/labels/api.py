"""API of label batches under /api/v1/label-batches: order, read, download, seal, revoke."""

from flask import Response, stream_with_context, url_for

from alliance.api.arguments import Blueprint
from alliance.api.auth import api_role_required, api_user
from alliance.auth.roles import Role
from alliance.extensions import db
from alliance.tabular import csv_lines
from authenticity.labels import codes, jobs, services
from authenticity.labels.schemas import (
    BatchInSchema,
    BatchSchema,
    RevokeBatchSchema,
    SealBatchSchema,
)

batches_blp = Blueprint(
    "label_batches_api", __name__, url_prefix="/api/v1/label-batches", description="Label batches"
)


def _batch_out(batch):
    batch.codes_url = url_for("label_batches_api.list_batch_codes", batch_id=batch.id)
    return batch


@batches_blp.route("", methods=["POST"])
@api_role_required(Role.PUBLISHER)
@batches_blp.arguments(BatchInSchema)
@batches_blp.response(201, BatchSchema)
@batches_blp.problems(400, 401, 404, 409, 422)
def create_batch(values):
    """Order labels for one of the publisher's titles and an authorised seller (or own store)."""
    batch = services.create_batch(
        api_user(), values["isbn"], values.get("merchant_id"), values["quantity"]
    )
    job = jobs.start_writing(api_user(), batch)
    db.session.commit()
    batch.job_id = job.id if job is not None else None
    return _batch_out(batch)


@batches_blp.route("/<int:batch_id>")
@api_role_required(Role.PUBLISHER)
@batches_blp.response(200, BatchSchema)
@batches_blp.problems(401, 404)
def get_batch(batch_id):
    """Return one of the publisher's batches."""
    return _batch_out(services.own_batch(api_user(), batch_id))


@batches_blp.route("/<int:batch_id>/codes")
@api_role_required(Role.PUBLISHER)
@batches_blp.response(200, content_type="text/csv", description="serial, code, url per label")
@batches_blp.problems(401, 404, 409, 410)
def list_batch_codes(batch_id):
    """Return the batch's codes as CSV until it is sealed (then 410 Gone)."""
    batch = services.own_batch(api_user(), batch_id)
    # 409 while being written, 410 once sealed; else the download is recorded first.
    pending = services.download_codes(api_user(), batch)
    db.session.commit()
    rows = ((serial, codes.group(code), services.verify_url(code)) for serial, code in pending)
    response = Response(
        stream_with_context(csv_lines(["serial", "code", "url"], rows)),
        content_type="text/csv; charset=utf-8",
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@batches_blp.route("/<int:batch_id>/seal", methods=["POST"])
@api_role_required(Role.PUBLISHER)
@batches_blp.arguments(SealBatchSchema)
@batches_blp.response(200, BatchSchema)
@batches_blp.problems(401, 404, 409, 422)
def seal_batch(values, batch_id):
    """Confirm printing: the batch's secret is deleted, so no code can be made again.

    A batch whose codes were never downloaded (GET …/codes) is refused with 422 unless the
    body says `{"confirm_not_downloaded": true}`: sealing it loses every label.
    """
    batch = services.own_batch(api_user(), batch_id)
    services.seal_batch(api_user(), batch, confirm_not_downloaded=values["confirm_not_downloaded"])
    db.session.commit()
    return _batch_out(batch)


@batches_blp.route("/<int:batch_id>/resume", methods=["POST"])
@api_role_required(Role.PUBLISHER)
@batches_blp.response(200, BatchSchema)
@batches_blp.problems(401, 404, 409)
def resume_batch(batch_id):
    """Finish writing a batch whose writing stopped half way (409 while it still moves on)."""
    batch = services.own_batch(api_user(), batch_id)
    return _batch_out(services.resume_writing(api_user(), batch))


@batches_blp.route("/<int:batch_id>/revoke", methods=["POST"])
@api_role_required(Role.PUBLISHER)
@batches_blp.arguments(RevokeBatchSchema)
@batches_blp.response(200, BatchSchema)
@batches_blp.problems(401, 404, 409)
def revoke_batch(values, batch_id):
    """Revoke every label of a batch, with a category readers see and private details."""
    batch = services.own_batch(api_user(), batch_id)
    services.revoke_batch(api_user(), batch, values["category"], values["reason"])
    db.session.commit()
    return _batch_out(batch)
