"""Marshmallow schemas of the catalogue API (text is cleaned by alliance.api.arguments)."""

from marshmallow import EXCLUDE, Schema, fields, validate

from alliance.api.schemas import PageQuerySchema, PageSchema, PatchSchema
from alliance.catalogue.models import ContributorRole, TitleFormat, TitleStatus

MAX_ID = 2**31 - 1


class ContributorSchema(Schema):
    """A person credited on a title."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    role = fields.String(
        load_default="author", validate=validate.OneOf([r.value for r in ContributorRole])
    )


class TitleSchema(Schema):
    """A title as the API shows it."""

    isbn = fields.String(required=True, metadata={"example": "9787020002207"})
    title = fields.String(required=True)
    subtitle = fields.String(allow_none=True)
    contributors = fields.List(fields.Nested(ContributorSchema))
    publisher = fields.Function(lambda title: title.publisher.name)
    publisher_id = fields.Integer()
    format = fields.String()
    language = fields.String()
    clc_class = fields.String(allow_none=True)
    thema_code = fields.String(allow_none=True)
    publication_date = fields.Date(allow_none=True)
    list_price_fen = fields.Integer(allow_none=True)
    page_count = fields.Integer(allow_none=True)
    description = fields.String(allow_none=True)
    status = fields.String()
    updated_at = fields.DateTime()


class TitleInSchema(Schema):
    """The values of a title sent to the API (checked again by the catalogue rules)."""

    class Meta:
        unknown = EXCLUDE

    isbn = fields.String(required=True, validate=validate.Length(max=64))
    title = fields.String(required=True, validate=validate.Length(max=300))
    subtitle = fields.String(allow_none=True, validate=validate.Length(max=300))
    contributors = fields.List(fields.Nested(ContributorSchema), validate=validate.Length(max=50))
    format = fields.String(validate=validate.OneOf([f.value for f in TitleFormat]))
    language = fields.String(validate=validate.Length(max=8))
    clc_class = fields.String(allow_none=True, validate=validate.Length(max=32))
    thema_code = fields.String(allow_none=True, validate=validate.Length(max=16))
    publication_date = fields.Date(allow_none=True)
    list_price_fen = fields.Integer(
        allow_none=True, strict=True, validate=validate.Range(min=0, max=10**12)
    )
    page_count = fields.Integer(
        allow_none=True, strict=True, validate=validate.Range(min=1, max=99_999)
    )
    description = fields.String(
        allow_none=True, validate=validate.Length(max=10_000), metadata={"multiline": True}
    )
    status = fields.String(validate=validate.OneOf([s.value for s in TitleStatus]))


class TitlePatchSchema(PatchSchema, TitleInSchema):
    """Some values of a title to change; the ISBN is in the path (an unknown field: 422)."""

    isbn = fields.String(validate=validate.Length(max=64))
    title = fields.String(validate=validate.Length(max=300))


class TitlePageSchema(PageSchema):
    """One page of search results."""

    items = fields.List(fields.Nested(TitleSchema), required=True)


class TitleQuerySchema(PageQuerySchema):
    """Search parameters."""

    q = fields.String(
        validate=validate.Length(max=200),
        metadata={"description": "ISBN, or the start of a title or contributor name"},
    )
    publisher_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    status = fields.String(validate=validate.OneOf([s.value for s in TitleStatus]))
    page_size = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
