"""A notice's paperwork: evidence, a complaint, a court's acceptance; who may read it."""

from sqlalchemy import select

from alliance.auth.models import User
from alliance.errors import FieldsInvalid
from alliance.extensions import db
from alliance.files.services import FileRefused, Upload, file_use, save_file
from alliance.i18n import _l
from authenticity.ip import services as rights
from authenticity.notices import merchants
from authenticity.notices.models import NoticeDocument, NoticeItem

EVIDENCE_USE = "notice_evidence"
MAX_FILES = 10


def save_paperwork(actor: User, uploads: list[Upload], field: str) -> list:
    """Check and keep files of a notice's paperwork; name the file that is refused."""
    if len(uploads) > MAX_FILES:
        raise FieldsInvalid(_l("Send at most %(n)s files.", n=MAX_FILES), field=field)
    stored = []
    for upload in uploads:
        try:
            stored.append(save_file(actor, EVIDENCE_USE, upload.filename, upload.data))
        except FileRefused as refused:
            raise FieldsInvalid(
                _l("%(file)s: %(problem)s", file=upload.filename[:100], problem=refused.message),
                field=field,
            ) from None
    return stored


def may_read_evidence(user: User, stored) -> bool:
    """Notice paperwork is read by officers, the holder, and the merchant the listing is of."""
    if rights.is_officer(user):
        return True
    document = db.session.get(NoticeDocument, stored.id)
    if document is None or user.organisation_id is None:
        return False
    query = select(NoticeItem.organisation_id, NoticeItem.merchant_id).where(
        NoticeItem.notice_id == document.notice_id
    )
    if document.item_id:
        query = query.where(NoticeItem.id == document.item_id)
    own_ids = set(merchants.merchant_ids_of(user.organisation_id))
    return any(
        holder == user.organisation_id or merchant_id in own_ids
        for holder, merchant_id in db.session.execute(query)
    )


file_use(EVIDENCE_USE, {"pdf", "png", "jpeg"}, max_megabytes=10)(may_read_evidence)
