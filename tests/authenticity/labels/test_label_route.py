"""The public label check API, answered ahead of the app: headers, language, HTTPS, errors."""

import logging

import pytest

from authenticity.labels import codes as label_codes


@pytest.fixture
def codes(publisher, order):
    """Three codes of a batch of `press`."""
    _batch_id, codes = order(publisher.user, quantity=3)
    return codes


def test_the_answer_has_the_pages_security_headers_and_sets_no_cookie(client, codes):
    answer = client.get(f"/api/v1/labels/{codes[0]}")
    page = client.get("/verify")
    assert answer.status_code == 200 and answer.json["status"] == "genuine"
    assert answer.content_type == "application/json"
    own = {"Content-Type", "Content-Length", "X-Request-ID", "Vary", "Set-Cookie",
           "Cache-Control", "Content-Security-Policy"}  # fmt: skip
    site = {name for name, _value in page.headers if name not in own}
    assert {"X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy"} <= site
    for name in site:  # the same configuration as the pages, whatever it holds
        assert answer.headers[name] == page.headers[name], name
    assert "default-src 'none'" in answer.headers["Content-Security-Policy"]
    assert answer.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in answer.headers
    assert len(answer.headers["X-Request-ID"]) == 32
    assert "Strict-Transport-Security" not in answer.headers  # plain HTTP: nothing to pin


@pytest.fixture
def behind_a_proxy(app, monkeypatch):
    """Trust the test client's address (127.0.0.1) as one reverse proxy."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    proxies = app.wsgi_app
    monkeypatch.setattr(proxies, "proxied", ProxyFix(proxies.direct, x_for=1, x_proto=1))


def test_over_https_the_answer_pins_https(client, codes, behind_a_proxy):
    direct = client.get(f"/api/v1/labels/{codes[0]}", base_url="https://labels.example.org")
    proxied = client.get(f"/api/v1/labels/{codes[0]}", headers={"X-Forwarded-Proto": "https"})
    page = client.get("/verify", base_url="https://labels.example.org")
    for answer in (direct, proxied):
        assert (
            answer.headers["Strict-Transport-Security"] == page.headers["Strict-Transport-Security"]
        )


def test_plain_http_is_sent_to_https_when_forced(app, client, codes, behind_a_proxy):
    app.config["FORCE_HTTPS"] = True
    try:
        answer = client.get(f"/api/v1/labels/{codes[0]}?lang=zh")
        behind_proxy = client.get(
            f"/api/v1/labels/{codes[0]}", headers={"X-Forwarded-Proto": "https"}
        )
    finally:
        app.config["FORCE_HTTPS"] = False
    assert answer.status_code == 302
    assert answer.headers["Location"] == f"https://localhost/api/v1/labels/{codes[0]}?lang=zh"
    assert behind_proxy.status_code == 200


def test_a_client_cannot_claim_https_without_a_proxy(client, codes):
    answer = client.get(f"/api/v1/labels/{codes[0]}", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in answer.headers


def test_the_reader_gets_their_language(client, codes):
    english = client.get(f"/api/v1/labels/{codes[0]}").json
    assert english["message"].startswith("Genuine")
    asked = client.get(f"/api/v1/labels/{codes[0]}?lang=zh")
    assert asked.json["message"].startswith("正版")
    assert "lang=zh" in asked.headers["Set-Cookie"]
    assert "HttpOnly" in asked.headers["Set-Cookie"]
    remembered = client.get(f"/api/v1/labels/{codes[0]}")  # the cookie is sent back
    assert remembered.json["message"].startswith("正版")
    client.delete_cookie("lang")
    browser = client.get(
        f"/api/v1/labels/{codes[1]}", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}
    )
    assert browser.json["message"].startswith("正版")
    assert browser.json["publisher"] == "人民文学出版社"


def test_a_request_id_from_the_proxy_is_kept_and_a_hostile_one_replaced(client, codes):
    kept = client.get(f"/api/v1/labels/{codes[0]}", headers={"X-Request-ID": "edge-1234abcd"})
    assert kept.headers["X-Request-ID"] == "edge-1234abcd"
    hostile = client.get(
        f"/api/v1/labels/{codes[0]}", headers={"X-Request-ID": "<script>x</script>"}
    )
    assert "<" not in hostile.headers["X-Request-ID"]


def test_typed_variants_and_odd_paths(client, codes):
    # What a phone's Chinese keyboard types: full-width symbols (U+FF01.. = U+0021.. + 0xFEE0).
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in label_codes.group(codes[0]))
    assert client.get(f"/api/v1/labels/{full_width}").json["status"] == "genuine"
    for path in ("/api/v1/labels/%E4%B8%AD%E6%96%87", "/api/v1/labels/%FF%FE",
                 "/api/v1/labels/a/b/c", "/api/v1/labels/=cmd|' /C calc'!A0"):  # fmt: skip
        answer = client.get(path)
        assert answer.status_code == 200 and answer.json["status"] == "unknown", path
    head = client.head(f"/api/v1/labels/{codes[1]}")
    assert head.status_code == 200 and head.data == b""
    assert client.get(f"/api/v1/labels/{codes[1]}").json["checks"] == 2  # HEAD counted too
    assert client.get("/api/v1/labels/").status_code == 404
    posted = client.post(f"/api/v1/labels/{codes[2]}")
    assert posted.status_code == 405 and posted.headers["Allow"] == "GET, HEAD"
    assert posted.content_type == "application/problem+json"
    assert client.get(f"/api/v1/labels/{codes[2]}").json["checks"] == 1  # a POST counts nothing


def test_a_failure_is_a_translated_problem_and_logged_without_the_code(
    app, client, codes, monkeypatch, caplog
):
    def broken(code, address):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(app.extensions["label_checks"], "verify", broken)
    with caplog.at_level(logging.ERROR):
        answer = client.get(f"/api/v1/labels/{codes[0]}?lang=zh")
    assert answer.status_code == 500
    assert answer.content_type == "application/problem+json"
    assert answer.json["status"] == 500 and answer.json["title"] == "抱歉，系统出现错误"
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "label check failed" in logged and codes[0] not in caplog.text


def test_the_rate_limit_answer_is_a_problem_with_retry_after(client, codes):
    for _ in range(60):
        client.get(f"/api/v1/labels/{codes[0]}", environ_base={"REMOTE_ADDR": "192.0.2.77"})
    refused = client.get(f"/api/v1/labels/{codes[0]}", environ_base={"REMOTE_ADDR": "192.0.2.77"})
    assert refused.status_code == 429
    assert refused.content_type == "application/problem+json"
    assert refused.json["type"].endswith("/rate-limited")
    assert 1 <= int(refused.headers["Retry-After"]) <= 61
    assert refused.headers["Cache-Control"] == "no-store"
