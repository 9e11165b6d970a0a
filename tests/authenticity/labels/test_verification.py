"""Public verification: genuine, revoked or one uniform unknown; clone warnings; abuse guards."""

import logging
from datetime import UTC, datetime, timedelta

import pytest

from authenticity.labels import codes as label_codes
from authenticity.labels.logs import RedactCodes, fingerprint
from authenticity.labels.services import label_key

ISBNS = ["9787020001002", "9787020001019"]


@pytest.fixture
def codes(publisher, order):
    """Five codes of a sealed-or-not batch of `press`, ordered by its publisher."""
    _batch_id, codes = order(publisher.user, quantity=5)
    return codes


def check(client, code, ip="203.0.113.9", lang=None):
    url = f"/api/v1/labels/{code}" + (f"?lang={lang}" if lang else "")
    return client.get(url, environ_base={"REMOTE_ADDR": ip})


def test_a_genuine_code_shows_title_publisher_seller_and_counts(client, codes):
    first = check(client, codes[0])
    assert first.status_code == 200 and first.headers["Cache-Control"] == "no-store"
    body = first.json
    assert body["status"] == "genuine" and body["clone_suspected"] is False
    assert body["title"] == "红楼梦" and body["isbn"] == ISBNS[0]
    assert body["publisher"] == "People's Literature Publishing House"
    assert body["seller"] == "人民文学出版社" and body["checks"] == 1
    assert body["first_checked_at"]
    again = check(client, label_codes.group(codes[0]).lower())
    assert again.json["checks"] == 2
    assert again.json["first_checked_at"] == body["first_checked_at"]
    page = client.get(f"/verify/{label_codes.group(codes[1])}?lang=zh")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-verdict="genuine"' in text
    assert "人民文学出版社" in text and 'lang="zh-CN"' in text
    assert page.headers["Cache-Control"] == "no-store"


def test_the_form_checks_a_typed_code(client, codes):
    page = client.get("/verify").get_data(as_text=True)
    assert 'name="code"' in page and "data-verdict" not in page
    typed = client.get("/verify", query_string={"code": " " + label_codes.group(codes[2]) + " "})
    assert 'data-verdict="genuine"' in typed.get_data(as_text=True)
    empty = client.get("/verify", query_string={"code": ""}).get_data(as_text=True)
    assert "Type the code printed under the QR code." in empty and "data-verdict" not in empty


def test_unknown_codes_get_one_uniform_answer(client, codes):
    unknown = label_codes.new_code()
    typo = label_codes.mistyped(codes[0], at=5)
    answers = {}
    for name, code in {
        "unknown": unknown,
        "malformed": "NOT-A-CODE",
        "hostile": "<script>alert(1)</script>",
        "sql": "' OR 1=1 --",
        "long": "A" * 500,
        "typo": typo,
    }.items():
        response = check(client, code)
        assert response.status_code == 200, name
        answers[name] = response.json
    plain = answers["unknown"]
    assert plain["status"] == "unknown" and set(plain) == {
        "status", "message", "advice", "typo_suspected", "clone_suspected"
    }  # fmt: skip
    for name in ("malformed", "hostile", "sql", "long"):
        assert answers[name] == plain, name
    assert answers["typo"]["status"] == "unknown" and answers["typo"]["typo_suspected"] is True
    assert "Please check for typing mistakes." in answers["typo"]["message"]
    page = client.get(f"/verify/{typo}").get_data(as_text=True)
    assert 'data-verdict="unknown"' in page and "Please check for typing mistakes." in page
    hostile = client.get("/verify/<script>alert(1)</script>").get_data(as_text=True)
    assert "<script>alert(1)" not in hostile


def test_a_revoked_label_says_why_by_category_only(publisher, client, db, codes, order):
    publisher.post(
        "/labels/revoke-code",
        data={
            "code": codes[0],
            "category": "counterfeit",
            "reason": "在某店铺发现仿制",
            "confirm": "y",
        },
    )
    body = check(client, codes[0]).json
    assert body["status"] == "revoked" and body["revoke_category"] == "counterfeit"
    assert "在某店铺发现仿制" not in str(body)
    page = client.get(f"/verify/{codes[0]}").get_data(as_text=True)
    assert 'data-verdict="revoked"' in page and "Found on counterfeit copies" in page
    assert check(client, codes[1]).json["status"] == "genuine"


def test_a_revoked_batch_revokes_every_label(publisher, client, db, order):
    batch_id, codes = order(publisher.user, quantity=3)
    publisher.post(
        f"/labels/{batch_id}/revoke", data={"category": "lost", "reason": "丢失", "confirm": "y"}
    )
    assert {check(client, code).json["status"] for code in codes} == {"revoked"}


class Clock:
    """Stands in for the checks' clock: now, moved on by whole days."""

    def __init__(self):
        self.days = 0

    def __call__(self) -> datetime:
        return datetime.now(UTC) + timedelta(days=self.days)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """The clock of label checks, which a test can move on by days."""
    clock = Clock()
    monkeypatch.setattr("authenticity.labels.verification.utcnow", clock)
    return clock


