"""Marshmallow schemas of the authorised-seller API."""

from marshmallow import EXCLUDE, Schema, fields, validate


class AuthorisationSchema(Schema):
    """An authorisation as the API shows it."""

    id = fields.Integer()
    publisher = fields.Function(lambda a: a.publisher.name)
    merchant_id = fields.String()
    merchant_name = fields.String()
    merchant_uscc = fields.String(allow_none=True)
    isbns = fields.List(
        fields.String(),
        allow_none=True,
        metadata={"description": "null: all the publisher's titles"},
    )
    valid_from = fields.Date()
    valid_until = fields.Date(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)
    revoke_reason = fields.String(allow_none=True)
    created_at = fields.DateTime()


class AuthorisationInSchema(Schema):
    """A new authorisation (checked again by the seller rules)."""

    class Meta:
        unknown = EXCLUDE

    merchant_id = fields.String(required=True, validate=validate.Length(max=64))
    merchant_name = fields.String(required=True, validate=validate.Length(max=200))
    merchant_uscc = fields.String(allow_none=True, validate=validate.Length(max=30))
    isbns = fields.List(
        fields.String(validate=validate.Length(max=64)),
        allow_none=True,
        validate=validate.Length(max=5000),
        metadata={"description": "Absent or null for all the publisher's titles"},
    )
    valid_from = fields.Date(required=True)
    valid_until = fields.Date(allow_none=True)


class RevokeAuthorisationSchema(Schema):
    """Why an authorisation is revoked."""

    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class CheckQuerySchema(Schema):
    """Which merchant, title and day to check."""

    class Meta:
        unknown = EXCLUDE

    merchant = fields.String(required=True, validate=validate.Length(min=1, max=64))
    isbn = fields.String(required=True, validate=validate.Length(min=1, max=64))
    date = fields.Date(metadata={"description": "Default: today in China"})


class CheckSchema(Schema):
    """Whether the merchant may sell the title that day, and the authorisation that applies."""

    allowed = fields.Boolean(required=True)
    merchant = fields.String()
    isbn = fields.String(allow_none=True)
    date = fields.Date()
    authorisation = fields.Nested(AuthorisationSchema, allow_none=True)
