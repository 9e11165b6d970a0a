"""Marshmallow schemas of the label-batch and label-check API."""

from marshmallow import EXCLUDE, Schema, fields, validate

from authenticity.labels.models import RevokeCategory


class BatchSchema(Schema):
    """A batch of labels (never its codes)."""

    id = fields.Integer()
    isbn = fields.Function(lambda b: b.title.isbn)
    title = fields.Function(lambda b: b.title.title)
    merchant_id = fields.Function(
        lambda b: b.authorisation.merchant_id if b.authorisation else None, allow_none=True
    )
    seller = fields.String(attribute="seller_name")
    quantity = fields.Integer()
    written = fields.Integer(metadata={"description": "labels written so far"})
    status = fields.String(
        metadata={"description": "writing (codes not downloadable yet), open, sealed or revoked"}
    )
    created_at = fields.DateTime()
    sealed_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)
    revoke_category = fields.String(allow_none=True)
    codes_url = fields.String(metadata={"description": "CSV of the codes, until sealed"})
    downloaded_at = fields.DateTime(
        allow_none=True,
        metadata={"description": "When the codes (CSV) or a sheet were first downloaded; "
                  "null: never (sealing then needs confirm_not_downloaded)"},
    )  # fmt: skip
    job_id = fields.Integer(
        allow_none=True,
        metadata={"description": "On ordering a batch larger than one chunk: the job writing "
                  "the rest, at GET /api/v1/jobs/{job_id}"},
    )  # fmt: skip


class BatchInSchema(Schema):
    """A batch to order."""

    class Meta:
        unknown = EXCLUDE

    isbn = fields.String(required=True, validate=validate.Length(max=64))
    merchant_id = fields.String(
        allow_none=True,
        validate=validate.Length(max=64),
        metadata={"description": "An authorised merchant; absent for the publisher's own store"},
    )
    quantity = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1, max=1_000_000)
    )


class SealBatchSchema(Schema):
    """Confirmations of sealing (the body may be empty for a batch whose codes were downloaded)."""

    class Meta:
        unknown = EXCLUDE

    confirm_not_downloaded = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Seal even though the batch's codes were never downloaded (as CSV "
            "or sheets): every label of the batch is then lost. Without it such a batch is "
            "refused with 422 (errors.confirm_not_downloaded)."
        },
    )


class RevokeBatchSchema(Schema):
    """Why a batch is revoked: a category readers see, and private details."""

    category = fields.String(
        load_default=RevokeCategory.OTHER.value,
        validate=validate.OneOf([c.value for c in RevokeCategory]),
    )
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class VerdictSchema(Schema):
    """What a reader is told about a label code."""

    status = fields.String(required=True, metadata={"description": "genuine, revoked or unknown"})
    message = fields.String(required=True)
    typo_suspected = fields.Boolean()
    title = fields.String(allow_none=True)
    isbn = fields.String(allow_none=True)
    publisher = fields.String(allow_none=True)
    seller = fields.String(allow_none=True)
    seller_authorised = fields.Boolean(
        metadata={"description": "false when the publisher no longer authorises the seller "
                  "(revoked or ended): the copy may still be genuine, sold before then"},
    )  # fmt: skip
    first_checked_at = fields.DateTime(allow_none=True)
    checks = fields.Integer(allow_none=True)
    revoke_category = fields.String(allow_none=True)
    clone_suspected = fields.Boolean()
    advice = fields.String(allow_none=True)