def test_one_reader_checking_again_and_again_never_brands_a_label(client, codes, clock):
    # (issue 18: eleven checks from one address set clone_suspected for every reader)
    today = [check(client, codes[0]).json for _ in range(30)]
    assert [answer["clone_suspected"] for answer in today] == [False] * 30
    assert today[-1]["checks"] == 30  # every check is still counted and shown
    for _day in range(14):  # the same network on many days is still one reader
        clock.days += 1
        assert check(client, codes[0]).json["clone_suspected"] is False
    page = client.get(f"/verify/{codes[0]}", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    text = page.get_data(as_text=True)
    assert 'data-verdict="genuine"' in text and "may have been copied" not in text


def _networks(app, count: int) -> list[str]:
    """Return addresses of `count` networks that take different bits (bits can coincide)."""
    key, seen, found = label_key(app.config), set(), []
    for n in range(1, 200):
        address = f"198.51.{n}.7"
        bit = label_codes.network_bit(key, address)
        if bit not in seen:
            seen.add(bit)
            found.append(address)
        if len(found) == count:
            return found
    raise AssertionError("not enough distinct network bits")


def test_a_label_read_from_a_few_networks_over_several_days_is_flagged(app, client, codes, clock):
    home, phone, shop = _networks(app, 3)  # fewer than LABEL_CLONE_NETWORKS (5)
    answers = []
    for _day in range(4):
        for address in (home, phone, shop):
            answers += [check(client, codes[1], ip=address).json for _ in range(3)]
        clock.days += 1
    flags = [answer["clone_suspected"] for answer in answers]
    # 3 networks a day: readings 1 to 12, each counted on its network's first check of a day
    readings_seen = [1 + day * 3 + n for day in range(4) for n in range(3) for _ in range(3)]
    assert flags == [count > 10 for count in readings_seen]
    assert answers[-1]["checks"] == 36


def test_checks_from_many_networks_are_flagged(client, codes):
    answers = [check(client, codes[1], ip=f"198.51.{n}.10").json for n in range(8)]
    assert answers[0]["clone_suspected"] is False
    assert answers[-1]["clone_suspected"] is True and answers[-1]["checks"] == 8
    # the same network many times does not count as many networks
    same = [check(client, codes[2], ip=f"192.0.2.{n}").json for n in range(8)]
    assert not any(answer["clone_suspected"] for answer in same)


def test_no_session_cookie_even_for_a_logged_in_reader(publisher, codes):
    for url in (f"/verify/{codes[0]}", "/verify", f"/api/v1/labels/{codes[0]}"):
        response = publisher.get(url)
        assert response.status_code == 200
        assert "alliance_session" not in response.headers.get("Set-Cookie", ""), url


def test_verification_is_rate_limited_per_address_and_overall(app, client, codes):
    statuses = [check(client, codes[0], ip="203.0.113.50").status_code for _ in range(61)]
    assert statuses == [200] * 60 + [429]
    page = client.get(f"/verify/{codes[0]}", environ_base={"REMOTE_ADDR": "203.0.113.50"})
    assert page.status_code == 429  # pages and API share the limit
    assert check(client, codes[0], ip="203.0.113.51").status_code == 200
    app.config["LABEL_VERIFY_GLOBAL_RATE"] = "5 per minute"
    try:
        from alliance.extensions import limiter

        limiter.reset()
        overall = [check(client, codes[1], ip=f"10.0.{n}.1").status_code for n in range(6)]
        assert overall == [200] * 5 + [429]
    finally:
        app.config["LABEL_VERIFY_GLOBAL_RATE"] = "6000 per minute"


def test_codes_never_reach_the_logs(app, client, codes, caplog):
    code = codes[0]
    typo = code[:20] + ("0" if code[20] != "0" else "1")
    with caplog.at_level(logging.INFO):
        check(client, label_codes.new_code())
        check(client, typo)
        client.get(f"/verify/{label_codes.group(code)}")
        client.get("/verify", query_string={"code": code})
        # the request line a server writes for a check, through the app's redaction
        werkzeug = logging.getLogger("werkzeug")
        werkzeug.info('%s - - "%s" %s', "203.0.113.9", f"GET /verify/{code}?lang=zh HTTP/1.1", 200)
        werkzeug.info('"%s"', f"GET /verify?code={label_codes.group(code)}&lang=en HTTP/1.1")
        werkzeug.info('"%s"', f"GET /api/v1/labels/{code.lower()} HTTP/1.1")
    text = "\n".join(record.getMessage() for record in caplog.records)
    for secret in (code, label_codes.group(code), code.lower(), typo):
        assert secret not in text
    assert fingerprint(code) in text and f"/verify/{fingerprint(code)}" in text
    assert any(isinstance(f, RedactCodes) for f in logging.getLogger("werkzeug").filters)
