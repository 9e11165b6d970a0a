"""Every form, fed empty, huge, hostile and wrongly typed values: a message, nothing stored."""

from contextlib import suppress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from alliance.audit import AuditEvent
from alliance.auth.identifiers import LoginFormatError, parse_login
from alliance.auth.models import User
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
        assert response.status_code in (200, 302), (path, value, response.status_code)
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
