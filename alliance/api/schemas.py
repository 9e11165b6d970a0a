"""Marshmallow schemas of the API base."""

from marshmallow import EXCLUDE, RAISE, Schema, fields, validate

from alliance.extensions import db
from alliance.i18n import _l


class OrganisationRefSchema(Schema):
    """A reference to an organisation."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    name_en = fields.String(allow_none=True)
    kind = fields.String(required=True)


class MeSchema(Schema):
    """The user an API key acts as."""

    id = fields.Integer(required=True)
    login = fields.String(required=True)
    display_name = fields.String(required=True)
    roles = fields.Method("sorted_roles", metadata={"type": "array", "items": {"type": "string"}})
    organisation = fields.Nested(OrganisationRefSchema, allow_none=True)
    locale = fields.String(allow_none=True)
    timezone = fields.String(required=True)

    def sorted_roles(self, user):
        return sorted(user.roles)


class ProblemSchema(Schema):
    """An error as application/problem+json (RFC 9457)."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    errors = fields.Dict(metadata={"description": "The values refused, by location and field"})
    problems = fields.Raw(
        metadata={"description": "What a rule refused: by field, or by row of an uploaded file"}
    )
    code = fields.String(metadata={"description": "A stable code of the problem, if it has one"})


# How an endpoint documents an error answer (most say @blp.problems(404, ...), which uses it).
# ProblemSchema by its component's name (the Api's error schema, so always in the spec): the
# same $ref as the class gives, but flask-smorest deep-copies an endpoint's doc at each of its
# decorators, and copying a schema instance in every problem took 0.15 s of each start.
PROBLEM = {"schema": "Problem", "content_type": "application/problem+json"}


class PatchSchema(Schema):
    """The body of a PATCH: a field it does not know is refused (422, naming it), never
    ignored, since a misspelt name would otherwise answer 200 and change nothing."""

    class Meta:
        unknown = RAISE

    error_messages = {"unknown": _l("Unknown field: there is no value of this name to change.")}


class PageQuerySchema(Schema):
    """Which page of a list to answer with; list endpoints' query schemas extend it."""

    class Meta:
        unknown = EXCLUDE

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class PageSchema(Schema):
    """One page of a list, as page_of() makes it; a subclass says what `items` holds."""

    items = fields.List(fields.Raw(), required=True)
    page = fields.Integer(required=True)
    page_size = fields.Integer(required=True)
    total = fields.Integer(required=True)
    pages = fields.Integer(required=True)


def page_of(query, page: int, page_size: int) -> dict:
    """Run `query` for one page and return the envelope every list endpoint answers with."""
    found = db.paginate(query, page=page, per_page=page_size, error_out=False)
    return {
        "items": found.items,
        "page": found.page,
        "page_size": found.per_page,
        "total": found.total,
        "pages": found.pages,
    }
