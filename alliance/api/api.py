"""GET /api/v1/me: who the API key acts as."""

from alliance.api.arguments import Blueprint
from alliance.api.auth import api_role_required, api_user
from alliance.api.schemas import MeSchema

blp = Blueprint(
    "account_api", __name__, url_prefix="/api/v1", description="The account behind an API key"
)


@blp.route("/me")
@blp.response(200, MeSchema)
@blp.problems(401)
@api_role_required()
def get_me():
    """Return the key's user and roles."""
    return api_user()
