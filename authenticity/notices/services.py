"""Filing notices (every listing checked, all or nothing) and the officers' decisions on them."""

import dataclasses
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask_babel import force_locale
from sqlalchemy import Select, bindparam, func, select, update
from sqlalchemy.orm import selectinload

from alliance import audit
from alliance.auth.models import User
from alliance.catalogue.isbn import IsbnError, normalise_isbn
from alliance.db import utcnow
from alliance.errors import ConflictError, FieldsInvalid, NotFoundError
from alliance.extensions import db
from alliance.i18n import LANGUAGES, _l, local_today
from alliance.members.models import Organisation
from alliance.members.services import users_of
from alliance.notifications.services import notify
from alliance.webhooks.services import queue_event
from authenticity.ip import services as rights
from authenticity.ip.models import Right, RightStatus
from authenticity.ip.services import read_text
from authenticity.notices.models import (
    DECISIONS,
    IDENTIFIER,
    ITEM_WORKFLOW,
    MAX_ITEMS,
    OPEN_STATUSES,
    REASON_LABELS,
    REJECTION_REASONS,
    WAITING,
    ItemEvent,
    ItemStatus,
    Merchant,
    Notice,
    NoticeDocument,
    NoticeItem,
    ReasonCode,
    Regime,
)
from authenticity.notices.paperwork import save_paperwork

FIELDS = ("listing_id", "merchant_id", "isbn", "url", "reason_code", "description")
# What the marketplace is told, by webhook: it takes a listing down, or puts it back.
TOLD_TO_MARKETPLACE = (ItemStatus.REMOVED, ItemStatus.REINSTATED)


@dataclass(frozen=True)
class ItemInput:
    """One listing of a notice, checked."""

    listing_id: str
    merchant_id: str
    isbn: str | None
    url: str | None
    reason_code: str
    description: str | None


@dataclass(frozen=True)
class NoticeInput:
    """A notice's checked values: the right, the regime, the listings and the signed statements."""

    right: Right
    regime: str
    items: tuple[ItemInput, ...]
    signature: str
    contact: str | None


# --- reading a notice -----------------------------------------------------------------------


def _identifier(value, message) -> str:
    text = read_text(value, 64) or ""
    if not IDENTIFIER.fullmatch(text):
        raise ValueError(message)
    return text


def _url(value) -> str | None:
    text = read_text(value, 500)
    if text is None:
        return None
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(_l("Enter the listing's address, starting with https://"))
    return text


def _isbn(value) -> str | None:
    text = read_text(value, 64)
    if text is None:
        return None
    try:
        return normalise_isbn(text)
    except IsbnError as error:
        raise ValueError(error.message) from None


def _reason_code(value) -> str:
    if value not in {code.value for code in ReasonCode}:
        raise ValueError(_l("Choose why the listing infringes."))
    return value


READERS = {
    "listing_id": lambda v: _identifier(
        v, _l("Enter the marketplace's listing id: letters, digits and - _ . : only.")
    ),
    "merchant_id": lambda v: _identifier(
        v, _l("Enter the merchant's id on the marketplace: letters, digits and - _ . : only.")
    ),
    "isbn": _isbn,
    "url": _url,
    "reason_code": _reason_code,
    "description": lambda v: read_text(v, 2000, multiline=True),
}


