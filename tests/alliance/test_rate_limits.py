"""Log-in attempts are limited per IP and per account, without revealing accounts."""

from alliance.extensions import limiter


def attempt(client, login, ip="203.0.113.7"):
    return client.post(
        "/auth/login",
        data={"login": login, "password": "wrong password here"},
        environ_base={"REMOTE_ADDR": ip},
    )


def test_limits_are_active_in_tests():
    assert limiter.enabled


def test_one_account_from_one_address_is_limited_tightly(client, make_user):
    make_user(email="target@example.org")
    statuses = [attempt(client, "target@example.org").status_code for _ in range(7)]
    assert statuses == [200] * 5 + [429, 429]
    # a differently written form of the same login counts for the same account
    assert attempt(client, "TARGET@example.org").status_code == 429
    # another account from the same address is not affected
    assert attempt(client, "someone@example.org").status_code == 200


def test_a_stranger_guessing_does_not_lock_the_owner_out(client, make_user, app):
    make_user(email="owner@example.org")
    for _ in range(8):
        attempt(client, "owner@example.org", ip="203.0.113.66")
    assert attempt(client, "owner@example.org", ip="203.0.113.66").status_code == 429
    owner = client.post(
        "/auth/login",
        data={"login": "owner@example.org", "password": "correct horse battery staple"},
        environ_base={"REMOTE_ADDR": "198.51.100.20"},
    )
    assert owner.status_code == 302


def test_one_account_is_limited_loosely_from_any_address(client, make_user, app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT_ACCOUNT", "8 per hour")
    make_user(email="spread@example.org")
    statuses = [
        attempt(client, "spread@example.org", ip=f"198.51.100.{n}").status_code for n in range(10)
    ]
    assert statuses == [200] * 8 + [429, 429]
    assert attempt(client, "other@example.org", ip="198.51.100.99").status_code == 200


def test_limit_is_the_same_for_unknown_accounts(client, make_user):
    make_user(email="real@example.org")
    real = [attempt(client, "real@example.org", ip="192.0.2.1").status_code for _ in range(6)]
    ghost = [attempt(client, "ghost@example.org", ip="192.0.2.2").status_code for _ in range(6)]
    assert real == ghost == [200] * 5 + [429]


def test_successful_log_ins_are_not_counted(app, make_user):
    make_user(email="daily@example.org")
    statuses = []
    for _ in range(7):
        device = app.test_client()
        statuses.append(
            device.post(
                "/auth/login",
                data={"login": "daily@example.org", "password": "correct horse battery staple"},
                environ_base={"REMOTE_ADDR": "203.0.113.8"},
            ).status_code
        )
    assert statuses == [302] * 7


def test_one_address_is_limited_across_accounts(client):
    statuses = [attempt(client, f"user{n}@example.org").status_code for n in range(22)]
    assert statuses[:20] == [200] * 20 and statuses[20] == 429


def test_limited_page_is_translated_and_says_when_to_retry(client):
    for _ in range(5):
        attempt(client, "x@example.org", ip="192.0.2.200")
    response = client.post(
        "/auth/login?lang=zh",
        data={"login": "x@example.org", "password": "nope"},
        environ_base={"REMOTE_ADDR": "192.0.2.200"},
    )
    assert response.status_code == 429
    assert "Retry-After" in response.headers
    assert 'lang="zh-CN"' in response.get_data(as_text=True)


def test_viewing_the_login_page_is_not_limited(client):
    assert all(client.get("/auth/login").status_code == 200 for _ in range(30))
