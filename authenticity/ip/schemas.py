"""Marshmallow schemas of the rights registry API."""

from flask_smorest.fields import Upload
from marshmallow import EXCLUDE, Schema, fields, validate

from alliance.api.schemas import PageQuerySchema, PageSchema
from authenticity.ip.models import RightStatus, RightType


class ProofDocumentSchema(Schema):
    """A proof document: its name, type and size (read it at /files/{id} when logged in)."""

    id = fields.Integer(attribute="file.id")
    filename = fields.String(attribute="file.filename")
    content_type = fields.String(attribute="file.content_type")
    size = fields.Integer(attribute="file.size")


class RightSchema(Schema):
    """A registered right as the API shows it."""

    id = fields.Integer()
    status = fields.String(metadata={"enum": [status.value for status in RightStatus]})
    right_type = fields.String(metadata={"enum": [kind.value for kind in RightType]})
    title = fields.String()
    registration_number = fields.String(allow_none=True)
    classes = fields.String(allow_none=True)
    territory = fields.String()
    valid_from = fields.Date()
    valid_until = fields.Date(allow_none=True)
    isbns = fields.List(fields.String())
    work_titles = fields.Function(lambda right: [w.work_title for w in right.works if w.work_title])
    organisation_id = fields.Integer()
    principal_id = fields.Integer(allow_none=True)
    holder = fields.Function(lambda right: right.holder_name("zh"))
    documents = fields.List(fields.Nested(ProofDocumentSchema))
    submitted_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)
    reason_code = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)


class RightPageSchema(PageSchema):
    """A page of rights."""

    items = fields.List(fields.Nested(RightSchema), required=True)


class RightQuerySchema(PageQuerySchema):
    """Which rights to list."""

    status = fields.String(validate=validate.OneOf([status.value for status in RightStatus]))


class RightInSchema(Schema):
    """A right to register (checked again by the registry's rules)."""

    class Meta:
        unknown = EXCLUDE

    right_type = fields.String(
        required=True, validate=validate.OneOf([kind.value for kind in RightType])
    )
    title = fields.String(required=True, validate=validate.Length(max=300))
    isbns = fields.List(
        fields.String(validate=validate.Length(max=64)), validate=validate.Length(max=5000)
    )
    work_titles = fields.List(
        fields.String(validate=validate.Length(max=300)), validate=validate.Length(max=500)
    )
    registration_number = fields.String(allow_none=True, validate=validate.Length(max=64))
    classes = fields.String(allow_none=True, validate=validate.Length(max=200))
    territory = fields.String(required=True, validate=validate.Length(max=100))
    valid_from = fields.Date(required=True)
    valid_until = fields.Date(allow_none=True)
    principal_id = fields.Integer(
        allow_none=True,
        validate=validate.Range(min=1, max=2**31 - 1),
        metadata={"description": "An agency's principal; a holder names none"},
    )


class ProofDocumentInSchema(Schema):
    """A proof document sent as multipart/form-data."""

    file = Upload(required=True, metadata={"description": "PDF, JPEG or PNG, at most 10 MB"})


class RightDecisionInSchema(Schema):
    """An IP officer's decision on a right."""

    decision = fields.String(
        required=True,
        validate=validate.OneOf(
            [RightStatus.VERIFIED.value, RightStatus.REJECTED.value, RightStatus.REVOKED.value]
        ),
    )
    reason_code = fields.String(allow_none=True, validate=validate.Length(max=32))
    reason = fields.String(allow_none=True, validate=validate.Length(max=2000))
