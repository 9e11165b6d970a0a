"""The admin pages of the outbound webhooks: the outbox, one event, and resending it."""

import re

import pytest
from sqlalchemy import select

from alliance.audit import AuditEvent
from alliance.extensions import db as _db
from alliance.webhooks.models import WebhookAttempt, WebhookEvent
from alliance.webhooks.services import queue_event
from tests.alliance.webhook_receiver import Receiver

SECRET = "page-test-secret"
HOSTILE = '<script>alert("x")</script>'


@pytest.fixture
def receiver(app, monkeypatch):
    receiver = Receiver()
    monkeypatch.setitem(app.config, "MARKETPLACE_WEBHOOK_URL", receiver.url)
    monkeypatch.setitem(app.config, "MARKETPLACE_WEBHOOK_SECRET", SECRET)
    monkeypatch.setitem(app.config, "MARKETPLACE_WEBHOOK_TIMEOUT", 0.5)
    yield receiver
    receiver.stop()


@pytest.fixture
def admin(client_as):
    return client_as("admin")


def queue(app, *specs) -> list[int]:
    """Queue events (type, key, payload) in one committed transaction; return their ids."""
    with app.app_context():
        ids = [queue_event(kind, key=key, payload=data).id for kind, key, data in specs]
        _db.session.commit()
    return ids


def stored(db, event_id) -> WebhookEvent:
    db.session.expire_all()
    return db.session.get(WebhookEvent, event_id)


def test_the_list_shows_events_with_filters(app, admin, receiver):
    receiver.respond = lambda document: 500 if document["data"]["n"] == 2 else 200
    one, two, three = queue(
        app,
        ("listing.removed", "listing:1", {"n": 1}),
        ("listing.removed", "listing:2", {"n": 2}),
        ("listing.reinstated", "listing:3", {"n": 3}),
    )
    page = admin.get("/admin/webhooks/").get_data(as_text=True)
    assert all(f'href="/admin/webhooks/{n}">#{n}</a>' in page for n in (one, two, three))
    assert "Delivered</a>: 2" in page and "Waiting</a>: 1" in page
    assert "HTTP 500 Internal Server Error" in page
    waiting = admin.get("/admin/webhooks/?status=pending").get_data(as_text=True)
    assert f"#{two}</a>" in waiting and f"#{one}</a>" not in waiting
    typed = admin.get("/admin/webhooks/?event_type=listing.reinstated").get_data(as_text=True)
    assert f"#{three}</a>" in typed and f"#{one}</a>" not in typed
    keyed = admin.get("/admin/webhooks/?key=listing:1").get_data(as_text=True)
    assert f"#{one}</a>" in keyed and f"#{two}</a>" not in keyed
    assert "No event matches these filters." in admin.get(
        "/admin/webhooks/?status=failed"
    ).get_data(as_text=True)
    assert 'href="/admin/webhooks/">Webhooks</a>' in page  # in the admin navigation


def test_the_list_asks_a_bounded_number_of_queries(app, admin, receiver, statements_in):
    queue(app, *[("listing.removed", f"listing:{n}", {"n": n}) for n in range(3)])
    with statements_in() as few:
        admin.get("/admin/webhooks/")
    queue(app, *[("listing.removed", f"listing:{n}", {"n": n}) for n in range(40)])
    with statements_in() as many:
        assert admin.get("/admin/webhooks/").status_code == 200
    assert len(many) == len(few)


def test_without_a_url_the_pages_say_not_configured(app, admin, monkeypatch):
    monkeypatch.setitem(app.config, "MARKETPLACE_WEBHOOK_URL", "")
    [event_id] = queue(app, ("listing.removed", "listing:1", {}))
    page = admin.get("/admin/webhooks/").get_data(as_text=True)
    assert "Not configured: MARKETPLACE_WEBHOOK_URL is not set." in page
    assert "<td>Not configured</td>" in page
    detail = admin.get(f"/admin/webhooks/{event_id}").get_data(as_text=True)
    assert "Not configured: MARKETPLACE_WEBHOOK_URL is not set." in detail


def test_the_detail_shows_the_payload_escaped_and_every_attempt(app, admin, receiver, db):
    answers = iter([500, 200])
    receiver.respond = lambda _document: next(answers)
    [event_id] = queue(app, ("listing.removed", f"listing:{HOSTILE}", {"note": HOSTILE}))
    with app.app_context():
        from alliance.webhooks.delivery import deliver_due

        deliver_due(now=stored(db, event_id).next_attempt_at)
    page = admin.get(f"/admin/webhooks/{event_id}").get_data(as_text=True)
    assert HOSTILE not in page
    assert "&#34;note&#34;: &#34;&lt;script&gt;alert(\\&#34;x\\&#34;)&lt;/script&gt;&#34;" in page
    assert "listing:&lt;script&gt;" in page
    assert stored(db, event_id).delivery_id in page
    rows = re.findall(r"<td>(Delivered|Failed)</td>\s*<td>(\d+)</td>", page)
    assert rows == [("Delivered", "200"), ("Failed", "500")]  # newest first
    assert "Resend to the marketplace" in page


def test_an_unknown_event_is_not_found(admin):
    assert admin.get("/admin/webhooks/999999").status_code == 404
    assert admin.post("/admin/webhooks/999999/resend", data={"confirm": "999999"}).status_code == (
        404
    )


