"""Security headers, CSRF, cookies, health probes, limits and the production configuration."""

import pytest
from sqlalchemy.exc import OperationalError

from alliance import create_app
from alliance.config import ConfigError
from alliance.extensions import db


def test_security_headers_on_every_page(client):
    response = client.get("/auth/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP in tests
    assert response.headers["X-Request-ID"]


def test_hsts_over_https(client):
    response = client.get("/auth/login", base_url="https://localhost")
    assert "max-age=" in response.headers["Strict-Transport-Security"]


def test_pages_have_no_inline_script(client):
    for path in ("/", "/auth/login", "/auth/register"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>" not in page and "onclick=" not in page and "style=" not in page


def test_request_id_is_taken_from_a_proxy_only_when_well_formed(client):
    assert (
        client.get("/healthz", headers={"X-Request-ID": "abc12345-proxy"}).headers["X-Request-ID"]
        == "abc12345-proxy"
    )
    hostile = "<script>alert(1)</script>"
    injected = client.get("/healthz", headers={"X-Request-ID": hostile}).headers["X-Request-ID"]
    assert injected != hostile and len(injected) == 32


def test_healthz_touches_neither_database_nor_session(client, statements_in):
    with statements_in() as statements:
        response = client.get("/healthz")
    assert statements == []
    assert response.status_code == 200 and response.json == {"status": "ok"}
    assert "Set-Cookie" not in response.headers


def test_readyz_pings_the_database_and_reports_503_when_down(client, monkeypatch):
    assert client.get("/readyz").json == {"status": "ready", "database": "up"}

    def down(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", down)
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json["database"] == "down"


def test_csrf_refuses_a_post_without_token(app, make_user):
    make_user(email="csrf@example.org")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()
        response = client.post(
            "/auth/login",
            data={"login": "csrf@example.org", "password": "correct horse battery staple"},
        )
        assert response.status_code == 400
        assert "The request could not be understood" in response.get_data(as_text=True)
        with client.session_transaction() as session:
            assert "_user_id" not in session
        # the same form with its token works
        page = client.get("/auth/login").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        ok = client.post(
            "/auth/login",
            data={
                "login": "csrf@example.org",
                "password": "correct horse battery staple",
                "csrf_token": token,
            },
        )
        assert ok.status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_session_cookie_flags(app, make_user, client):
    make_user(email="cookie@example.org")
    response = client.post(
        "/auth/login",
        data={"login": "cookie@example.org", "password": "correct horse battery staple"},
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_requires_a_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("ALLIANCE_INSTANCE_PATH", str(tmp_path))
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        create_app("production")


def test_production_settings(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "x" * 48)
    monkeypatch.setenv("LABEL_HMAC_KEY", "y" * 48)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://books.example.org")
    monkeypatch.setenv("ALLIANCE_INSTANCE_PATH", str(tmp_path))
    app = create_app("production", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'p.db'}")
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["JSON_LOGS"]
    response = app.test_client().get("/auth/login", base_url="http://books.example.org")
    assert response.status_code == 302
    assert response.headers["Location"] == "https://books.example.org/auth/login"


@pytest.mark.parametrize("setting", ["-1", "soon", "nan", "inf", ""])
def test_a_label_check_interval_that_is_not_seconds_is_refused(monkeypatch, setting):
    monkeypatch.setenv("LABEL_CHECK_WRITE_SECONDS", setting)
    with pytest.raises(ConfigError, match="LABEL_CHECK_WRITE_SECONDS must be a number of seconds"):
        create_app("test")


def test_unknown_environment_is_refused():
    with pytest.raises(ConfigError, match="ALLIANCE_ENV"):
        create_app("staging")


def test_oversized_upload_gets_a_translated_413(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    try:
        response = client.post("/auth/login", data={"login": "x" * 5000, "password": "y"})
        assert response.status_code == 413
        assert "The upload is too large" in response.get_data(as_text=True)
        chinese = client.post("/auth/login?lang=zh", data={"login": "x" * 5000, "password": "y"})
        assert chinese.status_code == 413 and "上传" in chinese.get_data(as_text=True)
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 32 * 1024 * 1024


@pytest.mark.parametrize(
    ("status", "english", "chinese_hint"),
    [(404, "Page not found", "页面"), (403, "You do not have access", "权限")],
)
def test_error_pages_are_translated(client_as, status, english, chinese_hint):
    client = client_as("writer")
    path = "/no/such/page" if status == 404 else "/admin/users"
    response = client.get(path)
    assert response.status_code == status and english in response.get_data(as_text=True)
    chinese = client.get(path + "?lang=zh")
    assert chinese.status_code == status and chinese_hint in chinese.get_data(as_text=True)


def test_unexpected_errors_give_a_translated_500_and_are_logged(client_as, caplog, monkeypatch):
    from alliance.main import views

    def broken(user):
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "attention_for", broken)
    client = client_as("writer")
    with caplog.at_level("ERROR"):
        response = client.get("/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.get_data(as_text=True)
    assert "unhandled exception" in caplog.text and "boom" in caplog.text
    request_id = response.headers["X-Request-ID"]
    assert any(getattr(record, "request_id", None) == request_id for record in caplog.records)


def test_ids_too_large_for_the_database_are_not_found(client_as):
    admin = client_as("admin")
    for path in ("/members/196598071266172417423179776", "/campaigns/267965684747"):
        assert admin.get(path).status_code == 404
