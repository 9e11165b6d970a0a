"""Readers' reports of where they bought a copy whose label may have been copied."""

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from alliance import audit
from alliance.cleaning import TextRefused, clean_text
from alliance.errors import FieldsInvalid, NotFoundError
from alliance.extensions import db
from alliance.i18n import _l
from alliance.notifications.services import notify
from authenticity.ip.services import officers
from authenticity.labels import codes
from authenticity.labels.models import BatchStatus, Label, LabelReport
from authenticity.labels.services import label_key

MAX_PLACE = 500
MAX_CONTACT = 200
SELLER_REPORTED = "labels.seller_reported"
NO_CODE = _l("We could not find this code. Check the label again from the label check page.")


def _line(value, field: str, limit: int, required: bool) -> str | None:
    try:
        text = clean_text(value or "", max_length=limit)
    except TextRefused as refused:
        raise FieldsInvalid(refused.message, field=field) from None
    if required and not text:
        raise FieldsInvalid(
            _l("Say where you bought this copy: the shop, or the listing's address."), field=field
        )
    return text or None


def report_seller(code_text: str, place: str, contact: str | None) -> LabelReport:
    """Store a reader's report of a label's seller and tell the IP officers (readers are
    anonymous: the audit names no actor and never the contact, the code never appears)."""
    place = _line(place, "place", MAX_PLACE, required=True)
    contact = _line(contact, "contact", MAX_CONTACT, required=False)
    parsed = codes.parse(code_text or "")
    label = None
    if parsed.valid:
        label = db.session.scalar(
            select(Label)
            .options(joinedload(Label.batch))
            .where(Label.code_hash == codes.code_hash(label_key(), parsed.normalised))
        )
    if label is None or label.batch.status == BatchStatus.WRITING:
        raise NotFoundError(NO_CODE)
    report = LabelReport(label=label, place=place, contact=contact)
    db.session.add(report)
    db.session.flush()
    audit.record(
        None, "label_report.create", report, None,
        {"label_id": label.id, "batch_id": label.batch_id, "place": place},
    )  # fmt: skip
    notify(
        officers(),
        SELLER_REPORTED,
        report_id=report.id,
        title=label.batch.title.title,
        batch_id=label.batch_id,
        place=place,
    )
    return report


def reports_newest_first() -> Select:
    """Select every report with its label, batch, title, publisher and seller, newest first."""
    return (
        select(LabelReport)
        .options(joinedload(LabelReport.label).joinedload(Label.batch))
        .order_by(LabelReport.created_at.desc(), LabelReport.id.desc())
    )
