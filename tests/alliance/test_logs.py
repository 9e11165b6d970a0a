"""Logs: a request id on every line, JSON in production, and rate limits stored in Redis."""

import json
import logging
import socket
import uuid

import pytest

from alliance import create_app
from alliance.logs import JsonFormatter, RequestIdFilter, request_id_var


def test_json_log_line_carries_the_request_id():
    record = logging.LogRecord("alliance", logging.INFO, __file__, 1, "登录 %s", ("ok",), None)
    token = request_id_var.set("abc123def456")
    try:
        RequestIdFilter().filter(record)
    finally:
        request_id_var.reset(token)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["request_id"] == "abc123def456" and entry["message"] == "登录 ok"
    assert entry["level"] == "INFO"


def test_mail_in_development_goes_to_the_log_with_the_request_id(client, make_user, caplog):
    make_user(email="mail@example.org")
    with caplog.at_level(logging.INFO, logger="alliance.mail"):
        client.post(
            "/auth/forgot",
            data={"login": "mail@example.org"},
            headers={"X-Request-ID": "req-forgot-0001"},
        )
    (record,) = [r for r in caplog.records if r.name == "alliance.mail"]
    assert record.request_id == "req-forgot-0001"


def _redis_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _redis_answers(), reason="no Redis on 127.0.0.1:6379")
def test_login_limits_are_kept_in_redis_when_configured(tmp_path, make_user):
    import redis

    from alliance.extensions import limiter

    url = "redis://127.0.0.1:6379/15"
    store = redis.Redis.from_url(url)
    prefix = f"test-{uuid.uuid4().hex}"  # other runs may share this Redis
    make_user(email="redis@example.org")
    app = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'r.db'}",
        RATELIMIT_STORAGE_URI=url,
        RATELIMIT_KEY_PREFIX=prefix,
        WTF_CSRF_ENABLED=False,
    )
    try:
        client = app.test_client()
        statuses = [
            client.post(
                "/auth/login",
                data={"login": "nobody@example.org", "password": "wrong password"},
                environ_base={"REMOTE_ADDR": "10.9.0.1"},
            ).status_code
            for _ in range(6)
        ]
        assert statuses == [200] * 5 + [429]
        assert any(b"nobody@example.org" in key for key in store.keys(f"*{prefix}*"))
    finally:
        for key in store.keys(f"*{prefix}*"):
            store.delete(key)
        # give the shared limiter back its in-memory storage for the other tests
        create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'm.db'}")
        limiter.reset()