def test_resend_needs_the_typed_number_then_posts_the_same_delivery_id(app, admin, receiver, db):
    [event_id] = queue(app, ("listing.removed", "listing:1", {"n": 1}))
    delivery_id = stored(db, event_id).delivery_id
    refused = admin.post(f"/admin/webhooks/{event_id}/resend", data={"confirm": "12345"})
    assert refused.status_code == 200
    assert f"Type {event_id} to confirm the resend." in refused.get_data(as_text=True)
    assert len(receiver.received) == 1
    done = admin.post(f"/admin/webhooks/{event_id}/resend", data={"confirm": f"#{event_id}"})
    assert done.status_code == 302
    assert done.headers["Location"] == f"/admin/webhooks/{event_id}"
    assert receiver.ids() == [delivery_id, delivery_id]
    assert receiver.received[0].body == receiver.received[1].body
    event = stored(db, event_id)
    assert (event.status, event.attempts) == ("delivered", 1)
    attempts = db.session.scalars(
        select(WebhookAttempt.ok).where(WebhookAttempt.event_id == event_id)
    ).all()
    assert attempts == [True, True]
    [audit] = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "webhook.resend")
    ).all()
    assert (audit.entity_type, audit.entity_id, audit.actor_id) == (
        "webhook_event",
        str(event_id),
        admin.user.id,
    )
    assert (audit.before["status"], audit.after["status"]) == ("delivered", "pending")
    page = admin.get(f"/admin/webhooks/{event_id}").get_data(as_text=True)
    assert f"Event #{event_id} is queued to be sent again." in page


def test_a_waiting_event_is_not_resent(app, admin, monkeypatch, db):
    monkeypatch.setitem(app.config, "MARKETPLACE_WEBHOOK_URL", "")
    [event_id] = queue(app, ("listing.removed", "listing:1", {}))
    page = admin.get(f"/admin/webhooks/{event_id}").get_data(as_text=True)
    assert "Resend to the marketplace" not in page
    response = admin.post(f"/admin/webhooks/{event_id}/resend", data={"confirm": str(event_id)})
    assert response.status_code == 200
    assert "This webhook event is “Waiting” and cannot become “Waiting”." in response.get_data(
        as_text=True
    )
    assert db.session.scalars(select(AuditEvent.id).where(
        AuditEvent.action == "webhook.resend")).all() == []  # fmt: skip


def test_a_given_up_event_can_be_resent(app, admin, receiver, db, monkeypatch):
    monkeypatch.setitem(app.config, "MARKETPLACE_WEBHOOK_MAX_ATTEMPTS", 1)
    receiver.respond = lambda _document: 500
    [event_id] = queue(app, ("listing.removed", "listing:1", {}))
    assert stored(db, event_id).status == "failed"
    assert "Given up</a>: 1" in admin.get("/admin/webhooks/").get_data(as_text=True)
    receiver.respond = lambda _document: 200
    admin.post(f"/admin/webhooks/{event_id}/resend", data={"confirm": str(event_id)})
    assert (stored(db, event_id).status, len(receiver.received)) == ("delivered", 2)


def test_the_detail_names_the_earlier_event_it_waits_for(app, admin, receiver, db):
    receiver.respond = lambda document: 500 if document["data"]["n"] == 1 else 200
    first, second = queue(app, ("listing.removed", "listing:9", {"n": 1}),
                          ("listing.reinstated", "listing:9", {"n": 2}))  # fmt: skip
    page = admin.get(f"/admin/webhooks/{second}").get_data(as_text=True)
    assert "Waiting for an earlier event of the same key to be delivered first:" in page
    assert f'href="/admin/webhooks/{first}">#{first}</a>' in page
    assert "A newer event of the same key exists" not in page


def test_resending_an_older_event_warns_of_the_newer_one(app, admin, receiver):
    first, second = queue(app, ("listing.removed", "listing:9", {"n": 1}),
                          ("listing.reinstated", "listing:9", {"n": 2}))  # fmt: skip
    page = admin.get(f"/admin/webhooks/{first}").get_data(as_text=True)
    assert "A newer event of the same key exists:" in page
    assert f'href="/admin/webhooks/{second}">#{second}</a>' in page
    assert "A newer event" not in admin.get(f"/admin/webhooks/{second}").get_data(as_text=True)


@pytest.mark.parametrize("role", ["ip_officer", "campaign_staff", "publisher"])
def test_other_roles_are_refused(app, client_as, role, monkeypatch):
    monkeypatch.setitem(app.config, "MARKETPLACE_WEBHOOK_URL", "")
    [event_id] = queue(app, ("listing.removed", "listing:1", {}))
    client = client_as(role)
    assert client.get("/admin/webhooks/").status_code == 403
    assert client.get(f"/admin/webhooks/{event_id}").status_code == 403
    response = client.post(f"/admin/webhooks/{event_id}/resend", data={"confirm": str(event_id)})
    assert response.status_code == 403
    assert 'href="/admin/webhooks/"' not in client.get("/").get_data(as_text=True)


def test_resend_refuses_a_post_without_its_csrf_token(app, admin, receiver, db):
    [event_id] = queue(app, ("listing.removed", "listing:1", {}))
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        refused = admin.post(f"/admin/webhooks/{event_id}/resend", data={"confirm": str(event_id)})
        assert refused.status_code == 400
        assert len(receiver.received) == 1
        page = admin.get(f"/admin/webhooks/{event_id}").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        done = admin.post(
            f"/admin/webhooks/{event_id}/resend",
            data={"confirm": str(event_id), "csrf_token": token},
        )
        assert done.status_code == 302
        assert len(receiver.received) == 2
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
