"""Counter-notices: a merchant answers a removal; the holder has its window to go to court."""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from alliance import audit
from alliance.auth.models import User
from alliance.db import utcnow
from alliance.errors import ConflictError, FieldsInvalid, NotFoundError
from alliance.extensions import db
from alliance.i18n import DEFAULT_TIMEZONE, _l, local_today
from alliance.notifications.services import notify
from authenticity.ip import services as rights
from authenticity.ip.services import read_text
from authenticity.notices import merchants
from authenticity.notices.models import (
    CounterNotice,
    HolderAction,
    ItemStatus,
    NoticeDocument,
    NoticeItem,
    Regime,
)
from authenticity.notices.paperwork import save_paperwork
from authenticity.notices.services import move_item, tell_merchant


def holder_deadline(regime: str, filed_on: date) -> date:
    """Return the last day the holder may answer a counter-notice filed on `filed_on`.

    China's E-commerce Law (art. 43): 15 days after the declaration reaches the holder;
    the DMCA (512(g)): the removal is undone 10 to 14 business days later, here the 14th;
    the alliance's own procedure: NOTICE_HOLDER_DAYS. Each is a setting.
    """
    config = current_app.config
    if regime == Regime.DMCA:
        return _business_days_after(filed_on, config["NOTICE_HOLDER_BUSINESS_DAYS_DMCA"])
    days = (
        config["NOTICE_HOLDER_DAYS_CN"]
        if regime == Regime.CN_ECOMMERCE
        else config["NOTICE_HOLDER_DAYS"]
    )
    return filed_on + timedelta(days=days)


def _business_days_after(day: date, count: int) -> date:
    while count:
        day += timedelta(days=1)
        if day.weekday() < 5:  # Monday to Friday (public holidays are not known here)
            count -= 1
    return day


def counter_notice_until(item: NoticeItem) -> date:
    """Return the last day a merchant may counter-notice a removed listing."""
    removed_on = item.decided_at.astimezone(ZoneInfo(DEFAULT_TIMEZONE)).date()
    return removed_on + timedelta(days=current_app.config["NOTICE_COUNTER_DAYS"])


def file_counter_notice(actor: User, item: NoticeItem, values: dict, uploads=()) -> CounterNotice:
    """File a merchant's counter-notice on a removed listing of its own, within the window."""
    organisation = merchants.acting_merchant(actor)
    if item.merchant_id not in merchants.merchant_ids_of(organisation.id):
        raise NotFoundError(_l("No such listing in any notice."))
    problems = {}
    fields = {}
    for name, limit, message in (
        ("statement", 5000, _l("Say why the removal was a mistake.")),
        ("contact", 500, _l("Give your real name or company name, address and phone.")),
        ("signature", 100, _l("Sign with your full name.")),
    ):
        try:
            fields[name] = read_text(
                values.get(name), limit, required=True, message=message,
                multiline=name == "statement",
            )  # fmt: skip
        except ValueError as error:
            problems[name] = error.args[0]
    if values.get("accept_jurisdiction") is not True:
        problems["accept_jurisdiction"] = _l(
            "Accept the jurisdiction: a counter-notice cannot be sent without it."
        )
    if problems:
        raise FieldsInvalid(problems)
    if item.status == ItemStatus.REMOVED and local_today() > counter_notice_until(item):
        raise ConflictError(
            _l("The window for a counter-notice closed on %(day)s.",
               day=counter_notice_until(item).isoformat())
        )  # fmt: skip
    today = local_today()
    counter = CounterNotice(
        item=item,
        merchant_organisation_id=organisation.id,
        accept_jurisdiction=True,
        filed_by_id=actor.id,
        holder_deadline=holder_deadline(item.notice.regime, today),
        **fields,
    )
    db.session.add(counter)
    move_item(actor, item, ItemStatus.COUNTER_NOTICED, "merchant", None, fields["statement"],
              utcnow())  # fmt: skip
    for stored in save_paperwork(actor, list(uploads), "evidence"):
        db.session.add(NoticeDocument(file_id=stored.id, notice_id=item.notice_id,
                                      item_id=item.id, party="merchant"))  # fmt: skip
    db.session.flush()
    audit.record(actor, "counter_notice.file", counter, None, counter.audit_state())
    _tell_holder(item, "notices.counter_noticed", deadline=counter.holder_deadline.isoformat())
    notify(rights.officers(), "notices.counter_noticed", notice_id=item.notice_id,
           listing_id=item.listing_id, deadline=counter.holder_deadline.isoformat())  # fmt: skip
    return counter


