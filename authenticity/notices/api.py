"""API of notice and takedown: /api/v1/notices and /api/v1/notice-items/{id}/..."""

from alliance.api.arguments import Blueprint
from alliance.api.auth import api_role_required, api_user
from alliance.api.schemas import page_of
from alliance.auth.roles import Role
from alliance.extensions import db
from alliance.files.services import Upload
from authenticity.ip.schemas import ProofDocumentInSchema as ProofFileSchema
from authenticity.notices import counter, merchants, services
from authenticity.notices.schemas import (
    CounterNoticeInSchema,
    HolderResponseInSchema,
    ItemDecisionInSchema,
    MerchantInSchema,
    MerchantSchema,
    NoticeInSchema,
    NoticeItemSchema,
    NoticePageSchema,
    NoticeQuerySchema,
    NoticeSchema,
    ReplyInSchema,
)

notices_blp = Blueprint(
    "notices_api", __name__, url_prefix="/api/v1/notices", description="Notices of infringement"
)
items_blp = Blueprint(
    "notice_items_api", __name__, url_prefix="/api/v1/notice-items",
    description="Listings of notices: decisions and answers",
)  # fmt: skip
merchants_blp = Blueprint(
    "merchants_api", __name__, url_prefix="/api/v1/merchants",
    description="Marketplace merchants and their organisations",
)  # fmt: skip
HOLDERS = (Role.RIGHTS_HOLDER, Role.PUBLISHER)


@notices_blp.route("", methods=["POST"])
@api_role_required(*HOLDERS)
@notices_blp.arguments(NoticeInSchema)
@notices_blp.response(201, NoticeSchema)
@notices_blp.problems(401, 409, 422)
def file_notice(values):
    """File a notice naming 1 to 300 listings; 422 names each bad listing by number and field
    (`items.<number>.<field>`, numbered from 1); nothing is written then."""
    user = api_user()
    checked = services.read_notice(user, {**values, "regime_statement": values["accurate"]})
    notice = services.file_notice(user, checked)
    notice_id = notice.id
    db.session.commit()
    db.session.expunge(notice)  # with its listings: read back whole, not two queries for each
    return services.own_notice(user, notice_id)


@notices_blp.route("")
@api_role_required(*HOLDERS, Role.IP_OFFICER)
@notices_blp.arguments(NoticeQuerySchema, location="query")
@notices_blp.response(200, NoticePageSchema)
@notices_blp.problems(401)
def list_notices(query):
    """List your organisation's notices (an officer: all), newest first, by listing status."""
    statement = services.notices_visible_to(api_user(), query.get("status"))
    return page_of(statement, query["page"], query["page_size"])


@notices_blp.route("/<int:notice_id>")
@api_role_required(*HOLDERS, Role.IP_OFFICER)
@notices_blp.response(200, NoticeSchema)
@notices_blp.problems(401, 404)
def get_notice(notice_id):
    """Show one notice: every listing with its status, reasons and timeline."""
    return services.own_notice(api_user(), notice_id)


@items_blp.route("/<int:item_id>/decision", methods=["POST"])
@api_role_required(Role.IP_OFFICER)
@items_blp.arguments(ItemDecisionInSchema)
@items_blp.response(200, NoticeItemSchema)
@items_blp.problems(401, 404, 409, 422)
def decide_item(values, item_id):
    """Remove, reject (with `reason_code` and/or `reason`) or ask about a listing."""
    item = services.own_item(api_user(), item_id)
    services.decide_items(
        api_user(), [item.id], values["decision"], values.get("reason_code"), values.get("reason")
    )
    db.session.commit()
    return item


@items_blp.route("/<int:item_id>/reply", methods=["POST"])
@api_role_required(*HOLDERS)
@items_blp.arguments(ReplyInSchema)
@items_blp.response(200, NoticeItemSchema)
@items_blp.problems(401, 404, 409, 422)
def answer_question(values, item_id):
    """Answer an officer's question about one of your listings: it goes back to review."""
    item = services.own_item(api_user(), item_id)
    services.reply(api_user(), item, values["answer"])
    db.session.commit()
    return item


def _visible_item(item_id):
    """Return a listing the key's user may act on: the holder's, or its merchant's."""
    user = api_user()
    if user.has_role(Role.MERCHANT) and not user.has_role(*HOLDERS):
        return merchants.own_listing(user, item_id)
    return services.own_item(user, item_id)


@items_blp.route("/<int:item_id>/counter-notice", methods=["POST"])
@api_role_required(Role.MERCHANT)
@items_blp.arguments(CounterNoticeInSchema)
@items_blp.response(201, NoticeItemSchema)
@items_blp.problems(401, 404, 409, 422)
def file_counter_notice(values, item_id):
    """Answer a removal of one of your listings with a counter-notice, within its window."""
    item = merchants.own_listing(api_user(), item_id)
    counter.file_counter_notice(api_user(), item, values)
    db.session.commit()
    return item


@items_blp.route("/<int:item_id>/documents", methods=["POST"])
@api_role_required(Role.MERCHANT, *HOLDERS)
@items_blp.arguments(ProofFileSchema, location="files")
@items_blp.response(201, NoticeItemSchema)
@items_blp.problems(401, 404, 409, 413, 422)
def add_listing_document(files, item_id):
    """Add a document to a listing: a holder's complaint or suit, or a merchant's evidence."""
    item = _visible_item(item_id)
    upload = files["file"]
    counter.add_evidence(api_user(), item, [Upload(upload.filename or "upload", upload.read())])
    db.session.commit()
    return item


@items_blp.route("/<int:item_id>/holder-response", methods=["POST"])
@api_role_required(*HOLDERS)
@items_blp.arguments(HolderResponseInSchema)
@items_blp.response(200, NoticeItemSchema)
@items_blp.problems(401, 404, 409, 422)
def answer_counter_notice(values, item_id):
    """Answer a counter-notice: `complaint_filed` (send its proof to .../documents first)
    upholds the removal; `withdraw` reinstates the listing."""
    item = services.own_item(api_user(), item_id)
    counter.answer_counter_notice(api_user(), item, values["action"])
    db.session.commit()
    return item


@merchants_blp.route("/<merchant_id>", methods=["PUT"])
@api_role_required(Role.IP_OFFICER, Role.MARKETPLACE)
@merchants_blp.arguments(MerchantInSchema)
@merchants_blp.response(200, MerchantSchema)
@merchants_blp.problems(401, 422)
def set_merchant(values, merchant_id):
    """Say who a marketplace merchant id is: its name and merchant organisation."""
    merchant = merchants.set_merchant(
        api_user(), merchant_id, values["name"], values.get("organisation_id")
    )
    db.session.commit()
    return merchant
