"""Every form and API call fed empty, huge, hostile and mistyped values: a message, no write."""

import re
from contextlib import suppress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from alliance.api.services import create_api_key
from alliance.audit import AuditEvent
from alliance.auth.identifiers import LoginFormatError, parse_login
from alliance.auth.models import User
from alliance.auth.roles import Role
from alliance.catalogue.models import Title
from alliance.extensions import limiter
from alliance.i18n import parse_accept_language
from alliance.money import MoneyError, parse_money

INVALID = ["", " " * 10, "\u202eevil\u0000null", "x" * 100_000, "🙂" * 500]
# Legal as text (a name may contain them), so they may be stored, but only ever as text.
HOSTILE_TEXT = [
    "<script>alert('x')</script>",
    "=cmd|' /C calc'!A0",
    '\'; DROP TABLE "user"; --',
    "1 OR 1=1",
]
HOSTILE = INVALID + HOSTILE_TEXT

FORMS = {
    "/auth/login": ["login", "password"],
    "/auth/register": ["login", "display_name", "password", "confirm"],
    "/auth/forgot": ["login"],
    "/auth/reset": ["password", "confirm"],
    "/auth/password": ["current", "password", "confirm"],
    "/auth/profile": ["display_name", "locale", "timezone"],
    "/account/api-keys/": ["name"],
    "/admin/users/new": ["login", "display_name", "password", "roles", "organisation_id"],
    "/members/apply": [
        "kind",
        "name",
        "name_en",
        "uscc",
        "contact_name",
        "contact_email",
        "contact_phone",
        "website",
        "description",
        "description_en",
    ],
}

PUBLIC_FORMS = {"/auth/login", "/auth/register", "/auth/forgot", "/auth/reset"}


def counts(db):
    return (
        db.session.scalar(select(func.count(User.id))),
        db.session.scalar(select(func.count(AuditEvent.id))),
    )


@pytest.mark.parametrize("path", sorted(FORMS))
def test_invalid_values_in_every_field_store_nothing(app, client_as, db, path):
    admin = client_as("admin")
    client = app.test_client() if path in PUBLIC_FORMS else admin
    before = counts(db)
    for value in INVALID:
        limiter.reset()
        if path == "/auth/reset":
            client.get("/auth/reset/bad-token")  # as if opened from a (forged) mail link
        response = client.post(path, data=dict.fromkeys(FORMS[path], value))
        body = response.get_data(as_text=True)
        if response.status_code == 302:  # a password may hold any character; the link is bad
            assert path == "/auth/reset" and response.headers["Location"] == "/auth/forgot"
            continue
        assert response.status_code == 200, (path, value[:20], response.status_code)
        assert "invalid-feedback" in body, (path, value[:20])
    db.session.expire_all()
    assert counts(db) == before
    assert admin.user.display_name.startswith("User ")


@pytest.mark.parametrize("path", sorted(FORMS))
def test_hostile_text_in_every_field_is_only_ever_text(app, client_as, db, path):
    admin = client_as("admin")
    client = app.test_client() if path in PUBLIC_FORMS else admin
    for value in HOSTILE_TEXT:
        limiter.reset()
        if path == "/auth/reset":
            client.get("/auth/reset/bad-token")  # as if opened from a (forged) mail link
        response = client.post(path, data=dict.fromkeys(FORMS[path], value))
        # the form is shown again with its messages; a reset form with a forged link goes back
        expected = 302 if path == "/auth/reset" else 200
        assert response.status_code == expected, (path, value, response.status_code)
        for page in (response, admin.get("/account/api-keys/"), admin.get("/auth/profile")):
            assert "<script>alert('x')</script>" not in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) >= 1  # the table is still there


def test_edit_user_with_wrong_types_changes_nothing(client_as, make_user, db):
    admin = client_as("admin")
    user = make_user("writer")
    before = counts(db)
    for value in HOSTILE:
        response = admin.post(
            f"/admin/users/{user.id}",
            data={"roles": value, "organisation_id": value, "active": value},
        )
        assert response.status_code == 200
    db.session.expire_all()
    assert counts(db) == before and user.roles == {"writer"}


@given(st.text(max_size=400))
@settings(max_examples=300, deadline=None)
def test_parse_login_only_ever_refuses_cleanly(text):
    try:
        login = parse_login(text)
    except LoginFormatError:
        return
    assert (login.email is None) != (login.mobile is None)
    if login.mobile:
        assert login.mobile.startswith("+861") and len(login.mobile) == 14
    else:
        assert login.email == login.email.lower() and "@" in login.email


