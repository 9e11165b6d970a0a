"""Text messages: the log in development, an HTTP gateway in production."""

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from alliance import create_app
from alliance.config import ConfigError
from alliance.sms import SmsNotSent, send_sms


class Gateway(BaseHTTPRequestHandler):
    """A local SMS gateway: keeps what it receives, answers with the status it is told."""

    received: list = []
    status = 200

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((dict(self.headers), json.loads(body)))
        self.send_response(self.status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway():
    Gateway.received, Gateway.status = [], 200
    server = HTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Gateway, f"http://127.0.0.1:{server.server_port}/send"
    finally:
        server.shutdown()
        server.server_close()


def test_the_http_backend_posts_to_the_gateway(app, gateway, monkeypatch):
    handler, url = gateway
    monkeypatch.setitem(app.config, "SMS_BACKEND", "http")
    monkeypatch.setitem(app.config, "SMS_GATEWAY_URL", url)
    monkeypatch.setitem(app.config, "SMS_GATEWAY_TOKEN", "gateway-token")
    with app.app_context():
        send_sms("+8613800138000", "您的验证码是 123456")
    headers, body = handler.received[0]
    assert body == {"to": "+8613800138000", "text": "您的验证码是 123456"}
    assert headers["Authorization"] == "Bearer gateway-token"


def test_a_gateway_that_refuses_is_an_error(app, gateway, monkeypatch):
    handler, url = gateway
    handler.status = 503
    monkeypatch.setitem(app.config, "SMS_BACKEND", "http")
    monkeypatch.setitem(app.config, "SMS_GATEWAY_URL", url)
    with app.app_context(), pytest.raises(SmsNotSent, match="answered 503"):
        send_sms("+8613800138000", "x")


def test_production_never_logs_a_message_text(app, monkeypatch, caplog):
    monkeypatch.setitem(app.config, "ENV_NAME", "production")
    with app.app_context(), caplog.at_level(logging.INFO, logger="alliance.sms"):
        send_sms("+8613800138000", "code 654321")
    assert "654321" not in caplog.text and "not sent" in caplog.text


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"SMS_BACKEND": "carrier-pigeon"}, "SMS_BACKEND must be log or http"),
        ({"SMS_BACKEND": "http"}, "SMS_BACKEND=http needs SMS_GATEWAY_URL"),
        ({"SMS_BACKEND": "http", "SMS_GATEWAY_URL": "gateway:80"}, "needs SMS_GATEWAY_URL"),
    ],
)
def test_sms_settings_are_checked(monkeypatch, environ, message):
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=message):
        create_app("test")
