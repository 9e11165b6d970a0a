"""API of authorised sellers under /api/v1/authorisations: list, authorise, revoke, check."""

from alliance.api.arguments import Blueprint
from alliance.api.auth import api_role_required, api_user
from alliance.auth.roles import Role
from alliance.extensions import db
from alliance.members.services import publisher_of
from authenticity.sellers import services
from authenticity.sellers.schemas import (
    AuthorisationInSchema,
    AuthorisationSchema,
    CheckQuerySchema,
    CheckSchema,
    RevokeAuthorisationSchema,
)

authorisations_blp = Blueprint(
    "authorisations_api",
    __name__,
    url_prefix="/api/v1/authorisations",
    description="Authorised sellers",
)


@authorisations_blp.route("")
@api_role_required(Role.PUBLISHER)
@authorisations_blp.response(200, AuthorisationSchema(many=True))
@authorisations_blp.problems(401)
def list_authorisations():
    """List the key user's publisher's authorisations, newest first."""
    publisher = publisher_of(api_user())
    return db.session.scalars(services.authorisations_of(publisher.id)).all()


@authorisations_blp.route("", methods=["POST"])
@api_role_required(Role.PUBLISHER)
@authorisations_blp.arguments(AuthorisationInSchema)
@authorisations_blp.response(201, AuthorisationSchema)
@authorisations_blp.problems(401, 422)
def create_authorisation(values):
    """Authorise a merchant to sell the publisher's titles (all, or the ISBNs listed)."""
    checked = services.read_authorisation(values)
    authorisation = services.create_authorisation(api_user(), checked)
    db.session.commit()
    return authorisation


@authorisations_blp.route("/<int:authorisation_id>/revoke", methods=["POST"])
@api_role_required(Role.PUBLISHER)
@authorisations_blp.arguments(RevokeAuthorisationSchema)
@authorisations_blp.response(200, AuthorisationSchema)
@authorisations_blp.problems(401, 404, 409)
def revoke_authorisation(values, authorisation_id):
    """Revoke one of the publisher's authorisations, with the reason."""
    authorisation = services.own_authorisation(api_user(), authorisation_id)
    services.revoke_authorisation(api_user(), authorisation, values["reason"])
    db.session.commit()
    return authorisation


@authorisations_blp.route("/check")
@api_role_required()
@authorisations_blp.arguments(CheckQuerySchema, location="query")
@authorisations_blp.response(200, CheckSchema)
@authorisations_blp.problems(401)
def check_authorisation(query):
    """Tell whether merchant M may sell ISBN X on a day, with the authorisation that applies."""
    day = query.get("date") or services.today()
    answer = services.check(query["merchant"], query["isbn"], day)
    return {
        "allowed": answer.allowed,
        "merchant": query["merchant"],
        "isbn": answer.title.isbn if answer.title else None,
        "date": day,
        "authorisation": answer.authorisation,
    }
