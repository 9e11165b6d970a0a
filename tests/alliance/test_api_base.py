"""API keys (page and CLI), bearer authentication, problem+json errors and the OpenAPI document."""

import re

from sqlalchemy import select

from alliance.api.models import ApiKey


def create_key(client, name="ERP sync"):
    page = client.post("/account/api-keys/", data={"name": name}).get_data(as_text=True)
    match = re.search(r'data-testid="new-key">([^<]+)<', page)
    return match.group(1) if match else None


def test_key_is_shown_once_and_stored_hashed(client_as, db):
    client = client_as("publisher")
    key = create_key(client)
    assert key.startswith("ba_") and len(key) > 40
    page = client.get("/account/api-keys/").get_data(as_text=True)
    assert key not in page
    assert "Authorization: Bearer &lt;key&gt;" in page
    record = db.session.scalar(select(ApiKey).where(ApiKey.user_id == client.user.id))
    assert record.key_hash != key and key not in record.key_hash and record.prefix == key[:10]


def test_me_returns_the_keys_user_and_roles(client_as):
    client = client_as("publisher", "writer")
    key = create_key(client)
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200
    body = response.json
    assert body["login"] == client.user.login and body["roles"] == ["publisher", "writer"]
    assert body["organisation"]["kind"] == "publisher"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "Set-Cookie" not in response.headers


def test_revoked_key_stops_working(client_as, db):
    client = client_as("writer")
    key = create_key(client)
    record = db.session.scalar(select(ApiKey).where(ApiKey.user_id == client.user.id))
    assert client.post(f"/account/api-keys/{record.id}/revoke").status_code == 302
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 401


def test_cannot_revoke_someone_elses_key(client_as, db):
    owner, other = client_as("writer"), client_as("writer")
    key = create_key(owner)
    record = db.session.scalar(select(ApiKey).where(ApiKey.user_id == owner.user.id))
    assert other.post(f"/account/api-keys/{record.id}/revoke").status_code == 404
    assert owner.get("/api/v1/me", headers={"Authorization": f"Bearer {key}"}).status_code == 200


def test_key_of_a_deactivated_user_is_refused(client_as, db):
    client = client_as("writer")
    key = create_key(client)
    client.user.active = False
    db.session.commit()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {key}"}).status_code == 401


def test_key_name_is_validated(client_as, db):
    client = client_as("writer")
    for name in ("", "   ", "x" * 101):
        assert create_key(client, name) is None
    assert create_key(client, "<script>alert(1)</script>") is not None
    page = client.get("/account/api-keys/").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_api_errors_are_problem_json(client):
    for headers in (
        {},
        {"Authorization": "Bearer ba_nonsense"},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer ' OR 1=1 --"},
    ):
        response = client.get("/api/v1/me", headers=headers)
        assert response.status_code == 401
        assert response.mimetype == "application/problem+json"
        assert response.json["type"].endswith("/unauthorized") and response.json["status"] == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"


def test_session_cookie_does_not_authenticate_the_api(client_as):
    client = client_as("admin")
    assert client.get("/api/v1/me").status_code == 401


def test_openapi_document_describes_me_and_bearer_keys(client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    operation = spec["paths"]["/api/v1/me"]["get"]
    assert operation["security"] == [{"bearerAuth": []}]
    assert "401" in operation["responses"]
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_openapi_document_is_written_once_whoever_asks_first(app):
    """The document is described on first use: threads asking at once get the same one."""
    from concurrent.futures import ThreadPoolExecutor

    from alliance.app import create_app

    fresh = create_app("test", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])

    def ask(_):
        return fresh.test_client().get("/api/v1/openapi.json")

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(ask, range(4)))
    documents = {answer.get_data() for answer in answers}
    assert [answer.status_code for answer in answers] == [200] * 4 and len(documents) == 1
    assert documents == {app.test_client().get("/api/v1/openapi.json").get_data()}
    tags = [tag["name"] for tag in fresh.extensions["alliance_api"].spec.to_dict()["tags"]]
    assert len(tags) == len(set(tags))  # each blueprint described once


def test_cli_creates_a_key_that_works(app, make_user, client):
    user = make_user("writer", email="cli@example.org")
    result = app.test_cli_runner().invoke(args=["api-keys", "create", "--email", "CLI@example.org"])
    assert result.exit_code == 0, result.output
    key = result.output.strip()
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {key}"})
    assert response.json["id"] == user.id


def test_cli_key_for_unknown_user_fails_clearly(app):
    result = app.test_cli_runner().invoke(
        args=["api-keys", "create", "--email", "none@example.org"]
    )
    assert result.exit_code != 0 and "No user has the login" in result.output