def read_items(rows: list[dict], right: Right | None, organisation_id: int | None = None,
               numbers: list[int] | None = None) -> tuple[ItemInput, ...]:  # fmt: skip
    """Check every listing; problems are named `items.<number>.<field>`: numbered from 1, or
    by `numbers` (a spreadsheet's own row numbers). With `organisation_id`, a listing that
    organisation names in an open notice already is refused too."""
    if not rows:
        raise FieldsInvalid(_l("Name at least one listing."), field="items")
    if len(rows) > MAX_ITEMS:
        raise FieldsInvalid(
            _l("A notice names at most %(n)s listings; you named %(count)s. Send the rest in "
               "another notice.", n=MAX_ITEMS, count=len(rows)),
            field="items",
        )  # fmt: skip
    numbers = numbers or list(range(1, len(rows) + 1))
    covered = set(right.isbns) if right is not None else set()
    problems: dict = {}
    items, seen = [], {}
    for number, row in zip(numbers, rows, strict=True):
        values = {}
        for name in FIELDS:
            try:
                values[name] = READERS[name](row.get(name))
            except ValueError as error:
                problems[f"items.{number}.{name}"] = error.args[0]
        if "listing_id" in values:
            first = seen.setdefault(values["listing_id"], number)
            if first != number:
                problems[f"items.{number}.listing_id"] = _l(
                    "This listing is named twice in this notice (also on line %(n)s).", n=first
                )
        if values.get("isbn") and covered and values["isbn"] not in covered:
            problems[f"items.{number}.isbn"] = _l("The right you chose does not cover this ISBN.")
        if len(values) == len(FIELDS):
            items.append((number, ItemInput(**values)))
    if organisation_id is not None:
        problems.update(_already_open(organisation_id, items))
    if problems:
        raise FieldsInvalid(problems)
    return tuple(item for _number, item in items)


def _already_open(organisation_id: int, numbered: list[tuple[int, ItemInput]]) -> dict:
    """Name the listings the organisation already names in an open notice."""
    listing_ids = [item.listing_id for _number, item in numbered]
    open_in = dict(
        db.session.execute(
            select(NoticeItem.listing_id, NoticeItem.notice_id).where(
                NoticeItem.organisation_id == organisation_id,
                NoticeItem.listing_id.in_(listing_ids),
                NoticeItem.status.in_(OPEN_STATUSES),
            )
        ).all()
    ) if listing_ids else {}  # fmt: skip
    return {
        f"items.{number}.listing_id": _l(
            "You already named this listing in notice %(notice)s, which is still open.",
            notice=open_in[item.listing_id],
        )
        for number, item in numbered
        if item.listing_id in open_in
    }


def read_notice(actor: User, values: dict) -> NoticeInput:
    """Check a notice: a right of the actor's that is verified today, the regime, the signed
    statements and every listing; report every problem at once."""
    problems: dict = {}
    try:
        notice = read_notice_fields(actor, values)
    except FieldsInvalid as invalid:
        problems.update(invalid.problems)
        notice = None
    right = notice.right if notice else _own_right(actor, values.get("right_id"))
    try:
        items = read_items(values.get("items") or [], right, rights.filer_of(actor).id)
    except FieldsInvalid as invalid:
        problems.update(invalid.problems)
    if problems:
        raise FieldsInvalid(problems)
    return dataclasses.replace(notice, items=items)


def read_notice_fields(actor: User, values: dict) -> NoticeInput:
    """Check a notice but its listings: the right, the regime, the statements, the signature."""
    organisation = rights.filer_of(actor)
    problems: dict = {}
    right = _right_to_file_with(organisation, values.get("right_id"), problems)
    regime = values.get("regime")
    if regime not in {r.value for r in Regime}:
        problems["regime"] = _l("Choose the procedure you follow.")
    for name in ("good_faith", "accurate", "regime_statement"):
        if values.get(name) is not True:
            problems[name] = _l("Tick this statement: a notice cannot be sent without it.")
    try:
        signature = read_text(values.get("signature"), 100, required=True,
                              message=_l("Sign with your full name."))  # fmt: skip
    except ValueError as error:
        problems["signature"] = error.args[0]
    try:
        contact = read_text(values.get("contact"), 300)
    except ValueError as error:
        problems["contact"] = error.args[0]
    if problems:
        raise FieldsInvalid(problems)
    return NoticeInput(right, regime, (), signature, contact)


def _own_right(actor: User, right_id) -> Right | None:
    """Return the actor's organisation's right of this id, or None (to check ISBNs against)."""
    right = db.session.get(Right, right_id) if isinstance(right_id, int) else None
    return right if right is not None and right.organisation_id == actor.organisation_id else None


