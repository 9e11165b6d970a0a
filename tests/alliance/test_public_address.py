"""Links leave the site from PUBLIC_BASE_URL; hosts, proxies and probes in production."""

import logging
import re

import pytest

from alliance import create_app
from alliance.config import ConfigError

PRODUCTION_ENV = {
    "SECRET_KEY": "s" * 48,
    "LABEL_HMAC_KEY": "k" * 48,
    "PUBLIC_BASE_URL": "https://books.example.org",
    "WTF_CSRF_ENABLED": "false",  # these tests post without a form's token
}


@pytest.fixture
def production(monkeypatch, tmp_path):
    """Return a factory of production apps on a file database of their own."""
    monkeypatch.setenv("ALLIANCE_INSTANCE_PATH", str(tmp_path))
    for name, value in PRODUCTION_ENV.items():
        monkeypatch.setenv(name, value)

    def make(**environ):
        for name, value in environ.items():
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)
        return create_app("production", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'p.db'}")

    return make


def test_a_reset_link_ignores_the_host_the_request_names(client, make_user, caplog):
    make_user(email="victim@example.org")
    with caplog.at_level(logging.INFO, logger="alliance.mail"):
        client.post(
            "/auth/forgot",
            data={"login": "victim@example.org"},
            headers={"Host": "evil.example", "X-Forwarded-Host": "evil2.example"},
        )
    assert "evil" not in caplog.text
    assert re.search(r"http://localhost:5000/auth/reset/\S+", caplog.text)


def test_production_needs_a_public_address(production):
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL is not set"):
        production(PUBLIC_BASE_URL=None)
    for wrong in ("books.example.org", "ftp://books.example.org", "https://x.org/?a=1"):
        with pytest.raises(ConfigError, match="PUBLIC_BASE_URL must be an http"):
            production(PUBLIC_BASE_URL=wrong)


def test_production_answers_only_its_own_hosts(production):
    client = production().test_client()
    own = client.get("/auth/login", base_url="https://books.example.org")
    assert own.status_code == 200
    other = client.get("/auth/login", base_url="https://evil.example")
    assert other.status_code == 400
    forgot = client.post(
        "/auth/forgot", data={"login": "a@example.org"}, base_url="https://evil.example"
    )
    assert forgot.status_code == 400


def test_trusted_hosts_can_be_listed(production):
    client = production(TRUSTED_HOSTS="books.example.org, www.books.example.org").test_client()
    assert client.get("/auth/login", base_url="https://www.books.example.org").status_code == 200
    assert client.get("/auth/login", base_url="https://books.example.com").status_code == 400


def test_probes_answer_plain_http_for_any_host_in_production(production):
    client = production().test_client()
    for path in ("/healthz", "/readyz"):
        response = client.get(path, base_url="http://10.0.0.5:8000")
        assert response.status_code == 200, path


def test_an_https_redirect_carries_its_own_request_id(production):
    client = production().test_client()
    first = client.get("/healthz", headers={"X-Request-ID": "first-request-0001"})
    assert first.headers["X-Request-ID"] == "first-request-0001"
    redirect = client.get("/auth/login", base_url="http://books.example.org")
    assert redirect.status_code == 302
    assert redirect.headers["X-Request-ID"] != "first-request-0001"
    assert len(redirect.headers["X-Request-ID"]) == 32


def test_labels_are_printed_with_the_public_address(production):
    app = production()
    assert app.config["LABEL_VERIFY_BASE_URL"] == ""
    from authenticity.labels.services import verify_url

    with app.app_context():
        assert verify_url("0" * 21).startswith("https://books.example.org/verify/")
    app = production(LABEL_VERIFY_BASE_URL="https://check.example.org")
    with app.app_context():
        assert verify_url("0" * 21).startswith("https://check.example.org/verify/")
    assert app.config["TRUSTED_HOSTS"] == ["books.example.org", "check.example.org"]


def _addresses_seen(app):
    from flask import request

    seen = []

    @app.get("/_seen")
    def seen_view():
        seen.append(request.remote_addr)
        return "ok"

    seen_view.access_rule = ("public",)
    return seen


def test_forwarded_headers_count_only_from_a_configured_proxy(production, caplog):
    app = production(PROXY_FIX_HOPS="1", PROXY_ADDRESSES="10.0.0.0/8")
    seen = _addresses_seen(app)
    client = app.test_client()
    base = "https://books.example.org"
    forwarded = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    client.get("/_seen", base_url=base, environ_base={"REMOTE_ADDR": "10.1.2.3"}, headers=forwarded)
    with caplog.at_level(logging.WARNING, logger="alliance.proxies"):
        for rotated in ("198.51.100.1", "198.51.100.2"):
            client.get("/_seen", base_url=base, environ_base={"REMOTE_ADDR": "192.0.2.7"},
                       headers={"X-Forwarded-For": rotated})  # fmt: skip
    assert seen == ["203.0.113.9", "192.0.2.7", "192.0.2.7"]
    warnings = [r for r in caplog.records if "not in PROXY_ADDRESSES" in r.getMessage()]
    assert len(warnings) == 1  # once a minute, not once a request


def test_a_rotating_forwarded_address_does_not_escape_the_login_limit(production):
    app = production(PROXY_FIX_HOPS="1", LOGIN_RATE_LIMIT_IP="3 per minute")
    client = app.test_client()
    statuses = [
        client.post(
            "/auth/login",
            data={"login": f"user{n}@example.org", "password": "wrong password"},
            base_url="https://books.example.org",
            environ_base={"REMOTE_ADDR": "192.0.2.7"},
            headers={"X-Forwarded-For": f"198.51.100.{n}"},
        ).status_code
        for n in range(5)
    ]
    assert statuses == [200, 200, 200, 429, 429]


def test_proxy_addresses_must_be_addresses(production):
    with pytest.raises(ConfigError, match=r"PROXY_ADDRESSES holds 'proxy\.internal'"):
        production(PROXY_ADDRESSES="proxy.internal")


def test_the_label_check_answers_only_its_own_hosts(production):
    client = production().test_client()
    own = client.get("/api/v1/labels/ABC", base_url="https://books.example.org")
    assert own.status_code == 200 and own.json["status"] == "unknown"
    other = client.get("/api/v1/labels/ABC", base_url="https://evil.example")
    assert other.status_code == 400 and other.mimetype == "application/problem+json"
