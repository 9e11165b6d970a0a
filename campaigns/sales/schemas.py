"""Marshmallow schemas of the sales API."""

from marshmallow import EXCLUDE, Schema, fields, validate

from alliance.api.schemas import PageQuerySchema, PageSchema
from alliance.catalogue.schemas import MAX_ID
from alliance.money import MAX_FEN
from campaigns.models import Channel
from campaigns.sales.services import MAX_UNITS

CHANNELS = [channel.value for channel in Channel]


class SaleInSchema(Schema):
    """A day's sales of one enrolled title through one channel."""

    class Meta:
        unknown = EXCLUDE

    isbn = fields.String(
        required=True,
        validate=validate.Length(min=1, max=64),
        metadata={"example": "9787020002207", "description": "Of an approved enrolment"},
    )
    date = fields.Date(
        required=True, metadata={"description": "The day of the sales (Asia/Shanghai)"}
    )
    channel = fields.String(load_default=Channel.STORE.value, validate=validate.OneOf(CHANNELS))
    units = fields.Integer(required=True, strict=True, validate=validate.Range(0, MAX_UNITS))
    revenue_fen = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(0, MAX_FEN),
        metadata={"description": "Revenue in fen (1 yuan = 100 fen)"},
    )


class SaleSchema(Schema):
    """A reported sale and the subsidy it drew."""

    id = fields.Integer(required=True)
    campaign_id = fields.Integer(required=True)
    publisher_id = fields.Integer(required=True)
    isbn = fields.Function(lambda sale: sale.enrolment.title.isbn, required=True)
    title = fields.Function(lambda sale: sale.enrolment.title.title, required=True)
    date = fields.Date(attribute="sale_date", required=True)
    channel = fields.String(required=True)
    units = fields.Integer(required=True)
    revenue_fen = fields.Integer(required=True)
    subsidy_fen = fields.Integer(
        required=True, metadata={"description": "Subsidy drawn from the allocation"}
    )
    subsidy_wanted_fen = fields.Function(
        lambda sale: sale.units * sale.enrolment.subsidy_per_unit_fen,
        required=True,
        metadata={"description": "Units x subsidy per unit: more than drawn when capped"},
    )
    updated_at = fields.DateTime(required=True)


class SaleResultSchema(SaleSchema):
    """A reported sale, and whether this request changed it."""

    changed = fields.Boolean(
        required=True, metadata={"description": "False when the same figures were reported"}
    )


class SaleTotalsSchema(Schema):
    """Sums over every sale matching the query (not only this page)."""

    sales = fields.Integer(required=True)
    units = fields.Integer(required=True)
    revenue_fen = fields.Integer(required=True)
    subsidy_fen = fields.Integer(required=True)
    wanted_fen = fields.Integer(required=True)


class SalePageSchema(PageSchema):
    """One page of sales with the totals of all of them."""

    items = fields.List(fields.Nested(SaleSchema), required=True)
    totals = fields.Nested(SaleTotalsSchema, required=True)


class SaleQuerySchema(PageQuerySchema):
    """Filters of the sales list."""

    isbn = fields.String(validate=validate.Length(max=64))
    channel = fields.String(validate=validate.OneOf(CHANNELS))
    date_from = fields.Date()
    date_to = fields.Date()
    publisher_id = fields.Integer(
        validate=validate.Range(min=1, max=MAX_ID),
        metadata={"description": "Staff only: one publisher's sales"},
    )
    page_size = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
