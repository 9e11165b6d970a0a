"""Notifications: the inbox behind the bell, written in the reader's language, mail by choice."""

import logging

import pytest
from sqlalchemy import select

from alliance.auth.models import User
from alliance.notifications import services
from alliance.notifications.models import Notification
from alliance.notifications.services import Rendered, notification_kind

TEST_KIND = "test.greeting"


@notification_kind(TEST_KIND, "A greeting (tests)")
def _greeting(params: dict) -> Rendered:
    from alliance.i18n import _l

    return Rendered(str(_l("Welcome, %(name)s.", name=params["name"])), "auth.profile", {})


@pytest.fixture
def notify(app, db):
    """Notify a user, in an app context of its own (a pushed one would share `g` with clients)."""

    def send(user, **params):
        with app.app_context():
            services.notify([db.session.get(User, user.id)], TEST_KIND, **params)
            db.session.commit()

    return send


def test_the_bell_counts_and_the_inbox_lists_in_the_readers_language(client_as, db, notify):
    client = client_as("writer")
    notify(client.user, name="<b>李华</b>")
    notify(client.user, name="Wang")
    home = client.get("/").get_data(as_text=True)
    assert '2<span class="visually-hidden"> unread</span>' in home
    inbox = client.get("/notifications/?lang=zh").get_data(as_text=True)
    assert "欢迎您，&lt;b&gt;李华&lt;/b&gt;。" in inbox and "<b>李华" not in inbox
    assert "欢迎您，Wang。" in inbox


def test_opening_marks_read_and_follows_the_link(client_as, db, notify):
    client = client_as("writer")
    notify(client.user, name="A")
    notification = db.session.scalars(select(Notification)).one()
    opened = client.post(f"/notifications/{notification.id}/open")
    assert opened.status_code == 302 and opened.headers["Location"] == "/auth/profile"
    db.session.expire_all()
    assert db.session.get(Notification, notification.id).read_at is not None
    assert 'visually-hidden"> unread' not in client.get("/").get_data(as_text=True)


def test_mark_all_read(client_as, db, notify):
    client = client_as("writer")
    for name in ("A", "B", "C"):
        notify(client.user, name=name)
    page = client.post("/notifications/read", follow_redirects=True).get_data(as_text=True)
    assert "All notifications are marked read." in page
    assert services.unread_count(db.session.get(User, client.user.id)) == 0


def test_another_users_notification_is_not_found(client_as, db, notify):
    owner, other = client_as("writer"), client_as("writer")
    notify(owner.user, name="A")
    notification = db.session.scalars(select(Notification)).one()
    assert other.post(f"/notifications/{notification.id}/open").status_code == 404
    assert db.session.get(Notification, notification.id).read_at is None


def test_mail_comes_in_the_readers_language_and_only_when_kept_on(client_as, db, caplog, notify):
    client = client_as("writer")
    db.session.get(User, client.user.id).locale = "zh"
    db.session.commit()
    with caplog.at_level(logging.INFO, logger="alliance.mail"):
        notify(client.user, name="Li")
    assert "subject=图书联盟：欢迎您，Li。" in caplog.text
    assert "http://localhost:5000/auth/profile" in caplog.text
    caplog.clear()
    saved = client.post("/notifications/settings", data={}, follow_redirects=True)
    assert "邮件设置已保存。" in saved.get_data(as_text=True)  # the user reads Chinese
    with caplog.at_level(logging.INFO, logger="alliance.mail"):
        notify(client.user, name="Li")
    assert [r for r in caplog.records if r.name == "alliance.mail"] == []
    client.post("/notifications/settings", data={f"mail-{TEST_KIND}": "1"})
    page = client.get("/notifications/settings").get_data(as_text=True)
    assert f'id="mail-{TEST_KIND}" name="mail-{TEST_KIND}" value="1" checked' in page


def test_a_mobile_only_user_keeps_notifications_in_the_inbox(
    client_as, make_user, db, caplog, notify
):
    user = make_user("writer", mobile="+8613800138001")
    with caplog.at_level(logging.INFO):
        notify(user, name="M")
    assert [r for r in caplog.records if r.name == "alliance.mail"] == []
    assert services.unread_count(db.session.get(User, user.id)) == 1


def test_an_unknown_kind_is_a_programming_error(db, ctx, make_user):
    with pytest.raises(ValueError, match="unknown notification kind"):
        services.notify([make_user()], "no.such.kind")
