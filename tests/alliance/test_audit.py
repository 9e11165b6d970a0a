"""The audit log: written with every change, refused by the database for edits, browsable."""

import csv
import io

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from alliance.audit import AuditEvent


def events(db, **filters):
    return list(db.session.scalars(select(AuditEvent).filter_by(**filters).order_by(AuditEvent.id)))


def test_granting_a_role_records_actor_before_after_and_request(client_as, make_user, db):
    admin = client_as("admin")
    target = make_user()
    response = admin.post(
        f"/admin/users/{target.id}",
        data={"roles": ["writer", "reviewer"], "organisation_id": 0, "active": "y"},
    )
    assert response.status_code == 302
    (event,) = events(db, action="user.update", entity_id=str(target.id))
    assert event.actor_id == admin.user.id and event.actor_label == admin.user.login
    assert event.before["roles"] == [] and event.after["roles"] == ["reviewer", "writer"]
    assert event.entity_type == "user" and len(event.request_id) == 32
    assert "password_hash" not in event.after


def test_audit_is_in_the_same_transaction_as_the_change(client_as, make_user, db, monkeypatch):
    from alliance import audit

    admin = client_as("admin")
    target = make_user()

    def failing_record(*args, **kwargs):
        raise RuntimeError("audit store failed")

    monkeypatch.setattr(audit.AuditEvent, "__init__", failing_record)
    response = admin.post(
        f"/admin/users/{target.id}", data={"roles": ["writer"], "organisation_id": 0, "active": "y"}
    )
    assert response.status_code == 500
    db.session.expire_all()
    assert target.roles == set()  # no change without its audit record


@pytest.mark.parametrize("statement", ["update", "delete"])
def test_database_refuses_to_change_or_delete_audit_events(db, make_user, statement):
    make_user()  # writes nothing to the audit log; add one event directly
    db.session.add(
        AuditEvent(
            actor_label="system", action="test", entity_type="t", entity_id="1", request_id="r"
        )
    )
    db.session.commit()
    query = (
        update(AuditEvent).values(action="forged") if statement == "update" else delete(AuditEvent)
    )
    nested = db.session.begin_nested()
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(query)
    nested.rollback()
    assert events(db, action="test")


def test_raw_sql_cannot_bypass_the_guard(db):
    db.session.add(
        AuditEvent(
            actor_label="system", action="raw", entity_type="t", entity_id="1", request_id="r"
        )
    )
    db.session.commit()
    nested = db.session.begin_nested()
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text("DELETE FROM audit_event WHERE action = 'raw'"))
    nested.rollback()


def test_admin_browses_and_filters_the_log(client_as, make_user, db):
    admin = client_as("admin")
    first, second = make_user(), make_user()
    for user in (first, second):
        admin.post(
            f"/admin/users/{user.id}",
            data={"roles": ["writer"], "organisation_id": 0, "active": "y"},
        )
    page = admin.get(f"/admin/audit?entity_type=user&entity_id={first.id}").get_data(as_text=True)
    assert page.count("user.update") == 1
    assert (
        admin.get("/admin/audit?action=user.")
        .get_data(as_text=True)
        .count("<code>user.update</code>")
        == 2
    )
    assert "No recorded change" in admin.get("/admin/audit?actor=nobody@example.org").get_data(
        as_text=True
    )
    # bad dates are reported, not fatal
    bad = admin.get("/admin/audit?since=yesterday&action=%27%20OR%201%3D1--")
    assert bad.status_code == 200 and "Not a valid date value" in bad.get_data(as_text=True)


def test_audit_csv_export_is_formula_safe(client_as, db):
    admin = client_as("admin")
    db.session.add(
        AuditEvent(
            actor_label="=cmd|' /C calc'!A0",
            action="test.formula",
            entity_type="t",
            entity_id="@SUM(1)",
            request_id="-r",
        )
    )
    db.session.commit()
    response = admin.get("/admin/audit.csv?action=test.formula")
    assert response.headers["Content-Disposition"] == 'attachment; filename="audit-log.csv"'
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][:4] == ["id", "occurred_at", "actor", "action"]
    assert rows[1][2] == "'=cmd|' /C calc'!A0" and rows[1][5] == "'@SUM(1)" and rows[1][8] == "'-r"


def test_audit_csv_streams_every_matching_event(client_as, db):
    admin = client_as("admin")
    for n in range(2503):
        db.session.add(
            AuditEvent(
                actor_label="system",
                action="bulk.test",
                entity_type="t",
                entity_id=str(n),
                request_id="r",
            )
        )
    db.session.commit()
    rows = (
        admin.get("/admin/audit.csv?action=bulk.test").get_data(as_text=True).strip().splitlines()
    )
    assert len(rows) == 2504
    assert len({row.split(",")[0] for row in rows[1:]}) == 2503


def test_only_admins_see_the_log(client_as):
    for role in ("campaign_staff", "ip_officer", "publisher", "writer"):
        assert client_as(role).get("/admin/audit").status_code == 403
        assert client_as(role).get("/admin/audit.csv").status_code == 403