def _right_to_file_with(organisation, right_id, problems: dict) -> Right | None:
    right = db.session.get(Right, right_id) if isinstance(right_id, int) else None
    if right is None or right.organisation_id != organisation.id:
        problems["right_id"] = _l("Choose one of your verified rights.")
        return None
    today = local_today()
    if right.status != RightStatus.VERIFIED:
        problems["right_id"] = _l("This right is not verified: it cannot be used in a notice.")
    elif not right.covers(today):
        problems["right_id"] = _l("This right is not valid today: it cannot be used in a notice.")
    elif right.principal is not None and not right.principal.covers(today):
        problems["right_id"] = _l(
            "Your power of attorney for %(name)s is not valid today.", name=right.principal.name
        )
    return right


# --- filing ---------------------------------------------------------------------------------


def file_notice(actor: User, values: NoticeInput, evidence=()) -> Notice:
    """File a notice, with evidence for all its listings (test buys, an appraisal report);
    every listing is refused if the holder already names it in an open notice."""
    organisation = rights.filer_of(actor)
    # Checked when read; again here, in the writing transaction, for a notice filed meanwhile.
    if already := _already_open(organisation.id, list(enumerate(values.items, start=1))):
        raise FieldsInvalid(already)
    now = utcnow()
    notice = Notice(
        organisation_id=organisation.id,
        right_id=values.right.id,
        regime=values.regime,
        good_faith=True,
        accurate=True,
        regime_statement=True,
        signature=values.signature,
        contact=values.contact,
        filed_by_id=actor.id,
        created_at=now,
    )
    notice.items = [
        NoticeItem(
            organisation_id=organisation.id,
            submitted_at=now,
            status=ItemStatus.SUBMITTED.value,
            events=[ItemEvent(status=ItemStatus.SUBMITTED.value, by="holder", at=now)],
            **vars(item),
        )
        for item in values.items
    ]
    db.session.add(notice)
    db.session.flush()
    for stored in save_paperwork(actor, list(evidence), "evidence"):
        db.session.add(NoticeDocument(file_id=stored.id, notice_id=notice.id, party="holder"))
    audit.record(actor, "notice.file", notice, None, notice.audit_state())
    notify(rights.officers(), "notices.filed", notice_id=notice.id, listings=len(notice.items))
    return notice


# --- deciding -------------------------------------------------------------------------------


def decide_items(officer: User, item_ids: list[int], decision: str, reason_code=None,
                 reason=None) -> list[NoticeItem]:  # fmt: skip
    """Remove, reject or ask about listings, one or many at once: all of them, or none."""
    if decision not in DECISIONS:
        raise FieldsInvalid(_l("Choose remove, reject or ask the holder."), field="decision")
    code = (reason_code or "").strip() or None
    try:
        text = read_text(reason, 2000, multiline=True)
    except ValueError as error:
        raise FieldsInvalid(error.args[0], field="reason") from None
    if decision == ItemStatus.REJECTED:
        if code is not None and code not in REJECTION_REASONS:
            raise FieldsInvalid(_l("Choose a reason from the list."), field="reason_code")
        if not code or (code == "other" and not text):
            field = "reason" if code == "other" else "reason_code"
            raise FieldsInvalid(_l("Give the reason the holder will read."), field=field)
    elif decision == ItemStatus.CLARIFICATION_REQUESTED:
        code = None
        if not text:
            raise FieldsInvalid(_l("Write the question the holder must answer."), field="reason")
    else:
        code = None
    items = db.session.scalars(
        select(NoticeItem).where(NoticeItem.id.in_(item_ids)).order_by(NoticeItem.id)
    ).all()
    if not items or len(items) != len(set(item_ids)):
        raise NotFoundError(_l("No such listing in any notice."))
    now = utcnow()
    for item in items:
        move_item(officer, item, decision, "officer", code, text, now)
        if decision == ItemStatus.REMOVED:
            tell_merchant(item)
    for notice_id in sorted({item.notice_id for item in items}):
        _tell_holder(db.session.get(Notice, notice_id))
    return items


