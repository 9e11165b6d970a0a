"""What the IP programme tells people, and what runs on time: rights expire when they end."""

from alliance.extensions import db
from alliance.i18n import _l
from alliance.jobs.queue import periodic
from alliance.notifications.services import Rendered, notification_kind
from authenticity.ip import services
from authenticity.ip.models import DECISION_REASONS, RightStatus


@periodic(minute="7")
def expire_ended_rights() -> None:
    """Expire the verified rights whose validity ended (hourly: soon after midnight in China)."""
    services.expire_rights()
    db.session.commit()


def _reason(params: dict) -> str:
    """Write a decision's reason: the library's words (not for "other"), then the officer's."""
    code = params.get("reason_code")
    library = str(DECISION_REASONS[code]) if code in DECISION_REASONS and code != "other" else ""
    return " ".join(part for part in (library, params.get("reason") or "") if part)


@notification_kind("ip.right_decided", _l("A decision on a right you registered"))
def _right_decided(params: dict) -> Rendered:
    status = params["status"]
    if status == RightStatus.VERIFIED:
        text = _l(
            "Your right “%(title)s” is verified: you can file notices with it.",
            title=params["title"],
        )
    elif status == RightStatus.REJECTED:
        text = _l(
            "Your right “%(title)s” was rejected: %(reason)s Correct it and send it again.",
            title=params["title"],
            reason=_reason(params),
        )
    else:
        text = _l(
            "Your right “%(title)s” was revoked: %(reason)s",
            title=params["title"],
            reason=_reason(params),
        )
    return Rendered(str(text), "ip.detail", {"right_id": params["right_id"]})


@notification_kind("ip.right_expired", _l("A right you registered has expired"))
def _right_expired(params: dict) -> Rendered:
    text = _l(
        "Your right “%(title)s” has expired. Register it again with current proof.",
        title=params["title"],
    )
    return Rendered(str(text), "ip.detail", {"right_id": params["right_id"]})


@notification_kind(
    "ip.right_submitted", _l("A right waits for verification (IP officers)"), mail_by_default=False
)
def _right_submitted(params: dict) -> Rendered:
    text = _l("A right waits for your verification: “%(title)s”.", title=params["title"])
    return Rendered(str(text), "ip.detail", {"right_id": params["right_id"]})
