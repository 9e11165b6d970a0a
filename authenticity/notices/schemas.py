"""Marshmallow schemas of the notice API."""

from marshmallow import EXCLUDE, Schema, fields, validate

from alliance.api.schemas import PageQuerySchema, PageSchema
from authenticity.notices.models import MAX_ITEMS, HolderAction, ItemStatus, ReasonCode, Regime


class ItemEventSchema(Schema):
    """A step of a listing's timeline."""

    status = fields.String()
    by = fields.String(metadata={"enum": ["holder", "officer", "merchant", "system"]})
    code = fields.String(allow_none=True)
    text = fields.String(allow_none=True)
    at = fields.DateTime()


class NoticeItemSchema(Schema):
    """A listing of a notice, with its status, decision and timeline."""

    id = fields.Integer()
    notice_id = fields.Integer()
    listing_id = fields.String()
    merchant_id = fields.String()
    isbn = fields.String(allow_none=True)
    url = fields.String(allow_none=True)
    reason_code = fields.String(metadata={"enum": [code.value for code in ReasonCode]})
    description = fields.String(allow_none=True)
    status = fields.String(metadata={"enum": [status.value for status in ItemStatus]})
    decision_code = fields.String(allow_none=True)
    decision_text = fields.String(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    events = fields.List(fields.Nested(ItemEventSchema))


class NoticeSchema(Schema):
    """A notice with every listing."""

    id = fields.Integer()
    right_id = fields.Integer()
    regime = fields.String(metadata={"enum": [regime.value for regime in Regime]})
    signature = fields.String()
    contact = fields.String(allow_none=True)
    created_at = fields.DateTime()
    items = fields.List(fields.Nested(NoticeItemSchema))


class NoticePageSchema(PageSchema):
    """A page of notices."""

    items = fields.List(fields.Nested(NoticeSchema), required=True)


class NoticeQuerySchema(PageQuerySchema):
    """Which notices to list: those with a listing in `status`."""

    status = fields.String(validate=validate.OneOf([status.value for status in ItemStatus]))


class ItemInSchema(Schema):
    """A listing to name (checked again by the notice rules)."""

    class Meta:
        unknown = EXCLUDE

    listing_id = fields.String(required=True, validate=validate.Length(max=64))
    merchant_id = fields.String(required=True, validate=validate.Length(max=64))
    isbn = fields.String(allow_none=True, validate=validate.Length(max=64))
    url = fields.String(allow_none=True, validate=validate.Length(max=500))
    reason_code = fields.String(
        required=True, validate=validate.OneOf([code.value for code in ReasonCode])
    )
    description = fields.String(allow_none=True, validate=validate.Length(max=2000))


class NoticeInSchema(Schema):
    """A notice to file on a verified right."""

    class Meta:
        unknown = EXCLUDE

    right_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    regime = fields.String(required=True, validate=validate.OneOf([r.value for r in Regime]))
    items = fields.List(
        fields.Nested(ItemInSchema),
        required=True,
        validate=validate.Length(min=1, max=MAX_ITEMS),
        metadata={"description": f"1 to {MAX_ITEMS} listings"},
    )
    good_faith = fields.Boolean(required=True, metadata={"description": "Must be true"})
    accurate = fields.Boolean(
        required=True,
        metadata={"description": "Must be true; it also makes the statement of the regime "
                                 "chosen (see /ip/notices/statements)"},
    )  # fmt: skip
    signature = fields.String(required=True, validate=validate.Length(min=1, max=100))
    contact = fields.String(allow_none=True, validate=validate.Length(max=300))


class ItemDecisionInSchema(Schema):
    """An IP officer's decision on a listing."""

    decision = fields.String(
        required=True,
        validate=validate.OneOf(
            [ItemStatus.REMOVED.value, ItemStatus.REJECTED.value,
             ItemStatus.CLARIFICATION_REQUESTED.value]
        ),
    )  # fmt: skip
    reason_code = fields.String(allow_none=True, validate=validate.Length(max=32))
    reason = fields.String(allow_none=True, validate=validate.Length(max=2000))


class ReplyInSchema(Schema):
    """A holder's answer to an officer's question."""

    answer = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class CounterNoticeInSchema(Schema):
    """A merchant's counter-notice on a removed listing of its own."""

    statement = fields.String(required=True, validate=validate.Length(min=1, max=5000))
    contact = fields.String(required=True, validate=validate.Length(min=1, max=500))
    accept_jurisdiction = fields.Boolean(required=True, metadata={"description": "Must be true"})
    signature = fields.String(required=True, validate=validate.Length(min=1, max=100))


class HolderResponseInSchema(Schema):
    """The holder's answer to a counter-notice (a complaint's proof is uploaded on the page)."""

    action = fields.String(
        required=True, validate=validate.OneOf([a.value for a in HolderAction]),
        metadata={"description": "complaint_filed needs proof: send it on the notice's page"},
    )  # fmt: skip


class MerchantInSchema(Schema):
    """Who a marketplace merchant id is."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    organisation_id = fields.Integer(
        allow_none=True, validate=validate.Range(min=1, max=2**31 - 1),
        metadata={"description": "The merchant member organisation; null for none"},
    )  # fmt: skip


class MerchantSchema(Schema):
    """A marketplace merchant id and the organisation it belongs to."""

    merchant_id = fields.String()
    name = fields.String()
    organisation_id = fields.Integer(allow_none=True)
    updated_at = fields.DateTime()
