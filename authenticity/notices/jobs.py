"""What notice-and-takedown tells people: officers of new notices, holders of decisions."""

from alliance.i18n import _l
from alliance.notifications.services import Rendered, notification_kind


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
