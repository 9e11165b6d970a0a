"""Registration, log-in, log-out, password change and reset, sessions."""

import logging
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from alliance.audit import AuditEvent
from alliance.auth import passwords
from alliance.auth.models import User
from alliance.auth.services import authenticate, create_user, make_reset_token

STRONG = "violet lantern harbour 42"
PASSWORD = "correct horse battery staple"  # the factories' users


def register(client, login, name="新用户", password=STRONG, confirm=None):
    return client.post(
        "/auth/register",
        data={
            "login": login,
            "display_name": name,
            "password": password,
            "confirm": password if confirm is None else confirm,
        },
    )


def sent_code(caplog) -> str:
    """Return the last code the log backends of mail and SMS delivered."""
    return re.findall(r"code is (\d{6})", caplog.text)[-1]


def register_and_confirm(client, caplog, login, **values):
    with caplog.at_level(logging.INFO):
        started = register(client, login, **values)
    assert started.status_code == 302, started.get_data(as_text=True)
    assert started.headers["Location"] == "/auth/register/confirm"
    return client.post("/auth/register/confirm", data={"code": sent_code(caplog)})


def user_count(db):
    return db.session.scalar(select(func.count(User.id)))


def test_register_with_mobile_stores_e164_and_logs_in(client, db, caplog):
    response = register_and_confirm(client, caplog, "138 0013 8000", name="李华")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "sms (SMS_BACKEND=log) to=+8613800138000" in caplog.text
    user = db.session.scalar(select(User).where(User.display_name == "李华"))
    assert user.mobile == "+8613800138000" and user.email is None
    assert user.roles == set()
    home = client.get("/").get_data(as_text=True)
    assert "Hello, 李华" in home and "no role yet" in home
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_id == str(user.id)))
    assert [event.action for event in events] == ["user.create"]


def test_register_with_email_stores_lower_case(client, db, caplog):
    register_and_confirm(client, caplog, "  Wang.Fang@Example.ORG ")
    assert "to=wang.fang@example.org subject=Your Book Alliance code" in caplog.text
    user = db.session.scalar(select(User).where(User.email == "wang.fang@example.org"))
    assert user is not None and user.password_hash.startswith("$argon2id$")


def test_no_account_exists_until_the_code_is_entered(client, db, caplog):
    before = user_count(db)
    with caplog.at_level(logging.INFO):
        register(client, "pending@example.org")
    assert user_count(db) == before
    page = client.get("/auth/register/confirm").get_data(as_text=True)
    assert "We have sent a six-digit code to pending@example.org" in page
    code = sent_code(caplog)
    wrong = "000000" if code != "000000" else "111111"
    refused = client.post("/auth/register/confirm", data={"code": wrong})
    assert refused.status_code == 200
    assert "This code is not correct" in refused.get_data(as_text=True)
    assert user_count(db) == before
    assert client.post("/auth/register/confirm", data={"code": code}).status_code == 302
    assert user_count(db) == before + 1


def test_a_code_stops_working_after_five_wrong_guesses(client, db, caplog):
    with caplog.at_level(logging.INFO):
        register(client, "guessed@example.org")
    code = sent_code(caplog)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        client.post("/auth/register/confirm", data={"code": wrong})
    late = client.post("/auth/register/confirm", data={"code": code})
    assert late.status_code == 200 and "This code is not correct" in late.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email == "guessed@example.org")) is None


def test_a_code_expires(client, db, caplog):
    from alliance.auth.models import OneTimeCode

    with caplog.at_level(logging.INFO):
        register(client, "slow@example.org")
    row = db.session.scalars(select(OneTimeCode)).one()
    row.expires_at -= timedelta(minutes=16)
    db.session.commit()
    late = client.post("/auth/register/confirm", data={"code": sent_code(caplog)})
    assert late.status_code == 200 and "This code is not correct" in late.get_data(as_text=True)


def test_the_confirm_page_without_a_registration_sends_back(client):
    response = client.get("/auth/register/confirm")
    assert response.status_code == 302 and response.headers["Location"] == "/auth/register"


