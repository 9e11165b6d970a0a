"""API of the rights registry under /api/v1/ip-rights: register, add proof, list, decide."""

from alliance.api.arguments import Blueprint
from alliance.api.auth import api_role_required, api_user
from alliance.api.schemas import page_of
from alliance.auth.roles import Role
from alliance.extensions import db
from alliance.files.services import Upload
from authenticity.ip import services
from authenticity.ip.schemas import (
    ProofDocumentInSchema,
    ProofDocumentSchema,
    RightDecisionInSchema,
    RightInSchema,
    RightPageSchema,
    RightQuerySchema,
    RightSchema,
)

rights_blp = Blueprint(
    "ip_rights_api", __name__, url_prefix="/api/v1/ip-rights", description="IP rights registry"
)
HOLDERS = (Role.RIGHTS_HOLDER, Role.PUBLISHER)


@rights_blp.route("", methods=["POST"])
@api_role_required(*HOLDERS)
@rights_blp.arguments(RightInSchema)
@rights_blp.response(201, RightSchema)
@rights_blp.problems(401, 422)
def register_right(values):
    """Register a right for verification; add its proof with POST .../{id}/documents."""
    checked = services.read_right(values)
    right = services.register_right(api_user(), checked, principal_id=values.get("principal_id"))
    db.session.commit()
    return right


@rights_blp.route("/<int:right_id>/documents", methods=["POST"])
@api_role_required(*HOLDERS)
@rights_blp.arguments(ProofDocumentInSchema, location="files")
@rights_blp.response(201, ProofDocumentSchema)
@rights_blp.problems(401, 404, 409, 413, 422)
def add_proof_document(files, right_id):
    """Add a proof document (PDF, JPEG or PNG) to a right before it is verified."""
    right = services.own_right(api_user(), right_id)
    upload = files["file"]
    [document] = services.add_documents(
        api_user(), right, [Upload(upload.filename or "upload", upload.read())]
    )
    db.session.commit()
    return document


@rights_blp.route("")
@api_role_required(*HOLDERS, Role.IP_OFFICER)
@rights_blp.arguments(RightQuerySchema, location="query")
@rights_blp.response(200, RightPageSchema)
@rights_blp.problems(401)
def list_rights(query):
    """List the organisation's rights (an officer: every right), newest first."""
    statement = services.rights_visible_to(api_user(), query.get("status"))
    return page_of(statement, query["page"], query["page_size"])


@rights_blp.route("/<int:right_id>")
@api_role_required(*HOLDERS, Role.IP_OFFICER)
@rights_blp.response(200, RightSchema)
@rights_blp.problems(401, 404)
def get_right(right_id):
    """Show one right with its works, proof and decision."""
    return services.own_right(api_user(), right_id)


@rights_blp.route("/<int:right_id>/decision", methods=["POST"])
@api_role_required(Role.IP_OFFICER)
@rights_blp.arguments(RightDecisionInSchema)
@rights_blp.response(200, RightSchema)
@rights_blp.problems(401, 404, 409, 422)
def decide_right(values, right_id):
    """Verify, reject or revoke a right (IP officers), with the reason the holder reads."""
    right = services.own_right(api_user(), right_id)
    services.decide_right(
        api_user(), right, values["decision"], values.get("reason_code"), values.get("reason")
    )
    db.session.commit()
    return right