def move_item(actor, item: NoticeItem, to: str, by: str, code, text, now) -> None:
    """Move one listing, guarded against a decision that landed meanwhile; audit and record."""
    current = item.status
    if not ITEM_WORKFLOW.can(current, to):
        raise ConflictError(
            _l("Listing %(listing)s is “%(current)s” and cannot become “%(target)s”.",
               listing=item.listing_id, current=ITEM_WORKFLOW.label(current),
               target=ITEM_WORKFLOW.label(to))
        )  # fmt: skip
    before = item.audit_state()
    changed = db.session.execute(
        update(NoticeItem)
        .where(NoticeItem.id == item.id, NoticeItem.status == current)
        .values(status=to, decided_at=now, decision_code=code, decision_text=text)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise ConflictError(
            _l("Someone else has just decided on listing %(listing)s. Reload the page.",
               listing=item.listing_id)
        )  # fmt: skip
    db.session.refresh(item)
    item.events.append(ItemEvent(status=to, by=by, code=code, text=text, at=now))
    audit.record(actor, f"notice_item.{to}", item, before, item.audit_state())
    if to in TOLD_TO_MARKETPLACE:
        _tell_marketplace(item, to, now)


def _tell_marketplace(item: NoticeItem, status: str, now) -> None:
    """Queue the event the marketplace acts on, in this transaction (listing.removed ...)."""
    queue_event(
        f"listing.{status}",
        key=f"listing:{item.listing_id}",
        payload={
            "listing_id": item.listing_id,
            "merchant_id": item.merchant_id,
            "notice_item_id": item.id,
            "notice_id": item.notice_id,
            "reason": item.reason_code,
            "at": now.isoformat(),
        },
    )


def reply(holder: User, item: NoticeItem, answer) -> NoticeItem:
    """Answer an officer's question about a listing: it goes back to review."""
    rights.filer_owning(holder, item.organisation_id)
    try:
        text = read_text(answer, 2000, multiline=True, required=True,
                         message=_l("Write your answer."))  # fmt: skip
    except ValueError as error:
        raise FieldsInvalid(error.args[0], field="answer") from None
    move_item(holder, item, ItemStatus.UNDER_REVIEW, "holder", None, text, utcnow())
    notify(rights.officers(), "notices.answered", notice_id=item.notice_id,
           listing_id=item.listing_id)  # fmt: skip
    return item


def tell_merchant(item: NoticeItem) -> None:
    """Tell the merchant organisation a listing is of (when one is linked) what happened to it."""
    organisation_ids = list(
        db.session.scalars(
            select(Merchant.organisation_id).where(
                Merchant.merchant_id == item.merchant_id, Merchant.organisation_id.is_not(None)
            )
        )
    )
    people = [user for users in users_of(organisation_ids).values() for user in users
              if user.active]  # fmt: skip
    notify(people, "notices.listing_decided", item_id=item.id, listing_id=item.listing_id,
           status=item.status)  # fmt: skip


def _tell_holder(notice: Notice) -> None:
    notify(rights.holders_of(notice.organisation_id), "notices.decided", notice_id=notice.id)


# --- reading --------------------------------------------------------------------------------


def own_notice(user: User, notice_id: int) -> Notice:
    """Return a notice the user may see: their organisation's, or any for an officer."""
    notice = db.session.get(
        Notice, notice_id, options=[selectinload(Notice.items).selectinload(NoticeItem.events)]
    )
    if notice is None or not (
        rights.is_officer(user) or notice.organisation_id == user.organisation_id
    ):
        raise NotFoundError(_l("No such notice."))
    return notice


def own_item(user: User, item_id: int) -> NoticeItem:
    """Return a listing of a notice the user may see; any other is not found."""
    item = db.session.get(NoticeItem, item_id)
    if item is None or not (
        rights.is_officer(user) or item.organisation_id == user.organisation_id
    ):
        raise NotFoundError(_l("No such listing in any notice."))
    return item


def notices_of(organisation_id: int) -> Select:
    """Select an organisation's notices, newest first."""
    return (
        select(Notice).where(Notice.organisation_id == organisation_id).order_by(Notice.id.desc())
    )


def notices_visible_to(user: User, status: str | None = None) -> Select:
    """Select the notices a user may see (an officer: all), optionally with a listing in
    `status`, newest first."""
    query = select(Notice).order_by(Notice.id.desc())
    if not rights.is_officer(user):
        query = query.where(Notice.organisation_id == rights.filer_of(user).id)
    if status:
        query = query.where(
            Notice.id.in_(select(NoticeItem.notice_id).where(NoticeItem.status == status))
        )
    return query.options(selectinload(Notice.items).selectinload(NoticeItem.events))


def summaries(notice_ids: list[int]) -> dict[int, dict[str, int]]:
    """Return, for each notice, how many of its listings are in each status (one query)."""
    found: dict[int, dict[str, int]] = {notice_id: {} for notice_id in notice_ids}
    if notice_ids:
        rows = db.session.execute(
            select(NoticeItem.notice_id, NoticeItem.status, func.count())
            .where(NoticeItem.notice_id.in_(notice_ids))
            .group_by(NoticeItem.notice_id, NoticeItem.status)
        )
        for notice_id, status, count in rows:
            found[notice_id][status] = count
    return found


def waiting():
    """Return the SQL condition of a listing waiting for an officer, with its values written
    literally (not as parameters), so that SQLite uses the queue's partial index."""
    values = [str(status) for status in WAITING]
    return NoticeItem.status.in_(
        bindparam("waiting", values, expanding=True, literal_execute=True, unique=True)
    )


def holders_waiting() -> list:
    """Return the organisations with listings waiting for an officer, by name."""
    holders = select(NoticeItem.organisation_id).where(waiting()).distinct()
    return list(
        db.session.scalars(
            select(Organisation).where(Organisation.id.in_(holders)).order_by(Organisation.name)
        )
    )


def review_queue(reason_code=None, right_type=None, merchant_id=None, organisation_id=None):
    """Select the listings waiting for an officer, the longest-waiting first, filtered."""
    query = select(NoticeItem).where(waiting()).options(selectinload(NoticeItem.notice))
    if reason_code:
        query = query.where(NoticeItem.reason_code == reason_code)
    if merchant_id:
        query = query.where(NoticeItem.merchant_id == merchant_id)
    if organisation_id:
        query = query.where(NoticeItem.organisation_id == organisation_id)
    if right_type:
        of_type = select(Notice.id).join(Right, Right.id == Notice.right_id)
        query = query.where(NoticeItem.notice_id.in_(of_type.where(Right.right_type == right_type)))
    return query.order_by(NoticeItem.submitted_at, NoticeItem.id)


def parse_listings(text: str, default_reason: str | None) -> list[dict]:
    """Read pasted listings, one per line: listing id, merchant id, ISBN, address, reason,
    description, separated by tabs (a spreadsheet's copy) or commas; empty lines skipped."""
    rows = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        cells = [cell.strip() for cell in (line.split("\t") if "\t" in line else
                                           re.split(r"[,，]", line, maxsplit=5))]  # fmt: skip
        row = dict(zip(FIELDS, cells, strict=False))
        row["reason_code"] = reason_named(row.get("reason_code")) or default_reason
        rows.append(row)
    return rows


def reason_named(text: str | None) -> str | None:
    """Return the reason code a cell names, by its code or its label in either language."""
    if not text:
        return None
    for code, label in REASON_LABELS.items():
        if text == code.value:
            return code.value
        for locale in LANGUAGES.values():
            with force_locale(locale):
                if text == str(label):
                    return code.value
    return text  # unknown: read_items names it