@pytest.mark.parametrize(
    ("login", "password", "confirm", "message"),
    [
        ("", STRONG, None, "This field is required."),
        ("12345", STRONG, None, "mainland China mobile number"),
        ("+1 415 555 2671", STRONG, None, "mainland China mobile number"),
        ("010 6552 9988", STRONG, None, "mainland China mobile number"),  # a Beijing landline
        ("not-an-email@", STRONG, None, "email address is not valid"),
        ("a@example.org", "short", None, "at least 8 characters"),
        ("a@example.org", "password123", None, "too common"),
        ("a@example.org", "Qwertyuiop", None, "too common"),
        ("a@example.org", "x" * 257, None, "at most 256 characters"),
        ("a@example.org", STRONG, STRONG + "!", "passwords do not match"),
        ("a@example.org", "a@example.org", None, "Do not use your login"),
    ],
)
def test_register_rejects_bad_input_and_keeps_it(client, db, login, password, confirm, message):
    before = user_count(db)
    response = register(client, login, password=password, confirm=confirm)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    assert 'value="新用户"' in page  # the user's input is kept
    assert user_count(db) == before


def test_registering_a_taken_login_looks_the_same_and_tells_its_owner(
    client, db, make_user, caplog
):
    make_user(mobile="+8613900139000")
    before = user_count(db)
    with caplog.at_level(logging.INFO):
        taken = register(client, "13900139000")
        fresh = register(app_client := client.application.test_client(), "13700137000")
    assert (taken.status_code, taken.headers["Location"]) == (
        fresh.status_code,
        fresh.headers["Location"],
    )
    assert client.get("/auth/register/confirm").get_data(as_text=True).replace(
        "13900139000", "N"
    ) == app_client.get("/auth/register/confirm").get_data(as_text=True).replace("13700137000", "N")
    assert "already has one" in caplog.text  # its owner is told, with no code
    assert len(re.findall(r"code is \d{6}", caplog.text)) == 1  # only the new number's
    refused = client.post("/auth/register/confirm", data={"code": "123456"})
    assert "This code is not correct" in refused.get_data(as_text=True)
    assert user_count(db) == before


def test_password_of_128_characters_is_accepted(client, db, caplog):
    response = register_and_confirm(client, caplog, "long@example.org", password="a1" * 64)
    assert response.status_code == 302


def test_login_with_email_or_mobile(client, make_user):
    make_user(email="reader@example.org")
    make_user(mobile="+8613700137000")
    for login in ("READER@example.org", "137 0013 7000", "+86 137-0013-7000"):
        response = client.post(
            "/auth/login", data={"login": login, "password": "correct horse battery staple"}
        )
        assert response.status_code == 302, login
        client.post("/auth/logout")


def test_failed_login_says_the_same_for_unknown_and_wrong_password(client, make_user):
    make_user(email="known@example.org")
    wrong = client.post(
        "/auth/login", data={"login": "known@example.org", "password": "nope nope nope"}
    )
    unknown = client.post(
        "/auth/login", data={"login": "ghost@example.org", "password": "nope nope nope"}
    )
    for response in (wrong, unknown):
        assert response.status_code == 200
        assert "The login or password is not correct." in response.get_data(as_text=True)

    def page(response):
        body = re.sub(r'name="csrf_token"[^>]*', "", response.get_data(as_text=True))
        return body.replace("ghost", "known")

    assert page(wrong) == page(unknown)


def test_deactivated_user_cannot_log_in(client, make_user):
    make_user(email="gone@example.org", active=False)
    response = client.post(
        "/auth/login",
        data={"login": "gone@example.org", "password": "correct horse battery staple"},
    )
    assert "not correct" in response.get_data(as_text=True)


def test_login_starts_a_fresh_session_and_redirects_only_inside_the_site(client, make_user):
    make_user(email="s@example.org")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    response = client.post(
        "/auth/login?next=//evil.example.com/x",
        data={"login": "s@example.org", "password": "correct horse battery staple"},
    )
    assert response.headers["Location"] == "/"
    with client.session_transaction() as session:
        assert "planted" not in session
    client.post("/auth/logout")
    response = client.post(
        "/auth/login?next=/auth/profile",
        data={"login": "s@example.org", "password": "correct horse battery staple"},
    )
    assert response.headers["Location"] == "/auth/profile"


def test_logout_ends_the_session(client_as):
    client = client_as("writer")
    assert client.get("/auth/profile").status_code == 200
    assert client.post("/auth/logout").status_code == 302
    assert client.get("/auth/profile").status_code == 302


def _cookie_of(client) -> str:
    return client.get_cookie("alliance_session").value


