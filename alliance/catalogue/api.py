"""Catalogue API: search, read, add and change titles under /api/v1/titles."""

from flask_smorest import Blueprint, abort

from alliance.api.auth import api_role_required, api_user
from alliance.api.schemas import ProblemSchema
from alliance.auth.roles import Role
from alliance.catalogue import services
from alliance.catalogue.rules import read_title
from alliance.catalogue.schemas import (
    TitleInSchema,
    TitlePatchSchema,
    TitleQuerySchema,
    TitleSchema,
)
from alliance.extensions import db

blp = Blueprint("catalogue_api", __name__, url_prefix="/api/v1/titles", description="Titles")
PROBLEM = {"schema": ProblemSchema, "content_type": "application/problem+json"}
SECURITY = [{"bearerAuth": []}]


@blp.route("")
@blp.arguments(TitleQuerySchema, location="query")
@blp.response(200, TitleSchema(many=True))
@blp.paginate()
@blp.alt_response(401, **PROBLEM)
@blp.doc(security=SECURITY)
@api_role_required()
def list_titles(query, pagination_parameters):
    """Search titles by ISBN, or by the start of a title or contributor name."""
    select = services.search(query.get("q"), query.get("publisher_id"), query.get("status"))
    page = db.paginate(
        select,
        page=pagination_parameters.page,
        per_page=pagination_parameters.page_size,
        error_out=False,
    )
    pagination_parameters.item_count = page.total
    return page.items


@blp.route("/<isbn>")
@blp.response(200, TitleSchema)
@blp.alt_response(401, **PROBLEM)
@blp.alt_response(404, **PROBLEM)
@blp.doc(security=SECURITY)
@api_role_required()
def get_title(isbn):
    """Return one title by its ISBN (any spelling)."""
    title = services.find_title(isbn)
    if title is None:
        abort(404)
    return title


@blp.route("", methods=["POST"])
@blp.arguments(TitleInSchema)
@blp.response(201, TitleSchema)
@blp.alt_response(401, **PROBLEM)
@blp.alt_response(403, **PROBLEM)
@blp.alt_response(409, **PROBLEM)
@blp.alt_response(422, **PROBLEM)
@blp.doc(security=SECURITY)
@api_role_required(Role.PUBLISHER)
def create_title(values):
    """Add a title to the key user's publisher."""
    title = services.create_title(api_user(), read_title(values))
    db.session.commit()
    return title


@blp.route("/<isbn>", methods=["PATCH"])
@blp.arguments(TitlePatchSchema)
@blp.response(200, TitleSchema)
@blp.alt_response(401, **PROBLEM)
@blp.alt_response(403, **PROBLEM)
@blp.alt_response(404, **PROBLEM)
@blp.alt_response(422, **PROBLEM)
@blp.doc(security=SECURITY)
@api_role_required(Role.PUBLISHER)
def update_title(changes, isbn):
    """Change some values of one of the key user's publisher's titles."""
    title = services.own_title(api_user(), isbn)
    values = {**services.api_values(title), **changes, "isbn": title.isbn}
    services.update_title(api_user(), title, read_title(values))
    db.session.commit()
    return title