def answer_counter_notice(actor: User, item: NoticeItem, action: str, uploads=()) -> NoticeItem:
    """The holder's answer: a complaint or suit filed (with proof) upholds the removal;
    withdrawing reinstates the listing."""
    rights.filer_owning(actor, item.organisation_id)
    counter = item.counter_notice
    if item.status != ItemStatus.COUNTER_NOTICED or counter is None:
        raise ConflictError(_l("This listing has no counter-notice waiting for your answer."))
    if action not in {a.value for a in HolderAction}:
        raise FieldsInvalid(_l("Choose: a complaint or suit is filed, or withdraw."),
                            field="action")  # fmt: skip
    if local_today() > counter.holder_deadline:
        raise ConflictError(
            _l("Your window closed on %(day)s: the listing is reinstated.",
               day=counter.holder_deadline.isoformat())
        )  # fmt: skip
    uploads = list(uploads)
    sent = any(document.party == "holder" for document in item.documents)
    if action == HolderAction.COMPLAINT_FILED and not uploads and not sent:
        raise FieldsInvalid(
            _l("Upload the complaint or the court's acceptance of your suit."), field="proof"
        )
    for stored in save_paperwork(actor, uploads, "proof"):
        db.session.add(NoticeDocument(file_id=stored.id, notice_id=item.notice_id,
                                      item_id=item.id, party="holder"))  # fmt: skip
    before = counter.audit_state()
    counter.holder_action = action
    counter.holder_answered_at = utcnow()
    target = ItemStatus.UPHELD if action == HolderAction.COMPLAINT_FILED else ItemStatus.REINSTATED
    move_item(actor, item, target, "holder", action, None, utcnow())
    audit.record(actor, f"counter_notice.{action}", counter, before, counter.audit_state())
    tell_merchant(item)
    return item


def add_evidence(actor: User, item: NoticeItem, uploads) -> list[NoticeDocument]:
    """Add paperwork to a listing: the holder's (a complaint, a suit) or its merchant's."""
    if rights.is_officer(actor):
        raise ConflictError(_l("Officers add no paperwork to a notice."))
    party = "holder" if actor.organisation_id == item.organisation_id else "merchant"
    if party == "merchant":
        organisation = merchants.acting_merchant(actor)
        if item.merchant_id not in merchants.merchant_ids_of(organisation.id):
            raise NotFoundError(_l("No such listing in any notice."))
    documents = [
        NoticeDocument(file_id=stored.id, notice_id=item.notice_id, item_id=item.id, party=party)
        for stored in save_paperwork(actor, list(uploads), "file")
    ]
    db.session.add_all(documents)
    db.session.flush()
    return documents


def expire_counter_notices(today: date | None = None) -> int:
    """Reinstate the listings whose holder did not answer a counter-notice in its window."""
    today = today or local_today()
    items = db.session.scalars(
        select(NoticeItem)
        .join(CounterNotice, CounterNotice.item_id == NoticeItem.id)
        .where(
            NoticeItem.status == ItemStatus.COUNTER_NOTICED,
            CounterNotice.holder_deadline < today,
        )
        .order_by(NoticeItem.id)
    ).all()
    for item in items:
        move_item(None, item, ItemStatus.REINSTATED, "system", "window_closed", None, utcnow())
        _tell_holder(item, "notices.reinstated")
        tell_merchant(item)
    return len(items)


def _tell_holder(item: NoticeItem, kind: str, **params) -> None:
    notify(
        rights.holders_of(item.organisation_id),
        kind,
        notice_id=item.notice_id,
        listing_id=item.listing_id,
        **params,
    )
