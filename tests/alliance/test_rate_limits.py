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


def test_one_account_is_limited_from_any_address(client, make_user):
    make_user(email="target@example.org")
    statuses = [
        attempt(client, "target@example.org", ip=f"198.51.100.{n}").status_code for n in range(7)
    ]
    assert statuses[:5] == [200] * 5
    assert statuses[5:] == [429, 429]
    # a differently written form of the same login counts for the same account
    assert attempt(client, "TARGET@example.org", ip="198.51.100.99").status_code == 429
    # another account is not affected
    assert attempt(client, "someone@example.org", ip="198.51.100.100").status_code == 200


def test_limit_is_the_same_for_unknown_accounts(client, make_user):
    make_user(email="real@example.org")
    real = [attempt(client, "real@example.org", ip=f"192.0.2.{n}").status_code for n in range(6)]
    ghost = [
        attempt(client, "ghost@example.org", ip=f"192.0.2.{n + 10}").status_code for n in range(6)
    ]
    assert real == ghost == [200] * 5 + [429]


def test_one_address_is_limited_across_accounts(client):
    statuses = [attempt(client, f"user{n}@example.org").status_code for n in range(22)]
    assert statuses[:20] == [200] * 20 and statuses[20] == 429


def test_limited_page_is_translated_and_says_when_to_retry(client):
    for n in range(5):
        attempt(client, "x@example.org", ip=f"192.0.2.{n}")
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
