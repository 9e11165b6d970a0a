"""Marshmallow schemas of the campaigns API."""

from flask_babel import gettext as _
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from alliance.api.schemas import PageQuerySchema, PageSchema
from alliance.catalogue.clc import is_clc_class, normalise_class
from alliance.catalogue.schemas import MAX_ID
from alliance.money import MAX_FEN
from campaigns.models import CampaignStatus, EnrolmentStatus


def _fen(**kwargs):
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_FEN), **kwargs)


def clc_class(value: str) -> None:
    """Refuse a category that is not a CLC class."""
    if not is_clc_class(value):
        raise ValidationError(_("%(code)s is not a CLC class such as I247.", code=value[:20]))


class CampaignInSchema(Schema):
    """A new campaign's settings."""

    class Meta:
        unknown = EXCLUDE

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    name_en = fields.String(allow_none=True, validate=validate.Length(max=200), load_default=None)
    budget_fen = _fen(required=True, metadata={"example": 5_000_000_000})
    per_title_cap_fen = _fen(required=True)
    per_publisher_cap_fen = _fen(required=True)
    enrolment_opens = fields.Date(required=True)
    enrolment_closes = fields.Date(required=True)
    starts = fields.Date(required=True)
    ends = fields.Date(required=True)
    categories = fields.List(
        fields.String(validate=[validate.Length(min=1, max=32), clc_class]),
        load_default=list,
        validate=validate.Length(max=200),
        metadata={"description": "CLC classes; empty admits every category"},
    )
    price_floor_percent = fields.Integer(
        strict=True, allow_none=True, load_default=None, validate=validate.Range(min=1, max=100)
    )
    platform_share_percent = fields.Integer(
        strict=True, load_default=100, validate=validate.Range(min=0, max=100)
    )

    @validates_schema
    def _normalise(self, data, **_kwargs):
        data["categories"] = sorted({normalise_class(c) for c in data.get("categories", [])})


class CampaignSchema(Schema):
    """A campaign with its running totals."""

    id = fields.Integer()
    name = fields.String()
    name_en = fields.String(allow_none=True)
    status = fields.String()
    enrolment_opens = fields.Date()
    enrolment_closes = fields.Date()
    starts = fields.Date()
    ends = fields.Date()
    budget_fen = fields.Integer()
    per_title_cap_fen = fields.Integer()
    per_publisher_cap_fen = fields.Integer()
    price_floor_percent = fields.Integer(allow_none=True)
    platform_share_percent = fields.Integer()
    categories = fields.List(fields.String())
    allocated_fen = fields.Integer()
    spent_fen = fields.Integer()
    remaining_fen = fields.Integer()


class StatusInSchema(Schema):
    """The status to move a campaign to."""

    status = fields.String(
        required=True, validate=validate.OneOf([s.value for s in CampaignStatus])
    )


class CampaignPageSchema(PageSchema):
    """One page of campaigns."""

    items = fields.List(fields.Nested(CampaignSchema), required=True)


class EnrolmentInSchema(Schema):
    """A title to enrol and its terms."""

    class Meta:
        unknown = EXCLUDE

    isbn = fields.String(required=True, validate=validate.Length(min=1, max=64))
    campaign_price_fen = _fen(required=True)
    subsidy_per_unit_fen = _fen(required=True)
    expected_units = fields.Integer(
        strict=True, required=True, validate=validate.Range(min=1, max=10_000_000)
    )
    stock = fields.Integer(strict=True, load_default=0, validate=validate.Range(min=0, max=10**8))


class EnrolmentSchema(Schema):
    """An enrolment with its decision and money."""

    id = fields.Integer()
    campaign_id = fields.Integer()
    isbn = fields.Function(lambda enrolment: enrolment.title.isbn)
    title = fields.Function(lambda enrolment: enrolment.title.title)
    publisher_id = fields.Integer()
    category = fields.String()
    campaign_price_fen = fields.Integer()
    subsidy_per_unit_fen = fields.Integer()
    expected_units = fields.Integer()
    stock = fields.Integer()
    status = fields.String()
    reason_code = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    allocated_fen = fields.Integer()
    spent_fen = fields.Integer()


class EnrolmentQuerySchema(PageQuerySchema):
    """Filters of the enrolment list."""

    status = fields.String(validate=validate.OneOf([s.value for s in EnrolmentStatus]))


class EnrolmentPageSchema(PageSchema):
    """One page of enrolments."""

    items = fields.List(fields.Nested(EnrolmentSchema), required=True)


class DecisionInSchema(Schema):
    """Approve or reject an enrolment."""

    decision = fields.String(required=True, validate=validate.OneOf(["approved", "rejected"]))
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    reason_code = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=32)
    )


class AllocationInSchema(Schema):
    """An amount to allocate to an approved enrolment."""

    enrolment_id = fields.Integer(
        strict=True, required=True, validate=validate.Range(min=1, max=MAX_ID)
    )
    amount_fen = _fen(required=True)
    idempotency_key = fields.String(
        required=True,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "Repeat a request with the same key: it is recorded once"},
    )
    note = fields.String(load_default=None, validate=validate.Length(max=500))


class LedgerEntrySchema(Schema):
    """One movement of subsidy money."""

    id = fields.Integer()
    campaign_id = fields.Integer()
    enrolment_id = fields.Integer()
    publisher_id = fields.Integer()
    kind = fields.String()
    amount_fen = fields.Integer()
    platform_fen = fields.Integer()
    publisher_fen = fields.Integer()
    day = fields.Date()
    idempotency_key = fields.String(allow_none=True)
    created_at = fields.DateTime()