@given(st.integers(min_value=0, max_value=10**14))
def test_money_round_trips_through_text(fen):
    yuan, cents = divmod(fen, 100)
    assert parse_money(f"{yuan:,}.{cents:02d}") == fen


@given(st.text(max_size=50))
@settings(max_examples=300)
def test_parse_money_never_crashes(text):
    with suppress(MoneyError):
        assert isinstance(parse_money(text), int)


@given(st.text(max_size=200))
@settings(max_examples=300)
def test_accept_language_parser_never_crashes(header):
    assert parse_accept_language(header) in (None, "zh", "en")


def test_filters_ignore_hostile_query_values(client_as):
    admin = client_as("admin")
    for query in ("q=%00", "q=" + "x" * 5000, "role=%27%20OR%201%3D1", "without_role=%00"):
        assert admin.get(f"/admin/users?{query}").status_code == 200
    for query in (
        "action=%00",
        "actor=%00",
        "entity_id=%E2%80%AE",
        "since=2021-13-45",
        "until=%00",
    ):
        assert admin.get(f"/admin/audit?{query}").status_code == 200
        assert admin.get(f"/admin/audit.csv?{query}").status_code == 200


def test_filter_pages_show_no_error_for_choices_left_at_their_default(client_as):
    admin = client_as("admin")
    for path in (
        "/admin/users?q=wang",
        "/titles/?q=红",
        "/members/?q=出版",
        "/admin/audit?action=user",
    ):
        assert "invalid-feedback" not in admin.get(path).get_data(as_text=True), path


# The API: every JSON body and query string, read by the input rule ----------------------------

ALL_ROLES = [role.value for role in Role]


@pytest.fixture
def api(app, make_user, make_org, db):
    """A client and the headers of a key whose user holds every role (so parsing is reached)."""
    user = make_user(*ALL_ROLES, organisation=make_org())
    _record, key = create_api_key(user, "hostile")
    db.session.commit()
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    return app.test_client(), headers


def spec_operations(app):
    """Yield (method, url, operation, schemas) for every operation of the OpenAPI document."""
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    for path, operations in spec["paths"].items():
        url = re.sub(r"\{[^}]+\}", "1", path)  # the body is read before the path's object
        for method, operation in operations.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield method.upper(), url, operation, spec["components"]["schemas"]


def json_writes(app):
    """Yield (method, url, body schema) for every operation taking a JSON body."""
    for method, url, operation, schemas in spec_operations(app):
        content = operation.get("requestBody", {}).get("content", {})
        if "application/json" in content:
            yield method, url, _resolved(content["application/json"]["schema"], schemas), schemas


def _resolved(schema: dict, schemas: dict) -> dict:
    if "$ref" in schema:
        return schemas[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def text_plantings(schema: dict, schemas: dict, value: str):
    """Yield (name, body, expected errors) planting `value` in each text the body may hold."""
    for name, prop in schema.get("properties", {}).items():
        prop = _resolved(prop, schemas)
        kinds = prop.get("type") if isinstance(prop.get("type"), list) else [prop.get("type")]
        if prop.get("readOnly"):
            continue
        if "string" in kinds:
            yield name, {name: value}, {name: ["MESSAGE"]}
        elif "array" in kinds:
            items = _resolved(prop["items"], schemas)
            if items.get("type") == "string":
                yield name, {name: ["ok", value]}, {name: {"1": ["MESSAGE"]}}
            for inner, body, errors in text_plantings(items, schemas, value):
                yield f"{name}.{inner}", {name: [body]}, {name: {"0": errors}}


def _expect(errors, message):
    if isinstance(errors, list):
        return [message]
    return {key: _expect(value, message) for key, value in errors.items()}


JSON_WRITES = 21
DEEP = "[" * 5000 + "]" * 5000


def test_every_json_write_refuses_deep_bodies_bad_utf8_and_non_json_with_a_400(app, api):
    client, headers = api
    writes = list(json_writes(app))
    assert len(writes) == JSON_WRITES
    for method, url, _schema, _schemas in writes:
        for body, detail in [
            (DEEP, "The JSON body is nested too deeply: at most 32 levels."),
            ("[" * 33 + "]" * 33, "The JSON body is nested too deeply: at most 32 levels."),
            (b'{"name": "\xff\xfe"}', "The request body is not valid UTF-8 text."),
            ('{"amount_fen": NaN}', "The request body is not valid JSON."),
            ('{"amount_fen": 1' + "0" * 5000 + "}", "The request body is not valid JSON."),
            ('{"name": "unclosed', "The request body is not valid JSON."),
        ]:
            response = client.open(url, method=method, data=body, headers=headers)
            assert response.status_code == 400, (method, url, body[:10], response.status_code)
            assert response.headers["Content-Type"] == "application/problem+json"
            assert response.json["detail"] == detail
            assert response.json["errors"] == {"json": [detail]}
        shallow = client.open(url, method=method, data="[" * 32 + "]" * 32, headers=headers)
        assert shallow.status_code == 422, (method, url)  # deep enough to read, then refused


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("\ud800", "This text holds a character that is not valid Unicode: type it again."),
        ("a\udfffb", "This text holds a character that is not valid Unicode: type it again."),
        ("a\u0000b", "Remove the invisible control characters from this text."),
        ("a\u0006b", "Remove the invisible control characters from this text."),
        ("a\u001bb", "Remove the invisible control characters from this text."),
        ("a\u202eb", "Remove the invisible control characters from this text."),
        ("x" * 5001, "This text is too long: at most 5,000 characters."),
    ],
)
def test_every_text_of_every_json_write_is_read_by_the_rule(app, api, db, value, message):
    client, headers = api
    before = counts(db)
    planted = 0
    for method, url, schema, schemas in json_writes(app):
        for name, body, errors in text_plantings(schema, schemas, value):
            if name == "description" and value.startswith("x"):
                continue  # a multi-line text may be longer (and the title's is checked below)
            response = client.open(url, method=method, json=body, headers=headers)
            assert response.status_code == 422, (method, url, name, response.status_code)
            assert response.headers["Content-Type"] == "application/problem+json"
            assert response.json["errors"] == {"json": _expect(errors, message)}, (url, name)
            planted += 1
    assert planted >= 40
    db.session.expire_all()
    assert counts(db) == before


