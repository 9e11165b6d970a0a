"""notify(): the one way every programme tells users something, in the inbox and by mail."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask_babel import force_locale
from sqlalchemy import func, select, update

from alliance.auth.models import User
from alliance.db import utcnow
from alliance.errors import NotFoundError
from alliance.extensions import db
from alliance.i18n import LANGUAGES, _l
from alliance.jobs.queue import after_commit, task
from alliance.links import public_url
from alliance.mail import deliver_mail
from alliance.notifications.models import Notification, NotificationSetting


@dataclass(frozen=True)
class Rendered:
    """A notification as its reader sees it: the text and where it leads."""

    text: str
    endpoint: str | None = None
    args: dict | None = None


@dataclass(frozen=True)
class NotificationKind:
    """A kind of notification: its name on the settings page, its text, mail by default."""

    name: str
    label: object
    render: Callable[[dict], Rendered]
    mail_by_default: bool = True


_kinds: dict[str, NotificationKind] = {}


def notification_kind(name: str, label, *, mail_by_default: bool = True):
    """Register how notifications of kind `name` read (the function gets their values)."""

    def decorator(render):
        _kinds[name] = NotificationKind(name, label, render, mail_by_default)
        return render

    return decorator


def kinds() -> list[NotificationKind]:
    """Return every registered kind, in the order registered."""
    return list(_kinds.values())


def notify(users: Iterable[User], kind: str, **params) -> list[Notification]:
    """Tell `users` that `kind` happened; mail those who keep its mail on, after commit.

    `params` are stored as they are (ids, names, numbers): the text is written when read,
    in the reader's language.
    """
    if kind not in _kinds:
        raise ValueError(f"unknown notification kind {kind!r}")
    rows = [Notification(user_id=user.id, kind=kind, params=params) for user in users]
    db.session.add_all(rows)
    db.session.flush()
    mailed = _mailed_user_ids([row.user_id for row in rows], kind)
    for row in rows:
        if row.user_id in mailed:
            after_commit(mail_notification, row.id)
    return rows


def _mailed_user_ids(user_ids: list[int], kind: str) -> set[int]:
    """Return which of the users get this kind by mail (their choice, else the default)."""
    choices = dict(
        db.session.execute(
            select(NotificationSetting.user_id, NotificationSetting.by_mail).where(
                NotificationSetting.user_id.in_(user_ids), NotificationSetting.kind == kind
            )
        ).all()
    )
    default = _kinds[kind].mail_by_default
    return {user_id for user_id in user_ids if choices.get(user_id, default)}


def render(notification: Notification) -> Rendered:
    """Write a notification in the current language."""
    kind = _kinds.get(notification.kind)
    if kind is None:
        return Rendered(str(_l("A notification of a kind this version does not know.")))
    return kind.render(notification.params)


@task(retries=5, retry_delay=60)
def mail_notification(notification_id: int) -> None:
    """Mail a notification in its reader's language, once."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.mailed_at is not None:
        return
    user = db.session.get(User, notification.user_id)
    if user is None or not user.email or not user.active:
        return
    with force_locale(LANGUAGES.get(user.locale or "en", "en")):
        rendered = render(notification)
        link = public_url(rendered.endpoint, **(rendered.args or {})) if rendered.endpoint else ""
        body = rendered.text + (f"\n\n{link}" if link else "")
        subject = str(_l("Book Alliance: %(text)s", text=_shorten(rendered.text)))
        settings = str(_l("Choose which notifications you get by mail: %(link)s",
                          link=public_url("notifications.settings")))  # fmt: skip
    deliver_mail(user.email, subject, f"{body}\n\n--\n{settings}")
    notification.mailed_at = utcnow()


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def unread_count(user: User) -> int:
    """Return how many notifications the user has not read."""
    return db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)
        )
    )


def inbox_of(user: User):
    """Select a user's notifications, newest first."""
    return (
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id.desc())
    )


def own_notification(user: User, notification_id: int) -> Notification:
    """Return one of the user's notifications; anyone else's is not found."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        raise NotFoundError(_l("No such notification."))
    return notification


def mark_read(user: User, notification_ids: list[int] | None = None) -> int:
    """Mark the user's notifications read (these, or all); return how many changed."""
    statement = update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if notification_ids is not None:
        statement = statement.where(Notification.id.in_(notification_ids))
    return db.session.execute(statement.values(read_at=utcnow())).rowcount


def mail_settings(user: User) -> dict[str, bool]:
    """Return, for every kind, whether the user gets it by mail."""
    chosen = dict(
        db.session.execute(
            select(NotificationSetting.kind, NotificationSetting.by_mail).where(
                NotificationSetting.user_id == user.id
            )
        ).all()
    )
    return {kind.name: chosen.get(kind.name, kind.mail_by_default) for kind in kinds()}


def save_mail_settings(user: User, by_mail: set[str]) -> None:
    """Keep the user's choice of the kinds they get by mail."""
    current = {
        row.kind: row
        for row in db.session.scalars(
            select(NotificationSetting).where(NotificationSetting.user_id == user.id)
        )
    }
    for kind in kinds():
        wanted = kind.name in by_mail
        row = current.get(kind.name)
        if row is None:
            db.session.add(NotificationSetting(user_id=user.id, kind=kind.name, by_mail=wanted))
        else:
            row.by_mail = wanted