def _replay(app, cookie: str):
    thief = app.test_client()
    thief.set_cookie("alliance_session", cookie)
    return thief


def test_a_cookie_replayed_after_logout_opens_nothing(app, client, make_user):
    make_user(email="leaver@example.org")
    client.post("/auth/login", data={"login": "leaver@example.org", "password": PASSWORD})
    cookie = _cookie_of(client)
    assert _replay(app, cookie).get("/auth/profile").status_code == 200
    client.post("/auth/logout")
    replayed = _replay(app, cookie).get("/auth/profile")
    assert replayed.status_code == 302 and replayed.headers["Location"].startswith("/auth/login")


def test_logging_out_on_one_device_keeps_the_others(app, make_user):
    make_user(email="two.devices@example.org")
    laptop, phone = app.test_client(), app.test_client()
    for device in (laptop, phone):
        device.post("/auth/login", data={"login": "two.devices@example.org", "password": PASSWORD})
    laptop.post("/auth/logout")
    assert laptop.get("/auth/profile").status_code == 302
    assert phone.get("/auth/profile").status_code == 200


def test_a_session_unused_for_a_month_has_ended(app, client, make_user, db):
    from alliance.auth.models import LoginSession

    make_user(email="away@example.org")
    client.post("/auth/login", data={"login": "away@example.org", "password": PASSWORD})
    assert client.get("/auth/profile").status_code == 200
    row = db.session.scalars(db.select(LoginSession)).one()
    row.last_seen_at -= timedelta(days=31)
    db.session.commit()
    assert client.get("/auth/profile").status_code == 302
    assert db.session.scalars(db.select(LoginSession)).all() == []


def test_deactivating_a_user_ends_their_sessions(client_as, db, ctx):
    from alliance.auth.services import update_user

    admin, writer = client_as("admin"), client_as("writer")
    assert writer.get("/auth/profile").status_code == 200
    update_user(admin.user, writer.user, roles=["writer"], organisation=None, active=False)
    db.session.commit()
    assert writer.get("/auth/profile").status_code == 302


def test_change_password_needs_the_current_one_and_ends_other_sessions(app, client_as, db):
    client = client_as("writer")
    other_device = app.test_client()
    with client.session_transaction() as session:
        stolen = dict(session)
    with other_device.session_transaction() as session:
        session.update(stolen)
    assert other_device.get("/auth/profile").status_code == 200

    wrong = client.post(
        "/auth/password", data={"current": "wrong wrong", "password": STRONG, "confirm": STRONG}
    )
    assert "current password is not correct" in wrong.get_data(as_text=True)

    ok = client.post(
        "/auth/password",
        data={"current": "correct horse battery staple", "password": STRONG, "confirm": STRONG},
    )
    assert ok.status_code == 302
    assert client.get("/auth/profile").status_code == 200  # this session goes on
    assert other_device.get("/auth/profile").status_code == 302  # the other one is over
    db.session.expire_all()
    assert authenticate(client.user.login, STRONG) is not None


def test_password_reset_by_mail_link_works_once(client, db, make_user, caplog):
    user = make_user(email="forgetful@example.org")
    with caplog.at_level(logging.INFO, logger="alliance.mail"):
        response = client.post("/auth/forgot", data={"login": "Forgetful@example.org"})
    assert response.status_code == 302
    link = re.search(r"http://localhost:5000(/auth/reset/\S+)", caplog.text).group(1)
    opened = client.get(link)
    assert opened.headers["Location"] == "/auth/reset"  # the token leaves the address bar
    assert "Choose a new password" in client.get("/auth/reset").get_data(as_text=True)
    reset = client.post("/auth/reset", data={"password": STRONG, "confirm": STRONG})
    assert reset.status_code == 302 and reset.headers["Location"] == "/auth/login"
    db.session.expire_all()
    assert authenticate("forgetful@example.org", STRONG).id == user.id
    client.get(link)
    again = client.post(
        "/auth/reset", data={"password": "another fine phrase", "confirm": "another fine phrase"}
    )
    assert again.headers["Location"] == "/auth/forgot"
    assert authenticate("forgetful@example.org", STRONG) is not None


def test_password_reset_answers_the_same_for_unknown_accounts(client, caplog):
    with caplog.at_level(logging.INFO, logger="alliance.mail"):
        response = client.post(
            "/auth/forgot", data={"login": "nobody@example.org"}, follow_redirects=True
        )
    assert "If an account uses this address" in response.get_data(as_text=True)
    assert "reset" not in caplog.text.lower()