LINE = "Keep this on one line: remove the line breaks and tabs."


def test_line_breaks_only_in_the_multi_line_texts_of_the_api(app, api):
    client, headers = api
    for method, url, schema, schemas in json_writes(app):
        for name, body, errors in text_plantings(schema, schemas, "two\nlines"):
            response = client.open(url, method=method, json=body, headers=headers)
            if name == "description":
                assert "description" not in response.json.get("errors", {}).get("json", {})
            else:
                expected = _expect(errors, LINE)
                assert response.json["errors"] == {"json": expected}, (url, name)


def test_every_query_text_and_number_of_the_api_is_read_by_the_rule(app, api):
    client, headers = api
    checked = 0
    for method, url, operation, _schemas in spec_operations(app):
        for parameter in operation.get("parameters", []):
            if parameter["in"] != "query":
                continue
            name, kind = parameter["name"], parameter["schema"].get("type")
            plantings = {
                "string": [("a%00b", "Remove the invisible control characters from this text.")],
                "integer": [
                    ("²", "Enter a whole number in digits, such as 120."),
                    ("٣", "Enter a whole number in digits, such as 120."),
                    ("1e3", "Enter a whole number in digits, such as 120."),
                ],
            }.get(kind, [])
            for value, message in plantings:
                response = client.open(f"{url}?{name}={value}", method=method, headers=headers)
                assert response.status_code == 422, (url, name, value, response.status_code)
                assert response.json["errors"] == {"query": {name: [message]}}, (url, name)
                checked += 1
    assert checked >= 12
    response = client.get(f"/api/v1/titles?page={'9' * 20}", headers=headers)
    assert response.status_code == 422
    assert response.json["errors"] == {
        "query": {"page": ["Must be greater than or equal to 1 and less than or equal to 100000."]}
    }
    assert client.get("/api/v1/titles?page=%EF%BC%92", headers=headers).json["page"] == 2  # "２"


def test_the_title_api_applies_the_title_forms_rules(app, api, db):
    client, headers = api
    body = {
        "isbn": "9787020002207",
        "title": "红楼\x00梦",
        "subtitle": "\x1b[31m",
        "contributors": [{"name": "曹雪\u202e芹"}],
        "description": "第一行\n第二行",
    }
    response = client.post("/api/v1/titles", json=body, headers=headers)
    assert response.status_code == 422
    control = ["Remove the invisible control characters from this text."]
    assert response.json["errors"] == {
        "json": {"title": control, "subtitle": control, "contributors": {"0": {"name": control}}}
    }
    assert db.session.scalar(select(func.count(Title.id))) == 0
    clean = {**body, "title": "  红楼梦 ", "subtitle": None, "contributors": [{"name": "曹雪芹"}]}
    created = client.post("/api/v1/titles", json=clean, headers=headers)
    assert created.status_code == 201, created.json
    assert (created.json["title"], created.json["description"]) == ("红楼梦", "第一行\n第二行")
