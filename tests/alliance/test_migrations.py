"""The migrations build exactly the models, on SQLite and on PostgreSQL."""

import json

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import url_for
from flask_migrate import downgrade, upgrade
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from alliance import create_app
from alliance.db import utcnow
from alliance.extensions import db as _db

# SQLite only, like the triggers: the idempotency keys the ledger took (migration 0010).
GUARD_TABLES = {"ledger_entry_key"}


def test_upgrade_yields_the_models_with_nothing_pending(db):
    context = MigrationContext.configure(
        db.session.connection(), opts={"compare_type": True, "render_as_batch": True}
    )
    differences = compare_metadata(context, _db.metadata)
    guards = [("remove_table", name) for name in GUARD_TABLES]
    found = [d for d in differences if d[0] == "remove_table" and d[1].name in GUARD_TABLES]
    assert [(kind, table.name) for kind, table in found] == (
        guards if db.session.connection().dialect.name == "sqlite" else []
    )
    assert [d for d in differences if d not in found] == []


def test_migration_installs_the_audit_guards(db):
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        rows = connection.exec_driver_sql(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_event'::regclass "
            "AND NOT tgisinternal"
        ).scalars()
        expected = {"audit_event_append_only", "audit_event_no_truncate"}
    else:
        rows = connection.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_event'"
        ).scalars()
        expected = {"audit_event_no_update", "audit_event_no_delete", "audit_event_no_replace"}
    assert set(rows) == expected


ADD_CONTRIBUTOR = (
    "INSERT INTO contributor (title_id, name, name_key, role, position) "
    "VALUES (:id, 'n', 'n', :value, 1)"
)


@pytest.mark.parametrize(
    ("statement", "good", "bad"),
    [
        ("UPDATE title SET format = :value WHERE id = :id", "ebook", "pamphlet"),
        ("UPDATE title SET status = :value WHERE id = :id", "withdrawn", "deleted"),
        (ADD_CONTRIBUTOR, "illustrator", "ghostwriter"),
    ],
)
def test_the_database_refuses_a_value_outside_the_list(db, make_org, statement, good, bad):
    connection = db.session.connection()
    title_id = _raw_title(connection, make_org().id, "9787020002207")
    connection.execute(text(statement), {"id": title_id, "value": good})
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.connection().execute(text(statement), {"id": title_id, "value": bad})


def _raw_title(connection, publisher_id: int, isbn: str) -> int:
    return connection.execute(
        text(
            "INSERT INTO title (isbn, title, title_key, publisher_id, format, language, "
            "status, created_at, updated_at) VALUES (:isbn, 't', 't', :publisher, "
            "'paperback', 'zh', 'active', :now, :now) RETURNING id"
        ),
        {"isbn": isbn, "publisher": publisher_id, "now": utcnow()},
    ).scalar_one()


def test_migration_0007_keeps_titles_and_contributors_on_sqlite(tmp_path):
    app = create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'm.db'}")
    with app.app_context():
        engine = _db.engine  # this app's own database, not the tests' shared one
        upgrade(revision="0006")
        with engine.begin() as connection:
            publisher_id = connection.execute(
                text(
                    "INSERT INTO organisation (name, kind, status, created_at) "
                    "VALUES ('p', 'publisher', 'active', :now) RETURNING id"
                ),
                {"now": utcnow()},
            ).scalar_one()
            title_id = _raw_title(connection, publisher_id, "9787020002207")
            connection.execute(
                text(
                    "INSERT INTO contributor (title_id, name, name_key, role, position) "
                    "VALUES (:id, '曹雪芹', '曹雪芹', 'author', 1)"
                ),
                {"id": title_id},
            )
        upgrade(revision="0007")
        _assert_kept(engine, "format = 'paperback' OR format = 'hardback'")
        downgrade(revision="0006")
        _assert_kept(engine, "format IN ('paperback', 'hardback'")
        engine.dispose()


def _assert_kept(engine, check: str) -> None:
    with engine.connect() as connection:
        schema = connection.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE name = 'title'"
        ).scalar()
        assert check in schema
        assert connection.exec_driver_sql("SELECT count(*) FROM contributor").scalar() == 1
        with pytest.raises(IntegrityError):
            connection.exec_driver_sql("UPDATE title SET format = 'pamphlet'")


def test_migration_0012_points_finished_jobs_at_the_moved_batch_page(tmp_path):
    app = create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'j.db'}")
    with app.app_context():
        engine = _db.engine
        upgrade(revision="0011")
        result = '{"link_endpoint": "authenticity.batch", "link_args": {"batch_id": 7}}'
        with engine.begin() as connection:
            for kind, stored in (("labels.write", result), ("titles.import", None)):
                connection.execute(
                    text(
                        "INSERT INTO job (kind, status, progress, stage, language, params, "
                        "result, attempts, created_at) VALUES (:kind, 'done', 1, '', 'en', "
                        "'{}', :result, 1, :now)"
                    ),
                    {"kind": kind, "result": stored, "now": utcnow()},
                )

        def links():
            with engine.connect() as connection:
                rows = connection.exec_driver_sql("SELECT result FROM job ORDER BY id").all()
            return [row[0] and json.loads(row[0]) for row in rows]

        upgrade(revision="0012")
        assert links() == [{"link_endpoint": "labels.detail", "link_args": {"batch_id": 7}}, None]
        with app.test_request_context():
            assert url_for(links()[0]["link_endpoint"], **links()[0]["link_args"]) == "/labels/7"
        downgrade(revision="0011")
        assert links()[0]["link_endpoint"] == "authenticity.batch"
        engine.dispose()