def test_expired_or_forged_reset_link_is_refused(app, client, make_user):
    user = make_user(email="late@example.org")
    with app.app_context():
        token = make_reset_token(user)
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    try:
        client.get(f"/auth/reset/{token}")
        response = client.post(
            "/auth/reset", data={"password": STRONG, "confirm": STRONG}, follow_redirects=True
        )
    finally:
        app.config["PASSWORD_RESET_MAX_AGE"] = 3600
    assert "expired" in response.get_data(as_text=True)
    client.get("/auth/reset/abc.def.ghi")
    forged = client.post(
        "/auth/reset", data={"password": STRONG, "confirm": STRONG}, follow_redirects=True
    )
    assert "not valid" in forged.get_data(as_text=True)


def test_reset_page_without_a_link_sends_the_user_to_ask_for_one(client):
    response = client.get("/auth/reset", follow_redirects=True)
    assert "Open the link from the email again" in response.get_data(as_text=True)


def test_hash_is_upgraded_when_parameters_change(db, ctx, monkeypatch):
    user = create_user("rehash@example.org", "R", STRONG)
    db.session.commit()
    old_hash = user.password_hash
    from argon2 import PasswordHasher

    monkeypatch.setattr(passwords, "hasher", PasswordHasher(time_cost=4))
    assert authenticate("rehash@example.org", STRONG) is not None
    assert user.password_hash != old_hash and "t=4" in user.password_hash


def test_profile_changes_language_and_time_zone(client_as, db):
    client = client_as("writer")
    response = client.post(
        "/auth/profile",
        data={"display_name": "<script>x</script>", "locale": "zh", "timezone": "Europe/London"},
    )
    assert response.status_code == 302
    assert "lang=zh" in response.headers["Set-Cookie"]
    page = client.get("/auth/profile").get_data(as_text=True)
    assert "&lt;script&gt;x&lt;/script&gt;" in page and "<script>x</script>" not in page
    db.session.expire_all()
    assert client.user.timezone == "Europe/London" and client.user.locale == "zh"


def test_profile_rejects_unknown_time_zone_and_empty_name(client_as):
    client = client_as("writer")
    page = client.post(
        "/auth/profile", data={"display_name": "  ", "locale": "xx", "timezone": "Mars/Olympus"}
    ).get_data(as_text=True)
    assert page.count("invalid-feedback") >= 3
    assert client.user.timezone == "Asia/Shanghai"


def test_a_mobile_only_user_resets_the_password_by_sms_code(client, db, make_user, caplog):
    user = make_user(mobile="+8613800138111")
    with caplog.at_level(logging.INFO):
        asked = client.post("/auth/forgot", data={"login": "138 0013 8111"})
    assert asked.status_code == 302 and asked.headers["Location"] == "/auth/reset/code"
    assert "sms (SMS_BACKEND=log) to=+8613800138111" in caplog.text
    code = re.findall(r"new password is (\d{6})", caplog.text)[-1]
    page = client.get("/auth/reset/code").get_data(as_text=True)
    assert "Enter the code we sent by SMS to +8613800138111" in page
    wrong = "000000" if code != "000000" else "111111"
    refused = client.post(
        "/auth/reset/code", data={"code": wrong, "password": STRONG, "confirm": STRONG}
    )
    assert refused.status_code == 200 and "This code is not correct" in refused.get_data(
        as_text=True
    )
    done = client.post(
        "/auth/reset/code", data={"code": code, "password": STRONG, "confirm": STRONG}
    )
    assert done.status_code == 302 and done.headers["Location"] == "/auth/login"
    db.session.expire_all()
    assert authenticate("+8613800138111", STRONG).id == user.id


def test_an_unknown_mobile_number_gets_the_same_answer_and_no_sms(client, caplog):
    with caplog.at_level(logging.INFO):
        asked = client.post("/auth/forgot", data={"login": "13800138222"}, follow_redirects=True)
    assert "If an account uses this number, we have sent it a code by SMS." in asked.get_data(
        as_text=True
    )
    assert "to=+8613800138222" not in caplog.text
    refused = client.post(
        "/auth/reset/code", data={"code": "123456", "password": STRONG, "confirm": STRONG}
    )
    assert "This code is not correct" in refused.get_data(as_text=True)
