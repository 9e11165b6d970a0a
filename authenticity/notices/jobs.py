"""What notice-and-takedown tells people: officers of new notices, holders of decisions."""

from alliance.extensions import db
from alliance.i18n import _l
from alliance.jobs.queue import periodic
from alliance.notifications.services import Rendered, notification_kind
from authenticity.notices import counter
from authenticity.notices.models import ITEM_STATUS_LABELS


@periodic(minute="17")
def reinstate_unanswered() -> None:
    """Reinstate the listings whose holder let a counter-notice's window pass (hourly)."""
    counter.expire_counter_notices()
    db.session.commit()


@notification_kind("notices.decided", _l("A decision on a notice you filed"))
def _notice_decided(params: dict) -> Rendered:
    text = _l("An IP officer decided on listings of your notice %(n)s.", n=params["notice_id"])
    return Rendered(str(text), "notices.detail", {"notice_id": params["notice_id"]})


@notification_kind(
    "notices.filed", _l("A notice waits for review (IP officers)"), mail_by_default=False
)
def _notice_filed(params: dict) -> Rendered:
    text = _l("Notice %(n)s names %(count)s listings to review.", n=params["notice_id"],
              count=params["listings"])  # fmt: skip
    return Rendered(str(text), "notices.review")


@notification_kind(
    "notices.answered", _l("A holder answered your question (IP officers)"), mail_by_default=False
)
def _notice_answered(params: dict) -> Rendered:
    text = _l("The holder answered your question about listing %(listing)s of notice %(n)s.",
              listing=params["listing_id"], n=params["notice_id"])  # fmt: skip
    return Rendered(str(text), "notices.detail", {"notice_id": params["notice_id"]})


@notification_kind(
    "notices.counter_noticed", _l("A merchant answered a removal with a counter-notice")
)
def _counter_noticed(params: dict) -> Rendered:
    text = _l(
        "The merchant of listing %(listing)s filed a counter-notice. Answer by %(day)s, or the "
        "listing is reinstated.",
        listing=params["listing_id"],
        day=params["deadline"],
    )
    return Rendered(str(text), "notices.detail", {"notice_id": params["notice_id"]})


@notification_kind("notices.reinstated", _l("A listing you named was reinstated"))
def _reinstated(params: dict) -> Rendered:
    text = _l("Listing %(listing)s of your notice %(n)s was reinstated: no answer came in the "
              "window.", listing=params["listing_id"], n=params["notice_id"])  # fmt: skip
    return Rendered(str(text), "notices.detail", {"notice_id": params["notice_id"]})


@notification_kind("notices.listing_decided", _l("A notice against your listings"))
def _listing_decided(params: dict) -> Rendered:
    text = _l("Your listing %(listing)s: %(status)s.", listing=params["listing_id"],
              status=ITEM_STATUS_LABELS.get(params["status"], params["status"]))  # fmt: skip
    return Rendered(str(text), "notices.merchant_detail", {"item_id": params["item_id"]})
